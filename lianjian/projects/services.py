"""Writes of 揭榜挂帅: calls (新建, 修改, 发布, 截止), bids (揭榜, 撤回, 入围, 答辩, 未中,
中榜), the project a winning bid becomes, its stages, outcome metrics and awards.

Every write validates (the model's rules and ``rules``), checks who may act
(``core.scope.require`` → 403; a system actor such as the demo loader is not checked) and
records an audit row with before/after in the same transaction; a refusal raises
``ValidationError`` with a Chinese message and changes nothing.

**Award.** ``bid_award`` makes the bid 中榜 and every other open bid of the call 未中, marks
the call 已评审 and creates the project *as a key task* (``keytasks.services.task_create``)
in the issuing organisation's key-task list of the year, owned by the winning organisation
with the bid's lead (a 党员) as 责任人 and its team as participants; winning counts as
认领, so the task is claimed at once. Progress, milestones and colours are then the key
task's: the project keeps no copy.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.alliances.models import Alliance
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog
from lianjian.core.scope import CHANGE, require
from lianjian.core.uploads import UploadRule, store_upload
from lianjian.core.validation import text_problem, today
from lianjian.keytasks import services as keytask_services
from lianjian.keytasks.models import KeyTaskList, ListState, TaskCategory, TaskState
from lianjian.orgs.models import Member, Organisation
from lianjian.projects import notify, rules
from lianjian.projects.models import (
    Award,
    Bid,
    Call,
    Certificate,
    Metric,
    Project,
    StageRecord,
)

# The key-task category of an awarded project's task (seeded by migration 0002).
AWARD_CATEGORY = "揭榜挂帅项目"

# Award certificates: checked like agreement scans (type by content, size).
CERTIFICATES = UploadRule(
    types=("application/pdf", "image/png", "image/jpeg"),
    max_bytes=20 * 1024 * 1024,
    too_large="证书文件超过 20 MB",
    wrong_type="证书只能上传 PDF、PNG 或 JPEG 文件",
    default_name="获奖证书",
)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _require(actor: Any, action: str, obj: Any, message: str) -> None:
    if _is_user(actor):
        require(actor, action, obj, message)


def _text(value: Any, field: str, label: str, max_length: int, **kw: bool) -> str:
    text = str(value or "").strip()
    required = kw.get("required", False)
    if required and not text:
        raise ValidationError({field: f"请填写{label}"})
    if len(text) > max_length:
        raise ValidationError({field: f"{label}不能超过 {max_length} 个字"})
    problem = text_problem(text, multiline=kw.get("multiline", False))
    if problem:
        raise ValidationError({field: f"{label}{problem}"})
    return text


def _money(value: Any, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (ArithmeticError, ValueError):
        raise ValidationError({field: f"{label}应为数字"}) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise ValidationError({field: f"{label}应在 0 到 9999999999 万元之间"})
    return amount.quantize(Decimal("0.01"))


def _code(model: type[Any], code: str, prefix: str) -> str:
    code = (code or "").strip()
    if not code:
        return next_code(model, prefix)
    if model.objects.filter(code=code).exists():
        raise ValidationError({"code": f"编号已存在：{code}"})
    return code


def _audit_change(actor: Any, obj: Any, before: dict[str, Any], note: str = "") -> None:
    old, new = diff(before, snapshot(obj))
    if new:
        audit_record(
            actor=actor, action=AuditLog.Action.UPDATE, obj=obj, before=old, after=new, note=note
        )


# --- calls -------------------------------------------------------------------------------

CALL_FIELDS = ("title", "problem", "kind", "theme", "budget", "deadline", "criteria")


def _eligible_problem(issuer: Organisation, orgs: Sequence[Organisation]) -> str:
    for org in orgs:
        if org.is_partner or not rules.under(org.path, issuer.path) or org.pk == issuer.pk:
            return f"{org.name}不是发榜组织下属的本系统组织"
    return ""


def _call_values(call: Call) -> None:
    call.title = _text(call.title, "title", "榜单名称", 200, required=True)
    call.problem = _text(
        call.problem, "problem", "需解决的问题", 4000, required=True, multiline=True
    )
    call.theme = _text(call.theme, "theme", "主题", 100)
    call.criteria = _text(call.criteria, "criteria", "评审标准", 4000, multiline=True)
    call.budget = _money(call.budget, "budget", "预算")
    if call.kind not in rules.KINDS:
        raise ValidationError({"kind": f"项目类型只能是{'、'.join(rules.KINDS)}"})
    problem = rules.deadline_problem(call.deadline, today(), publishing=False)
    if problem:
        raise ValidationError({"deadline": problem})


def _call_snapshot(call: Call) -> dict[str, Any]:
    out = snapshot(call)
    if call.pk is not None:
        out["eligible_orgs"] = sorted(call.eligible_orgs.values_list("code", flat=True))
        out["eligible_alliances"] = sorted(call.eligible_alliances.values_list("code", flat=True))
    return out


@transaction.atomic
def call_create(
    *,
    actor: Any,
    issuer: Organisation,
    eligible_orgs: Sequence[Organisation] = (),
    eligible_alliances: Sequence[Alliance] = (),
    code: str = "",
    **fields: Any,
) -> Call:
    """A new call (草拟) of ``issuer``, open to ``eligible_orgs`` (internal organisations
    below the issuer) and the member organisations of ``eligible_alliances``."""
    _require(actor, CHANGE, issuer, "只有发榜组织的管理员可以发榜")
    unknown = set(fields) - set(CALL_FIELDS)
    if unknown:
        raise ValidationError({name: "未知字段" for name in sorted(unknown)})
    problem = _eligible_problem(issuer, eligible_orgs)
    if problem:
        raise ValidationError({"eligible_orgs": problem})
    call = Call(issuer=issuer, **fields)
    _call_values(call)
    call.code = _code(Call, code, f"JB{today().year}-")
    call.full_clean()
    call.save()
    call.eligible_orgs.set(eligible_orgs)
    call.eligible_alliances.set(eligible_alliances)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=call, after=_call_snapshot(call))
    return call


@transaction.atomic
def call_update(
    actor: Any,
    call: Call,
    *,
    eligible_orgs: Sequence[Organisation] | None = None,
    eligible_alliances: Sequence[Alliance] | None = None,
    **fields: Any,
) -> Call:
    """Change a call while it is a draft or open for bids (a published call may extend its
    deadline or widen who may bid; after 截止 it no longer changes)."""
    _require(actor, CHANGE, call, "只有发榜组织的管理员可以修改榜单")
    locked = Call.objects.select_for_update().get(pk=call.pk)
    shown = rules.shown_call_state(locked.state, locked.deadline, today())
    if shown not in (rules.CALL_DRAFT, rules.CALL_OPEN):
        raise ValidationError({"state": f"榜单已{shown}，不能修改"})
    unknown = set(fields) - set(CALL_FIELDS)
    if unknown:
        raise ValidationError({name: "未知字段" for name in sorted(unknown)})
    if eligible_orgs is not None:
        problem = _eligible_problem(locked.issuer, eligible_orgs)
        if problem:
            raise ValidationError({"eligible_orgs": problem})
    before = _call_snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    _call_values(locked)
    if locked.state == rules.CALL_OPEN:
        problem = rules.deadline_problem(locked.deadline, today(), publishing=True)
        if problem:
            raise ValidationError({"deadline": problem})
    locked.full_clean()
    locked.save()
    if eligible_orgs is not None:
        locked.eligible_orgs.set(eligible_orgs)
    if eligible_alliances is not None:
        locked.eligible_alliances.set(eligible_alliances)
    old, new = diff(before, _call_snapshot(locked))
    if new:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=locked, before=old, after=new)
    return locked


@transaction.atomic
def call_transition(actor: Any, call: Call, action: str) -> Call:
    """发布 (a draft with a deadline not past and someone who may bid) or 截止 (end the
    bidding before the deadline)."""
    if action not in rules.CALL_TRANSITIONS:
        raise ValidationError({"action": f"未知操作：{action}"})
    label = rules.CALL_ACTION_LABELS[action]
    _require(actor, CHANGE, call, f"只有发榜组织的管理员可以{label}榜单")
    locked = Call.objects.select_for_update().get(pk=call.pk)
    try:
        new_state = rules.call_next_state(action, locked.state)
    except rules.IllegalTransition as exc:
        raise ValidationError({"state": str(exc)}) from None
    if action == "publish":
        problem = rules.deadline_problem(locked.deadline, today(), publishing=True)
        if problem:
            raise ValidationError({"deadline": problem})
        if not locked.eligible_orgs.exists() and not locked.eligible_alliances.exists():
            raise ValidationError({"eligible_orgs": "请至少指定一个可揭榜组织或联建网"})
    before = snapshot(locked)
    locked.state = new_state
    if action == "publish":
        locked.published_on = today()
    locked.save()
    _audit_change(actor, locked, before, note=label)
    if action == "publish":
        notify.call_published(locked)
    call.state, call.published_on = locked.state, locked.published_on
    return call


def eligibility(call: Call) -> rules.Eligibility:
    """Who may bid on ``call``, as the engine's value (one query per relation)."""
    alliances: dict[str, tuple[str, ...]] = {}
    for alliance in call.eligible_alliances.all():
        alliances[alliance.code] = tuple(
            alliance.memberships.filter(left_on__isnull=True).values_list("org__path", flat=True)
        )
    return rules.Eligibility(
        issuer=call.issuer.path,
        orgs=tuple(call.eligible_orgs.values_list("path", flat=True)),
        alliances=alliances,
    )


