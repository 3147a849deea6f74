from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "lianjian.supervision"
    label = "supervision"
    verbose_name = "监督台账"

    def ready(self) -> None:
        from lianjian.core.jobs import register_report
        from lianjian.notifications.reminders import register
        from lianjian.supervision.reminders import item_reminders
        from lianjian.supervision.report import REPORT

        register("监督台账", item_reminders)
        register_report("supervision_batch", REPORT)
