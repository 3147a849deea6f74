from django.urls import path

from lianjian.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("batches/", views.batch_list, name="batch_list"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/<str:code>/", views.batch_detail, name="batch_detail"),
    path("batches/<str:code>/items/new/", views.item_create, name="item_create"),
    path("batches/<str:code>/reports/new/", views.report_submit, name="report_submit"),
    path("batches/<str:code>/report.docx", views.batch_report, name="batch_report"),
    path("items/", views.item_list, name="item_list"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/measures/", views.measure_add, name="measure_add"),
    path("items/<int:pk>/progress/", views.item_progress, name="item_progress"),
    path("items/<int:pk>/start/", views.item_start, name="item_start"),
    path("items/<int:pk>/apply/", views.item_apply, name="item_apply"),
    path("items/<int:pk>/accept/", views.item_accept, name="item_accept"),
    path("items/<int:pk>/return/", views.item_return, name="item_return"),
    path("items/<int:pk>/confirm/", views.item_confirm, name="item_confirm"),
    path("items/<int:pk>/reopen/", views.item_reopen, name="item_reopen"),
    path("items/<int:pk>/resume/", views.item_resume, name="item_resume"),
    path("measures/<int:pk>/step/", views.measure_step, name="measure_step"),
    path("items/<int:pk>/accountability/", views.accountability_add, name="accountability_add"),
    path("items/<int:pk>/system-changes/", views.system_change_add, name="system_change_add"),
    path("recommendations/new/", views.recommendation_create, name="recommendation_create"),
    path(
        "decisions/<str:number>/accountability/",
        views.decision_accountability,
        name="decision_accountability",
    ),
    path("decision-losses/", views.decision_losses, name="decision_losses"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/settle/", views.lead_settle, name="lead_settle"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path("recommendations/<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    path(
        "recommendations/<int:pk>/reply/", views.recommendation_reply, name="recommendation_reply"
    ),
    path(
        "recommendations/<int:pk>/follow-up/",
        views.recommendation_follow_up,
        name="recommendation_follow_up",
    ),
]
