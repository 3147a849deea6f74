from django.urls import path

from lianjian.points import views

app_name = "points"
urlpatterns = [
    path("", views.scheme_list, name="scheme_list"),
    path("s/<str:code>/", views.scheme_detail, name="scheme_detail"),
    path("s/<str:code>/recompute/", views.scheme_recompute, name="scheme_recompute"),
    path("ledger/", views.entry_list, name="entry_list"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/new/", views.claim_create, name="claim_create"),
    path("claims/<int:pk>/<str:action>/", views.claim_step, name="claim_step"),
    path("mine/", views.mine, name="mine"),
]
