"""Helpers for the Excel tests: input files are written with xlsxwriter, a different
spreadsheet writer than the openpyxl code under test, and the CLI is driven through
``call_command`` so that it sees the test database."""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.management import call_command
from openpyxl import load_workbook


def make_xlsx(path: Path, headers: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet_name: str = "Sheet1",
              inline_strings: bool = False) -> Path:
    """Write ``rows`` under ``headers``; dates become real Excel date cells, numbers numbers.
    ``inline_strings`` stores text in the cells instead of the shared-string table."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": inline_strings})
    sheet = workbook.add_worksheet(sheet_name)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime.date):
                sheet.write_datetime(r, c, datetime.datetime.combine(value, datetime.time()), date_format)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def run(*args: str) -> tuple[int, str, str]:
    """Run a management command; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def read_xlsx(source: Path | bytes) -> tuple[list[str], list[list[Any]]]:
    """Headers and data rows of the first sheet (empty cells as None, trailing ones kept)."""
    handle = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
    with handle:
        workbook = load_workbook(handle, read_only=True)
        rows = [list(r) for r in workbook.worksheets[0].iter_rows(values_only=True)]
        workbook.close()
    return [str(h) for h in rows[0]], rows[1:]
