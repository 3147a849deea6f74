"""``lianjian assess …``: scheme files and assessment runs from the command line (contracts §2).

* ``lianjian assess scheme import FILE.json`` — create or update the scheme of a scheme file
  (shared/docs/assessment.md); every problem of the file is listed.
* ``lianjian assess scheme export CODE [FILE]`` — the scheme as its file (stdout without FILE).
* ``lianjian assess run --scheme CODE --period P [--format json|xlsx] [--out FILE]
  [--note TEXT] [--publish] [--today YYYY-MM-DD]`` — run the scheme for the period, store it
  as a new version, and print the JSON of assessment.md (stdout unless ``--out``; xlsx
  needs ``--out``). ``--publish`` publishes the new version; ``--today`` evaluates as of
  another day (which meetings were held, which compliance periods are closed).

The command line acts as the system (no scope). Errors in Chinese on stderr, one per
line: exit 1 for bad input (nothing changed), 2 for a usage error.
"""

from __future__ import annotations

import datetime
import json
import os
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser
from django.db import transaction

from lianjian.assessment.models import Scheme
from lianjian.assessment.output import run_json, run_xlsx
from lianjian.assessment.scheme_file import scheme_to_dict
from lianjian.assessment.services import assessment_run, run_publish, scheme_import
from lianjian.core.commands import ChineseUsageCommand


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"不支持 {name}")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def run_document(run: Any) -> str:
    """The run's JSON with one result per line: the C encoder stays on (``indent`` would turn
    it off), so 37,000 results take a fraction of a second."""
    document = run_json(run)
    head = f'{{"scheme": {_dumps(document["scheme"])}, "period": {_dumps(document["period"])}, "results": ['
    if not document["results"]:
        return head + "]}"
    return head + "\n" + ",\n".join(_dumps(r) for r in document["results"]) + "\n]}"


class Command(ChineseUsageCommand):
    help = (
        "双维度考核。lianjian assess scheme import 文件.json；lianjian assess scheme export 方案编码 [文件]；"
        "lianjian assess run --scheme 方案编码 --period 期间 [--format json|xlsx] [--out 文件]"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="操作", title="操作")
        scheme = actions.add_parser("scheme", help="考核方案文件的导入与导出")
        scheme_actions = scheme.add_subparsers(
            dest="scheme_action", required=True, metavar="操作", title="操作"
        )
        imp = scheme_actions.add_parser("import", help="导入（新建或更新）考核方案")
        imp.add_argument("file", metavar="FILE.json", help="方案文件（JSON，格式见 assessment.md）")
        exp = scheme_actions.add_parser("export", help="导出考核方案文件")
        exp.add_argument("code", metavar="CODE", help="方案编码")
        exp.add_argument(
            "file", metavar="FILE", nargs="?", default=None, help="输出文件；缺省输出到标准输出"
        )
        run = actions.add_parser("run", help="按期间计算考核结果，保存为新版本")
        run.add_argument("--scheme", required=True, metavar="CODE", help="方案编码")
        run.add_argument(
            "--period",
            required=True,
            metavar="P",
            help="考核期间，如 2026、2026H1、2026Q3、2026-07",
        )
        run.add_argument("--format", choices=["json", "xlsx"], default="json", help="输出格式")
        run.add_argument(
            "--out",
            default=None,
            metavar="FILE",
            help="输出文件；json 缺省输出到标准输出，xlsx 必须指定",
        )
        run.add_argument("--note", default="", help="本次计算的说明")
        run.add_argument("--publish", action="store_true", help="计算后发布该版本")
        run.add_argument(
            "--today",
            default=None,
            metavar="YYYY-MM-DD",
            help="按指定日期判断活动是否已开展，缺省为今天",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "run":
            self._run(options)
        elif options["scheme_action"] == "import":
            self._import(Path(options["file"]))
        else:
            self._export(options["code"], options["file"])

    def _fail(self, *messages: str) -> NoReturn:
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(1)

    def _import(self, path: Path) -> None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            self._fail(f"文件不存在：{path}")
        except (IsADirectoryError, PermissionError, OSError, UnicodeDecodeError):
            self._fail(f"无法读取文件（应为 UTF-8 编码的 JSON）：{path}")
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except json.JSONDecodeError as exc:
            self._fail(f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列")
        except ValueError as exc:
            self._fail(f"文件不是有效的 JSON：{exc}")
        try:
            scheme, created = scheme_import(data, actor=None)
        except ValidationError as exc:
            self._fail(*exc.messages, f"共 {len(exc.messages)} 处错误，方案未导入。")
        counts = f"{scheme.dimensions.count()} 个维度，{scheme.indicators.count()} 个指标"
        self.stdout.write(
            f"{'已新建' if created else '已更新'}考核方案 {scheme.code}（{scheme.name}）：{counts}。"
        )

    def _export(self, code: str, file: str | None) -> None:
        scheme = Scheme.objects.filter(code=code).first()
        if scheme is None:
            self._fail(f"方案 {code} 不存在")
        text = json.dumps(scheme_to_dict(scheme), ensure_ascii=False, indent=2)
        if file is None:
            self.stdout.write(text)
            return
        self._write(Path(file), lambda p: p.write_text(text + "\n", encoding="utf-8"))
        self.stdout.write(f"已导出方案 {scheme.code} 到 {file}。")

    def _write(self, out: Path, writer: Any) -> None:
        if out.is_dir() or not out.parent.is_dir():
            self._fail(f"无法写入文件：{out}")
        partial = out.with_name(f".{out.name}.{os.getpid()}.part")
        try:
            writer(partial)
            partial.replace(out)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            self._fail(f"无法写入文件：{out}（{exc.strerror}）")

    def _run(self, options: dict[str, Any]) -> None:
        out = Path(options["out"]) if options["out"] else None
        if options["format"] == "xlsx" and out is None:
            self.stderr.write("xlsx 格式需用 --out 指定输出文件")
            raise SystemExit(2)
        if out is not None and (out.is_dir() or not out.parent.is_dir()):
            self._fail(f"无法写入文件：{out}")
        today = None
        if options["today"]:
            try:
                today = datetime.date.fromisoformat(options["today"])
            except ValueError:
                self._fail(f"日期格式应为 YYYY-MM-DD：{options['today']}")
        scheme = Scheme.objects.filter(code=options["scheme"]).first()
        if scheme is None:
            self._fail(f"方案 {options['scheme']} 不存在")
        try:
            with transaction.atomic():
                run = assessment_run(
                    None, scheme, options["period"], note=options["note"], today=today
                )
                if options["publish"]:
                    run = run_publish(None, run)
        except ValidationError as exc:
            self._fail(*exc.messages)
        summary = (
            f"已计算 {scheme.code} {run.period} 第 {run.version} 版（{run.org_count} 个组织"
            f"{'，已发布' if run.is_published else ''}）"
        )
        if out is None:
            self.stdout.write(run_document(run))
            return
        if options["format"] == "xlsx":
            self._write(out, lambda p: run_xlsx(run, str(p)))
        else:
            self._write(out, lambda p: p.write_text(run_document(run) + "\n", encoding="utf-8"))
        self.stdout.write(f"{summary}，结果已写入 {out}。")
