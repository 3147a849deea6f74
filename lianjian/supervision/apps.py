from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "lianjian.supervision"
    label = "supervision"
    verbose_name = "监督台账"
