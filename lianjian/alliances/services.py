"""Writes to alliances, memberships, agreements and plans: atomic and audited."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.alliances.models import (
    MAX_PLANNED_ACTIVITIES,
    Agreement,
    AgreementFile,
    AgreementGoal,
    Alliance,
    AllianceMember,
    Plan,
    PlanItem,
    goal_target,
    plan_year_problem,
)
from lianjian.alliances.rules import dissolved_join_problem
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.uploads import UploadRule, store_upload
from lianjian.orgs.models import Member, Organisation

# Scans of signed agreements: what we accept and how large.
SCANS = UploadRule(
    types=("application/pdf", "image/png", "image/jpeg"),
    max_bytes=20 * 1024 * 1024,
    too_large="文件超过 20 MB",
    wrong_type="只能上传 PDF、PNG 或 JPEG 文件",
    default_name="附件",
)


def liaison_member_of(org: Organisation, phone: str) -> Member | None:
    """The member a liaison phone belongs to: the one current member of ``org`` or its
    subtree with that phone, else None (then the number is the organisation's to guard).

    Only ``org``'s own subtree is searched, so a number typed by someone who manages ``org``
    never becomes the number of a member they may not see.
    """
    if not phone:
        return None
    found = list(
        Member.objects.current()
        .filter(phone=phone, org__path__under=org.path)
        .select_related("org")[:2]
    )
    return found[0] if len(found) == 1 else None


def _member_repr(m: AllianceMember) -> dict[str, Any]:
    return {
        "org": m.org.code,
        "joined_on": m.joined_on.isoformat() if m.joined_on else None,
        "left_on": m.left_on.isoformat() if m.left_on else None,
        "liaison": m.liaison,
    }


@transaction.atomic
def alliance_create(*, actor: Any, members: Sequence[Organisation] = (), **fields: Any) -> Alliance:
    """Create an alliance; the lead always becomes a member, other ``members`` join on ``founded``.

    An alliance needs at least two organisations (domain.md: a relation among ≥ 2 orgs).
    """
    alliance = Alliance(**fields)
    alliance.full_clean()
    orgs = list(dict.fromkeys([alliance.lead, *members]))
    if len(orgs) < 2:
        raise ValidationError({"members": "联建至少需要两个党组织"})
    dissolved = dissolved_join_problem([o.name for o in orgs if o.dissolved])
    if dissolved:
        raise ValidationError({"members": dissolved})
    alliance.save()
    AllianceMember.objects.bulk_create(
        [AllianceMember(alliance=alliance, org=o, joined_on=alliance.founded) for o in orgs]
    )
    after = snapshot(alliance)
    after["members"] = [o.code for o in orgs]
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=alliance, after=after)
    return alliance


@transaction.atomic
def alliance_update(*, actor: Any, alliance: Alliance, **fields: Any) -> Alliance:
    """Change an alliance's own fields (``code`` is fixed); a new lead also becomes a member."""
    if "code" in fields and fields["code"] != alliance.code:
        raise ValidationError({"code": "联建编码创建后不能修改"})
    before = snapshot(Alliance.objects.get(pk=alliance.pk))
    for name, value in fields.items():
        setattr(alliance, name, value)
    alliance.full_clean()
    alliance.save()
    if not alliance.memberships.filter(org=alliance.lead, left_on__isnull=True).exists():
        AllianceMember.objects.create(
            alliance=alliance, org=alliance.lead, joined_on=timezone.localdate()
        )
    b, a = diff(before, snapshot(alliance))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=alliance, before=b, after=a)
    return alliance


