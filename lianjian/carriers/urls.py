from django.urls import path

from lianjian.carriers import views

app_name = "carriers"
urlpatterns = [
    path("", views.carrier_list, name="carrier_list"),
    path("new/", views.carrier_create, name="carrier_create"),
    path("contest/", views.contest, name="contest"),
    path("coverage/", views.coverage, name="coverage"),
    path("public/<str:org>/", views.public_page, name="public"),
    path("c/<str:code>/", views.carrier_detail, name="carrier_detail"),
    path("c/<str:code>/edit/", views.carrier_edit, name="carrier_edit"),
    path("c/<str:code>/review/", views.carrier_review, name="carrier_review"),
    path("c/<str:code>/veto/", views.carrier_veto, name="carrier_veto"),
    path("c/<str:code>/reapply/", views.carrier_reapply, name="carrier_reapply"),
    path("c/<str:code>/members/", views.member_add, name="member_add"),
    path("c/<str:code>/members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("c/<str:code>/<str:action>/", views.carrier_action, name="carrier_action"),
]
