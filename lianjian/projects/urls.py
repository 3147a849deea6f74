from django.urls import path

from lianjian.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="project_list"),
    path("p/<str:code>/", views.project_detail, name="project_detail"),
    path("p/<str:code>/advance/", views.project_advance, name="project_advance"),
    path("p/<str:code>/metrics/", views.project_metric, name="project_metric"),
    path("p/<str:code>/awards/", views.project_award, name="project_award"),
    path("p/<str:code>/awards/<int:pk>/void/", views.award_void, name="award_void"),
    path(
        "p/<str:code>/awards/<int:pk>/certificate/",
        views.award_certificate,
        name="award_certificate",
    ),
    path("p/<str:code>/certificates/<int:pk>/", views.certificate_file, name="certificate_file"),
    path("calls/", views.call_list, name="call_list"),
    path("calls/new/", views.call_create, name="call_create"),
    path("calls/<str:code>/", views.call_detail, name="call_detail"),
    path("calls/<str:code>/edit/", views.call_edit, name="call_edit"),
    path("calls/<str:code>/publish/", views.call_publish, name="call_publish"),
    path("calls/<str:code>/close/", views.call_close, name="call_close"),
    path("calls/<str:code>/bid/", views.bid_create, name="bid_create"),
    path("bids/", views.bid_list, name="bid_list"),
    path("bids/<str:code>/", views.bid_detail, name="bid_detail"),
    path("bids/<str:code>/shortlist/", views.bid_shortlist, name="bid_shortlist"),
    path("bids/<str:code>/defence/", views.bid_defence, name="bid_defence"),
    path("bids/<str:code>/award/", views.bid_award, name="bid_award"),
    path("bids/<str:code>/reject/", views.bid_reject, name="bid_reject"),
    path("bids/<str:code>/withdraw/", views.bid_withdraw, name="bid_withdraw"),
]
