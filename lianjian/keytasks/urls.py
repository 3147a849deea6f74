from django.urls import path

from lianjian.keytasks import views_lists, views_mine, views_packages, views_tasks

app_name = "keytasks"
urlpatterns = [
    path("", views_lists.tasklist_list, name="tasklist_list"),
    path("new/", views_lists.tasklist_create, name="tasklist_create"),
    path("mine/", views_mine.my_tasks, name="my_tasks"),
    path("rollup/", views_mine.rollup, name="rollup"),
    path("packages/", views_packages.package_list, name="package_list"),
    path("packages/new/", views_packages.package_create, name="package_create"),
    path("packages/<int:pk>/", views_packages.package_detail, name="package_detail"),
    path("packages/<int:pk>/items/", views_packages.package_item_add, name="package_item_add"),
    path("packages/<int:pk>/publish/", views_packages.package_publish, name="package_publish"),
    path(
        "packages/<int:pk>/items/<int:item>/claim/",
        views_packages.package_item_claim,
        name="package_item_claim",
    ),
    path(
        "packages/<int:pk>/claims/<int:claim>/withdraw/",
        views_packages.package_claim_withdraw,
        name="package_claim_withdraw",
    ),
    path("l/<str:code>/", views_lists.tasklist_detail, name="tasklist_detail"),
    path("l/<str:code>/edit/", views_lists.tasklist_edit, name="tasklist_edit"),
    path("l/<str:code>/timeline/", views_lists.tasklist_timeline, name="tasklist_timeline"),
    path("l/<str:code>/export/", views_lists.tasklist_export, name="tasklist_export"),
    path(
        "l/<str:code>/do/<str:action>/",
        views_lists.tasklist_transition,
        name="tasklist_transition",
    ),
    path("l/<str:code>/tasks/new/", views_tasks.task_create, name="task_create"),
    path("t/<str:code>/", views_tasks.task_detail, name="task_detail"),
    path("t/<str:code>/edit/", views_tasks.task_edit, name="task_edit"),
    path("t/<str:code>/do/<str:action>/", views_tasks.task_transition, name="task_transition"),
    path("t/<str:code>/milestones/", views_tasks.milestone_add, name="milestone_add"),
    path(
        "t/<str:code>/milestones/<int:pk>/done/",
        views_tasks.milestone_done,
        name="milestone_done",
    ),
    path(
        "t/<str:code>/milestones/<int:pk>/accept/",
        views_tasks.milestone_accept,
        name="milestone_accept",
    ),
    path("t/<str:code>/reports/", views_tasks.report_submit, name="report_submit"),
    path(
        "t/<str:code>/reports/<int:pk>/confirm/",
        views_tasks.report_confirm,
        name="report_confirm",
    ),
    path(
        "t/<str:code>/reports/<int:pk>/return/",
        views_tasks.report_return,
        name="report_return",
    ),
    path("t/<str:code>/evidence/", views_tasks.evidence_add, name="evidence_add"),
]
