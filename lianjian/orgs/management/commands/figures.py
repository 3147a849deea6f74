"""``lianjian figures rebuild`` / ``lianjian figures check``: the stored row per organisation
behind the home page's figures — member counts and copies of the organisation fields the
warnings and the scope read (:mod:`lianjian.orgs.figures`).

Every write through the platform keeps them current; ``rebuild`` recounts and recopies all
of them after the database was written by other means (restored backup, SQL by hand);
through ``figures.refreshed`` that also drops the derived compliance tallies, which the next
readers recompute (docs/compliance.md). It works in batches
of 2,000 organisations (two queries each, memory flat; about 40 queries and a few seconds at
40,000 organisations / 400,000 members) inside one transaction. ``check`` recounts without
writing and exits 1 listing the organisations whose rows differ or are missing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser
from django.db import transaction

from lianjian.core.commands import ChineseUsageCommand
from lianjian.orgs import figures
from lianjian.orgs.models import Organisation


class Command(ChineseUsageCommand):
    help = "党组织人数统计（首页数据）。lianjian figures rebuild | check"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="操作", title="操作")
        actions.add_parser("rebuild", help="按党员档案重新统计全部党组织的人数")
        actions.add_parser("check", help="核对统计数与党员档案是否一致（不修改）")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            with transaction.atomic():
                n = figures.rebuild()
            self.stdout.write(f"已重新统计 {n} 个党组织的党员人数。")
            return
        stale = figures.stale()
        if not stale:
            self.stdout.write("党组织人数统计与党员档案一致。")
            return
        codes = Organisation.objects.filter(pk__in=stale[:20]).order_by("path")
        self.stderr.write(
            f"有 {len(stale)} 个党组织的人数统计与党员档案不一致，请运行 lianjian figures rebuild："
        )
        for code in codes.values_list("code", flat=True):
            self.stderr.write(f"  {code}")
        raise SystemExit(1)
