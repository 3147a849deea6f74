from django.urls import path

from lianjian.orgs import views, views_excel

app_name = "orgs"
urlpatterns = [
    path("", views.org_tree, name="org_tree"),
    path("new/", views.org_create, name="org_create"),
    path("o/<str:code>/", views.org_detail, name="org_detail"),
    path("o/<str:code>/children/", views.org_children, name="org_children"),
    path("o/<str:code>/edit/", views.org_edit, name="org_edit"),
    path("o/<str:code>/dissolve/", views.org_dissolve, name="org_dissolve"),
    path("members/", views.member_list, name="member_list"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("excel/", views_excel.import_start, name="import_start"),
    path("excel/confirm/", views_excel.import_confirm, name="import_confirm"),
    path("excel/jobs/<int:pk>/", views_excel.import_job, name="import_job"),
    path("excel/template/", views_excel.template_download, name="template_download"),
    path("excel/export/", views_excel.export_download, name="export_download"),
    path("excel/export/list/<str:name>/", views_excel.export_filtered, name="export_filtered"),
]