# --- bids --------------------------------------------------------------------------------

BID_FIELDS = ("plan", "expected_results", "budget_asked", "planned_end", "team_names")


def _team_problem(bidder: Organisation, members: Sequence[Member]) -> str:
    for m in members:
        if m.left_on is not None or not rules.under(m.org.path, bidder.path):
            return f"{m.name}不是揭榜组织的在册党员"
    return ""


@transaction.atomic
def bid_submit(
    *,
    actor: Any,
    call: Call,
    bidder_org: Organisation,
    lead: Member,
    alliance: Alliance | None = None,
    team: Sequence[Member] = (),
    code: str = "",
    **fields: Any,
) -> Bid:
    """揭榜: ``bidder_org`` (managed by ``actor``) bids on ``call`` while it is open and
    the organisation may bid (:class:`rules.Eligibility`); the lead and team are current
    党员 of the bidder."""
    _require(actor, CHANGE, bidder_org, "只有揭榜组织的管理员可以揭榜")
    unknown = set(fields) - set(BID_FIELDS)
    if unknown:
        raise ValidationError({name: "未知字段" for name in sorted(unknown)})
    locked = Call.objects.select_for_update().select_related("issuer").get(pk=call.pk)
    day = today()
    problem = rules.bidding_problem(locked.state, locked.deadline, day)
    if problem:
        raise ValidationError({"call": problem})
    problem = eligibility(locked).problem(
        bidder_org.path, not bidder_org.is_partner, alliance.code if alliance else None
    )
    if problem:
        raise ValidationError({"alliance" if alliance else "bidder_org": problem})
    if (
        Bid.objects.filter(call=locked, bidder_org=bidder_org)
        .exclude(state=rules.BID_WITHDRAWN)
        .exists()
    ):
        raise ValidationError({"bidder_org": f"{bidder_org.name}已揭此榜"})
    problem = _team_problem(bidder_org, [lead])
    if problem:
        raise ValidationError({"lead": problem})
    problem = _team_problem(bidder_org, team)
    if problem:
        raise ValidationError({"team": problem})
    bid = Bid(
        call=locked, bidder_org=bidder_org, alliance=alliance, lead=lead, submitted_on=day, **fields
    )
    bid.plan = _text(bid.plan, "plan", "实施方案", 4000, required=True, multiline=True)
    bid.expected_results = _text(
        bid.expected_results, "expected_results", "预期成果", 2000, multiline=True
    )
    bid.team_names = _text(bid.team_names, "team_names", "其他团队成员", 500)
    bid.budget_asked = _money(bid.budget_asked, "budget_asked", "申请经费")
    if bid.planned_end is None or not isinstance(bid.planned_end, datetime.date):
        raise ValidationError({"planned_end": "请填写计划完成日期"})
    if bid.planned_end <= day:
        raise ValidationError({"planned_end": "计划完成日期应晚于今天"})
    bid.code = _code(Bid, code, f"JBS{day.year}-")
    bid.full_clean()
    bid.save()
    bid.team.set(team)
    after = snapshot(bid)
    after["team"] = sorted(m.number for m in team)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=bid, after=after)
    return bid


