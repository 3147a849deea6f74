from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "lianjian.sharing"
    label = "sharing"
    verbose_name = "资源共享"

    def ready(self) -> None:
        from lianjian.notifications.reminders import register, register_sweeper
        from lianjian.sharing.expiry import expire_due, expiry_reminders

        register("资源预约", expiry_reminders)
        register_sweeper("资源预约", expire_due)
