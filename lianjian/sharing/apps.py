from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "lianjian.sharing"
    label = "sharing"
    verbose_name = "资源共享"
