from django.urls import path

from lianjian.home import views

app_name = "home"
urlpatterns = [
    path("", views.home, name="home"),
    path("my/", views.mine, name="mine"),
]
