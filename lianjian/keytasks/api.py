"""API of 党建+关键任务: ``/api/v1/task-lists``, ``/api/v1/tasks``, ``/api/v1/milestones``
and ``/api/v1/task-reports`` — lists with the lists' one filter, details, creation and the
transitions.

Scope as everywhere: reads through ``visible_to`` (out of scope → 404, as if missing); a
code named in a body that the caller cannot see is refused with 400 as if it did not exist;
the services decide who may act (:func:`lianjian.core.scope.require` → 403) and whether the
state allows it (``ValidationError`` → 400 with the reason). Nothing changes on a refusal.
Progress, 序时进度 and colour of a task are computed with its whole list
(:func:`lianjian.keytasks.selectors.statuses_for`).
"""

from __future__ import annotations

import builtins
import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Status
from ninja.errors import HttpError
from ninja.params.functions import Path

from lianjian.accounts.http import caller
from lianjian.accounts.models import User
from lianjian.activities.models import Activity
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, paginate
from lianjian.core.scope import get_visible_or_404
from lianjian.keytasks import selectors, services
from lianjian.keytasks.models import (
    KeyTask,
    KeyTaskList,
    Milestone,
    ProgressReport,
    TaskCategory,
)
from lianjian.keytasks.schemas import (
    KeyTaskListIn,
    KeyTaskListOut,
    KeyTaskListParams,
    KeyTaskListPatch,
    ListTransitionIn,
    MilestoneActionIn,
    MilestoneIn,
    MilestoneOut,
    MilestoneParams,
    ReportActionIn,
    ReportIn,
    ReportOut,
    ReportParams,
    StatusOut,
    Strict,
    TaskIn,
    TaskOut,
    TaskParams,
    TaskPatch,
    TaskTransitionIn,
)
from lianjian.orgs.models import Member, Organisation

lists_router = Router(tags=["关键任务：清单"])
tasks_router = Router(tags=["关键任务：任务"])
milestones_router = Router(tags=["关键任务：里程碑"])
reports_router = Router(tags=["关键任务：进度报告"])

MilestoneId: Any = Path(..., ge=1, le=MAX_ID, description="里程碑 id")
ReportId: Any = Path(..., ge=1, le=MAX_ID, description="进度报告 id")


class Page(Strict):
    count: int


class KeyTaskListPage(Page):
    items: list[KeyTaskListOut]


class TaskPage(Page):
    items: list[TaskOut]


class MilestonePage(Page):
    items: list[MilestoneOut]


class ReportPage(Page):
    items: list[ReportOut]


# ---- shaping --------------------------------------------------------------------------


def list_out(t: KeyTaskList) -> dict[str, Any]:
    return {
        "id": t.pk,
        "code": t.code,
        "name": t.name,
        "org": t.organisation.code,
        "org_name": t.organisation.name,
        "year": t.year,
        "state": t.state,
        "version": t.version,
        "approval_activity": t.approval_activity.code if t.approval_activity else None,
        "approval_ref": t.approval_ref,
        "approved_on": t.approved_on,
        "task_count": getattr(t, "task_count", None),
    }


def task_out(t: KeyTask, status: selectors.TaskStatus | None) -> dict[str, Any]:
    return {
        "id": t.pk,
        "code": t.code,
        "list": t.task_list.code,
        "parent": t.parent.code if t.parent_id is not None and t.parent else None,
        "name": t.name,
        "category": t.category.name,
        "theme": t.theme,
        "owner_org": t.owner_org.code,
        "owner": t.owner.number if t.owner_id is not None and t.owner else None,
        "owner_name": t.owner.name if t.owner_id is not None and t.owner else None,
        "sponsor": t.sponsor.number if t.sponsor_id is not None and t.sponsor else None,
        "participants": [m.number for m in t.participants.all()],
        "participant_names": t.participant_names,
        "planned_start": t.planned_start,
        "planned_end": t.planned_end,
        "progress_mode": t.progress_mode,
        "weight": t.weight,
        "excluded": t.excluded,
        "kpi_unit": t.kpi_unit,
        "kpi_baseline": t.kpi_baseline,
        "kpi_target": t.kpi_target,
        "kpi_direction": t.kpi_direction,
        "kpi_current": t.kpi_current,
        "preset": t.preset,
        "state": t.state,
        "state_reason": t.state_reason,
        "started_on": t.started_on,
        "accepted_on": t.accepted_on,
        "progress": status.progress if status else None,
        "expected": status.expected if status else None,
        "colour": status.colour if status else "",
    }


