from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "lianjian.decisions"
    label = "decisions"
    verbose_name = "三重一大决策闭环"

    def ready(self) -> None:
        from lianjian.decisions.reminders import post_evaluation_reminders
        from lianjian.notifications.reminders import register

        register("三重一大后评估", post_evaluation_reminders)
