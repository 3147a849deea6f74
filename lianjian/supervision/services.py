"""Writes to the supervision ledger. Every function is atomic and audited.

Each write checks the actor's scope on the row itself (``core.scope.require``: a visible
row the actor may not change answers 403; callers found the row through
``get_visible_or_404`` first, so an invisible one already answered 404) and the ledger's
rules (:mod:`lianjian.supervision.rules`) under a row lock; a refusal raises
``ValidationError`` with a Chinese message before anything is written. The actor ``None``
is the system (demo data, imports checked by their caller).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from lianjian.core.audit import audit_record, audited_create, audited_update, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.scope import require, scope_of
from lianjian.core.validation import today as today_
from lianjian.decisions.models import DecisionItem, PriorStudy
from lianjian.orgs.models import Organisation
from lianjian.supervision import rules
from lianjian.supervision.models import (
    LEAD_BODIES,
    Accountability,
    Batch,
    Feedback,
    Item,
    ItemEvent,
    Lead,
    LeadRead,
    Measure,
    Recommendation,
    Report,
    SystemChange,
)

DENIED_BODY = "只有下发单位可以办理此操作"
DENIED_UNIT = "只有责任单位可以办理此操作"


def _check(actor: Any, action: str, obj: Any, message: str) -> None:
    if actor is not None:
        require(actor, action, obj, message)


def _user(actor: Any) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- batches ------------------------------------------------------------------------------


@transaction.atomic
def batch_create(
    *,
    actor: Any,
    code: str,
    title: str,
    source: str,
    issuing_body: str,
    issuing_org: Organisation,
    inspected_org: Organisation,
    feedback_date: datetime.date,
    plan_meeting: str = "",
    published_on: datetime.date | None = None,
) -> Batch:
    """A new batch; its report due date is derived. The actor must be the body its source
    belongs to (under ``issuing_org``), or a manager of ``inspected_org`` for 专项检查/自查."""
    batch = Batch(
        code=code,
        title=title,
        source=source,
        issuing_body=issuing_body,
        issuing_org=issuing_org,
        inspected_org=inspected_org,
        feedback_date=feedback_date,
        plan_meeting=plan_meeting,
        published_on=published_on,
    )
    if source in rules.SOURCES:
        _check(actor, "change", batch, "您无权下发此来源的批次")
    if Batch.objects.filter(code=code).exists():
        raise ValidationError({"code": f"批次编码“{code}”已存在"})
    return audited_create(actor=actor, obj=batch)


@transaction.atomic
def batch_update(*, actor: Any, batch: Batch, **fields: Any) -> Batch:
    """Change a batch's fields (its code is fixed)."""
    _check(actor, "change", batch, DENIED_BODY)
    fields.pop("code", None)
    return audited_update(actor=actor, obj=batch, fields=fields, lock=True)


@transaction.atomic
def report_submit(
    *, actor: Any, batch: Batch, submitted_on: datetime.date, title: str, link: str = ""
) -> Report:
    """Record a rectification report submitted for ``batch``."""
    _check(actor, "change", Report(batch=batch), DENIED_BODY)
    return audited_create(
        actor=actor, obj=Report(batch=batch, submitted_on=submitted_on, title=title, link=link)
    )


# --- items -------------------------------------------------------------------------------


@transaction.atomic
def item_create(*, actor: Any, batch: Batch, **fields: Any) -> Item:
    """A new item of ``batch`` (the issuing body writes it)."""
    item = Item(batch=batch, **fields)
    _check(actor, "change", item, DENIED_BODY)
    if batch.voided:
        raise ValidationError("已作废的批次不能新增问题")
    if Item.objects.filter(batch=batch, number=item.number).exists():
        raise ValidationError({"number": f"问题编号“{item.number}”在本批次已存在"})
    return audited_create(actor=actor, obj=item)


ITEM_EDITABLE = frozenset(
    {
        "description",
        "tags",
        "important",
        "suspected_violation",
        "needs_accountability",
        "responsible_org",
        "responsible_leader",
        "responsible_person",
        "tracker",
        "kind",
        "deadline",
    }
)
UNIT_EDITABLE = frozenset({"progress", "results", "evidence"})


@transaction.atomic
def item_update(*, actor: Any, item: Item, **fields: Any) -> Item:
    """The issuing body changes an item's description, people, type and deadline; the
    responsible unit reports its progress, results and evidence."""
    unknown = set(fields) - ITEM_EDITABLE - UNIT_EDITABLE
    if unknown:
        raise ValidationError(f"不能修改：{'、'.join(sorted(unknown))}")
    if set(fields) & ITEM_EDITABLE:
        _check(actor, "change", item, DENIED_BODY)
    if set(fields) & UNIT_EDITABLE:
        _check(actor, "rectify", item, DENIED_UNIT)
    if item.voided:
        raise ValidationError("已作废的问题不能修改")
    if item.done and set(fields) & ITEM_EDITABLE:
        raise ValidationError("已销号的问题不能修改")
    return audited_update(actor=actor, obj=item, fields=fields, lock=True)