def _close_if_due(actor: Any, call: Call) -> None:
    """A published call whose deadline passed is recorded 截止 when its review starts."""
    if call.state == rules.CALL_OPEN and call.deadline < today():
        before = snapshot(call)
        call.state = rules.CALL_CLOSED
        call.save(update_fields=["state", "updated_at"])
        _audit_change(actor, call, before, note="截止（截止日期已过）")


@transaction.atomic
def bid_transition(
    actor: Any, bid: Bid, action: str, reason: str = "", on: datetime.date | None = None
) -> Bid:
    """入围 / 进入答辩 (``on``: the defence date) / 未中 by the issuing side after bidding
    ended; 撤回 by the bidder while the call is open. 中榜 is :func:`bid_award`."""
    if action not in rules.BID_TRANSITIONS or action == "award":
        raise ValidationError({"action": f"未知操作：{action}"})
    label = rules.BID_ACTION_LABELS[action]
    if action == "withdraw":
        _require(actor, CHANGE, bid, "只有揭榜组织的管理员可以撤回")
    else:
        _require(actor, "review", bid, f"只有发榜组织的管理员可以评审（{label}）")
    locked = Bid.objects.select_for_update().select_related("call").get(pk=bid.pk)
    call = Call.objects.select_for_update().get(pk=locked.call_id)
    day = today()
    if action == "withdraw":
        problem = rules.bidding_problem(call.state, call.deadline, day)
        if problem:
            raise ValidationError({"call": f"{problem}，不能撤回"})
    else:
        problem = rules.review_problem(call.state, call.deadline, day)
        if problem:
            raise ValidationError({"call": problem})
    try:
        new_state = rules.bid_next_state(action, locked.state)
    except rules.IllegalTransition as exc:
        raise ValidationError({"state": str(exc)}) from None
    reason = _text(reason, "reason", "原因", 500, required=action == "withdraw")
    if action == "defence" and on is None:
        raise ValidationError({"defence_on": "请填写答辩日期"})
    if action != "withdraw":
        _close_if_due(actor, call)
    before = snapshot(locked)
    locked.state = new_state
    locked.state_reason = reason
    if action == "defence":
        locked.defence_on = on
    locked.full_clean()
    locked.save()
    _audit_change(actor, locked, before, note=label)
    bid.state, bid.state_reason, bid.defence_on = (
        locked.state,
        locked.state_reason,
        locked.defence_on,
    )
    return bid


