"""作废 (void with a reason) and 所属年度 (the year an activity is for, issue #18 §3–4).

所属年度 of every existing record is the Asia/Shanghai year of its start (the default);
the links carry a copy, as they do of the start, type and status."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def fill_for_year(apps, schema_editor):
    """Two range updates per year (the links carry the activity's start), whatever the
    number of activities."""
    Activity = apps.get_model("activities", "Activity")
    ActivityOrg = apps.get_model("activities", "ActivityOrg")
    tz = ZoneInfo(settings.TIME_ZONE)
    bounds = Activity.objects.aggregate(first=models.Min("start"), last=models.Max("start"))
    if bounds["first"] is None:
        return
    for year in range(bounds["first"].astimezone(tz).year, bounds["last"].astimezone(tz).year + 1):
        start = datetime.datetime(year, 1, 1, tzinfo=tz)
        end = datetime.datetime(year + 1, 1, 1, tzinfo=tz)
        Activity.objects.filter(start__gte=start, start__lt=end).update(for_year=year)
        ActivityOrg.objects.filter(start__gte=start, start__lt=end).update(for_year=year)


class Migration(migrations.Migration):
    dependencies = [("activities", "0002_default_rules")]

    operations = [
        migrations.AddField(
            model_name="activity", name="void_reason",
            field=models.CharField(blank=True, max_length=300, verbose_name="作废原因"),
        ),
        migrations.AlterField(
            model_name="activity", name="status",
            field=models.CharField(choices=[("草稿", "草稿"), ("已提交", "已提交"), ("已通过", "已通过"), ("已退回", "已退回"),
                                            ("已作废", "已作废")], default="草稿", max_length=4, verbose_name="状态"),
        ),
        migrations.AlterField(
            model_name="activityorg", name="status",
            field=models.CharField(choices=[("草稿", "草稿"), ("已提交", "已提交"), ("已通过", "已通过"), ("已退回", "已退回"),
                                            ("已作废", "已作废")], max_length=4, verbose_name="状态"),
        ),
        migrations.AddField(model_name="activity", name="for_year",
                            field=models.PositiveSmallIntegerField(null=True, verbose_name="所属年度")),
        migrations.AddField(model_name="activityorg", name="for_year",
                            field=models.PositiveSmallIntegerField(null=True, verbose_name="所属年度")),
        migrations.RunPython(fill_for_year, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="activity", name="for_year",
            field=models.PositiveSmallIntegerField(blank=True, help_text="组织生活会、民主评议党员在 1–3 月召开的可计入上一年度",
                                                   verbose_name="所属年度"),
        ),
        migrations.AlterField(model_name="activityorg", name="for_year",
                              field=models.PositiveSmallIntegerField(verbose_name="所属年度")),
        migrations.AddIndex(model_name="activityorg",
                            index=models.Index(fields=["org", "for_year"], name="activity_org_org_year_idx")),
    ]