def _measure_states(item: Item) -> list[str]:
    return list(item.measures.filter(voided=False).values_list("state", flat=True))


@transaction.atomic
def item_act(
    *, actor: Any, item: Item, action: str, reason: str = "", day: datetime.date | None = None
) -> Item:
    """One step of an item's state machine (:data:`rules.TRANSITIONS`): the unit starts,
    resumes and applies for 销号; the issuing body accepts or returns (with a reason) and
    does the 回头看 (confirm, or reopen with a reason — the first closing is kept and the
    item is marked 二次整改). Applying and accepting both pass the closing gate."""
    given = item
    item = Item.objects.select_for_update().select_related("batch").get(pk=item.pk)
    if action in rules.UNIT_ACTIONS:
        _check(actor, "rectify", item, DENIED_UNIT)
    elif action in rules.BODY_ACTIONS:
        _check(actor, "decide", item, DENIED_BODY)
    else:
        raise ValidationError(f"没有操作“{action}”")
    if item.voided:
        raise ValidationError("已作废的问题不能办理")
    new = rules.next_state(item.state, action)
    if new is None:
        raise ValidationError(f"“{item.state}”状态下不能{rules.ACTION_LABELS[action]}")
    reason = (reason or "").strip()
    if action in rules.REASON_ACTIONS and not reason:
        raise ValidationError({"reason": f"{rules.ACTION_LABELS[action]}须说明原因"})
    if len(reason) > 500:
        raise ValidationError({"reason": "说明不能超过 500 个字符"})
    if action in (rules.APPLY, rules.ACCEPT):
        problem = rules.closing_problem(_measure_states(item))
        if problem:
            raise ValidationError(problem)
    day = day or today_()
    before = snapshot(item)
    old = item.state
    item.state = new
    if action == rules.ACCEPT:
        item.closed_on = day
        if item.first_closed_on is None:
            item.first_closed_on = day
    if action == rules.REOPEN:
        item.closed_on = None
        item.second_round = True
    item.save()
    ItemEvent.objects.create(
        item=item,
        day=day,
        action=action,
        from_state=old,
        to_state=new,
        reason=reason,
        actor=_user(actor),
    )
    b, a = diff(before, snapshot(item))
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=item,
        before=b,
        after=a,
        note=f"{rules.ACTION_LABELS[action]}{'：' + reason if reason else ''}",
    )
    # the caller's instance follows (it may take the next step with it)
    for name in ("state", "closed_on", "first_closed_on", "second_round"):
        setattr(given, name, getattr(item, name))
    return item


@transaction.atomic
def item_void(*, actor: Any, item: Item, reason: str) -> Item:
    """Void an item entered by mistake (never deleted), with a reason."""
    _check(actor, "change", item, DENIED_BODY)
    if not (reason or "").strip():
        raise ValidationError({"void_reason": "作废须说明原因"})
    return audited_update(
        actor=actor, obj=item, fields={"voided": True, "void_reason": reason.strip()}, lock=True
    )


# --- measures ------------------------------------------------------------------------------


@transaction.atomic
def measure_add(
    *, actor: Any, item: Item, text: str, deadline: datetime.date, owner: str = ""
) -> Measure:
    """The responsible unit adds a measure; a 待整改 or 重新整改 item starts (整改中)."""
    item.state = Item.objects.select_for_update().values_list("state", flat=True).get(pk=item.pk)
    measure = Measure(item=item, text=(text or "").strip(), deadline=deadline, owner=owner.strip())
    _check(actor, "change", measure, DENIED_UNIT)
    if item.voided or item.done or item.state == rules.APPLIED:
        raise ValidationError(f"“{item.state}”状态下不能新增整改措施")
    if not measure.text:
        raise ValidationError({"text": "请填写整改措施"})
    audited_create(actor=actor, obj=measure)
    if item.state == rules.PENDING:
        item_act(actor=None, item=item, action=rules.START)
    elif item.state == rules.REOPENED:
        item_act(actor=None, item=item, action=rules.RESUME)
    return measure


