from django.apps import AppConfig


class AlliancesConfig(AppConfig):
    name = "lianjian.alliances"
    label = "alliances"
    verbose_name = "联建共建"

    def ready(self) -> None:
        from lianjian.alliances.reminders import agreement_reminders
        from lianjian.notifications.reminders import register

        register("联建协议", agreement_reminders)