@transaction.atomic
def alliance_member_add(
    *,
    actor: Any,
    alliance: Alliance,
    org: Organisation,
    joined_on: datetime.date | None,
    liaison: str = "",
    liaison_phone: str = "",
    liaison_post: str = "",
) -> AllianceMember:
    """Add ``org`` to ``alliance`` (refused if already a current member or dissolved)."""
    if org.dissolved:
        raise ValidationError({"org": dissolved_join_problem([org.name])})
    if alliance.memberships.filter(org=org, left_on__isnull=True).exists():
        raise ValidationError({"org": "该组织已是本联建的成员"})
    m = AllianceMember(
        alliance=alliance,
        org=org,
        joined_on=joined_on,
        liaison=liaison,
        liaison_phone=liaison_phone,
        liaison_post=liaison_post,
        liaison_member=liaison_member_of(org, liaison_phone),
    )
    m.full_clean()
    m.save()
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=alliance,
        before={},
        after={"member_added": _member_repr(m)},
    )
    return m


@transaction.atomic
def alliance_member_update(
    *, actor: Any, membership: AllianceMember, **fields: Any
) -> AllianceMember:
    """Change a membership's liaison or dates; leaving = setting ``left_on`` (history stays)."""
    if fields.get("left_on") and membership.org_id == membership.alliance.lead_id:
        raise ValidationError({"left_on": "牵头组织不能退出，请先更换牵头组织"})
    before = snapshot(membership)
    for name, value in fields.items():
        setattr(membership, name, value)
    membership.liaison_member = liaison_member_of(membership.org, membership.liaison_phone)
    membership.full_clean()
    membership.save()
    b, a = diff(before, snapshot(membership))
    if a:
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=membership.alliance,
            before={"member": membership.org.code, **b},
            after={"member": membership.org.code, **a},
        )
    return membership


def _check_goals(goals: Iterable[dict[str, Any]]) -> list[AgreementGoal]:
    out = []
    for g in goals:
        text = (g.get("text") or "").strip()
        if not text:
            continue
        try:
            target = goal_target(g.get("target"))
        except ValueError as exc:
            raise ValidationError({"goals": f"目标“{text[:20]}”的目标值{exc}"}) from None
        out.append(AgreementGoal(text=text[:200], target=target, unit=(g.get("unit") or "")[:20]))
    return out


@transaction.atomic
def agreement_create(
    *,
    actor: Any,
    alliance: Alliance,
    parties: Sequence[Organisation],
    goals: Iterable[dict[str, Any]] = (),
    predecessor: Agreement | None = None,
    **fields: Any,
) -> Agreement:
    """Create an agreement of ``alliance``; every party must be a current member of it."""
    agreement = Agreement(alliance=alliance, predecessor=predecessor, **fields)
    agreement.full_clean()
    current = set(
        alliance.memberships.filter(left_on__isnull=True).values_list("org_id", flat=True)
    )
    strangers = [p.name for p in parties if p.pk not in current]
    if strangers:
        raise ValidationError({"parties": f"签约方必须是本联建的成员：{'、'.join(strangers)}"})
    if len(parties) < 2:
        raise ValidationError({"parties": "协议至少需要两个签约方"})
    agreement.save()
    agreement.parties.set(parties)
    goal_rows = _check_goals(goals)
    for g in goal_rows:
        g.agreement = agreement
    AgreementGoal.objects.bulk_create(goal_rows)
    after = snapshot(agreement)
    after["parties"] = [p.code for p in parties]
    after["goals"] = [g.text for g in goal_rows]
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=agreement, after=after)
    return agreement


# Allowed lifecycle moves: draft → signed → active → expired | terminated.
TRANSITIONS = {
    Agreement.Status.DRAFT: {Agreement.Status.SIGNED, Agreement.Status.TERMINATED},
    Agreement.Status.SIGNED: {Agreement.Status.ACTIVE, Agreement.Status.TERMINATED},
    Agreement.Status.ACTIVE: {Agreement.Status.EXPIRED, Agreement.Status.TERMINATED},
    Agreement.Status.EXPIRED: set(),
    Agreement.Status.TERMINATED: set(),
}