def award_list(call: Call, day: datetime.date) -> KeyTaskList:
    """The key-task list an awarded project joins: the issuer's list of ``day``'s year that
    is not closed (the latest version first)."""
    found = (
        KeyTaskList.objects.filter(organisation=call.issuer, year=day.year)
        .exclude(state=ListState.CLOSED)
        .order_by("-state", "-version", "-id")
        .first()
    )
    if found is None:
        raise ValidationError(
            {
                "call": f"{call.issuer.name}没有{day.year}年未关闭的关键任务清单，请先建立清单再确定中榜"
            }
        )
    return found


@transaction.atomic
def bid_award(actor: Any, bid: Bid, note: str = "") -> Project:
    """中榜: the bid wins (from 答辩), the call's other open bids are 未中, the call is
    已评审, and the project is created as a key task of the issuer's list (claimed)."""
    _require(actor, "review", bid, "只有发榜组织的管理员可以确定中榜")
    locked = Bid.objects.select_for_update().select_related("bidder_org", "lead").get(pk=bid.pk)
    call = Call.objects.select_for_update().select_related("issuer").get(pk=locked.call_id)
    day = today()
    problem = rules.review_problem(call.state, call.deadline, day)
    if problem:
        raise ValidationError({"call": problem})
    try:
        new_state = rules.bid_next_state("award", locked.state)
    except rules.IllegalTransition as exc:
        raise ValidationError({"state": str(exc)}) from None
    note = _text(note, "note", "说明", 500)
    task_list = award_list(call, day)
    _close_if_due(actor, call)
    before = snapshot(locked)
    locked.state, locked.state_reason = new_state, note
    locked.save()
    _audit_change(actor, locked, before, note="确定中榜")
    for other in (
        Bid.objects.select_for_update()
        .filter(call=call, state__in=rules.BID_OPEN_STATES)
        .exclude(pk=locked.pk)
    ):
        ob = snapshot(other)
        other.state, other.state_reason = rules.BID_LOST, f"本榜由{locked.bidder_org.name}中榜"
        other.save()
        _audit_change(actor, other, ob, note="未中")
    cb = snapshot(call)
    call.state, call.reviewed_on = rules.CALL_REVIEWED, day
    call.save()
    _audit_change(actor, call, cb, note="评审完成")
    code = next_code(Project, f"XM{day.year}-")
    category = TaskCategory.objects.get(name=AWARD_CATEGORY)
    task = keytask_services.task_create(
        actor=actor,
        task_list=task_list,
        code=code,
        participants=list(locked.team.all()),
        name=call.title[:200],
        category=category,
        theme=call.theme,
        owner_org=locked.bidder_org,
        owner=locked.lead,
        participant_names=locked.team_names,
        planned_start=day,
        planned_end=locked.planned_end,
    )
    if task.state == TaskState.ISSUED:
        keytask_services.task_transition(actor, task, "claim")
    project = Project(code=code, call=call, bid=locked, task=task, kind=call.kind, started_on=day)
    project.full_clean()
    project.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=project, after=snapshot(project))
    StageRecord.objects.create(
        project=project,
        stage=rules.STAGE_START,
        on=day,
        note=note or f"由揭榜 {locked.code} 中榜立项",
        recorded_by=actor.get_username() if _is_user(actor) else "系统",
    )
    notify.bids_reviewed(call, locked)
    bid.state, bid.state_reason = locked.state, locked.state_reason
    return project


