from django.urls import path

from lianjian.core import views

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_list, name="audit_list"),
    path("pick/<str:source>/", views.picker, name="picker"),
]
