from django.db import migrations, models

CODES = [
    ("problem", "事务共商问题"),
    ("agreement", "联建协议到期"),
    ("org_life", "组织生活"),
    ("key_task", "关键任务"),
    ("milestone", "关键任务里程碑"),
    ("post_evaluation", "三重一大后评估"),
]

# 三重一大 post-evaluations (supervision.md §2) are coloured by the 临期 preset: yellow
# seven days before they are due, red once overdue.


def seed(apps, schema_editor):
    Preset = apps.get_model("deadlines", "DeadlinePreset")
    Kind = apps.get_model("deadlines", "DeadlineKind")
    preset = Preset.objects.filter(code="due").first()
    if preset is not None:
        Kind.objects.get_or_create(code="post_evaluation", defaults={"preset": preset})


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0003_presets_of_existing_deadlines")]
    operations = [
        migrations.AlterField(
            model_name="deadlinekind",
            name="code",
            field=models.CharField(
                choices=CODES,
                max_length=20,
                unique=True,
                verbose_name="代码",
            ),
        ),
        migrations.AlterField(
            model_name="escalation",
            name="kind",
            field=models.CharField(choices=CODES, max_length=20, verbose_name="预警对象"),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