@transaction.atomic
def measure_step(*, actor: Any, measure: Measure, state: str) -> Measure:
    """Move a measure one step: the unit to 推进中 and 已完成, the issuing body to 已核验
    (or back from 已完成 to 推进中 when the evidence does not hold)."""
    measure = Measure.objects.select_for_update().select_related("item__batch").get(pk=measure.pk)
    if state == rules.VERIFIED or (measure.state == rules.COMPLETED and state == rules.ADVANCING):
        _check(actor, "verify", measure, "只有下发单位可以核验整改措施")
    else:
        _check(actor, "change", measure, DENIED_UNIT)
    if measure.voided:
        raise ValidationError("已作废的措施不能办理")
    if not rules.measure_step_allowed(measure.state, state):
        raise ValidationError(f"措施不能从“{measure.state}”改为“{state}”")
    if measure.item.done:
        raise ValidationError("已销号问题的措施不能修改")
    return audited_update(actor=actor, obj=measure, fields={"state": state})


@transaction.atomic
def feedback_add(
    *, actor: Any, measure: Measure, day: datetime.date, text: str, evidence: str = ""
) -> Feedback:
    """A dated feedback on a measure, with evidence links."""
    _check(actor, "change", measure, DENIED_UNIT)
    if not (text or "").strip():
        raise ValidationError({"text": "请填写反馈内容"})
    if day > today_():
        raise ValidationError({"day": "反馈日期不能晚于今天"})
    feedback = Feedback(
        measure=measure, day=day, text=text.strip(), evidence=evidence.strip(), author=_user(actor)
    )
    feedback.full_clean()
    feedback.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=feedback, after=snapshot(feedback))
    return feedback


# --- leads, system changes, accountability ------------------------------------------------


# A lead is no older than the ledger's records (supervision.md §1).
LEAD_EARLIEST = datetime.date(2000, 1, 1)


def lead_bodies_of(actor: Any) -> list[str]:
    """The bodies (``LEAD_BODIES``) ``actor`` acts as: those whose grant the actor holds."""
    scope = scope_of(actor)
    return [body for body, grant in LEAD_BODIES.items() if scope.of(grant)]


def _acts_as(actor: Any, body: str, org: Organisation) -> bool:
    """Whether ``actor`` holds the grant of ``body`` over ``org``."""
    grant = LEAD_BODIES.get(body)
    return grant is not None and any(g.covers(org.path) for g in scope_of(actor).of(grant))


@transaction.atomic
def lead_create(
    *,
    actor: Any,
    org: Organisation,
    from_body: str,
    to_body: str,
    transferred_on: datetime.date,
    case: str,
    item: Item | None = None,
) -> Lead:
    """移交线索: the handing-over body (``from_body``, which the actor must act as over
    ``org``) records a lead for ``to_body``; the transfer date lies between 2000-01-01 and
    today; the source item, if any, belongs to a batch of ``org``'s subtree."""
    lead = Lead(
        org=org,
        item=item,
        from_body=from_body,
        to_body=to_body,
        transferred_on=transferred_on,
        case=(case or "").strip(),
    )
    _check(actor, "change", lead, "只有移交或接收单位可以登记线索")
    if actor is not None and not _acts_as(actor, from_body, org):
        raise PermissionDenied(f"您不是该组织的{from_body}，不能以其名义移交线索")
    if not lead.case:
        raise ValidationError({"case": "请填写线索内容"})
    if transferred_on < LEAD_EARLIEST:
        raise ValidationError({"transferred_on": "移交日期不能早于 2000-01-01"})
    if item is not None and not item.batch.inspected_org.path.startswith(org.path):
        raise ValidationError({"item": "来源问题不属于该组织"})
    return audited_create(actor=actor, obj=lead)


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, **fields: Any) -> Lead:
    """The result and feedback date of a lead (the bodies involved)."""
    _check(actor, "change", lead, "只有移交或接收单位可以修改线索")
    return audited_update(actor=actor, obj=lead, fields=fields, lock=True)


@transaction.atomic
def lead_settle(*, actor: Any, lead: Lead, result: str, feedback_on: datetime.date) -> Lead:
    """The receiving body records the result and the feedback date, which settles the lead
    (its colour stops). Only once: a settled lead keeps its result."""
    _check(actor, "change", lead, "只有移交或接收单位可以办理线索")
    if actor is not None and not _acts_as(actor, lead.to_body, lead.org):
        raise PermissionDenied("只有接收单位可以登记处置结果")
    current = Lead.objects.select_for_update().get(pk=lead.pk)
    if current.feedback_on is not None:
        raise ValidationError("该线索已反馈办结，不能再修改")
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": "请填写处置结果"})
    # the locked copy takes the change: a refusal leaves the caller's instance as it was
    audited_update(actor=actor, obj=current, fields={"result": result, "feedback_on": feedback_on})
    lead.result, lead.feedback_on = current.result, current.feedback_on
    return lead


