"""``lianjian points`` — 党员积分 on the command line (docs/contracts.md §2, points.md).

- ``lianjian points --scheme CODE --period P``: the members' totals as JSON
  ``{"scheme", "period", "members": [{"number", "total", "bonus", "deductions", "vetoed",
  "exempt"}]}`` (``total`` null when exempt; ``deductions`` is the size of the negative
  points, so total = base + bonus − deductions before floor, ceiling and veto);
- ``lianjian points scheme import FILE.json`` / ``scheme export CODE [--out FILE]``;
- ``lianjian points recompute --scheme CODE [--period P]``: the ``auto`` entries again from
  the records (idempotent; run it nightly, or after correcting records).

The command line acts as the system (no scope). Bad input: Chinese messages on stderr,
one per line, exit 1, nothing changed; usage errors exit 2.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser

from lianjian.core.commands import ChineseUsageCommand
from lianjian.points import engine, services
from lianjian.points.models import PointsScheme
from lianjian.points.selectors import period_totals


def totals_document(scheme: PointsScheme, period: str) -> dict[str, Any]:
    """The JSON of ``lianjian points --scheme CODE --period P``."""
    return {
        "scheme": scheme.code,
        "period": period,
        "members": [
            {"number": row.number, **row.total.as_json()} for row in period_totals(scheme, period)
        ],
    }


class Command(ChineseUsageCommand):
    help = "党员积分：lianjian points --scheme 编码 --period 期间 | scheme import 文件 | scheme export 编码 | recompute --scheme 编码"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scheme", default=None, help="积分办法编码")
        parser.add_argument("--period", default=None, help="期间，如 2026、2026Q3、2026-07")
        actions = parser.add_subparsers(dest="action", metavar="操作", title="操作")
        scheme = actions.add_parser("scheme", help="导入或导出积分办法文件")
        scheme_actions = scheme.add_subparsers(dest="scheme_action", required=True, metavar="操作")
        imp = scheme_actions.add_parser("import", help="导入积分办法（新建或生成新版本）")
        imp.add_argument("file", help="积分办法 JSON 文件")
        exp = scheme_actions.add_parser("export", help="导出积分办法 JSON")
        exp.add_argument("code", help="积分办法编码")
        exp.add_argument("--out", default=None, help="输出文件，缺省输出到标准输出")
        rec = actions.add_parser("recompute", help="按已有记录重新计算自动积分")
        rec.add_argument("--scheme", dest="rec_scheme", required=True, help="积分办法编码")
        rec.add_argument("--period", dest="rec_period", default=None, help="期间，缺省为全年")

    def _fail(self, *messages: str) -> NoReturn:
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(1)

    def _scheme(self, code: str) -> PointsScheme:
        scheme = PointsScheme.objects.select_related("org").filter(code=code).first()
        if scheme is None:
            self._fail(f"积分办法 {code} 不存在")
        return scheme

    def handle(self, *args: Any, **options: Any) -> None:
        action = options.get("action")
        if action == "scheme":
            if options["scheme_action"] == "import":
                self._import(options["file"])
            else:
                self._export(options["code"], options["out"])
            return
        if action == "recompute":
            scheme = self._scheme(options["rec_scheme"])
            try:
                written, withdrawn = services.recompute(
                    actor=None, scheme=scheme, period=options["rec_period"]
                )
            except ValidationError as exc:
                self._fail(*exc.messages)
            self.stdout.write(
                f"积分办法 {scheme.code}：新增自动积分 {written} 条，撤回 {withdrawn} 条。"
            )
            return
        if not options["scheme"] or not options["period"]:
            self.stderr.write("请用 --scheme 和 --period 指定积分办法和期间")
            raise SystemExit(2)
        scheme = self._scheme(options["scheme"])
        period = options["period"]
        try:
            engine.period_bounds(period)
        except ValueError as exc:
            self._fail(str(exc))
        if period != str(scheme.year) and period not in scheme.periods():
            self._fail(
                f"期间 {period} 不属于积分办法 {scheme.code}（{scheme.year}年，{scheme.get_period_display()}）"
            )
        self.stdout.write(json.dumps(totals_document(scheme, period), ensure_ascii=False))

    def _import(self, name: str) -> None:
        path = Path(name)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            self._fail(f"无法读取文件：{name}（{exc.strerror}）")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._fail(f"文件不是有效的 UTF-8 JSON：{name}（{exc}）")
        try:
            scheme = services.import_scheme(actor=None, data=data)
        except ValidationError as exc:
            self._fail(*exc.messages)
        self.stdout.write(
            f"已导入积分办法 {scheme.code}（第 {scheme.version} 版，{scheme.rules.filter(active=True).count()} 条规则）。"
        )

    def _export(self, code: str, out: str | None) -> None:
        scheme = self._scheme(code)
        text = json.dumps(
            {**engine.scheme_to_data(scheme.as_engine()), "publicity_days": scheme.publicity_days},
            ensure_ascii=False,
            indent=2,
        )
        if out is None:
            self.stdout.write(text)
            return
        try:
            Path(out).write_text(text + "\n", encoding="utf-8")
        except OSError as exc:
            self._fail(f"无法写入文件：{out}（{exc.strerror}）")
        self.stdout.write(f"已导出积分办法 {scheme.code} 到 {out}。")
