"""Writes of 岗区队, each audited with before/after and each step kept in the history.

Who may act is the model's SCOPE (:mod:`lianjian.carriers.models`): the branch's managers
declare, edit, submit and pass at branch level (``change``); a manager above the branch
approves, opens and closes the 公示, names, reviews, vetoes and marks a task force done
(``approve``). The actor ``None`` is the system (demo data, imports already checked).
A refusal raises ``ValidationError`` (a Chinese reason) or ``PermissionDenied`` and changes
nothing. Nothing is deleted: a declaration is voided, a member leaves with a date, a title
is withdrawn (摘牌) with its reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.carriers import rules
from lianjian.carriers.models import (
    Carrier,
    CarrierMember,
    CarrierReview,
    CarrierStep,
    VetoEvent,
    WorkGroup,
)
from lianjian.core.audit import audit_record, audited_create, audited_update, snapshot
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog
from lianjian.core.scope import APPROVE, CHANGE, require
from lianjian.core.validation import HISTORY, text_problem, today
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.models import Member

# The fields a declaration sets and an edit may change (kind and organisation are fixed).
CARRIER_FIELDS = (
    "name",
    "theme",
    "leader",
    "post_name",
    "area",
    "duties",
    "commitments",
    "alliance",
    "plaque_no",
    "established",
    "end_date",
    "lat",
    "lon",
)
# States in which the description may still be edited.
EDITABLE_STATES = (rules.DECLARED, rules.BRANCH_REVIEW, rules.NAMED, rules.REVIEWING, rules.WARNED)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _require(actor: Any, action: str, obj: Carrier, message: str) -> None:
    if _is_user(actor):
        require(actor, action, obj, message)


def _actor_name(actor: Any) -> str:
    return str(actor.get_username()) if _is_user(actor) else "系统"


def _day(day: datetime.date | None) -> datetime.date:
    """The day of a step (today when not given): something that happened, so not in the
    future and not before 1921-07-01."""
    if day is None:
        return today()
    problem = HISTORY.problem(day)
    if problem:
        raise ValidationError({"day": f"日期{problem}"})
    return day


def _text(value: str, label: str, field: str) -> str:
    """``value`` stripped, or a ValidationError on ``field`` when it holds a character no
    person types (a control character, a line break in a one-line field)."""
    value = value.strip()
    problem = text_problem(value)
    if problem:
        raise ValidationError({field: f"{label}{problem}"})
    return value


def _not_before_history(carrier: Carrier, when: datetime.date) -> None:
    """A step cannot be dated before the carrier's last one: the history reads in order, so
    the state on any day is the last step up to it."""
    last = carrier.steps.order_by("-day").values_list("day", flat=True).first()
    if last is not None and when < last:
        raise ValidationError(f"日期不能早于上一步（{last.isoformat()}）")


def _step(carrier: Carrier, actor: Any, action: str, before: str, day: datetime.date,
          reason: str = "") -> CarrierStep:  # fmt: skip
    return CarrierStep.objects.create(
        carrier=carrier,
        day=day,
        action=action,
        from_state=before,
        state=carrier.state,
        reason=reason[:300],
        actor_name=_actor_name(actor),
    )


@transaction.atomic
def declare(
    actor: Any,
    *,
    kind: str,
    org: Any,
    fields: Mapping[str, Any],
    code: str = "",
    work_groups: Iterable[WorkGroup] = (),
    key_tasks: Iterable[KeyTask] = (),
    day: datetime.date | None = None,
) -> Carrier:
    """申报 a carrier of ``kind`` for ``org`` (its managers). ``code`` blank: generated
    (``SFG-001`` …). The 责任区's 班组 must belong to the organisation."""
    carrier = Carrier(
        kind=kind, org=org, **{k: v for k, v in fields.items() if k in CARRIER_FIELDS}
    )
    _require(actor, CHANGE, carrier, "无权为该组织申报岗区队")
    when = _day(day)
    carrier.code = code or next_code(Carrier, f"{rules.CODE_PREFIX.get(kind, 'GQD')}-")
    audited_create(actor=actor, obj=carrier)
    _links(carrier, work_groups, key_tasks)
    _step(carrier, actor, "declare", "", when)
    return carrier


def _links(
    carrier: Carrier, work_groups: Iterable[WorkGroup], key_tasks: Iterable[KeyTask]
) -> None:
    groups = list(work_groups)
    if groups and carrier.kind != rules.AREA:
        raise ValidationError({"work_groups": "只有党员责任区覆盖班组"})
    foreign = [g.name for g in groups if g.org_id != carrier.org_id]
    if foreign:
        raise ValidationError({"work_groups": f"班组不属于本组织：{'、'.join(foreign)}"})
    carrier.work_groups.set(groups)
    carrier.key_tasks.set(list(key_tasks))


