from django.urls import path

from lianjian.activities import views, views_reports

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="activity_list"),
    path("new/", views.activity_create, name="activity_create"),
    path("calendar/", views_reports.activity_calendar, name="activity_calendar"),
    path("stats/", views_reports.activity_stats, name="activity_stats"),
    path("compliance/", views_reports.compliance_matrix, name="compliance_matrix"),
    path("compliance/export/", views_reports.compliance_export, name="compliance_export"),
    path("compliance/o/<str:code>/", views_reports.compliance_org, name="compliance_org"),
    path("rules/", views_reports.rule_list, name="rule_list"),
    path("rules/new/", views_reports.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views_reports.rule_edit, name="rule_edit"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("a/<str:code>/", views.activity_detail, name="activity_detail"),
    path("a/<str:code>/edit/", views.activity_edit, name="activity_edit"),
    path("a/<str:code>/fill/", views.attendance_fill, name="attendance_fill"),
    path("a/<str:code>/add/", views.attendance_add, name="attendance_add"),
    path("a/<str:code>/mark/", views.attendance_mark, name="attendance_mark"),
    path("a/<str:code>/submit/", views.activity_submit, name="activity_submit"),
    path("a/<str:code>/approve/", views.activity_approve, name="activity_approve"),
    path("a/<str:code>/return/", views.activity_return, name="activity_return"),
    path("a/<str:code>/void/", views.activity_void, name="activity_void"),
]
