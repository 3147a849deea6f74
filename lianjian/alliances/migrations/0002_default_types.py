from django.db import migrations

DEFAULT_TYPES = ("联建网", "党建联盟", "结对共建", "政企联建", "区域联建", "产业链联建")


def add_types(apps, schema_editor):
    AllianceType = apps.get_model("alliances", "AllianceType")
    for i, name in enumerate(DEFAULT_TYPES):
        AllianceType.objects.get_or_create(name=name, defaults={"sort": (i + 1) * 10})


class Migration(migrations.Migration):
    dependencies = [("alliances", "0001_initial")]
    operations = [migrations.RunPython(add_types, migrations.RunPython.noop)]
