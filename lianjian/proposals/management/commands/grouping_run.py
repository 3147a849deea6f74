"""``lianjian grouping_run ID``: execute one queued 智能分组 run by hand (the web page queues a
task for the worker, ``lianjian db_worker``; this command is the manual way, e.g. for a run
whose task was lost)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from lianjian.proposals.models import GroupingRun
from lianjian.proposals.services import run_execute


class Command(BaseCommand):
    help = "执行一个排队中的智能分组方案"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("run_id", type=int, help="智能分组方案编号")

    def handle(self, *args: Any, **options: Any) -> None:
        run_id = options["run_id"]
        if not GroupingRun.objects.filter(pk=run_id).exists():
            raise CommandError(f"智能分组方案 #{run_id} 不存在")
        run = run_execute(run_id)
        if run is None:
            raise CommandError(f"智能分组方案 #{run_id} 不在排队状态，未重复执行")
        if run.status == GroupingRun.Status.FAILED:
            raise CommandError(f"智能分组方案 #{run_id} 计算失败：{run.error}")
        self.stdout.write(f"智能分组方案 #{run_id} 已完成：目标值 {run.result['objective']:.4f}")
