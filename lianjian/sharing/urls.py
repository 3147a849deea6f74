from django.urls import path

from lianjian.sharing import views, views_lists

app_name = "sharing"
urlpatterns = [
    path("", views.resource_list, name="resource_list"),
    path("new/", views.resource_create, name="resource_create"),
    path("r/<str:code>/", views.resource_detail, name="resource_detail"),
    path("r/<str:code>/edit/", views.resource_edit, name="resource_edit"),
    path("r/<str:code>/book/", views.booking_create, name="booking_create"),
    path("r/<str:code>/photos/", views.photo_upload, name="photo_upload"),
    path("r/<str:code>/photos/<int:pk>/", views.photo, name="photo"),
    path("r/<str:code>/photos/<int:pk>/delete/", views.photo_delete, name="photo_delete"),
    path("bookings/", views.booking_list, name="booking_list"),
    path("bookings/<int:pk>/", views.booking_detail, name="booking_detail"),
    path("bookings/<int:pk>/approve/", views.booking_approve, name="booking_approve"),
    path("bookings/<int:pk>/decline/", views.booking_decline, name="booking_decline"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("needs/", views_lists.need_list, name="need_list"),
    path("needs/new/", views_lists.need_create, name="need_create"),
    path("needs/<str:code>/", views_lists.need_detail, name="need_detail"),
    path("needs/<str:code>/edit/", views_lists.need_edit, name="need_edit"),
    path("needs/<str:code>/match/", views_lists.need_match, name="need_match"),
    path("projects/", views_lists.project_list, name="project_list"),
    path("projects/new/", views_lists.project_create, name="project_create"),
    path("projects/<str:code>/", views_lists.project_detail, name="project_detail"),
    path("projects/<str:code>/edit/", views_lists.project_edit, name="project_edit"),
    path("projects/<str:code>/match/", views_lists.project_match, name="project_match"),
    path("matches/<int:pk>/status/", views_lists.match_status, name="match_status"),
    path("usage/", views_lists.usage, name="usage"),
]
