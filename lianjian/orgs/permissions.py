"""Who may change an organisation's structure, beyond the querysets' visible/manageable scope.

An organisation's *structural* fields decide where it sits and which rules apply to it:
its kind (党委/党总支/党支部/党小组), its parent, whether it is an external unit's
organisation (and which kind of unit), the 临时/联合/功能型 flags, and the founding and
dissolution dates — compliance (``activities.compliance``) and assessment
(``assessment.services.scheme_orgs``) select organisations by kind, ``is_partner``,
``founded`` and ``dissolved``. A branch manager who could change them on their own
organisation could take it out of compliance and assessment, so they are changed only by
a manager of the organisation's parent (or an admin, or the system). Name, address,
professions, strengths and needs, the committee term and the like stay with the
organisation's own manager.

The one rule is the ``restructure`` action of ``Organisation.SCOPE`` (core.scope:
``ManagesBelow``), asked through :func:`can_change_structure` (which lets the system through); the services (``org_update``,
``org_dissolve``) enforce it with :func:`require_structure_right`, the ``orgs`` import with
:func:`structure_refusal` per row, and the edit form shows the fields read-only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied

from lianjian.core.scope import may
from lianjian.orgs.models import Organisation

STRUCTURAL_FIELDS: dict[str, str] = {
    "kind": "组织类型",
    "parent": "上级组织",
    "is_partner": "是否外部单位",
    "partner_kind": "外部单位类别",
    "is_temporary": "临时党支部标识",
    "is_joint": "联合党支部标识",
    "is_functional": "功能型党支部标识",
    "founded": "成立日期",
    "dissolved": "撤销日期",
}


def can_change_structure(user: Any, org: Organisation) -> bool:
    """Whether ``user`` may change the structural fields of ``org``: the system (None) and
    an admin always; a manager only when they manage ``org``'s parent — ``org`` lies
    strictly below their own organisation — so never their own organisation; a member never."""
    return user is None or may(user, "restructure", org)


def structure_changes(org: Organisation, fields: Mapping[str, Any]) -> list[str]:
    """The structural fields among ``fields`` whose value differs from ``org``'s."""
    changed = []
    for name, value in fields.items():
        if name not in STRUCTURAL_FIELDS:
            continue
        if name == "parent":
            current: Any = org.parent_id
            value = value.pk if isinstance(value, Organisation) else value
        else:
            current = getattr(org, name)
        if value != current:
            changed.append(name)
    return changed


def structure_refusal(names: Iterable[str]) -> str:
    """The message for a refused change of the structural fields ``names``."""
    labels = "、".join(dict.fromkeys(STRUCTURAL_FIELDS[n] for n in names))
    return f"{labels}只能由上级组织的管理员或系统管理员修改"


def require_structure_right(user: Any, org: Organisation, changed: Iterable[str]) -> None:
    """Refuse (``PermissionDenied``, nothing written) a change of the structural fields
    ``changed`` of ``org`` by a ``user`` who may not make it."""
    changed = list(changed)
    if changed and not can_change_structure(user, org):
        raise PermissionDenied(structure_refusal(changed))