@transaction.atomic
def update(
    actor: Any,
    carrier: Carrier,
    fields: Mapping[str, Any],
    *,
    work_groups: Iterable[WorkGroup] | None = None,
    key_tasks: Iterable[KeyTask] | None = None,
) -> Carrier:
    """Edit a carrier's description (not its kind, organisation or state)."""
    _require(actor, CHANGE, carrier, "无权修改该岗区队")
    if carrier.state not in EDITABLE_STATES:
        raise ValidationError(f"状态为「{carrier.state}」的岗区队不能修改")
    before_links = _link_codes(carrier)
    carrier = audited_update(
        actor=actor,
        obj=carrier,
        fields={k: v for k, v in fields.items() if k in CARRIER_FIELDS},
        lock=True,
    )
    if work_groups is not None or key_tasks is not None:
        _links(
            carrier,
            carrier.work_groups.all() if work_groups is None else work_groups,
            carrier.key_tasks.all() if key_tasks is None else key_tasks,
        )
        after_links = _link_codes(carrier)
        if after_links != before_links:
            audit_record(
                actor=actor,
                action=AuditLog.Action.UPDATE,
                obj=carrier,
                before=before_links,
                after=after_links,
            )
    return carrier


def _link_codes(carrier: Carrier) -> dict[str, Any]:
    return {
        "work_groups": sorted(carrier.work_groups.values_list("code", flat=True)),
        "key_tasks": sorted(carrier.key_tasks.values_list("code", flat=True)),
    }


@transaction.atomic
def transition(
    actor: Any, carrier: Carrier, action: str, *, reason: str = "", day: datetime.date | None = None
) -> Carrier:
    """Take a step of the lifecycle (:data:`rules.TRANSITIONS`). A return, an objection or a
    void needs its reason; naming waits for the end of the 公示 (5 working days)."""
    carrier = Carrier.objects.select_for_update().select_related("org").get(pk=carrier.pk)
    needed = APPROVE if action in rules.COMMITTEE_ACTIONS else CHANGE
    label = rules.ACTION_LABELS.get(action, action)
    _require(actor, needed, carrier, f"无权{label}")
    problem = rules.transition_problem(carrier.kind, carrier.state, action)
    if problem:
        raise ValidationError(problem)
    reason = _text(reason, "说明", "reason")
    if action in rules.REASON_ACTIONS and not reason:
        raise ValidationError({"reason": f"{label}须说明理由"})
    when = _day(day)
    _not_before_history(carrier, when)
    if action == "name":
        started = (
            carrier.steps.filter(action="approve")
            .order_by("-day", "-id")
            .values_list("day", flat=True)
            .first()
        )
        problem = rules.publicity_problem(started, when)
        if problem:
            raise ValidationError(problem)
    before = carrier.state
    audited_update(
        actor=actor,
        obj=carrier,
        fields={"state": rules.target_of(action), "state_reason": reason},
    )
    _step(carrier, actor, action, before, when, reason)
    return carrier


@transaction.atomic
def record_review(
    actor: Any,
    carrier: Carrier,
    *,
    preset: str,
    period: str,
    scores: Mapping[str, float],
    note: str = "",
    day: datetime.date | None = None,
) -> CarrierReview:
    """复核: score the items of ``preset`` for ``period``; the mean's band decides the state
    (:func:`rules.state_after_review`): 优秀/合格 keep the title, 基本合格 警示 (twice 摘牌),
    不达标 摘牌 (may re-apply next year). A period is reviewed once."""
    carrier = Carrier.objects.select_for_update().select_related("org").get(pk=carrier.pk)
    _require(actor, APPROVE, carrier, "无权复核该岗区队")
    if carrier.state not in rules.REVIEW_STATES:
        raise ValidationError(f"当前状态为「{carrier.state}」，不能复核")
    found = rules.PRESETS.get(preset)
    if found is None:
        raise ValidationError({"preset": f"没有复核方案：{preset}"})
    period = _text(period, "复核期", "period")
    if not period or len(period) > 10:
        raise ValidationError({"period": "请填写复核期，如 2026 或 2026H2"})
    clean = {str(k): float(v) for k, v in scores.items()}
    problem = rules.score_problems(found, clean)
    if problem:
        raise ValidationError({"scores": problem})
    if carrier.reviews.filter(period=period).exists():
        raise ValidationError({"period": f"{period} 已复核"})
    when = _day(day)
    _not_before_history(carrier, when)
    score = rules.review_score(clean)
    before = carrier.state
    after = rules.state_after_review(found, score, before)
    review = CarrierReview(
        carrier=carrier,
        preset=found.name,
        period=period,
        day=when,
        scores=clean,
        score=score,
        band=rules.band(found, score),
        state_after=after,
        note=_text(note, "说明", "note")[:300],
        reviewer_name=_actor_name(actor),
    )
    audited_create(actor=actor, obj=review)
    reason = f"{period} 复核 {score} 分，{review.band}"
    audited_update(actor=actor, obj=carrier, fields={"state": after, "state_reason": reason})
    _step(carrier, actor, "review", before, when, reason)
    return review


