from django.urls import path

from lianjian.assessment import views, views_objections, views_results, views_values

app_name = "assessment"
urlpatterns = [
    path("", views.scheme_list, name="scheme_list"),
    path("new/", views.scheme_create, name="scheme_create"),
    path("upload/", views.scheme_upload, name="scheme_upload"),
    path("s/<str:code>/", views.scheme_detail, name="scheme_detail"),
    path("s/<str:code>/edit/", views.scheme_edit, name="scheme_edit"),
    path("s/<str:code>/delete/", views.scheme_delete, name="scheme_delete"),
    path("s/<str:code>/download/", views.scheme_download, name="scheme_download"),
    path("s/<str:code>/dimensions/new/", views.dimension_edit, name="dimension_create"),
    path("s/<str:code>/dimensions/<int:pk>/", views.dimension_edit, name="dimension_edit"),
    path("s/<str:code>/indicators/new/", views.indicator_edit, name="indicator_create"),
    path("s/<str:code>/indicators/<int:pk>/", views.indicator_edit, name="indicator_edit"),
    path("s/<str:code>/<str:kind>/<int:pk>/delete/", views.part_delete, name="part_delete"),
    path("s/<str:code>/runs/", views_results.run_list, name="run_list"),
    path("s/<str:code>/trend/", views_results.scheme_trend, name="scheme_trend"),
    path("r/<int:pk>/", views_results.run_results, name="run_results"),
    path("jobs/<int:pk>/", views_results.run_job, name="run_job"),
    path("r/<int:pk>/publish/", views_results.run_publish, name="run_publish"),
    path("r/<int:pk>/void/", views_results.run_void, name="run_void"),
    path("r/<int:pk>/republish/", views_results.run_republish, name="run_republish"),
    path("r/<int:pk>/compare/", views_results.run_compare, name="run_compare"),
    path("r/<int:pk>/analysis/", views_results.run_analysis, name="run_analysis"),
    path("r/<int:pk>/export/", views_results.run_export, name="run_export"),
    path("r/<int:pk>/report/", views_results.run_report, name="run_report"),
    path("r/<int:pk>/o/<str:code>/", views_results.result_detail, name="result_detail"),
    path("kpis/", views_values.kpi_list, name="kpi_list"),
    path("kpis/set/", views_values.kpi_set, name="kpi_set"),
    path("kpis/batches/<int:pk>/", views_values.batch_detail, name="batch_detail"),
    path("reviews/", views_values.review_list, name="review_list"),
    path("objections/", views_objections.objection_list, name="objection_list"),
    path("objections/new/", views_objections.objection_raise, name="objection_raise"),
    path("objections/<int:pk>/", views_objections.objection_detail, name="objection_detail"),
    path("reviews/<int:pk>/", views_values.review_score, name="review_score"),
]
