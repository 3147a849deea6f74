from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "lianjian.orgs"
    label = "orgs"
    verbose_name = "党组织与党员"
