"""The Excel import/export engine: column specs, a fast sheet reader, a writer, a kind registry.

Every importable kind (``orgs``, ``members``, later ``activities`` …) is an
:class:`ExcelKind` registered with :func:`register` from an app's ``excel.py``; the registry
discovers those modules on first use, so ``core`` never imports a higher app.

Contract of an input file (docs/contracts.md §3): the first sheet, the first row holds the
headers in any order, a header may carry a trailing ``*``; an unknown or repeated header, a
missing required column or an empty sheet is an error. Lists in a cell are separated by
``、``, ``，``, ``,``, ``；`` (or ``;``). Dates are ``YYYY-MM-DD`` text or real Excel dates.
Every problem is reported as ``第N行 列名：原因`` with N the spreadsheet row (header = 1).
A column missing from the file is :data:`ABSENT` in every row, so a kind can leave that
field of an existing object unchanged; an empty cell of a present column means "empty".

The engine is split by concern: :mod:`.columns` (markers, errors, cell parsers and
formatters, :class:`Column`), :mod:`.limits` (the bounds of an input file), :mod:`.xlsx` (the fast reader of the first
sheet's rows), :mod:`.reading` (rows parsed into a :class:`Sheet` of values and errors), :mod:`.writing`
(the one workbook writer, exports and templates), :mod:`.kinds` (:class:`ExcelKind`, the registry, import and
export), :mod:`.template` (the steps every kind's import shares: duplicates, lookups, counting,
all-or-nothing) and :mod:`.bulk` (batched database writes). Every public name is importable from
``lianjian.core.excel``.
"""

from __future__ import annotations

from lianjian.core.excel.bulk import (
    AUDIT_COLUMNS,
    BATCH_SIZE,
    chunks,
    insert_audit,
    insert_rows,
    refresh_statistics,
    update_rows,
)
from lianjian.core.excel.columns import (
    ABSENT,
    DATE_FORMAT,
    DATE_RE,
    INVALID,
    LIST_SEPARATORS,
    NO,
    YES,
    CellError,
    Column,
    ExcelFileError,
    bool_column,
    cell_text,
    choice_column,
    date_column,
    float_column,
    format_bool,
    format_list,
    format_plain,
    format_text,
    list_column,
    parse_bool,
    parse_choice,
    parse_date,
    parse_float,
    parse_list,
    parse_pattern,
    parse_text,
    row_error,
    text_column,
)
from lianjian.core.excel.kinds import (
    ExcelKind,
    ImportResult,
    ListExport,
    all_kinds,
    export_file,
    export_list_file,
    get_kind,
    hidden_keys,
    import_file,
    kind_for_list,
    refused_keys,
    register,
)
from lianjian.core.excel.limits import MAX_CELL_CHARS, ReadLimits
from lianjian.core.excel.reading import ErrorList, Sheet, read_sheet
from lianjian.core.excel.template import (
    NOT_ALLOWED,
    by_code,
    changes,
    conclude,
    count_rows,
    first_rows,
    ids_by_code,
    in_batches,
    ordered_codes,
    refuse_on_errors,
    refused_result,
    resolve_code,
    resolve_list,
    row_state,
    through_services,
    validation_errors,
)
from lianjian.core.excel.writing import (
    BOLD,
    CellStyle,
    SheetWriter,
    Styled,
    WorkbookWriter,
    write_template,
    write_workbook,
)
from lianjian.core.messages import KEY_TAKEN

__all__ = [
    "resolve_list",
    "conclude",
    "changes",
    "NOT_ALLOWED",
    "by_code",
    "count_rows",
    "first_rows",
    "ids_by_code",
    "in_batches",
    "ordered_codes",
    "refuse_on_errors",
    "refused_result",
    "resolve_code",
    "row_state",
    "through_services",
    "validation_errors",
    "ABSENT",
    "AUDIT_COLUMNS",
    "BATCH_SIZE",
    "BOLD",
    "CellError",
    "CellStyle",
    "Column",
    "DATE_FORMAT",
    "DATE_RE",
    "ErrorList",
    "ExcelFileError",
    "ExcelKind",
    "INVALID",
    "KEY_TAKEN",
    "ImportResult",
    "ListExport",
    "LIST_SEPARATORS",
    "MAX_CELL_CHARS",
    "NO",
    "ReadLimits",
    "Sheet",
    "SheetWriter",
    "Styled",
    "WorkbookWriter",
    "YES",
    "all_kinds",
    "bool_column",
    "cell_text",
    "choice_column",
    "chunks",
    "date_column",
    "export_file",
    "export_list_file",
    "kind_for_list",
    "float_column",
    "format_bool",
    "format_list",
    "format_plain",
    "format_text",
    "get_kind",
    "hidden_keys",
    "import_file",
    "insert_audit",
    "insert_rows",
    "list_column",
    "parse_bool",
    "parse_choice",
    "parse_date",
    "parse_float",
    "parse_list",
    "parse_pattern",
    "parse_text",
    "read_sheet",
    "refresh_statistics",
    "refused_keys",
    "register",
    "row_error",
    "text_column",
    "update_rows",
    "write_template",
    "write_workbook",
]
