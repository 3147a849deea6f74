from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Wiring only: the ``lianjian demo`` command that loads every app's demo data in order."""

    name = "lianjian.demo"
    label = "demo"
    verbose_name = "演示数据"
