"""``lianjian tasks status --list CODE [--date YYYY-MM-DD]`` (contracts §2): key-task progress
and colours of a list as of a date (default today), as JSON on stdout::

    {"list": CODE, "date": D, "tasks": [{"code", "parent", "progress", "expected", "colour", "state"}]}

``progress`` and ``expected`` (序时进度) in percent (``progress`` null when nothing was
reported yet), ``colour`` ``green``/``yellow``/``red`` by the task's preset (fusion.md §2;
a task that does not colour — 草拟, 暂缓, 撤销 — is ``green``). Tasks in tree order, parents
first. The command line acts as the system (no scope). Errors in Chinese on stderr, exit 1
for bad input, 2 for a usage error.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, NoReturn

from django.core.management.base import CommandParser

from lianjian.core.commands import ChineseUsageCommand
from lianjian.core.validation import ANYTIME, today
from lianjian.keytasks.models import KeyTaskList
from lianjian.keytasks.selectors import list_status

DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def status_document(task_list: KeyTaskList, day: datetime.date) -> dict[str, Any]:
    """The JSON of ``lianjian tasks status`` for ``task_list`` on ``day``."""
    return {
        "list": task_list.code,
        "date": day.isoformat(),
        "tasks": [
            {
                "code": task.code,
                "parent": task.parent.code if task.parent_id is not None and task.parent else None,
                "progress": status.progress,
                "expected": status.expected,
                "colour": status.colour or "green",
                "state": task.state,
            }
            for task, status in list_status(task_list, day)
        ],
    }


class Command(ChineseUsageCommand):
    help = "关键任务。lianjian tasks status --list 清单编码 [--date YYYY-MM-DD]"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="操作", title="操作")
        status = actions.add_parser("status", help="清单中各任务的进度、序时进度和预警颜色（JSON）")
        status.add_argument("--list", required=True, metavar="CODE", help="清单编码")
        status.add_argument(
            "--date", default=None, metavar="YYYY-MM-DD", help="按该日期计算，缺省为今天"
        )

    def _fail(self, *messages: str) -> NoReturn:
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        day = today()
        if options["date"] is not None:
            text = options["date"].strip()
            m = DATE.match(text)
            if not m:
                self._fail(f"日期格式应为 YYYY-MM-DD：{text}")
            try:
                day = datetime.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                self._fail(f"日期不存在：{text}")
            problem = ANYTIME.problem(day)
            if problem:
                self._fail(f"日期{problem}：{text}")
        code = options["list"].strip()
        task_list = KeyTaskList.objects.filter(code=code).first()
        if task_list is None:
            self._fail(f"清单 {code} 不存在")
        self.stdout.write(json.dumps(status_document(task_list, day), ensure_ascii=False))
