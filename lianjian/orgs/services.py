"""Writes to organisations and members. Every function is atomic and audited.

Callers (views, API, CLI) validate input with forms or schemas first; the services still
run model validation so that no path can store an inconsistent row.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.validation import date_errors, instance_values
from lianjian.orgs import figures
from lianjian.orgs.models import (
    Member,
    MemberTransfer,
    Organisation,
    not_before_founding,
    org_row_errors,
)
from lianjian.orgs.permissions import require_structure_right, structure_changes
from lianjian.orgs.pinyin import initials
from lianjian.orgs.rules import (
    MEMBER_LEFT,
    children_nesting_problems,
    dissolve_problems,
    member_org_problem,
)


def org_path(parent: Organisation | None, code: str) -> tuple[str, int]:
    """The materialised path and depth of an organisation with this parent and code."""
    if parent is None:
        return f"/{code}/", 0
    return f"{parent.path}{code}/", parent.depth + 1


@transaction.atomic
def org_create(*, actor: Any, **fields: Any) -> Organisation:
    """Create an organisation; ``fields`` are model fields (``parent`` an Organisation or None)."""
    org = Organisation(**fields)
    org.path, org.depth = org_path(org.parent, org.code)
    org.full_clean()
    org.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=org, after=snapshot(org))
    return org


@transaction.atomic
def org_update(*, actor: Any, org: Organisation, **fields: Any) -> Organisation:
    """Change fields of ``org``; a new parent moves the whole subtree. ``code`` cannot change.
    A change of a structural field (kind, parent, 外部单位 …) by an ``actor`` who does not
    manage the parent is refused with ``PermissionDenied`` (:mod:`lianjian.orgs.permissions`)."""
    if "code" in fields and fields["code"] != org.code:
        raise ValidationError({"code": "组织编码创建后不能修改"})
    stored = Organisation.objects.get(pk=org.pk)
    require_structure_right(actor, stored, structure_changes(stored, fields))
    before = snapshot(stored)
    old_path = org.path
    for name, value in fields.items():
        setattr(org, name, value)
    org.full_clean()
    if org.kind != stored.kind:
        children = org.children.exclude(is_partner=True).values_list("code", "kind", "is_partner")
        problems = children_nesting_problems(org.kind, children)
        if problems:
            raise ValidationError({"kind": problems})
    new_path, new_depth = org_path(org.parent, org.code)
    if new_path != old_path:
        if org.parent is not None and org.parent.path.startswith(old_path):
            raise ValidationError({"parent": "上级组织不能是本组织或其下级组织"})
        delta = new_depth - org.depth
        below = Organisation.objects.filter(path__under=old_path).exclude(pk=org.pk)
        moved = list(below.values_list("pk", flat=True))
        below.update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + delta,
        )
        figures.refresh_for(moved)  # one UPDATE bypassed save(); org itself: its save below
        org.path, org.depth = new_path, new_depth
    org.save()
    b, a = diff(before, snapshot(org))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=org, before=b, after=a)
    return org


@transaction.atomic
def org_dissolve(
    *, actor: Any, org: Organisation, date: datetime.date, reason: str = ""
) -> Organisation:
    """Dissolve (撤销) ``org`` on ``date``. Refused while it still has current members or
    active sub-organisations: those must be transferred or dissolved first. History stays.
    Only a manager of the parent (or an admin) dissolves (``PermissionDenied`` otherwise)."""
    require_structure_right(actor, org, ["dissolved"])
    if org.dissolved:
        raise ValidationError("该组织已撤销")
    problem = org_row_errors({**instance_values(org), "dissolved": date}).get("dissolved")
    if problem:
        raise ValidationError(problem)
    problems = dissolve_problems(
        members=org.members.current().count(), active_children=org.children.active().count()
    )
    if problems:
        raise ValidationError(problems)
    org.dissolved = date
    org.save(update_fields=["dissolved", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.DISSOLVE,
        obj=org,
        before={"dissolved": None},
        after={"dissolved": date.isoformat()},
        note=reason,
    )
    return org


def _check_member_org(org: Organisation) -> None:
    problem = member_org_problem(
        dissolved=org.dissolved is not None, is_partner=org.is_partner, transfer=False
    )
    if problem:
        raise ValidationError({"org": problem})


@transaction.atomic
def member_create(*, actor: Any, **fields: Any) -> Member:
    """Create a member; ``initials`` is derived from the name."""
    member = Member(**fields)
    member.initials = initials(member.name)
    member.full_clean()
    _check_member_org(member.org)
    member.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=member, after=snapshot(member))
    return member


@transaction.atomic
def member_update(*, actor: Any, member: Member, **fields: Any) -> Member:
    """Change a member's fields. A change of organisation goes through :func:`member_transfer`."""
    if "number" in fields and fields["number"] != member.number:
        raise ValidationError({"number": "人员编号创建后不能修改"})
    if "org" in fields and fields["org"].pk != member.org_id:
        raise ValidationError({"org": "变更所在组织请使用组织关系转接"})
    before = snapshot(Member.objects.get(pk=member.pk))
    for name, value in fields.items():
        setattr(member, name, value)
    member.initials = initials(member.name)
    member.full_clean()
    member.save()
    b, a = diff(before, snapshot(member))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=member, before=b, after=a)
    return member


def transfer_date_problem(member: Member, to_org: Organisation, date: datetime.date) -> str:
    """Why a transfer of ``member`` to ``to_org`` on ``date`` cannot be recorded, or "": the
    date lies in the past (HISTORY), not before the member joined nor before ``to_org``
    was founded."""
    problem = date_errors(MemberTransfer, {"date": date}).get("date")
    if problem:
        return problem
    if member.joined_on and date < member.joined_on:
        return "转接日期不能早于入党日期"
    return not_before_founding(to_org, date, "转接日期")


@transaction.atomic
def member_transfer(
    *, actor: Any, member: Member, to_org: Organisation, date: datetime.date, reason: str = ""
) -> MemberTransfer:
    """Move ``member`` to ``to_org`` (组织关系转接), keeping a transfer record and the audit trail."""
    if to_org.pk == member.org_id:
        raise ValidationError({"to_org": "转入组织与当前组织相同"})
    problem = member_org_problem(
        dissolved=to_org.dissolved is not None,
        is_partner=to_org.is_partner,
        transfer=True,
        left=member.left_on is not None,
    )
    if problem:
        raise ValidationError(problem if problem == MEMBER_LEFT else {"to_org": problem})
    problem = transfer_date_problem(member, to_org, date)
    if problem:
        raise ValidationError({"date": problem})
    from_org = member.org
    transfer = MemberTransfer.objects.create(
        member=member,
        from_org=from_org,
        to_org=to_org,
        date=date,
        reason=reason,
        actor_name=actor.get_username() if actor is not None else "系统",
    )
    member.org = to_org
    member.save(update_fields=["org", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.TRANSFER,
        obj=member,
        before={"org": from_org.code},
        after={"org": to_org.code},
        note=reason,
    )
    return transfer