def milestone_out(m: Milestone, colour: str = "") -> dict[str, Any]:
    return {
        "id": m.pk,
        "task": m.task.code,
        "name": m.name,
        "weight": m.weight,
        "planned_on": m.planned_on,
        "done_on": m.done_on,
        "accepted_on": m.accepted_on,
        "accepted_by": m.accepted_by.get_username() if m.accepted_by_id and m.accepted_by else None,
        "colour": colour,
    }


def report_out(r: ProgressReport) -> dict[str, Any]:
    def name(user: Any) -> str | None:
        return user.get_username() if user is not None else None

    return {
        "id": r.pk,
        "task": r.task.code,
        "period": r.period,
        "percent": r.percent,
        "kpi_value": r.kpi_value,
        "text": r.text,
        "state": r.state,
        "reason": r.reason,
        "submitted_by": name(r.submitted_by),
        "submitted_at": r.submitted_at,
        "confirmed_by": name(r.confirmed_by),
        "confirmed_at": r.confirmed_at,
    }


def _tasks_out(tasks: list[KeyTask]) -> list[dict[str, Any]]:
    status = selectors.statuses_for(tasks, timezone.localdate())
    return [task_out(t, status.get(t.pk)) for t in tasks]


# ---- lookups of what a caller names -----------------------------------------------------


def _visible_list(user: User, code: str) -> KeyTaskList:
    return get_visible_or_404(
        KeyTaskList.objects.select_related("organisation", "approval_activity"), user, code=code
    )


def _visible_task(user: User, code: str) -> KeyTask:
    return get_visible_or_404(selectors.task_rows(KeyTask.objects.all()), user, code=code)


def _org(user: User, code: str) -> Organisation:
    org = Organisation.objects.visible_to(user).filter(code=code).first()
    if org is None:
        raise HttpError(400, f"组织不存在：{code}")
    return org


def _member(user: User, number: str, label: str) -> Member:
    member = Member.objects.visible_to(user).select_related("org").filter(number=number).first()
    if member is None:
        raise HttpError(400, f"{label}不存在：{number}")
    return member


def _activity(user: User, code: str) -> Activity:
    activity = Activity.objects.visible_to(user).select_related("host").filter(code=code).first()
    if activity is None:
        raise HttpError(400, f"会议记录不存在：{code}")
    return activity


def _category(name: str) -> TaskCategory:
    category = TaskCategory.objects.filter(name=name, active=True).first()
    if category is None:
        raise HttpError(400, f"任务类别不存在：{name}")
    return category