# --- projects ------------------------------------------------------------------------------


@transaction.atomic
def project_advance(
    actor: Any,
    project: Project,
    *,
    note: str = "",
    grade: str = "",
    on: datetime.date | None = None,
) -> Project:
    """Move the project to its next stage (立项 → 季度督导 → 中期评估 → 结项评价 → 推广应用),
    recorded with the date and note; 结项评价 takes the grade."""
    _require(actor, CHANGE, project, "只有发榜组织的管理员可以推进项目阶段")
    locked = Project.objects.select_for_update().get(pk=project.pk)
    problem = rules.advance_problem(locked.stage, locked.grade, grade)
    if problem:
        raise ValidationError({"grade" if "等级" in problem else "stage": problem})
    note = _text(note, "note", "说明", 500)
    day = on or today()
    nxt = rules.stage_next(locked.stage)
    assert nxt is not None  # advance_problem refused the last stage
    record = StageRecord(
        project=locked,
        stage=nxt,
        on=day,
        grade=grade if nxt == rules.STAGE_FINAL else "",
        note=note,
        recorded_by=actor.get_username() if _is_user(actor) else "系统",
    )
    record.full_clean()
    if day < locked.started_on:
        raise ValidationError({"on": "日期不能早于立项日期"})
    before = snapshot(locked)
    locked.stage = nxt
    if nxt == rules.STAGE_FINAL:
        locked.grade = grade
    locked.save()
    record.save()
    _audit_change(actor, locked, before, note=f"进入{nxt}")
    project.stage, project.grade = locked.stage, locked.grade
    return project


@transaction.atomic
def metric_save(actor: Any, project: Project, *, name: str, unit: str, value: float) -> Metric:
    """Record (or correct) an outcome metric of the project, by name."""
    _require(actor, CHANGE, project, "只有发榜组织的管理员可以登记成果指标")
    name = _text(name, "name", "指标", 100, required=True)
    unit = _text(unit, "unit", "单位", 20)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError({"value": "数值应为数字"}) from None
    if number != number or abs(number) > 1e12:
        raise ValidationError({"value": "数值超出范围"})
    metric = Metric.objects.select_for_update().filter(project=project, name=name).first()
    if metric is None:
        metric = Metric(project=project, name=name, unit=unit, value=number)
        metric.full_clean()
        metric.save()
        audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=metric, after=snapshot(metric))
        return metric
    before = snapshot(metric)
    metric.unit, metric.value = unit, number
    metric.full_clean()
    metric.save()
    _audit_change(actor, metric, before)
    return metric


