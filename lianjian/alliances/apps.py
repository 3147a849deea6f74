from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "lianjian.alliances"
    label = "alliances"
    verbose_name = "联建共建"
