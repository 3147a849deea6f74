from django.urls import path

from lianjian.points import views

app_name = "points"
urlpatterns = [
    path("", views.scheme_list, name="scheme_list"),
    path("s/<str:code>/", views.scheme_detail, name="scheme_detail"),
    path("s/<str:code>/recompute/", views.scheme_recompute, name="scheme_recompute"),
    path("jobs/<int:pk>/", views.recompute_job, name="recompute_job"),
    path("s/<str:code>/m/<str:number>/", views.member_detail, name="member_detail"),
    path("s/<str:code>/m/<str:number>/entries/", views.entry_add, name="entry_add"),
    path("s/<str:code>/m/<str:number>/standing/", views.standing_set, name="standing_set"),
    path("entries/<int:pk>/withdraw/", views.entry_withdraw, name="entry_withdraw"),
    path("ledger/", views.entry_list, name="entry_list"),
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/new/", views.claim_create, name="claim_create"),
    path("claims/<int:pk>/<str:action>/", views.claim_step, name="claim_step"),
    path("mine/", views.mine, name="mine"),
]
