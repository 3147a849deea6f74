from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "lianjian.orgs"
    label = "orgs"
    verbose_name = "党组织与党员"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save, pre_save

        from lianjian.orgs import figures
        from lianjian.orgs.models import Member, Organisation

        # An organisation's or a member's save keeps the rows behind the home page's figures
        # (lianjian.orgs.figures).
        post_save.connect(figures.org_saved, sender=Organisation, dispatch_uid="orgs-figures-org")
        pre_save.connect(figures.remember_org, sender=Member, dispatch_uid="orgs-figures-pre")
        post_save.connect(figures.member_saved, sender=Member, dispatch_uid="orgs-figures-post")
        post_delete.connect(figures.member_deleted, sender=Member, dispatch_uid="orgs-figures-del")
        from lianjian.notifications.reminders import register
        from lianjian.orgs.reminders import term_reminders

        register("组织任期", term_reminders)
