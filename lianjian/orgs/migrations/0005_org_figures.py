"""OrgFigures: the stored member counts per organisation behind the home page's figures
(lianjian.orgs.figures), filled from the members already there."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, Q

# Frozen here (a migration must not follow later edits of the model module).
COMMITTEE_POSTS = ("书记", "副书记", "组织委员", "宣传委员", "纪检委员", "青年委员", "统战委员", "委员")


def fill(apps, schema_editor):
    Member = apps.get_model("orgs", "Member")
    OrgFigures = apps.get_model("orgs", "OrgFigures")
    committee = Q()
    for post in COMMITTEE_POSTS:
        committee |= Q(post__contains=post)
    rows = (
        Member.objects.filter(left_on__isnull=True)
        .order_by()
        .values("org_id")
        .annotate(
            n=Count("id"),
            full=Count("id", filter=Q(category="正式党员")),
            prob=Count("id", filter=Q(category="预备党员")),
            floating=Count("id", filter=Q(is_floating=True)),
            committee=Count("id", filter=committee),
        )
    )
    OrgFigures.objects.bulk_create(
        [
            OrgFigures(
                org_id=r["org_id"],
                members=r["n"],
                full_members=r["full"],
                probationary=r["prob"],
                floating=r["floating"],
                committee_members=r["committee"],
            )
            for r in rows
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):

    dependencies = [
        ('orgs', '0004_member_list_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='OrgFigures',
            fields=[
                ('org', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='figures', serialize=False, to='orgs.organisation')),
                ('members', models.PositiveIntegerField(default=0)),
                ('full_members', models.PositiveIntegerField(default=0)),
                ('probationary', models.PositiveIntegerField(default=0)),
                ('floating', models.PositiveIntegerField(default=0)),
                ('committee_members', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name': '党组织人数统计',
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
