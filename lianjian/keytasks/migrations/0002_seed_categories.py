from django.db import migrations

CATEGORIES = ["技改项目", "生产任务指标", "设备运维", "安全环保", "其他"]


def seed(apps, schema_editor):
    TaskCategory = apps.get_model("keytasks", "TaskCategory")
    for position, name in enumerate(CATEGORIES, start=1):
        TaskCategory.objects.get_or_create(name=name, defaults={"position": position * 10})


class Migration(migrations.Migration):
    dependencies = [("keytasks", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