@transaction.atomic
def award_add(
    actor: Any,
    project: Project,
    *,
    level: str,
    name: str,
    awarded_on: datetime.date,
    issued_by: str = "",
    upload: Any = None,
) -> Award:
    """Record an award of the project (the issuing side), with its certificate file when
    given (PDF/PNG/JPEG by content, at most 20 MB)."""
    _require(actor, CHANGE, project, "只有发榜组织的管理员可以登记获奖")
    if level not in rules.LEVELS:
        raise ValidationError({"level": f"级别只能是{'、'.join(rules.LEVELS)}"})
    award = Award(
        project=project,
        level=level,
        name=_text(name, "name", "奖项名称", 200, required=True),
        issued_by=_text(issued_by, "issued_by", "颁发单位", 200),
        awarded_on=awarded_on,
    )
    award.full_clean()
    if awarded_on < project.started_on:
        raise ValidationError({"awarded_on": "获奖日期不能早于立项日期"})
    checked = CERTIFICATES.check(upload, actor) if upload is not None else None
    award.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=award, after=snapshot(award))
    if upload is not None and checked is not None:
        cert = Certificate(award=award, **checked.record_fields())
        store_upload(cert, upload, "certificate", checked)
    return award


@transaction.atomic
def certificate_attach(actor: Any, award: Award, upload: Any) -> Certificate:
    """Attach a certificate file to a standing award."""
    _require(actor, CHANGE, award, "只有发榜组织的管理员可以上传证书")
    if award.voided:
        raise ValidationError({"award": "奖项已作废，不能上传证书"})
    checked = CERTIFICATES.check(upload, actor)
    cert = Certificate(award=award, **checked.record_fields())
    store_upload(cert, upload, "certificate", checked)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=award,
        before={},
        after={"file_added": cert.name},
    )
    return cert


@transaction.atomic
def award_void(actor: Any, award: Award, reason: str) -> Award:
    """Void a wrongly recorded award (kept, with the reason; it no longer counts)."""
    _require(actor, CHANGE, award, "只有发榜组织的管理员可以作废获奖记录")
    reason = _text(reason, "reason", "作废原因", 500, required=True)
    locked = Award.objects.select_for_update().get(pk=award.pk)
    if locked.voided:
        raise ValidationError({"award": "该获奖记录已作废"})
    before = snapshot(locked)
    locked.voided, locked.void_reason = True, reason
    locked.save()
    _audit_change(actor, locked, before, note="作废")
    award.voided, award.void_reason = True, reason
    return award


@transaction.atomic
def award_update(actor: Any, award: Award, **fields: Any) -> Award:
    """Correct a standing award's level, issuing body or date (an import row naming an
    award that exists); a voided award no longer changes."""
    _require(actor, CHANGE, award, "只有发榜组织的管理员可以修改获奖记录")
    locked = Award.objects.select_for_update().select_related("project").get(pk=award.pk)
    if locked.voided:
        raise ValidationError({"award": "该获奖记录已作废，不能修改"})
    unknown = set(fields) - {"level", "issued_by", "awarded_on"}
    if unknown:
        raise ValidationError({name: "未知字段" for name in sorted(unknown)})
    if "level" in fields and fields["level"] not in rules.LEVELS:
        raise ValidationError({"level": f"级别只能是{'、'.join(rules.LEVELS)}"})
    if "issued_by" in fields:
        fields["issued_by"] = _text(fields["issued_by"], "issued_by", "颁发单位", 200)
    before = snapshot(locked)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    if locked.awarded_on < locked.project.started_on:
        raise ValidationError({"awarded_on": "获奖日期不能早于立项日期"})
    locked.save()
    _audit_change(actor, locked, before)
    return locked
