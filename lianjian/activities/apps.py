from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "lianjian.activities"
    label = "activities"
    verbose_name = "活动与组织生活"

    def ready(self) -> None:
        from lianjian.activities.reminders import compliance_reminders
        from lianjian.notifications.reminders import register

        register("组织生活", compliance_reminders)
