from django.apps import AppConfig


class KeytasksConfig(AppConfig):
    name = "lianjian.keytasks"
    label = "keytasks"
    verbose_name = "党建+关键任务"
