from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "lianjian.orgs"
    label = "orgs"
    verbose_name = "党组织与党员"

    def ready(self) -> None:
        from lianjian.notifications.reminders import register
        from lianjian.orgs.reminders import term_reminders

        register("组织任期", term_reminders)
