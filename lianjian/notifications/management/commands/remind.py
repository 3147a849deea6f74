"""``lianjian remind [--date YYYY-MM-DD]``: turn due events into in-app notifications (daily cron)."""

from __future__ import annotations

import datetime
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from lianjian.core.validation import ANYTIME, check_date
from lianjian.notifications import reminders


class Command(BaseCommand):
    help = "生成到期提醒（协议到期、任期届满等），重复运行不会重复提醒"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="按指定日期计算（YYYY-MM-DD），默认今天")

    def handle(self, *args, **opts) -> None:
        today = timezone.localdate()
        if opts.get("date"):
            try:
                today = datetime.date.fromisoformat(opts["date"])
            except ValueError:
                self.stderr.write(f"日期格式应为 YYYY-MM-DD：{opts['date']}")
                sys.exit(1)
            # The reminders count days from this date (term ends 90 days ahead …): a date
            # beyond the outer bound would overflow.
            try:
                check_date(today, "日期", ANYTIME)
            except ValueError as exc:
                self.stderr.write(str(exc))
                sys.exit(1)
        created = reminders.run(today)
        total = sum(created.values())
        for name, n in created.items():
            self.stdout.write(f"{name}：新增提醒 {n} 条")
        self.stdout.write(f"共新增提醒 {total} 条（{today:%Y-%m-%d}）")
