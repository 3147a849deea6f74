from django.apps import AppConfig


class AppraisalsConfig(AppConfig):
    name = "lianjian.appraisals"
    label = "appraisals"
    verbose_name = "民主评议党员"
