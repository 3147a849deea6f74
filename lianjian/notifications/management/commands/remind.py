"""``lianjian remind [--date YYYY-MM-DD] [--queue]``: turn due events into in-app notifications
(daily cron). With ``--queue`` the work is handed to the background task worker
(``lianjian.notifications.tasks.remind_task``, docs/tasks.md) and the command returns at once."""

from __future__ import annotations

import datetime
import sys

from django.core.management.base import BaseCommand
from django.utils import timezone

from lianjian.core.validation import ANYTIME, check_date
from lianjian.notifications import reminders
from lianjian.notifications.tasks import remind_task


class Command(BaseCommand):
    help = "生成到期提醒（协议到期、任期届满等），重复运行不会重复提醒"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="按指定日期计算（YYYY-MM-DD），默认今天")
        parser.add_argument(
            "--queue", action="store_true", help="交给后台任务进程执行（结果保存在任务记录中）"
        )

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
        if opts.get("queue"):
            result = remind_task.enqueue(today.isoformat())
            self.stdout.write(f"已交给后台任务进程（任务 {result.id}，{today:%Y-%m-%d}）")
            return
        created = reminders.run(today)
        total = sum(created.values())
        for name, n in created.items():
            self.stdout.write(f"{name}：新增提醒 {n} 条")
        self.stdout.write(f"共新增提醒 {total} 条（{today:%Y-%m-%d}）")
