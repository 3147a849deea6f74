"""Writes of the 三重一大 register. Each is one transaction, checks the actor's reach
(``core.scope``: 403 for a visible row the actor may not change), follows the state
machine of :mod:`lianjian.decisions.rules` and is audited with before/after. Nothing is
deleted: a list line is withdrawn with a reason, an item ends 不予提交 or 已否决.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from lianjian.core.audit import audit_record, audited_create, audited_update
from lianjian.core.models import AuditLog
from lianjian.core.scope import BOARD, require, scope_of
from lianjian.decisions import rules
from lianjian.decisions.models import (
    Decision,
    DecisionItem,
    Execution,
    MatterLine,
    MatterList,
    PostEvaluation,
    PriorStudy,
)
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.models import Organisation

NOT_BOARD = "只有决策管理（董事会办公室）可以维护三重一大台账"


def _actor_name(actor: Any) -> str:
    return str(actor.get_username()) if getattr(actor, "is_authenticated", False) else "系统"


def _rule(exc: rules.RuleError) -> ValidationError:
    return ValidationError(str(exc))


def _require(actor: Any, obj: Any) -> None:
    """403 unless ``actor`` may change ``obj``; ``actor`` None is the system (the command
    line, the demo), which may do everything — every screen and endpoint passes its user."""
    if actor is not None:
        require(actor, "change", obj, NOT_BOARD)


def may_keep_register(actor: Any, org: Organisation) -> bool:
    """Whether ``actor`` keeps the register of ``org`` (the board office of a subtree
    holding it, the admin, or the system)."""
    if actor is None:
        return True
    scope = scope_of(actor)
    return scope.everything or any(g.covers(org.path) for g in scope.of(BOARD))


# --- 事项清单 -------------------------------------------------------------------------------


@transaction.atomic
def matter_list_create(
    *,
    actor: Any,
    organisation: Organisation,
    year: int,
    title: str,
    level: str = "公司",
    reviewed_on: datetime.date | None = None,
    code: str = "",
) -> MatterList:
    """A new 事项清单 of ``organisation`` for ``year`` (one per organisation, level, year)."""
    if not may_keep_register(actor, organisation):
        raise PermissionDenied(NOT_BOARD)
    code = code or f"SXQD-{organisation.code}-{year}"
    if MatterList.objects.filter(code=code).exists():
        raise ValidationError({"code": f"清单编码已存在：{code}"})
    obj = MatterList(
        code=code,
        organisation=organisation,
        year=year,
        title=title,
        level=level,
        reviewed_on=reviewed_on,
    )
    return audited_create(actor=actor, obj=obj)


@transaction.atomic
def matter_list_update(*, actor: Any, matter_list: MatterList, **fields: Any) -> MatterList:
    """Change a list's title, level or review date (its organisation and year are fixed)."""
    _require(actor, matter_list)
    allowed = {k: v for k, v in fields.items() if k in ("title", "level", "reviewed_on")}
    return audited_update(actor=actor, obj=matter_list, fields=allowed, lock=True)


@transaction.atomic
def line_add(
    *,
    actor: Any,
    matter_list: MatterList,
    category: str,
    matter: str,
    threshold: Decimal | None,
    needs_prior_study: bool,
    body: str,
) -> MatterLine:
    """A new line of ``matter_list``."""
    _require(actor, matter_list)
    line = MatterLine(
        matter_list=matter_list,
        category=category,
        matter=matter,
        threshold=threshold,
        needs_prior_study=needs_prior_study,
        body=body,
    )
    return audited_create(actor=actor, obj=line)


@transaction.atomic
def line_withdraw(*, actor: Any, line: MatterLine, reason: str) -> MatterLine:
    """Withdraw a line (it no longer routes new submissions; routed items keep it)."""
    _require(actor, line.matter_list)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"withdrawn_reason": "请填写撤回原因"})
    if not line.active:
        raise ValidationError("该条目已撤回")
    return audited_update(
        actor=actor, obj=line, fields={"active": False, "withdrawn_reason": reason}, lock=True
    )


def active_lines(matter_list: MatterList) -> list[rules.Line]:
    return [line.as_rule() for line in matter_list.lines.filter(active=True).order_by("id")]


