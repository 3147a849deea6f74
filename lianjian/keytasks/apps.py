from django.apps import AppConfig


class KeytasksConfig(AppConfig):
    name = "lianjian.keytasks"
    label = "keytasks"
    verbose_name = "党建+关键任务"

    def ready(self) -> None:
        from lianjian.keytasks.reminders import task_reminders
        from lianjian.notifications.reminders import register

        register("关键任务", task_reminders)
