from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "lianjian.proposals"
    label = "proposals"
    verbose_name = "智能分组"
