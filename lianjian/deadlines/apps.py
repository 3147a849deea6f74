from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    name = "lianjian.deadlines"
    label = "deadlines"
    verbose_name = "三色预警"

    def ready(self) -> None:
        from django.core.signals import request_started
        from django.db.models.signals import post_delete, post_save

        from lianjian.deadlines import models, services

        request_started.connect(services.forget_rules, dispatch_uid="deadlines-request")
        for model in (models.DeadlinePreset, models.DeadlineKind):
            post_save.connect(services.forget_rules, sender=model, dispatch_uid=f"save-{model}")
            post_delete.connect(services.forget_rules, sender=model, dispatch_uid=f"del-{model}")
