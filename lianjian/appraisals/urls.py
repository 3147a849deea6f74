from django.urls import path

from lianjian.appraisals import views

app_name = "appraisals"
urlpatterns = [
    path("", views.appraisal_list, name="appraisal_list"),
    path("new/", views.appraisal_create, name="appraisal_create"),
    path("<str:code>/", views.appraisal_detail, name="appraisal_detail"),
    path("<str:code>/start/", views.appraisal_start, name="appraisal_start"),
    path("<str:code>/close/", views.appraisal_close, name="appraisal_close"),
    path("<str:code>/publish/", views.appraisal_publish, name="appraisal_publish"),
    path("<str:code>/void/", views.appraisal_void, name="appraisal_void"),
    path("<str:code>/self/", views.self_assessment, name="self_assessment"),
    path("<str:code>/vote/", views.vote, name="vote"),
    path("<str:code>/decide/", views.decide, name="decide"),
    path("<str:code>/meeting/", views.meeting, name="meeting"),
]