def lead_read(*, reader: Any, lead: Lead, via: str) -> None:
    """Record that ``reader`` read ``lead`` (every read of a lead is kept)."""
    leads_read(reader=reader, leads=[lead], via=via)


def leads_read(*, reader: Any, leads: list[Lead], via: str) -> None:
    """Record that ``reader`` read each of ``leads`` (one query however many)."""
    if _user(reader) is None:
        raise PermissionDenied
    LeadRead.objects.bulk_create([LeadRead(lead=lead, reader=reader, via=via) for lead in leads])


@transaction.atomic
def system_change_create(
    *,
    actor: Any,
    org: Organisation,
    title: str,
    kind: str,
    adopted_on: datetime.date,
    link: str = "",
    items: list[Item] | None = None,
) -> SystemChange:
    """以案促改: a rule made or revised by ``org`` because of ``items``."""
    change = SystemChange(org=org, title=title, kind=kind, adopted_on=adopted_on, link=link)
    _check(actor, "change", change, "只有制定组织的管理员可以登记制度")
    audited_create(actor=actor, obj=change)
    if items:
        change.items.set(items)
    return change


@transaction.atomic
def recommendation_create(
    *,
    actor: Any,
    kind: str,
    issuer_org: Organisation,
    recipient: Organisation,
    text: str,
    reply_due: datetime.date,
    items: list[Item] | None = None,
) -> Recommendation:
    """A 纪检监察建议 or 审计建议 issued by the body of its kind to ``recipient``."""
    rec = Recommendation(
        kind=kind, issuer_org=issuer_org, recipient=recipient, text=text, reply_due=reply_due
    )
    _check(actor, "change", rec, "只有纪检或审计可以提出建议")
    audited_create(actor=actor, obj=rec)
    if items:
        rec.items.set(items)
    return rec


@transaction.atomic
def recommendation_reply(
    *, actor: Any, rec: Recommendation, reply: str, replied_on: datetime.date
) -> Recommendation:
    """The recipient organisation's managers reply to a recommendation, once."""
    _check(actor, "reply", rec, "只有接收组织的管理员可以回复建议")
    current = Recommendation.objects.select_for_update().get(pk=rec.pk)
    if current.replied_on is not None:
        raise ValidationError("该建议已回复，不能再修改")
    reply = (reply or "").strip()
    if not reply:
        raise ValidationError({"reply": "请填写回复内容"})
    audited_update(actor=actor, obj=current, fields={"reply": reply, "replied_on": replied_on})
    rec.reply, rec.replied_on = current.reply, current.replied_on
    return rec


@transaction.atomic
def recommendation_follow_up(*, actor: Any, rec: Recommendation, note: str) -> Recommendation:
    """The issuing body's follow-up note (谁提出、谁督办); each note is added to the record,
    dated, never replacing the earlier ones."""
    _check(actor, "change", rec, "只有提出建议的单位可以督办")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "请填写督办情况"})
    current = Recommendation.objects.select_for_update().get(pk=rec.pk)
    line = f"{today_():%Y-%m-%d} {note}"
    text = f"{current.follow_up}\n{line}" if current.follow_up else line
    if len(text) > 4000:
        raise ValidationError({"note": "督办情况累计不能超过 4000 个字符"})
    audited_update(actor=actor, obj=current, fields={"follow_up": text})
    rec.follow_up = current.follow_up
    return rec


@transaction.atomic
def accountability_create(
    *,
    actor: Any,
    item: Item | None = None,
    decision: DecisionItem | None = None,
    subject: str,
    responsibility: str,
    handling: str,
    decided_on: datetime.date,
    business_track: bool = False,
    party_track: bool = False,
    loss: Decimal | None = None,
) -> Accountability:
    """双重问责 of an item (by its issuing body) or of a 三重一大 decision (by the board
    office); the band and the 组织处理 due date are derived (:func:`rules.loss_band`,
    :func:`rules.org_handling_due`). On a decision the record links the decision's latest
    prior study, and a 较大 or 重大 loss needs both tracks
    (:func:`rules.decision_accountability_problem`)."""
    if (item is None) == (decision is None):
        raise ValidationError("问责须针对一个问题或一个三重一大事项")
    study = (
        PriorStudy.objects.filter(item=decision).order_by("-meeting_date", "-pk").first()
        if decision is not None
        else None
    )
    record = Accountability(
        item=item,
        decision=decision,
        prior_study=study,
        subject=subject,
        responsibility=responsibility,
        handling=handling,
        decided_on=decided_on,
        business_track=business_track,
        party_track=party_track,
        loss=loss,
    )
    _check(actor, "change", record, DENIED_BODY)
    return audited_create(actor=actor, obj=record)
