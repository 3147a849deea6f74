from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "lianjian.assessment"
    label = "assessment"
    verbose_name = "双维度考核"