@transaction.atomic
def record_veto(
    actor: Any, carrier: Carrier, *, kind: str, description: str, day: datetime.date | None = None
) -> VetoEvent:
    """一票否决: a 责任事故 or 违纪 on the holder or area withdraws the title at once,
    whatever the last review said. ``day`` is when the event happened; the title is withdrawn
    on the day it is recorded (today), so figures of days already reported stay as they were."""
    carrier = Carrier.objects.select_for_update().select_related("org").get(pk=carrier.pk)
    _require(actor, APPROVE, carrier, "无权记录一票否决事件")
    if kind not in rules.VETO_KINDS:
        raise ValidationError({"kind": f"类别应为 {'、'.join(rules.VETO_KINDS)} 之一"})
    description = _text(description, "事由", "description")
    if not description:
        raise ValidationError({"description": "请填写事由"})
    problem = rules.veto_problem(carrier.state)
    if problem:
        raise ValidationError(problem)
    when = _day(day)
    recorded = today()
    _not_before_history(carrier, recorded)
    event = VetoEvent(
        carrier=carrier, kind=kind, day=when, description=description[:300],
        recorded_by=_actor_name(actor),
    )  # fmt: skip
    audited_create(actor=actor, obj=event)
    before = carrier.state
    reason = f"一票否决（{kind}）：{description}"[:300]
    audited_update(
        actor=actor, obj=carrier, fields={"state": rules.WITHDRAWN, "state_reason": reason}
    )
    _step(carrier, actor, "veto", before, recorded, reason)
    return event


@transaction.atomic
def reapply(actor: Any, carrier: Carrier, *, day: datetime.date | None = None) -> Carrier:
    """Declare a withdrawn carrier again (from the year after its 摘牌): a new record in 申报
    that names the old one as ``previous``; the old keeps its history."""
    carrier = Carrier.objects.select_for_update().select_related("org").get(pk=carrier.pk)
    _require(actor, CHANGE, carrier, "无权重新申报")
    when = _day(day)
    withdrawn = (
        carrier.steps.filter(state=rules.WITHDRAWN)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
        if carrier.state == rules.WITHDRAWN
        else None
    )
    problem = rules.reapply_problem(withdrawn, when)
    if problem:
        raise ValidationError(problem)
    fields = {k: getattr(carrier, k) for k in CARRIER_FIELDS if k != "plaque_no"}
    new = declare(
        actor,
        kind=carrier.kind,
        org=carrier.org,
        fields=fields,
        work_groups=carrier.work_groups.all(),
        key_tasks=carrier.key_tasks.all(),
        day=when,
    )
    audited_update(actor=actor, obj=new, fields={"previous": carrier})
    for m in carrier.memberships.filter(left_on__isnull=True):
        CarrierMember.objects.create(
            carrier=new, member=m.member, name=m.name, kind=m.kind, masses=m.masses
        )
    return new


@transaction.atomic
def add_member(
    actor: Any, carrier: Carrier, *, kind: str, member: Member | None = None, name: str = "",
    masses: str = "",
) -> CarrierMember:  # fmt: skip
    """Add a member: a 党员 (a member of the organisation or below) or an 积极分子 / 团员 by name."""
    _require(actor, CHANGE, carrier, "无权修改该岗区队的成员")
    if carrier.state in (rules.WITHDRAWN, rules.COMPLETED, rules.VOID):
        raise ValidationError(f"状态为「{carrier.state}」的岗区队不能增加成员")
    if member is not None:
        if not member.org.path.startswith(carrier.org.path) or member.left_on is not None:
            raise ValidationError({"member": "应是本组织或下级组织的在册党员"})
        name = member.name
    row = CarrierMember(
        carrier=carrier,
        member=member,
        name=_text(name, "姓名", "name"),
        kind=kind,
        masses=_text(masses, "联系群众", "masses"),
    )
    if not row.name:
        raise ValidationError({"name": "请填写姓名"})
    return audited_create(actor=actor, obj=row)


@transaction.atomic
def remove_member(
    actor: Any, row: CarrierMember, *, day: datetime.date | None = None
) -> CarrierMember:
    """A member leaves the carrier on ``day`` (kept with the date, not deleted)."""
    _require(actor, CHANGE, row.carrier, "无权修改该岗区队的成员")
    if row.left_on is not None:
        raise ValidationError("该成员已退出")
    return audited_update(actor=actor, obj=row, fields={"left_on": _day(day)})


@transaction.atomic
def create_work_group(actor: Any, *, org: Any, code: str, name: str) -> WorkGroup:
    """Register a 班组 of a branch (its managers)."""
    group = WorkGroup(org=org, code=code.strip(), name=_text(name, "班组名称", "name"))
    if _is_user(actor):
        require(actor, CHANGE, group, "无权为该组织登记班组")
    return audited_create(actor=actor, obj=group)


def carrier_snapshot(carrier: Carrier) -> dict[str, Any]:
    """The audited fields of a carrier (imports and the API echo it)."""
    return snapshot(carrier)
