from django.db import migrations

# The key-task category of the tasks that awarded projects become (services.AWARD_CATEGORY).
CATEGORY = "揭榜挂帅项目"


def seed(apps, schema_editor):
    TaskCategory = apps.get_model("keytasks", "TaskCategory")
    TaskCategory.objects.get_or_create(name=CATEGORY, defaults={"position": 45})


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("keytasks", "0002_seed_categories")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
