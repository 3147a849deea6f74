"""Compliance output files: the JSON document of contracts §4 and an xlsx with the same rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from lianjian.activities.compliance import LEVEL_LABELS, STATUS_LABELS, Row
from lianjian.core.excel import CellStyle, Styled, WorkbookWriter

XLSX_HEADERS = (
    "组织编码",
    "组织名称",
    "规则",
    "期间",
    "应开展次数",
    "已开展次数",
    "状态",
    "预警",
    "无效次数",
)
FILLS = {"ok": "D1F2D6", "missing": "FAD4D4", "open": "EEF1F5"}


def compliance_document(year: int, rows: Sequence[Row]) -> dict[str, Any]:
    return {"year": year, "results": [r.as_contract() for r in rows]}


def compliance_json(year: int, rows: Sequence[Row]) -> str:
    """The document with one result per line; no ``indent``, which would turn off the fast
    C encoder (a million rows take seconds instead of a minute)."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    body = ",\n".join(dumps(r.as_contract()) for r in rows)
    return (
        f'{{"year": {year}, "results": [\n{body}\n]}}'
        if rows
        else f'{{"year": {year}, "results": []}}'
    )


def write_compliance_xlsx(
    dest: str | Path | IO[bytes], year: int, rows: Sequence[Row], names: dict[str, str]
) -> None:
    """One row per result; the status column coloured (green ok, red missing, grey open)."""
    workbook = WorkbookWriter()
    sheet = workbook.sheet(f"{year}年组织生活", widths=(14, 28, 14, 10, 10, 10, 8, 12, 8))
    sheet.header(XLSX_HEADERS)
    fills = {k: CellStyle(fill=v) for k, v in FILLS.items()}
    for r in rows:
        sheet.append(
            [
                r.org,
                names.get(r.org, ""),
                r.rule,
                r.period,
                r.required,
                r.held,
                Styled(STATUS_LABELS[r.status], fills[r.status]),
                LEVEL_LABELS[r.level],
                r.invalid,
            ]
        )
    workbook.save(dest)
