from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "lianjian.consultations"
    label = "consultations"
    verbose_name = "事务共商"

    def ready(self) -> None:
        from lianjian.consultations.reminders import problem_reminders
        from lianjian.notifications.reminders import register

        register("问题清单", problem_reminders)
