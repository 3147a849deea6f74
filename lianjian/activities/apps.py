from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "lianjian.activities"
    label = "activities"
    verbose_name = "活动与组织生活"

    def ready(self) -> None:
        from lianjian.activities.reminders import compliance_reminders
        from lianjian.notifications.reminders import register

        register("组织生活", compliance_reminders)

        from lianjian.activities import compliance_store, signals
        from lianjian.orgs import figures

        # The stored compliance tallies follow every write that can change their rows.
        signals.counted_changed.connect(
            compliance_store.activity_counted_changed, dispatch_uid="compliance-tally-activity"
        )
        figures.refreshed.connect(
            compliance_store.org_figures_refreshed, dispatch_uid="compliance-tally-orgs"
        )
