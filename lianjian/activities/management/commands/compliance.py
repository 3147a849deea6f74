"""``lianjian compliance --year Y [--org CODE] [--format json|xlsx] [--out FILE]``.

Organisational-life compliance per docs/contracts.md §4 for every internal organisation
(or the subtree of ``--org``). JSON goes to stdout unless ``--out`` is given; xlsx needs
``--out``. ``--today YYYY-MM-DD`` (an extension) evaluates as of another day, which decides
``open`` against ``missing``. Bad input: Chinese message, exit 1; usage error: exit 2.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import CommandParser
from django.utils import timezone

from lianjian.activities.output import compliance_json, write_compliance_xlsx
from lianjian.activities.selectors import compliance_rows, compliance_scope
from lianjian.core.commands import ChineseUsageCommand
from lianjian.orgs.models import Organisation


class Command(ChineseUsageCommand):
    help = "组织生活合规检查：lianjian compliance --year 年份 [--org 组织编码] [--format json|xlsx] [--out 文件]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="年份，如 2026")
        parser.add_argument("--org", default=None, help="只检查该组织及其下级组织")
        parser.add_argument("--format", choices=["json", "xlsx"], default="json", help="输出格式")
        parser.add_argument(
            "--out", default=None, help="输出文件；json 缺省输出到标准输出，xlsx 必须指定"
        )
        parser.add_argument(
            "--today", default=None, help="按指定日期判断期间是否已结束（YYYY-MM-DD），缺省为今天"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if not 1900 <= year <= 2200:
            self._fail("年份应在 1900 到 2200 之间")
        today = timezone.localdate()
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                self._fail(f"日期格式应为 YYYY-MM-DD：{options['today']}")
        try:
            _, orgs = compliance_scope(None, options["org"])  # the command line is the system
        except Organisation.DoesNotExist:
            self._fail(f"组织 {options['org']} 不存在")
        out = Path(options["out"]) if options["out"] else None
        if options["format"] == "xlsx" and out is None:
            self.stderr.write("xlsx 格式需用 --out 指定输出文件")
            raise SystemExit(2)
        if out is not None and (out.is_dir() or not out.parent.is_dir()):
            self._fail(f"无法写入文件：{out}")
        rows = compliance_rows(year=year, today=today, orgs=orgs)
        if out is None:
            self.stdout.write(compliance_json(year, rows))
            return
        partial = out.with_name(f".{out.name}.{os.getpid()}.part")
        try:
            if options["format"] == "xlsx":
                names = dict(
                    Organisation.objects.filter(code__in={r.org for r in rows}).values_list(
                        "code", "name"
                    )
                )
                write_compliance_xlsx(partial, year, rows, names)
            else:
                partial.write_text(compliance_json(year, rows) + "\n", encoding="utf-8")
            partial.replace(out)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            self._fail(f"无法写入文件：{out}（{exc.strerror}）")
        self.stdout.write(f"已写入 {len(rows)} 条合规结果到 {out}。")

    def _fail(self, *messages: str) -> NoReturn:
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(1)
