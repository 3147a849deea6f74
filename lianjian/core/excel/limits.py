"""The bounds of an input workbook (:class:`ReadLimits`, docs/excel.md) and the archive
that enforces them before anything is unpacked."""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from typing import IO, Any, Literal

from django.conf import settings

from lianjian.core.excel.columns import (
    ExcelFileError,
)

# --- bounds -------------------------------------------------------------------------------
# Excel's own limits of a cell and of a sheet; more can only come from a crafted file.
MAX_CELL_CHARS = 32_767
EXCEL_MAX_ROWS = 1_048_576
# openpyxl parses the small parts of a workbook (content types, workbook, styles, theme,
# relationships) into objects: each may unpack to at most this much.
MAX_SMALL_PART_BYTES = 16 * 1024 * 1024
# A worksheet unpacks to about ten times its compressed size; the first sheet, which is
# streamed (its memory is bounded by rows and columns), may unpack to this many times the
# file's size limit, which bounds the time spent on it.
SHEET_UNPACK_FACTOR = 10
# The zip's central directory is read into memory whole; an xlsx has a few dozen parts.
MAX_DIRECTORY_BYTES = 1024 * 1024
MAX_PARTS = 10_000
_MB = 1024 * 1024


def _size(size: int) -> str:
    """``size`` bytes for a message: ``100 MB``, ``1.5 MB``, ``64 KB``."""
    unit, scale = ("MB", _MB) if size >= _MB else ("KB", 1024)
    return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"


@dataclass(frozen=True)
class ReadLimits:
    """How much of a workbook the reader accepts (docs/excel.md, 导入上限).

    ``max_bytes``: the file's size; ``max_rows``: the rows below the header (a value in a
    row numbered beyond ``max_rows + 1`` refuses the file); ``max_columns``: a value in a
    column beyond it refuses the file. Cells hold at most :data:`MAX_CELL_CHARS` characters,
    the shared-string table unpacks to at most ``max_bytes`` and the first sheet to
    ``SHEET_UNPACK_FACTOR × max_bytes``. Every bound is checked before anything is allocated
    for what it bounds, so a small crafted file cannot make the reader use much memory.
    ``rows_hint`` ends the too-many-rows message (the screens point to the command line).
    """

    max_bytes: int
    max_rows: int
    max_columns: int
    rows_hint: str = ""

    @classmethod
    def default(cls) -> ReadLimits:
        """The limits of the command line (and of any caller that does not say otherwise)."""
        return cls(settings.IMPORT_MAX_BYTES, settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS)

    @classmethod
    def screen(cls) -> ReadLimits:
        """The limits of an upload through the screens. The preview and the import run as
        background tasks (``docs/tasks.md``), so they are not bound by a request's timeout;
        the row limit still bounds what one upload may hold in the worker's memory and time.
        Larger files go through ``lianjian import``."""
        return cls(
            settings.IMPORT_MAX_BYTES,
            min(settings.IMPORT_SCREEN_MAX_ROWS, settings.IMPORT_MAX_ROWS),
            settings.IMPORT_MAX_COLUMNS,
            "更大的文件请由系统管理员在服务器上用命令 lianjian import 导入（见 docs/excel.md）",
        )

    @property
    def max_bytes_text(self) -> str:
        return _size(self.max_bytes)

    def file_too_large(self, size: int | None) -> str:
        """The message for a file of ``size`` bytes (None: not known) over ``max_bytes``."""
        if size is None:
            return f"文件过大，超过 {_size(self.max_bytes)} 的上限"
        return f"文件过大（{_size(size)}），超过 {_size(self.max_bytes)} 的上限"

    def too_many_rows(self, row: int) -> str:
        text = f"第{row}行超出行数上限：每个文件最多 {self.max_rows} 行数据（第2行至第{self.max_rows + 1}行）"
        return f"{text}；{self.rows_hint}" if self.rows_hint else text

    def too_many_columns(self, row: int, column: str) -> str:
        """``column``: the letters of the cell's reference (or its position)."""
        return f"第{row}行 {column}列：超出列数上限，每行最多 {self.max_columns} 列"

    @staticmethod
    def cell_too_long(row: int | None) -> str:
        where = f"第{row}行有" if row is not None else "文件中有"
        return f"{where}单元格内容超过 {MAX_CELL_CHARS} 个字符（Excel 单元格的上限）"


def file_size(handle: IO[bytes]) -> int:
    position = handle.tell()
    size = handle.seek(0, 2)
    handle.seek(position)
    return size


def check_directory(handle: IO[bytes], size: int) -> None:
    """Refuse an archive whose central directory is large before ``zipfile`` reads it into
    memory (one object per entry). Reads the end-of-directory record (and its zip64 form,
    which ``zipfile`` would prefer); a file without one is left to ``zipfile`` to refuse."""
    tail_size = min(size, 22 + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    handle.seek(0)
    # Where zipfile looks: the last 22 bytes (no comment), else the last signature.
    at = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" else tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return
    entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
    locator = at - 20
    if locator >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        # zip64: the locator gives the offset of the zip64 end record, which holds the counts.
        (offset,) = struct.unpack("<Q", tail[locator + 8 : locator + 16])
        if offset + 56 > size:
            raise ExcelFileError(["文件不是有效的 Excel 工作簿（.xlsx）"])
        handle.seek(offset)
        record = handle.read(56)
        handle.seek(0)
        if record[:4] != b"PK\x06\x06":
            raise ExcelFileError(["文件不是有效的 Excel 工作簿（.xlsx）"])
        entries, directory = struct.unpack("<QQ", record[32:48])
    if entries > MAX_PARTS or directory > MAX_DIRECTORY_BYTES:
        raise ExcelFileError(
            [f"文件不是有效的 Excel 工作簿（.xlsx）：包含的部件过多（超过 {MAX_PARTS} 个）"]
        )


class BoundedArchive(zipfile.ZipFile):
    """The workbook's zip archive, which opens a part only when it is stored or deflated
    (other methods could unpack without bound in one step) and its declared unpacked size
    is within ``allowance``. ``zipfile`` never returns more than a part's declared size, so
    the allowance bounds what any reader of the part — openpyxl's or ours — gets."""

    allowance = MAX_SMALL_PART_BYTES

    def open(
        self,
        name: Any,
        mode: Literal["r", "w"] = "r",
        pwd: bytes | None = None,
        *,
        force_zip64: bool = False,
    ) -> IO[bytes]:
        if mode == "r":
            info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ExcelFileError(
                    ["文件不是有效的 Excel 工作簿（.xlsx）：使用了不支持的压缩方式"]
                )
            if info.file_size > self.allowance:
                raise ExcelFileError(
                    [f"文件内容过大：解压后超过 {_size(self.allowance)}，无法读取"]
                )
        return super().open(name, mode, pwd, force_zip64=force_zip64)
