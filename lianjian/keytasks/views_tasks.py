"""Screens of one key task: the page (fields, people, KPI, milestones, reports, evidence,
history), new and edit, and every action on it — 认领/开始推进/申请验收 by the owner
organisation, 下达/退回/暂缓/撤销/验收/归档 by the issuing organisation, milestones (add,
完成, 验收), progress reports (报送; 确认 or 退回 with a reason) and evidence.

Each view finds the task through ``KeyTask.objects.visible_to(user)`` (else 404), checks the
scope action the service will check (else 403), validates a form and calls one service. A
refused action re-renders the task page with the reason and status 400; nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.core.pages import add_service_errors, form_page, post_action, saved
from lianjian.core.scope import CHANGE, VIEW, may, require
from lianjian.keytasks import rules, services, ui_selectors, ui_services
from lianjian.keytasks.forms import (
    ActionForm,
    DateForm,
    EvidenceForm,
    MilestoneForm,
    ReasonForm,
    ReportForm,
    TaskForm,
)
from lianjian.keytasks.models import (
    Evidence,
    KeyTask,
    ListState,
    Milestone,
    ProgressReport,
)
from lianjian.keytasks.views_lists import NAV, visible_list

# Scope actions of KeyTask.SCOPE used here (core.scope.may).
WORK, REPORT, CONFIRM = "work", "report", "confirm"
TASK_PAGE = "keytasks:task_detail"

SUCCESS = {
    "issue": "任务已下达",
    "claim": "已认领，请按期报送进度",
    "start": "已开始推进",
    "request_acceptance": "已申请验收，等待下达组织验收",
    "accept": "已验收",
    "archive": "已归档",
    "return": "已退回",
    "suspend": "已暂缓",
    "cancel": "已撤销",
}
CONFIRMATIONS = {
    "issue": "确定下达该任务？",
    "claim": "确定认领该任务？认领后由责任人按期报送进度。",
    "start": "确定开始推进该任务？",
    "request_acceptance": "确定申请验收？",
    "accept": "确定验收通过该任务？",
    "archive": "确定归档该任务？归档后不能再修改。",
    "return": "确定退回该任务？",
    "suspend": "确定暂缓该任务？",
    "cancel": "确定撤销该任务？撤销后不再计入清单进度。",
}


def visible_task(request: HttpRequest, code: str) -> KeyTask:
    qs = KeyTask.objects.visible_to(request.user).select_related(
        "task_list__organisation",
        "parent",
        "category",
        "owner_org",
        "owner__org",
        "sponsor__org",
    )
    return get_object_or_404(
        qs.prefetch_related(
            "participants",
            Prefetch("milestones", queryset=Milestone.objects.select_related("accepted_by")),
        ),
        code=code,
    )


def _state_actions(user: Any, task: KeyTask) -> list[dict[str, Any]]:
    """The state actions the user may take on the task now, with label, confirmation and
    whether a reason is needed."""
    out = []
    for action in rules.task_actions(task.state):
        if not may(user, rules.ACTION_SCOPE[action], task):
            continue
        out.append(
            {
                "action": action,
                "label": rules.ACTION_LABELS[action],
                "confirm": CONFIRMATIONS[action],
                "reason": action in rules.REASON_ACTIONS,
                "danger": action in ("return", "suspend", "cancel"),
            }
        )
    return out


def _detail(
    request: HttpRequest,
    task: KeyTask,
    *,
    bound: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user, today = request.user, timezone.localdate()
    bound = bound or {}
    row = ui_selectors.task_row(user, task, today)
    can_report = may(user, REPORT, task) and task.state in (
        *rules.REPORTING_STATES,
        rules.IN_PROGRESS,
    )
    can_change = may(user, CHANGE, task) and task.state not in (rules.CANCELLED, rules.ARCHIVED)
    can_confirm = may(user, CONFIRM, task)
    reports = list(
        ProgressReport.objects.filter(task=task).select_related("submitted_by", "confirmed_by")
    )
    evidence = list(
        Evidence.objects.filter(task=task, withdrawn=False).select_related(
            "activity__host", "report"
        )
    )
    forms: dict[str, Form] = {}
    if can_report:
        forms["report"] = bound.get("report") or ReportForm(
            user=user, task=task, today=today, initial={"period": today.strftime("%Y-%m")}
        )
    if may(user, REPORT, task) and task.state not in (rules.CANCELLED, rules.ARCHIVED):
        forms["evidence"] = bound.get("evidence") or EvidenceForm(user=user)
    if can_change:
        forms["milestone"] = bound.get("milestone") or MilestoneForm()
    actions = _state_actions(user, task)
    for a in actions:
        if a["reason"]:
            a["form"] = bound.get(a["action"]) or ReasonForm(prefix=a["action"])
    shown = {*forms, *(a["action"] for a in actions if a["reason"])}
    if can_confirm:
        shown.add("report_return")
    # A refused action whose form the page does not show (a button, or the state moved on)
    # still says why.
    refusals = [
        e
        for name, form in bound.items()
        if name not in shown
        for errors in form.errors.values()
        for e in errors
    ]
    return render(
        request,
        "keytasks/task_detail.html",
        {
            "nav": NAV,
            "task": task,
            # A branch's task may hang under the company's, which the branch may not open: the
            # parent is shown only to those who may (the link would land on a 404).
            "parent_visible": may(user, VIEW, task.parent),
            "row": row,
            "today": today,
            "children": ui_selectors.children_rows(user, task, today),
            "milestones": ui_selectors.milestone_rows(task, today),
            "reports": reports,
            "evidence": evidence,
            "history": ui_selectors.history(task),
            "actions": actions,
            "forms": forms,
            "refusals": refusals,
            "can_report": can_report,
            "can_change": can_change,
            "can_confirm": can_confirm,
            "return_form": bound.get("report_return") or ReasonForm(prefix="report"),
            "states": ui_selectors.MAIN_STATES,
            "state_index": ui_selectors.MAIN_STATES.index(task.state)
            if task.state in ui_selectors.MAIN_STATES
            else None,
        },
        status=status,
    )


@login_required
def task_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, visible_task(request, code))


@login_required
def task_create(request: HttpRequest, code: str) -> HttpResponse:
    """A new task of the list (its organisation's managers); ``?parent=`` preselects the parent."""
    task_list = visible_list(request, code)
    require(request.user, CHANGE, task_list)
    if task_list.state == ListState.CLOSED and request.method != "POST":
        messages.error(request, "清单已关闭，不能添加任务")
        return redirect("keytasks:tasklist_detail", code=task_list.code)
    initial: dict[str, Any] = {
        "parent": request.GET.get("parent", ""),
        "owner_org": task_list.organisation.code,
        "planned_start": f"{task_list.year}-01-01",
        "planned_end": f"{task_list.year}-12-31",
        "weight": 1.0,
    }
    form = TaskForm(request.POST or None, user=request.user, task_list=task_list, initial=initial)
    return form_page(
        request,
        form,
        "keytasks/task_form.html",
        {"nav": NAV, "task_list": task_list, "task": None},
        save=lambda: services.task_create(
            actor=request.user,
            task_list=task_list,
            code=form.cleaned_data["code"],
            **form.values(),
        ),
        done=lambda task: saved(
            request, f"已添加任务“{task.name}”（{task.code}）", TASK_PAGE, code=task.code
        ),
    )


@login_required
def task_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a task (the issuing organisation); after 下达 a new version of the list."""
    task = _task(request, code, CHANGE)
    if task.state in (rules.CANCELLED, rules.ARCHIVED):
        messages.error(request, f"任务已{task.state}，不能修改")
        return redirect(TASK_PAGE, code=task.code)
    form = TaskForm(
        request.POST or None, user=request.user, task_list=task.task_list, instance=task
    )
    return form_page(
        request,
        form,
        "keytasks/task_form.html",
        {"nav": NAV, "task_list": task.task_list, "task": task},
        save=lambda: services.task_update(request.user, task, **form.values()),
        done=lambda _: saved(request, "已保存", TASK_PAGE, code=task.code),
    )


def _task(request: HttpRequest, code: str, scope: str) -> KeyTask:
    """The task (404 outside the user's sight) that the user may ``scope`` (else 403)."""
    task = visible_task(request, code)
    require(request.user, scope, task)
    return task


def _act(
    request: HttpRequest,
    task: KeyTask,
    name: str,
    form: Form,
    save: Callable[[], object],
    message: Callable[[], str],
) -> HttpResponse:
    """An action on the task page: on a valid ``form``, ``save()`` and go back to the page
    saying ``message()``; a refusal (an invalid form, the service's ``ValidationError``)
    re-renders the page with the reason on the form ``name``, status 400."""
    if form.is_valid():
        try:
            save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return saved(request, message(), TASK_PAGE, code=task.code)
    return _detail(request, visible_task(request, task.code), bound={name: form}, status=400)


@login_required
@require_POST
def task_transition(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """认领, 开始推进, 申请验收, 验收, 下达, 归档, and 退回/暂缓/撤销 with a reason."""
    if action not in rules.TRANSITIONS:
        raise Http404
    task = _task(request, code, rules.ACTION_SCOPE[action])
    form: Form = (
        ReasonForm(request.POST, prefix=action)
        if action in rules.REASON_ACTIONS
        else ActionForm(request.POST)
    )
    return _act(
        request,
        task,
        action,
        form,
        lambda: services.task_transition(
            request.user, task, action, form.cleaned_data.get("reason", "")
        ),
        lambda: SUCCESS[action],
    )


@login_required
@require_POST
def milestone_add(request: HttpRequest, code: str) -> HttpResponse:
    task = _task(request, code, CHANGE)
    form = MilestoneForm(request.POST)
    return _act(
        request,
        task,
        "milestone",
        form,
        lambda: services.milestone_save(request.user, task, **form.cleaned_data),
        lambda: f"已添加节点“{form.cleaned_data['name']}”",
    )


#: A milestone's steps: who may (scope action), the service, the words of success.
MILESTONE_STEPS: dict[str, tuple[str, Callable[[Any, Milestone, Any], object], str]] = {
    "done": (REPORT, services.milestone_done, "节点“{name}”已完成，等待下达组织验收"),
    "accept": (CONFIRM, services.milestone_accept, "节点“{name}”已验收"),
}


def _milestone_step(request: HttpRequest, code: str, pk: int, action: str) -> HttpResponse:
    """The owner side says a milestone is done, the issuing organisation accepts a done one
    (on the date given, else today)."""
    scope, service, words = MILESTONE_STEPS[action]
    task = _task(request, code, scope)
    milestone = get_object_or_404(Milestone.objects.select_related("task"), pk=pk, task=task)
    milestone.task = task
    form = DateForm(request.POST)
    return _act(
        request,
        task,
        f"milestone_{action}",
        form,
        lambda: service(request.user, milestone, form.day(timezone.localdate())),
        lambda: words.format(name=milestone.name),
    )


milestone_done = post_action(_milestone_step, "done")
milestone_accept = post_action(_milestone_step, "accept")


@login_required
@require_POST
def report_submit(request: HttpRequest, code: str) -> HttpResponse:
    """报送进度 (owner member or owner organisation), with an activity as evidence if given."""
    task = _task(request, code, REPORT)
    form = ReportForm(request.POST, user=request.user, task=task, today=timezone.localdate())
    return _act(
        request,
        task,
        "report",
        form,
        lambda: ui_services.report_with_evidence(
            request.user,
            task,
            period=form.cleaned_data["period"],
            percent=form.cleaned_data["percent"],
            kpi_value=form.cleaned_data.get("kpi_value"),
            text=form.cleaned_data["text"],
            activity=form.cleaned_data["activity"],
        ),
        lambda: f"已报送 {form.cleaned_data['period']} 的进度，等待下达组织确认",
    )


def _report_step(request: HttpRequest, code: str, pk: int, action: str) -> HttpResponse:
    """The issuing organisation confirms a submitted progress report, or returns it with a
    reason."""
    task = _task(request, code, CONFIRM)
    report = get_object_or_404(ProgressReport, pk=pk, task=task)
    report.task = task
    if action == "confirm":
        form: Form = ActionForm(request.POST)
        return _act(
            request,
            task,
            "report_confirm",
            form,
            lambda: services.report_confirm(request.user, report),
            lambda: f"已确认 {report.period} 的进度",
        )
    form = ReasonForm(request.POST, prefix="report")
    return _act(
        request,
        task,
        "report_return",
        form,
        lambda: services.report_return(request.user, report, form.cleaned_data["reason"]),
        lambda: f"已退回 {report.period} 的进度报告",
    )


report_confirm = post_action(_report_step, "confirm")
report_return = post_action(_report_step, "return")


@login_required
@require_POST
def evidence_add(request: HttpRequest, code: str) -> HttpResponse:
    task = _task(request, code, REPORT)
    form = EvidenceForm(request.POST, user=request.user)
    return _act(
        request,
        task,
        "evidence",
        form,
        lambda: services.evidence_add(request.user, task, **form.cleaned_data),
        lambda: "已添加佐证",
    )
