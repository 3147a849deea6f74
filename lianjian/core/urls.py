from django.urls import path

from lianjian.core import views

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("pick/<str:source>/", views.picker, name="picker"),
    path("jobs/reports/<int:pk>/", views.report_job, name="report_job"),
    path("jobs/reports/<int:pk>/download/", views.report_job_download, name="report_job_download"),
]