def _task_fields(user: User, data: dict[str, Any], task_list: KeyTaskList) -> dict[str, Any]:
    """Model values for the fields named in ``data`` (codes looked up within the caller's
    sight)."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        if name == "parent":
            if value is None:
                out["parent"] = None
            else:
                parent = (
                    KeyTask.objects.visible_to(user).filter(code=value, task_list=task_list).first()
                )
                if parent is None:
                    raise HttpError(400, f"上级任务不存在或不属于该清单：{value}")
                out["parent"] = parent
        elif name == "category":
            if value is not None:
                out["category"] = _category(value)
        elif name == "owner_org":
            if value is not None:
                out["owner_org"] = _org(user, value)
        elif name in ("owner", "sponsor"):
            label = "责任人" if name == "owner" else "包保领导"
            out[name] = None if value is None else _member(user, value, label)
        elif name in ("participants", "list", "code"):
            continue
        elif value is not None or name in ("kpi_baseline", "kpi_target"):
            out[name] = value
    return out


def _participants(user: User, numbers: list[str] | None) -> list[Member] | None:
    if numbers is None:
        return None
    if len(set(numbers)) != len(numbers):
        raise HttpError(400, "participants：同一党员不能重复列出")
    found = {m.number: m for m in Member.objects.visible_to(user).filter(number__in=numbers)}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise HttpError(400, f"参与党员不存在：{'、'.join(missing)}")
    return [found[n] for n in numbers]


# ---- lists -------------------------------------------------------------------------------


@lists_router.get("", response={200: KeyTaskListPage, **READ_ERRORS}, summary="关键任务清单")
def keytasklist_list(request: HttpRequest, params: Query[KeyTaskListParams]) -> dict[str, Any]:
    """The lists the caller sees (their organisation's, and those with a task of theirs)."""
    items, count = paginate(selectors.keytask_lists(caller(request), params), params)
    return {"items": [list_out(t) for t in items], "count": count}


@lists_router.get(
    "/{code}", response={200: KeyTaskListOut, **READ_ERRORS}, summary="关键任务清单详情"
)
def keytasklist_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    task_list = _visible_list(caller(request), code)
    task_list.task_count = task_list.tasks.count()  # type: ignore[attr-defined]
    return list_out(task_list)


class StatusDocument(Strict):
    list: str = Field(..., description="清单编码")
    date: datetime.date
    tasks: builtins.list[StatusOut]


@lists_router.get(
    "/{code}/status",
    response={200: StatusDocument, **READ_ERRORS},
    summary="清单各任务的进度、序时进度和预警颜色",
)
def keytasklist_status(
    request: HttpRequest, code: str, date: datetime.date | None = None
) -> dict[str, Any]:
    """As ``lianjian tasks status``: every task of the list the caller sees, with progress,
    序时进度 and colour as of ``date`` (default today)."""
    user = caller(request)
    task_list = _visible_list(user, code)
    day = date or timezone.localdate()
    visible = set(
        KeyTask.objects.visible_to(user).filter(task_list=task_list).values_list("pk", flat=True)
    )
    return {
        "list": task_list.code,
        "date": day,
        "tasks": [
            {
                "code": t.code,
                "parent": t.parent.code if t.parent_id is not None and t.parent else None,
                "progress": s.progress,
                "expected": s.expected,
                "colour": s.colour or "green",
                "state": t.state,
            }
            for t, s in selectors.list_status(task_list, day)
            if t.pk in visible
        ],
    }


@lists_router.post("", response={201: KeyTaskListOut, **WRITE_ERRORS}, summary="新建关键任务清单")
def keytasklist_create(request: HttpRequest, payload: KeyTaskListIn) -> Status[Any]:
    """A new list (草拟) of an organisation the caller manages."""
    user = caller(request)
    org = _org(user, payload.org)
    activity = _activity(user, payload.approval_activity) if payload.approval_activity else None
    task_list = services.list_create(
        actor=user,
        organisation=org,
        year=payload.year,
        name=payload.name,
        code=payload.code,
        approval_activity=activity,
        approval_ref=payload.approval_ref,
        approved_on=payload.approved_on,
    )
    task_list.task_count = 0  # type: ignore[attr-defined]
    return Status(201, list_out(task_list))


@lists_router.patch(
    "/{code}", response={200: KeyTaskListOut, **WRITE_ERRORS}, summary="修改关键任务清单"
)
def keytasklist_update(
    request: HttpRequest, code: str, payload: KeyTaskListPatch
) -> dict[str, Any]:
    """Name or approval; after 下达 the change is a new version."""
    user = caller(request)
    task_list = _visible_list(user, code)
    fields: dict[str, Any] = {}
    data = payload.model_dump(exclude_unset=True)
    if "name" in data and data["name"] is not None:
        fields["name"] = data["name"]
    if "approval_ref" in data:
        fields["approval_ref"] = data["approval_ref"] or ""
    if "approved_on" in data:
        fields["approved_on"] = data["approved_on"]
    if "approval_activity" in data:
        value = data["approval_activity"]
        fields["approval_activity"] = _activity(user, value) if value else None
    services.list_update(user, task_list, **fields)
    return keytasklist_detail(request, code)


@lists_router.post(
    "/{code}/transition",
    response={200: KeyTaskListOut, **WRITE_ERRORS},
    summary="下达、开始执行或关闭清单",
)
def keytasklist_transition(
    request: HttpRequest, code: str, payload: ListTransitionIn
) -> dict[str, Any]:
    user = caller(request)
    services.list_transition(user, _visible_list(user, code), payload.action)
    return keytasklist_detail(request, code)


# ---- tasks -------------------------------------------------------------------------------


@tasks_router.get("", response={200: TaskPage, **READ_ERRORS}, summary="关键任务")
def task_list(request: HttpRequest, params: Query[TaskParams]) -> dict[str, Any]:
    """The tasks the caller sees, with progress, 序时进度 and colour."""
    items, count = paginate(selectors.task_list(caller(request), params), params)
    return {"items": _tasks_out(items), "count": count}


@tasks_router.get("/{code}", response={200: TaskOut, **READ_ERRORS}, summary="关键任务详情")
def task_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return _tasks_out([_visible_task(caller(request), code)])[0]


@tasks_router.post("", response={201: TaskOut, **WRITE_ERRORS}, summary="新建关键任务")
def task_create(request: HttpRequest, payload: TaskIn) -> Status[Any]:
    """A task of a list the caller manages (its owner must be a 党员)."""
    user = caller(request)
    task_list = KeyTaskList.objects.visible_to(user).filter(code=payload.list).first()
    if task_list is None:
        raise HttpError(400, f"清单不存在：{payload.list}")
    data = payload.model_dump()
    fields = _task_fields(user, data, task_list)
    task = services.task_create(
        actor=user,
        task_list=task_list,
        code=payload.code,
        participants=_participants(user, payload.participants) or [],
        **fields,
    )
    return Status(201, task_detail(request, task.code))


@tasks_router.patch("/{code}", response={200: TaskOut, **WRITE_ERRORS}, summary="修改关键任务")
def task_update(request: HttpRequest, code: str, payload: TaskPatch) -> dict[str, Any]:
    """Change the fields given; after 下达 a new version of the list."""
    user = caller(request)
    task = _visible_task(user, code)
    data = payload.model_dump(exclude_unset=True)
    fields = _task_fields(user, data, task.task_list)
    services.task_update(
        user, task, participants=_participants(user, data.get("participants")), **fields
    )
    return task_detail(request, code)


@tasks_router.post(
    "/{code}/transition",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="任务状态变更（认领、申请验收、验收、退回、暂缓、撤销…）",
)
def task_transition(request: HttpRequest, code: str, payload: TaskTransitionIn) -> dict[str, Any]:
    user = caller(request)
    services.task_transition(user, _visible_task(user, code), payload.action, payload.reason)
    return task_detail(request, code)


# ---- milestones --------------------------------------------------------------------------


def _visible_milestone(user: User, pk: int) -> Milestone:
    return get_visible_or_404(
        Milestone.objects.select_related(
            "task__task_list__organisation", "task__owner_org", "task__owner", "accepted_by"
        ),
        user,
        pk=pk,
    )


@milestones_router.get("", response={200: MilestonePage, **READ_ERRORS}, summary="里程碑")
def milestone_list(request: HttpRequest, params: Query[MilestoneParams]) -> dict[str, Any]:
    items, count = paginate(selectors.milestone_list(caller(request), params), params)
    colours = selectors.milestone_colours(items, timezone.localdate())
    return {"items": [milestone_out(m, colours[m.pk]) for m in items], "count": count}


@milestones_router.get(
    "/{milestone_id}", response={200: MilestoneOut, **READ_ERRORS}, summary="里程碑详情"
)
def milestone_detail(request: HttpRequest, milestone_id: int = MilestoneId) -> dict[str, Any]:
    m = _visible_milestone(caller(request), milestone_id)
    return milestone_out(m, selectors.milestone_colours([m], timezone.localdate())[m.pk])


@milestones_router.post("", response={201: MilestoneOut, **WRITE_ERRORS}, summary="新增里程碑")
def milestone_create(request: HttpRequest, payload: MilestoneIn) -> Status[Any]:
    user = caller(request)
    task = (
        KeyTask.objects.visible_to(user)
        .select_related("task_list__organisation")
        .filter(code=payload.task)
        .first()
    )
    if task is None:
        raise HttpError(400, f"任务不存在：{payload.task}")
    m = services.milestone_save(
        user, task, name=payload.name, weight=payload.weight, planned_on=payload.planned_on
    )
    return Status(201, milestone_detail(request, m.pk))


@milestones_router.post(
    "/{milestone_id}/action",
    response={200: MilestoneOut, **WRITE_ERRORS},
    summary="报告节点完成、撤回完成或验收",
)
def milestone_action(
    request: HttpRequest, payload: MilestoneActionIn, milestone_id: int = MilestoneId
) -> dict[str, Any]:
    """done/undone by the owner side; accept by the issuing organisation."""
    user = caller(request)
    m = _visible_milestone(user, milestone_id)
    if payload.action == "accept":
        services.milestone_accept(user, m, payload.on)
    else:
        on = (payload.on or timezone.localdate()) if payload.action == "done" else None
        services.milestone_done(user, m, on)
    return milestone_detail(request, milestone_id)


# ---- progress reports --------------------------------------------------------------------


def _visible_report(user: User, pk: int) -> ProgressReport:
    return get_visible_or_404(
        ProgressReport.objects.select_related(
            "task__task_list__organisation", "task__owner_org", "submitted_by", "confirmed_by"
        ),
        user,
        pk=pk,
    )


@reports_router.get("", response={200: ReportPage, **READ_ERRORS}, summary="进度报告")
def task_report_list(request: HttpRequest, params: Query[ReportParams]) -> dict[str, Any]:
    items, count = paginate(selectors.report_list(caller(request), params), params)
    return {"items": [report_out(r) for r in items], "count": count}


@reports_router.get(
    "/{report_id}", response={200: ReportOut, **READ_ERRORS}, summary="进度报告详情"
)
def task_report_detail(request: HttpRequest, report_id: int = ReportId) -> dict[str, Any]:
    return report_out(_visible_report(caller(request), report_id))


@reports_router.post("", response={201: ReportOut, **WRITE_ERRORS}, summary="报送进度")
def task_report_submit(request: HttpRequest, payload: ReportIn) -> Status[Any]:
    """The owner member or the owner organisation's managers report progress for a period
    (a returned report is submitted again); the issuing organisation confirms it."""
    user = caller(request)
    task = KeyTask.objects.visible_to(user).filter(code=payload.task).first()
    if task is None:
        raise HttpError(400, f"任务不存在：{payload.task}")
    report = services.report_submit(
        user,
        task,
        period=payload.period,
        percent=payload.percent,
        kpi_value=payload.kpi_value,
        text=payload.text,
    )
    return Status(201, task_report_detail(request, report.pk))


@reports_router.post(
    "/{report_id}/action", response={200: ReportOut, **WRITE_ERRORS}, summary="确认或退回进度报告"
)
def task_report_action(
    request: HttpRequest, payload: ReportActionIn, report_id: int = ReportId
) -> dict[str, Any]:
    """The issuing organisation confirms (the task's progress follows) or returns with a
    reason; never the assessed side, never the one who submitted it."""
    user = caller(request)
    report = _visible_report(user, report_id)
    if payload.action == "confirm":
        services.report_confirm(user, report)
    else:
        services.report_return(user, report, payload.reason)
    return task_report_detail(request, report_id)
