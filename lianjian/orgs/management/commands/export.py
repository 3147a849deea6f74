"""``lianjian export KIND FILE.xlsx [--org CODE]``: export as the system (everything).

The file has exactly the import columns, so export → import round-trips. ``--org`` (an
extension of the contract) limits the export to the subtree of one organisation. Bad
input (unknown organisation, unwritable file) prints a Chinese message and exits 1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from lianjian.core.commands import ChineseUsageCommand
from lianjian.core.excel import ExcelFileError, all_kinds, export_file, get_kind


class Command(ChineseUsageCommand):
    help = "导出数据到 Excel 文件：lianjian export 类型 文件.xlsx [--org 组织编码]；列与导入相同"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[k.name for k in all_kinds()], help="数据类型")
        parser.add_argument("file", help="要写入的 Excel 文件（.xlsx）")
        parser.add_argument("--org", default=None, help="只导出该组织及其下级组织的数据")

    def handle(self, *args: Any, **options: Any) -> None:
        kind = get_kind(options["kind"])
        assert kind is not None  # argparse's choices came from the same registry
        path = Path(options["file"])
        if path.suffix.lower() != ".xlsx":
            self._fail(f"文件名应以 .xlsx 结尾：{path}")
        if path.is_dir():
            self._fail(f"不是文件：{path}")
        if not path.parent.is_dir():
            self._fail(f"目录不存在：{path.parent}")
        partial = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            count = export_file(kind, partial, org_code=options["org"])
            partial.replace(path)
        except ExcelFileError as exc:
            partial.unlink(missing_ok=True)
            self._fail(*exc.messages)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            self._fail(f"无法写入文件：{path}（{exc.strerror}）")
        self.stdout.write(f"已导出 {count} 条{kind.label}数据到 {path}。")

    def _fail(self, *messages: str) -> None:
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(1)