def route(matter_list: MatterList, category: str, amount: Decimal | None) -> MatterLine | None:
    """The active line of ``matter_list`` that routes an item (rules.route)."""
    hit = rules.route(active_lines(matter_list), category, amount)
    return None if hit is None else MatterLine.objects.get(pk=hit.id)


# --- items -------------------------------------------------------------------------------


def item_number_new(year: int) -> str:
    """The next free ``JC-<year>-NNN``."""
    prefix = f"JC-{year}-"
    taken = set(
        DecisionItem.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    )
    n = len(taken) + 1
    while f"{prefix}{n:03d}" in taken:
        n += 1
    return f"{prefix}{n:03d}"


def _clean_materials(materials: Mapping[str, Any] | None) -> dict[str, str]:
    keys = {key for key, _ in rules.MATERIALS}
    return {k: str(v).strip() for k, v in (materials or {}).items() if k in keys and str(v).strip()}


def _apply_route(item: DecisionItem) -> None:
    line = route(item.matter_list, item.category, item.amount)
    item.line = line
    item.needs_prior_study = bool(line and line.needs_prior_study)
    item.body = line.body if line else ""


@transaction.atomic
def item_create(
    *,
    actor: Any,
    matter_list: MatterList,
    title: str,
    category: str,
    department: str,
    sponsor: str,
    amount: Decimal | None = None,
    materials: Mapping[str, Any] | None = None,
    number: str = "",
    follows: DecisionItem | None = None,
) -> DecisionItem:
    """A new item (草拟) under ``matter_list``, routed by it at once (shown on the draft;
    routed again when submitted)."""
    _require(actor, matter_list)
    number = number or item_number_new(matter_list.year)
    if DecisionItem.objects.filter(number=number).exists():
        raise ValidationError({"number": f"事项编号已存在：{number}"})
    item = DecisionItem(
        number=number,
        organisation=matter_list.organisation,
        matter_list=matter_list,
        title=title,
        category=category,
        amount=amount,
        department=department,
        sponsor=sponsor,
        materials=_clean_materials(materials),
        follows=follows,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _apply_route(item)
    return audited_create(actor=actor, obj=item)


@transaction.atomic
def item_update(*, actor: Any, item: DecisionItem, **fields: Any) -> DecisionItem:
    """Change a draft (title, category, amount, department, sponsor, materials); its routing
    follows. Materials may be completed in any open state."""
    _require(actor, item)
    item = DecisionItem.objects.select_for_update().select_related("matter_list").get(pk=item.pk)
    allowed = ("title", "category", "amount", "department", "sponsor", "materials")
    changes = {k: v for k, v in fields.items() if k in allowed}
    if "materials" in changes:
        changes["materials"] = _clean_materials(changes["materials"])
    if set(changes) - {"materials"} and item.state != rules.DRAFT:
        raise ValidationError(f"事项处于“{item.state}”状态，只能补充决策材料")
    if item.state in (*rules.ENDS, rules.ARCHIVED):
        raise ValidationError(f"事项已{item.state}，不能修改")
    for name, value in changes.items():
        setattr(item, name, value)
    if item.state == rules.DRAFT:
        _apply_route(item)
        changes.update(line=item.line, needs_prior_study=item.needs_prior_study, body=item.body)
    return audited_update(actor=actor, obj=item, fields=changes)


def _step(actor: Any, item: DecisionItem, action: str) -> DecisionItem:
    """The item under lock, after checking the actor's reach and that ``action`` is
    allowed in its state."""
    _require(actor, item)
    fresh = DecisionItem.objects.select_for_update().get(pk=item.pk)
    try:
        rules.check_action(action, fresh.state)
    except rules.RuleError as exc:
        raise _rule(exc) from None
    return fresh


@transaction.atomic
def item_submit(*, actor: Any, item: DecisionItem) -> DecisionItem:
    """Submit a draft: routed by the list's active lines, to 待前置 or 待决策."""
    fresh = _step(actor, item, "submit")
    line = route(fresh.matter_list, fresh.category, fresh.amount)
    try:
        state = rules.submit_state(None if line is None else line.as_rule())
    except rules.RuleError as exc:
        raise _rule(exc) from None
    assert line is not None
    return audited_update(
        actor=actor,
        obj=fresh,
        fields={
            "line": line,
            "needs_prior_study": line.needs_prior_study,
            "body": line.body,
            "state": state,
        },
    )


def _opinions(opinions: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    out = []
    for row in opinions:
        name = str(row.get("name") or "").strip()
        opinion = str(row.get("opinion") or "").strip()
        if name:
            out.append({"name": name, "opinion": opinion})
    return out


@transaction.atomic
def study_record(
    *,
    actor: Any,
    item: DecisionItem,
    meeting: str,
    meeting_date: datetime.date,
    members: int,
    present: int,
    outcome: str,
    recusals: Sequence[str] = (),
    opinions: Sequence[Mapping[str, Any]] = (),
    note: str = "",
) -> PriorStudy:
    """Record a 党委会 prior study (a new record per round) and move the item by its
    outcome: 建议同意 → 待决策, 建议修改后复议 → 草拟, 建议不予提交 → 不予提交."""
    fresh = _step(actor, item, "study")
    try:
        state = rules.after_study(outcome)
    except rules.RuleError as exc:
        raise ValidationError({"outcome": str(exc)}) from None
    names = [r.strip() for r in recusals if r and r.strip()]
    problems = rules.study_problems(members, present, names, [])
    if problems:
        raise ValidationError({"present": "；".join(problems)})
    study = PriorStudy(
        item=fresh,
        round=fresh.studies.count() + 1,
        meeting=meeting,
        meeting_date=meeting_date,
        members=members,
        present=present,
        recusals=names,
        opinions=_opinions(opinions),
        outcome=outcome,
        note=note,
        created_by_name=_actor_name(actor),
    )
    audited_create(actor=actor, obj=study)
    audited_update(actor=actor, obj=fresh, fields={"state": state})
    return study


@transaction.atomic
def decision_record(
    *,
    actor: Any,
    item: DecisionItem,
    meeting: str,
    meeting_date: datetime.date,
    resolution: str,
    result: str,
    opinions: str = "",
    conditions: str = "",
) -> Decision:
    """Record the deciding meeting (the body the list routed to): 通过 → 已决策 with the
    post-evaluation due 12 months on, 否决 → 已否决, 暂缓 → stays 待决策."""
    fresh = _step(actor, item, "decide")
    try:
        state = rules.after_decision(result)
    except rules.RuleError as exc:
        raise ValidationError({"result": str(exc)}) from None
    last_study = fresh.studies.order_by("-round").first()
    if last_study is not None and meeting_date < last_study.meeting_date:
        raise ValidationError({"meeting_date": "决策会议日期不能早于党委前置研究日期"})
    decision = Decision(
        item=fresh,
        meeting=meeting,
        meeting_date=meeting_date,
        body=fresh.body,
        opinions=opinions,
        resolution=resolution,
        conditions=conditions,
        result=result,
        created_by_name=_actor_name(actor),
    )
    audited_create(actor=actor, obj=decision)
    fields: dict[str, Any] = {"state": state}
    if result == rules.PASSED:
        fields.update(
            decided_on=meeting_date, post_evaluation_due=rules.post_evaluation_due(meeting_date)
        )
    audited_update(actor=actor, obj=fresh, fields=fields)
    return decision


def _key_tasks(actor: Any, codes: Sequence[str]) -> list[KeyTask]:
    codes = list(dict.fromkeys(c.strip() for c in codes if c and c.strip()))
    tasks = KeyTask.objects.all() if actor is None else KeyTask.objects.visible_to(actor)
    found = {t.code: t for t in tasks.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError({"key_tasks": "关键任务不存在：" + "、".join(missing)})
    return [found[c] for c in codes]


def _check_owner(item: DecisionItem, owner_org: Organisation) -> None:
    if not owner_org.path.startswith(item.organisation.path):
        raise ValidationError({"owner_org": "责任单位应为本组织或其下级组织"})


@transaction.atomic
def execution_start(
    *,
    actor: Any,
    item: DecisionItem,
    owner_org: Organisation,
    owner_name: str,
    started_on: datetime.date,
    key_tasks: Sequence[str] = (),
    deviations: str = "",
) -> Execution:
    """Start executing a decided item: its owner organisation (which then sees the item and
    its execution), the key tasks that carry it."""
    fresh = _step(actor, item, "execute")
    _check_owner(fresh, owner_org)
    if fresh.decided_on and started_on < fresh.decided_on:
        raise ValidationError({"started_on": "开始执行日期不能早于决策日期"})
    tasks = _key_tasks(actor, key_tasks)
    execution = Execution(
        item=fresh,
        owner_org=owner_org,
        owner_name=owner_name,
        started_on=started_on,
        deviations=deviations,
    )
    audited_create(actor=actor, obj=execution)
    execution.key_tasks.set(tasks)
    if tasks:
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=execution,
            after={"key_tasks": [t.code for t in tasks]},
        )
    audited_update(actor=actor, obj=fresh, fields={"state": rules.EXECUTING})
    return execution


@transaction.atomic
def execution_update(
    *,
    actor: Any,
    execution: Execution,
    key_tasks: Sequence[str] | None = None,
    deviations: str | None = None,
    owner_name: str | None = None,
) -> Execution:
    """Link key tasks, record deviations (while the item is not yet evaluated)."""
    _require(actor, execution)
    if execution.item.state in (rules.EVALUATED, rules.ARCHIVED):
        raise ValidationError("事项已完成后评估，执行记录不能再修改")
    fields: dict[str, Any] = {}
    if deviations is not None:
        fields["deviations"] = deviations
    if owner_name is not None:
        fields["owner_name"] = owner_name
    if fields:
        execution = audited_update(actor=actor, obj=execution, fields=fields, lock=True)
    if key_tasks is not None:
        before = sorted(execution.key_tasks.values_list("code", flat=True))
        tasks = _key_tasks(actor, key_tasks)
        after = sorted(t.code for t in tasks)
        if before != after:
            execution.key_tasks.set(tasks)
            audit_record(
                actor=actor,
                action=AuditLog.Action.UPDATE,
                obj=execution,
                before={"key_tasks": before},
                after={"key_tasks": after},
            )
    return execution


@transaction.atomic
def execution_finish(*, actor: Any, item: DecisionItem) -> DecisionItem:
    """The execution is complete: the item waits for its post-evaluation."""
    fresh = _step(actor, item, "finish")
    return audited_update(actor=actor, obj=fresh, fields={"state": rules.TO_EVALUATE})


@transaction.atomic
def evaluation_record(
    *,
    actor: Any,
    item: DecisionItem,
    evaluator: str,
    evaluated_on: datetime.date,
    conclusion: str,
    action: str,
    dimensions: Mapping[str, str] | None = None,
    lessons: str = "",
    follow_up_title: str = "",
) -> PostEvaluation:
    """Record the post-evaluation of a decided item (已评估). 调整 creates a new draft item
    linked to this one (``follow_up``), titled ``follow_up_title``."""
    fresh = _step(actor, item, "evaluate")
    if action not in rules.EVAL_ACTIONS:
        raise ValidationError({"action": "处理应为：" + "、".join(rules.EVAL_ACTIONS)})
    if fresh.decided_on and evaluated_on < fresh.decided_on:
        raise ValidationError({"evaluated_on": "评估日期不能早于决策日期"})
    keys = {k for k, _ in rules.DIMENSIONS}
    dims = {k: str(v).strip() for k, v in (dimensions or {}).items() if k in keys and v}
    follow_up = None
    if action == rules.ADJUST:
        follow_up = item_create(
            actor=actor,
            matter_list=fresh.matter_list,
            title=(follow_up_title or "").strip() or f"{fresh.title}（调整）",
            category=fresh.category,
            department=fresh.department,
            sponsor=fresh.sponsor,
            amount=fresh.amount,
            follows=fresh,
        )
    evaluation = PostEvaluation(
        item=fresh,
        evaluator=evaluator,
        evaluated_on=evaluated_on,
        dimensions=dims,
        conclusion=conclusion,
        action=action,
        lessons=lessons,
        follow_up=follow_up,
        created_by_name=_actor_name(actor),
    )
    audited_create(actor=actor, obj=evaluation)
    audited_update(actor=actor, obj=fresh, fields={"state": rules.EVALUATED})
    return evaluation


@transaction.atomic
def item_archive(*, actor: Any, item: DecisionItem) -> DecisionItem:
    """File an evaluated item (归档): its record is closed."""
    fresh = _step(actor, item, "archive")
    return audited_update(actor=actor, obj=fresh, fields={"state": rules.ARCHIVED})
