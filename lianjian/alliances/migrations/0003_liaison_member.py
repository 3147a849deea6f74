"""Liaison phones become declared personal numbers.

Adds ``AllianceMember.liaison_member`` and links each existing liaison phone to the one
current member of the row's organisation subtree who has it (as the services do from now
on), and masks the liaison phones that earlier membership changes wrote in clear to the
audit log.
"""

import django.db.models.deletion
from django.db import migrations, models

import lianjian.core.masking


def link_liaisons(apps, schema_editor):
    AllianceMember = apps.get_model("alliances", "AllianceMember")
    Member = apps.get_model("orgs", "Member")
    for row in AllianceMember.objects.exclude(liaison_phone="").select_related("org").iterator():
        found = list(Member.objects.filter(left_on__isnull=True, phone=row.liaison_phone,
                                           org__path__startswith=row.org.path).values_list("pk", flat=True)[:2])
        if len(found) == 1:
            AllianceMember.objects.filter(pk=row.pk).update(liaison_member_id=found[0])


def mask_logged_phones(apps, schema_editor):
    AuditLog = apps.get_model("core", "AuditLog")
    mask = lianjian.core.masking.mask_phone
    for log in AuditLog.objects.filter(target_type="alliances.alliance").iterator():
        changed = False
        for side in ("before", "after"):
            values = getattr(log, side)
            if isinstance(values, dict) and values.get("liaison_phone"):
                masked = mask(str(values["liaison_phone"]))
                if masked != values["liaison_phone"]:
                    values["liaison_phone"] = masked
                    changed = True
        if changed:
            AuditLog.objects.filter(pk=log.pk).update(before=log.before, after=log.after)


class Migration(migrations.Migration):

    dependencies = [
        ("alliances", "0002_default_types"),
        ("core", "0001_initial"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="alliancemember",
            name="liaison_member",
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="orgs.member", verbose_name="联络员党员"),
        ),
        migrations.AlterField(
            model_name="alliancemember",
            name="liaison_phone",
            field=lianjian.core.masking.PhoneField(blank=True, max_length=20, verbose_name="联络电话"),
        ),
        migrations.RunPython(link_liaisons, migrations.RunPython.noop),
        migrations.RunPython(mask_logged_phones, migrations.RunPython.noop),
    ]
