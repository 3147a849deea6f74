from django.db import migrations


# Supervision items colour by the 临期 preset by default (supervision.md §1): more than 7
# days left green, 7 or fewer yellow, overdue red. The 党建工作部 may point the kind at
# another preset on the 三色预警设置 screen.
def seed(apps, schema_editor):
    Preset = apps.get_model("deadlines", "DeadlinePreset")
    Kind = apps.get_model("deadlines", "DeadlineKind")
    preset = Preset.objects.filter(code="due").first()
    if preset is not None:
        Kind.objects.get_or_create(code="supervision_item", defaults={"preset": preset})


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0001_initial"),
        ("deadlines", "0005_supervision_item_kind"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
