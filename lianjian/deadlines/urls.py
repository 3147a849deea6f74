from django.urls import path

from lianjian.deadlines import views

app_name = "deadlines"
urlpatterns = [
    path("", views.settings_page, name="settings"),
    path("presets/<slug:code>/", views.preset_edit, name="preset_edit"),
    path("kinds/<slug:code>/", views.kind_set, name="kind_set"),
    path("ladders/new/", views.ladder_edit, name="ladder_create"),
    path("ladders/<int:pk>/", views.ladder_edit, name="ladder_edit"),
    path("ladders/<int:pk>/void/", views.ladder_void, name="ladder_void"),
]
