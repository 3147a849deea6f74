from django.urls import path

from lianjian.consultations import views, views_meetings

app_name = "consultations"
urlpatterns = [
    path("", views.problem_list, name="problem_list"),
    path("new/", views.problem_create, name="problem_create"),
    path("export/", views.problem_export, name="problem_export"),
    path("stats/", views.problem_stats, name="problem_stats"),
    path("p/<str:code>/", views.problem_detail, name="problem_detail"),
    path("p/<str:code>/edit/", views.problem_edit, name="problem_edit"),
    path("p/<str:code>/assign/", views.problem_assign, name="problem_assign"),
    path("p/<str:code>/progress/", views.problem_progress, name="problem_progress"),
    path("p/<str:code>/solve/", views.problem_solve, name="problem_solve"),
    path("p/<str:code>/confirm/", views.problem_confirm, name="problem_confirm"),
    path("p/<str:code>/reopen/", views.problem_reopen, name="problem_reopen"),
    path("meetings/", views_meetings.meeting_list, name="meeting_list"),
    path("meetings/new/", views_meetings.meeting_create, name="meeting_create"),
    path("meetings/<str:code>/", views_meetings.meeting_detail, name="meeting_detail"),
    path("meetings/<str:code>/edit/", views_meetings.meeting_edit, name="meeting_edit"),
    path("meetings/<str:code>/held/", views_meetings.meeting_held, name="meeting_held"),
]
