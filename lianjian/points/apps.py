from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "lianjian.points"
    label = "points"
    verbose_name = "党员积分"

    def ready(self) -> None:
        # An activity submitted, returned or voided changes the points of its attendees
        # (one source of truth: the attendance record; the ledger follows it).
        from lianjian.activities.signals import counted_changed
        from lianjian.points.tasks import on_counted_changed

        counted_changed.connect(on_counted_changed, dispatch_uid="points.activity")
