from django.db import migrations

# fusion.md §2: the three seeded presets, and the preset each kind of item starts with.
PRESETS = (
    ("lag", "进度滞后", "lag", 10, 30, "滞后 = 序时进度 − 实际进度（百分点）"),
    ("due", "临期", "days_left", 7, -1, "距截止日期的剩余天数；截止当天剩余 0 天，逾期为负"),
    ("late", "逾期天数", "days_late", 1, 15, "完成（或至今）晚于截止日期的天数"),
)
KINDS = (
    ("problem", "due"),
    ("agreement", "due"),
    ("org_life", "due"),
    ("key_task", "lag"),
    ("milestone", "late"),
)


def seed(apps, schema_editor):
    Preset = apps.get_model("deadlines", "DeadlinePreset")
    Kind = apps.get_model("deadlines", "DeadlineKind")
    presets = {}
    for code, name, kind, yellow, red, note in PRESETS:
        presets[code], _ = Preset.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "yellow": yellow, "red": red, "note": note},
        )
    for code, preset in KINDS:
        Kind.objects.get_or_create(code=code, defaults={"preset": presets[preset]})


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
