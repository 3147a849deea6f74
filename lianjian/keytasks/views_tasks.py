"""Screens of one key task: the page (fields, people, KPI, milestones, reports, evidence,
history), new and edit, and every action on it — 认领/开始推进/申请验收 by the owner
organisation, 下达/退回/暂缓/撤销/验收/归档 by the issuing organisation, milestones (add,
完成, 验收), progress reports (报送; 确认 or 退回 with a reason) and evidence.

Each view finds the task through ``KeyTask.objects.visible_to(user)`` (else 404), checks the
scope action the service will check (else 403), validates a form and calls one service. A
refused action re-renders the task page with the reason and status 400; nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.core.scope import CHANGE, may
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
from lianjian.orgs.forms import add_service_errors

# Scope actions of KeyTask.SCOPE used here (core.scope.may).
WORK, REPORT, CONFIRM = "work", "report", "confirm"

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
    if not may(request.user, CHANGE, task_list):
        raise PermissionDenied
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
    if request.method == "POST" and form.is_valid():
        values = form.values()
        try:
            task = services.task_create(
                actor=request.user, task_list=task_list, code=form.cleaned_data["code"], **values
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已添加任务“{task.name}”（{task.code}）")
            return redirect("keytasks:task_detail", code=task.code)
    return render(
        request,
        "keytasks/task_form.html",
        {"nav": NAV, "form": form, "task_list": task_list, "task": None},
        status=400 if form.errors else 200,
    )


@login_required
def task_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a task (the issuing organisation); after 下达 a new version of the list."""
    task = visible_task(request, code)
    if not may(request.user, CHANGE, task):
        raise PermissionDenied
    if task.state in (rules.CANCELLED, rules.ARCHIVED):
        messages.error(request, f"任务已{task.state}，不能修改")
        return redirect("keytasks:task_detail", code=task.code)
    form = TaskForm(
        request.POST or None, user=request.user, task_list=task.task_list, instance=task
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(request.user, task, **form.values())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("keytasks:task_detail", code=task.code)
    return render(
        request,
        "keytasks/task_form.html",
        {"nav": NAV, "form": form, "task_list": task.task_list, "task": task},
        status=400 if form.errors else 200,
    )


def _refused(request: HttpRequest, code: str, name: str, form: Form) -> HttpResponse:
    return _detail(request, visible_task(request, code), bound={name: form}, status=400)


@login_required
@require_POST
def task_transition(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """认领, 开始推进, 申请验收, 验收, 下达, 归档, and 退回/暂缓/撤销 with a reason."""
    if action not in rules.TRANSITIONS:
        raise Http404
    task = visible_task(request, code)
    if not may(request.user, rules.ACTION_SCOPE[action], task):
        raise PermissionDenied
    form: Form
    if action in rules.REASON_ACTIONS:
        form = ReasonForm(request.POST, prefix=action)
        if not form.is_valid():
            return _refused(request, code, action, form)
        reason = form.cleaned_data["reason"]
    else:
        form = ActionForm(request.POST)
        form.is_valid()
        reason = ""
    try:
        services.task_transition(request.user, task, action, reason)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _refused(request, code, action, form)
    messages.success(request, SUCCESS[action])
    return redirect("keytasks:task_detail", code=task.code)


@login_required
@require_POST
def milestone_add(request: HttpRequest, code: str) -> HttpResponse:
    task = visible_task(request, code)
    if not may(request.user, CHANGE, task):
        raise PermissionDenied
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_save(request.user, task, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已添加节点“{form.cleaned_data['name']}”")
            return redirect("keytasks:task_detail", code=task.code)
    return _refused(request, code, "milestone", form)


def _milestone(request: HttpRequest, code: str, pk: int) -> tuple[KeyTask, Milestone]:
    task = visible_task(request, code)
    milestone = get_object_or_404(Milestone.objects.select_related("task"), pk=pk, task=task)
    milestone.task = task
    return task, milestone


@login_required
@require_POST
def milestone_done(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The owner side says a milestone is done (on the date given, else today)."""
    task, milestone = _milestone(request, code, pk)
    if not may(request.user, REPORT, task):
        raise PermissionDenied
    form = DateForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_done(request.user, milestone, form.day(timezone.localdate()))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"节点“{milestone.name}”已完成，等待下达组织验收")
            return redirect("keytasks:task_detail", code=task.code)
    return _refused(request, code, "milestone_done", form)


@login_required
@require_POST
def milestone_accept(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The issuing organisation accepts a done milestone."""
    task, milestone = _milestone(request, code, pk)
    if not may(request.user, CONFIRM, task):
        raise PermissionDenied
    form = DateForm(request.POST)
    if form.is_valid():
        try:
            services.milestone_accept(request.user, milestone, form.day(timezone.localdate()))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"节点“{milestone.name}”已验收")
            return redirect("keytasks:task_detail", code=task.code)
    return _refused(request, code, "milestone_accept", form)


@login_required
@require_POST
def report_submit(request: HttpRequest, code: str) -> HttpResponse:
    """报送进度 (owner member or owner organisation), with an activity as evidence if given."""
    task = visible_task(request, code)
    if not may(request.user, REPORT, task):
        raise PermissionDenied
    form = ReportForm(request.POST, user=request.user, task=task, today=timezone.localdate())
    if form.is_valid():
        data = form.cleaned_data
        try:
            ui_services.report_with_evidence(
                request.user,
                task,
                period=data["period"],
                percent=data["percent"],
                kpi_value=data.get("kpi_value"),
                text=data["text"],
                activity=data["activity"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已报送 {data['period']} 的进度，等待下达组织确认")
            return redirect("keytasks:task_detail", code=task.code)
    return _refused(request, code, "report", form)


def _report(request: HttpRequest, code: str, pk: int) -> tuple[KeyTask, ProgressReport]:
    task = visible_task(request, code)
    report = get_object_or_404(ProgressReport, pk=pk, task=task)
    report.task = task
    return task, report


@login_required
@require_POST
def report_confirm(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    task, report = _report(request, code, pk)
    if not may(request.user, CONFIRM, task):
        raise PermissionDenied
    form = ActionForm(request.POST)
    form.is_valid()
    try:
        services.report_confirm(request.user, report)
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _refused(request, code, "report_confirm", form)
    messages.success(request, f"已确认 {report.period} 的进度")
    return redirect("keytasks:task_detail", code=task.code)


@login_required
@require_POST
def report_return(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    task, report = _report(request, code, pk)
    if not may(request.user, CONFIRM, task):
        raise PermissionDenied
    form = ReasonForm(request.POST, prefix="report")
    if form.is_valid():
        try:
            services.report_return(request.user, report, form.cleaned_data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已退回 {report.period} 的进度报告")
            return redirect("keytasks:task_detail", code=task.code)
    return _refused(request, code, "report_return", form)


@login_required
@require_POST
def evidence_add(request: HttpRequest, code: str) -> HttpResponse:
    task = visible_task(request, code)
    if not may(request.user, REPORT, task):
        raise PermissionDenied
    form = EvidenceForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.evidence_add(request.user, task, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已添加佐证")
            return redirect("keytasks:task_detail", code=task.code)
    return _refused(request, code, "evidence", form)
