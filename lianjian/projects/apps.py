from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "lianjian.projects"
    label = "projects"
    verbose_name = "揭榜挂帅"
