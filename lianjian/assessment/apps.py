from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "lianjian.assessment"
    label = "assessment"
    verbose_name = "双维度考核"

    def ready(self) -> None:
        from lianjian.assessment.reminders import review_reminders
        from lianjian.assessment.report import REPORT
        from lianjian.core.jobs import register_report
        from lianjian.notifications.reminders import register

        register("双维度考核", review_reminders)
        register_report("assessment_run", REPORT)
