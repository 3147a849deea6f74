"""Excel import and export of organisations (``orgs``) and members (``members``).

Both kinds follow docs/contracts.md §3 and the engine in :mod:`lianjian.core.excel`: every
row is validated first and nothing is written unless the whole file is right; rows whose
key (组织编码 / 人员编号) exists update that object; a column missing from the file leaves
that field unchanged; a re-import of the same file writes nothing but the summary audit row.

Extension columns (optional, documented in the template's notes): for orgs 外部单位类别
(政府/社区/高校/企业/其他, only for 外部单位) and 组织标识 (a list of 临时/联合/功能型); for
members 流动党员 (是/否).

Scope: ``user=None`` is the system (CLI). An admin may write everything; a manager only
organisations and members inside ``Organisation.objects.manageable_by(user)`` — a new
organisation placed outside answers ``第N行 组织编码：无权操作该组织`` (or ``上级组织编码``)
and the whole file is refused. A row is validated only against what the importer may see
(``core.excel.hidden_keys``): a key held by a hidden organisation or member answers
``第N行 组织编码：该编号不可用（已被占用）`` (``人员编号`` for members) and the row is checked as a
new one; a hidden organisation named as a parent or as 所在组织编码 reads as unknown
(``组织 X 不存在``), except the unchanged parent of a visible organisation, which its export shows. The structural
columns of an existing organisation (组织类型, 上级组织编码, 是否外部单位, 外部单位类别, 组织标识,
成立日期, 撤销日期) change only by a manager of its parent, so never on the manager's own
organisation: ``第N行 组织类型：组织类型只能由上级组织的管理员或系统管理员修改``.

The package is split by concern: :mod:`.common` (the code column, who may import, the
export root, duplicate keys), :mod:`.organisations` (the ``orgs`` kind), :mod:`.tree` (the
final paths of an import's organisations) and :mod:`.members` (the ``members`` kind).
Importing the package registers both kinds, in this order (``core.excel`` discovers ``<app>.excel``).
"""

from __future__ import annotations

from lianjian.core.excel import register
from lianjian.orgs.excel.common import NO_RIGHT_MEMBER, NO_RIGHT_ORG, export_root, may_import
from lianjian.orgs.excel.members import MemberExcel
from lianjian.orgs.excel.organisations import OrgExcel

__all__ = [
    "NO_RIGHT_MEMBER",
    "NO_RIGHT_ORG",
    "MemberExcel",
    "OrgExcel",
    "export_root",
    "may_import",
]

# In this order: the CLI lists the kinds as registered (orgs first, as they are imported first).
register(OrgExcel())
register(MemberExcel())
