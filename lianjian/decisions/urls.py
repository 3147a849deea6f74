from django.urls import path

from lianjian.decisions import views

app_name = "decisions"
urlpatterns = [
    path("", views.item_list, name="item_list"),
    path("register/", views.register, name="register"),
    path("new/", views.item_create, name="item_create"),
    path("lists/", views.matter_lists, name="matter_lists"),
    path("lists/new/", views.matter_list_create, name="matter_list_create"),
    path("lists/<str:code>/", views.matter_list, name="matter_list_detail"),
    path("lines/<int:pk>/withdraw/", views.line_withdraw, name="line_withdraw"),
    path("i/<str:number>/", views.item_detail, name="item_detail"),
    path("i/<str:number>/edit/", views.item_edit, name="item_edit"),
    path("i/<str:number>/submit/", views.item_submit, name="item_submit"),
    path("i/<str:number>/study/", views.study_create, name="study_create"),
    path("i/<str:number>/decide/", views.decision_create, name="decision_create"),
    path("i/<str:number>/execute/", views.execution_create, name="execution_create"),
    path("i/<str:number>/execution/", views.execution_edit, name="execution_edit"),
    path("i/<str:number>/finish/", views.item_finish, name="item_finish"),
    path("i/<str:number>/evaluate/", views.evaluation_create, name="evaluation_create"),
    path("i/<str:number>/archive/", views.item_archive, name="item_archive"),
]
