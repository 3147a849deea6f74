from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "lianjian.supervision"
    label = "supervision"
    verbose_name = "监督台账"

    def ready(self) -> None:
        from lianjian.notifications.reminders import register
        from lianjian.supervision.reminders import item_reminders

        register("监督台账", item_reminders)
