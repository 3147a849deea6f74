from django.db import migrations

# (activity type, org kind, frequency, required, min full members, note) — domain.md, contracts §4.
DEFAULT_RULES = (
    ("支部党员大会", "党支部", "季度", 1, None, "支部工作条例：支部党员大会一般每季度召开一次"),
    ("支部委员会", "党支部", "月度", 1, 7, "支部工作条例：支部委员会一般每月召开一次（正式党员7人以上设支委会）"),
    ("党小组会", "党小组", "月度", 1, None, "支部工作条例：党小组会一般每月召开一次"),
    ("党课", "党支部", "季度", 1, None, "党课一般每季度至少一次"),
    ("主题党日", "党支部", "月度", 1, None, "主题党日每月一次"),
    ("组织生活会", "党支部", "年度", 1, None, "组织生活会一般每年召开一次"),
    ("民主评议党员", "党支部", "年度", 1, None, "民主评议党员一般每年开展一次"),
)


def add_rules(apps, schema_editor):
    Rule = apps.get_model("activities", "ComplianceRule")
    for i, (atype, kind, freq, required, min_full, note) in enumerate(DEFAULT_RULES):
        Rule.objects.get_or_create(
            activity_type=atype, org_kind=kind,
            defaults={"frequency": freq, "required": required, "min_full_members": min_full,
                      "sort": (i + 1) * 10, "note": note},
        )


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]
    operations = [migrations.RunPython(add_rules, migrations.RunPython.noop)]
