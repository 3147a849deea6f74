from django.urls import path

from lianjian.alliances import views

app_name = "alliances"
urlpatterns = [
    path("", views.alliance_list, name="alliance_list"),
    path("new/", views.alliance_create, name="alliance_create"),
    path("network/", views.network, name="network"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/status/", views.agreement_status, name="agreement_status"),
    path("agreements/<int:pk>/renew/", views.agreement_renew, name="agreement_renew"),
    path("agreements/<int:pk>/upload/", views.agreement_upload, name="agreement_upload"),
    path("agreements/<int:pk>/files/<int:file_id>/", views.agreement_file, name="agreement_file"),
    path("<str:code>/", views.alliance_detail, name="alliance_detail"),
    path("<str:code>/edit/", views.alliance_edit, name="alliance_edit"),
    path("<str:code>/members/add/", views.member_add, name="member_add"),
    path("<str:code>/members/<int:pk>/", views.member_edit, name="member_edit"),
    path("<str:code>/agreements/new/", views.agreement_create, name="agreement_create"),
    path("<str:code>/plan/<int:year>/", views.plan_edit, name="plan_edit"),
]
