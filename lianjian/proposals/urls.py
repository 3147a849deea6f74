from django.urls import path

from lianjian.proposals import views

app_name = "proposals"
urlpatterns = [
    path("", views.run_form, name="run_form"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/adopt/", views.run_adopt, name="run_adopt"),
    path("partners/<str:code>/", views.partners, name="partners"),
]
