"""What the ``orgs`` and ``members`` kinds share: the code column, who may import, the
export root and the messages of a refused row (duplicate keys, counting and
all-or-nothing are the kind template's, ``lianjian.core.excel.template``)."""

from __future__ import annotations

from typing import Any

from lianjian.core.excel import Column, ExcelFileError, format_text, parse_pattern
from lianjian.core.scope import MANAGE, scope_of
from lianjian.orgs.models import (
    CODE_RE,
    Organisation,
)

CODE_REASON = "编码只能包含字母、数字、下划线、点和短横线，最长 32 位"
NO_RIGHT_ORG = "无权操作该组织"
NO_RIGHT_MEMBER = "无权操作该党员"
FLAG_FIELDS = {"临时": "is_temporary", "联合": "is_joint", "功能型": "is_functional"}
TRANSFER_REASON = "Excel 导入"
MAX_PATH = 600


def code_column(header: str, *, required: bool = False, note: str = "") -> Column:
    return Column(
        header,
        parse_pattern(32, CODE_RE, CODE_REASON),
        required,
        None if not required else "",
        format_text,
        note or "字母、数字、下划线、点和短横线，最长 32 位",
        14,
    )


class Rollback(Exception):
    """Raised inside the import transaction to undo every write of a refused file."""


def may_import(user: Any) -> bool:
    """Whether ``user`` may import at all: the system (None), an admin, or a manager of some
    organisation (whose file is then checked row by row, :func:`refused_keys`). Member
    accounts may not."""
    if user is None:
        return True
    scope = scope_of(user)
    return scope.everything or bool(scope.of(MANAGE))


def export_root(user: Any, org_code: str) -> Organisation:
    """The organisation an export is limited to (its subtree): visible to ``user`` (None =
    the system, everything); an unknown or invisible code raises :class:`ExcelFileError`."""
    orgs = Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
    root = orgs.filter(code=org_code).only("path").first()
    if root is None:
        raise ExcelFileError([f"组织 {org_code} 不存在或无权查看"])
    return root
