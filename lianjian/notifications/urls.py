from django.urls import path

from lianjian.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("<int:pk>/", views.open_link, name="open"),
    path("<int:pk>/mark/", views.mark, name="mark"),
]
