from django.apps import AppConfig


class CarriersConfig(AppConfig):
    name = "lianjian.carriers"
    label = "carriers"
    verbose_name = "岗区队"