@transaction.atomic
def agreement_set_status(
    *, actor: Any, agreement: Agreement, status: str, on: datetime.date | None = None
) -> Agreement:
    """Move an agreement along its lifecycle; signing needs a signed date (``on``, default today)."""
    if status not in TRANSITIONS.get(agreement.status, set()):
        raise ValidationError(f"协议状态不能从“{agreement.status}”变为“{status}”")
    before = snapshot(agreement)
    agreement.status = status
    if status == Agreement.Status.SIGNED:
        agreement.signed_on = on or timezone.localdate()
    if status == Agreement.Status.ACTIVE and agreement.start is None:
        agreement.start = on or timezone.localdate()
    agreement.full_clean()
    agreement.save()
    b, a = diff(before, snapshot(agreement))
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=agreement, before=b, after=a)
    return agreement


@transaction.atomic
def agreement_renew(
    *,
    actor: Any,
    agreement: Agreement,
    start: datetime.date,
    end: datetime.date,
    title: str | None = None,
) -> Agreement:
    """Renew (续签): a new draft with the same parties and goals, pointing back at ``agreement``."""
    if hasattr(agreement, "successor"):
        raise ValidationError("该协议已续签")
    if agreement.status in (Agreement.Status.DRAFT, Agreement.Status.TERMINATED):
        raise ValidationError("草拟或已终止的协议不能续签")
    goals = [{"text": g.text, "target": g.target, "unit": g.unit} for g in agreement.goals.all()]
    return agreement_create(
        actor=actor,
        alliance=agreement.alliance,
        parties=list(agreement.parties.all()),
        goals=goals,
        predecessor=agreement,
        title=title or f"{agreement.title}（续签）",
        terms=agreement.terms,
        start=start,
        end=end,
    )


@transaction.atomic
def agreement_attach(*, actor: Any, agreement: Agreement, upload: Any) -> AgreementFile:
    """Attach a scan: PDF, PNG or JPEG by content (magic bytes), at most 20 MB."""
    checked = SCANS.check(upload, actor)
    f = AgreementFile(agreement=agreement, **checked.record_fields())
    store_upload(f, upload, "scan", checked)
    after = {"file_added": f.name}
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=agreement, before={}, after=after)
    return f


@transaction.atomic
def plan_save(
    *, actor: Any, alliance: Alliance, year: int, summary: str, items: Iterable[dict[str, Any]]
) -> Plan:
    """Create or replace the yearly plan of ``alliance``: its summary and quarter items.
    The year lies in the planning window; each item names a quarter (1–4) and plans 0 …
    ``MAX_PLANNED_ACTIVITIES`` activities."""
    problem = plan_year_problem(year)
    if problem:
        raise ValidationError(f"年度{problem}")
    plan, created = Plan.objects.get_or_create(
        alliance=alliance, year=year, defaults={"summary": summary}
    )
    before = {
        "summary": plan.summary,
        "items": [(i.quarter, i.title, i.planned_activities) for i in plan.items.all()],
    }
    plan.summary = summary
    plan.save()
    plan.items.all().delete()
    rows = []
    for it in items:
        title = (it.get("title") or "").strip()
        if not title:
            continue
        q = it.get("quarter")
        if q not in (1, 2, 3, 4):
            raise ValidationError(f"季度应为 1 到 4：{title}")
        planned = it.get("planned_activities") or 0
        if (
            isinstance(planned, bool)
            or not isinstance(planned, int)
            or not 0 <= planned <= MAX_PLANNED_ACTIVITIES
        ):
            raise ValidationError(
                f"计划活动次数应为 0 到 {MAX_PLANNED_ACTIVITIES} 之间的整数：{title}"
            )
        rows.append(
            PlanItem(
                plan=plan,
                quarter=q,
                title=title[:200],
                planned_activities=planned,
                goal=(it.get("goal") or "")[:200],
            )
        )
    PlanItem.objects.bulk_create(rows)
    after = {
        "summary": summary,
        "items": [(i.quarter, i.title, i.planned_activities) for i in rows],
    }
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE,
        obj=alliance,
        before=None if created else before,
        after=after,
        note=f"{year}年实施方案",
    )
    return plan
