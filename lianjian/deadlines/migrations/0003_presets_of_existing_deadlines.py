from django.db import migrations

# The deadlines that existed before this app keep their thresholds as presets of their own
# (the 党建工作部 may point them at any other preset): agreements remind 30 days before
# their end (yellow) and 7 days before (red); organisational life turns yellow ten days
# before the end of a period and red when the period ended unmet.
PRESETS = (
    ("expiry", "协议到期", "days_left", 30, 7, "联建协议到期前的剩余天数"),
    ("org_life", "组织生活临期", "days_left", 10, -1, "距组织生活期间结束的剩余天数"),
)
KINDS = (("agreement", "expiry"), ("org_life", "org_life"))


def seed(apps, schema_editor):
    Preset = apps.get_model("deadlines", "DeadlinePreset")
    Kind = apps.get_model("deadlines", "DeadlineKind")
    for code, name, kind, yellow, red, note in PRESETS:
        Preset.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "yellow": yellow, "red": red, "note": note},
        )
    for code, preset in KINDS:
        Kind.objects.filter(code=code).update(preset=Preset.objects.get(code=preset))


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0002_seed_presets")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
