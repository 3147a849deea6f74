"""``lianjian supervision status [--date YYYY-MM-DD]`` (contracts §2): the supervision ledger
as of a date (default today), as JSON on stdout::

    {"date": D, "batches": [{"code", "report_due", "report_colour"}],
     "items": [{"batch", "number", "state", "colour", "closable"}]}

``report_due`` is the earliest report due date not yet met by a submitted report (the
latest due date once all are met, then ``green``); ``colour`` of an item by the preset of
the kind ``supervision_item`` (临期 by default), null for a closed item (已销号, 已巩固);
``closable`` when the item is being rectified and every measure is 已核验. Batches by code,
items by batch and number; voided rows are left out. The command line acts as the system
(no scope). Errors in Chinese on stderr, exit 1 for bad input, 2 for a usage error.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any, NoReturn

from django.core.management.base import CommandParser

from lianjian.core.commands import ChineseUsageCommand
from lianjian.core.validation import ANYTIME, today
from lianjian.supervision.selectors import status

DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class Command(ChineseUsageCommand):
    help = "监督台账。lianjian supervision status [--date YYYY-MM-DD]"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="操作", title="操作")
        st = actions.add_parser("status", help="各批次整改报告期限和各问题的状态、预警颜色（JSON）")
        st.add_argument(
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
        self.stdout.write(json.dumps(status(None, day), ensure_ascii=False))
