"""Screens of key-task lists: the lists (search, filters, 新建清单, Excel), one list as a tree
with progress bars and colours, its timeline, 修改 (a new version after 下达) and the list's
state actions (下达, 开始执行, 关闭).

Each view finds the list through ``KeyTaskList.objects.visible_to(user)`` (else 404), checks
the action with :func:`lianjian.core.scope.may` (else 403), validates a form and calls one
service; a refusal re-renders with the reason and status 400, nothing written.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.core.excel import get_kind, write_workbook
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, manages_any, may
from lianjian.keytasks import rules, selectors, services, ui_selectors
from lianjian.keytasks.forms import TaskListForm
from lianjian.keytasks.models import KeyTaskList, ListState, TaskCategory, TaskState
from lianjian.keytasks.schemas import KeyTaskListFilter
from lianjian.keytasks.ui_selectors import COLOURS, TreeFilter
from lianjian.keytasks.ui_timeline import bar, ticks, window
from lianjian.orgs.forms import add_service_errors

NAV = "keytasks"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Rows of a tree or timeline page: a company list runs to thousands of tasks, and the page
# stays quick to draw (the figures above it count every task).
TREE_PAGE = 100


def visible_list(request: HttpRequest, code: str) -> KeyTaskList:
    return get_object_or_404(
        KeyTaskList.objects.visible_to(request.user).select_related(
            "organisation", "approval_activity"
        ),
        code=code,
    )


@login_required
def tasklist_list(request: HttpRequest) -> HttpResponse:
    """The lists the user sees, newest year first; htmx gets the table."""
    f = KeyTaskListFilter.from_query(request.GET)
    page = paginate(request, selectors.keytask_lists(request.user, f))
    this_year = timezone.localdate().year
    ctx = {
        "nav": NAV,
        "page": page,
        "f": f,
        "states": ListState.values,
        "years": range(this_year + 1, this_year - 5, -1),
        "can_create": manages_any(request.user),
    }
    if getattr(request, "htmx", False):
        return render(request, "keytasks/tasklist_table.html", ctx)
    return render(request, "keytasks/tasklist_list.html", ctx)


@login_required
def tasklist_create(request: HttpRequest) -> HttpResponse:
    """新建清单 for an internal organisation the user manages (草拟 until 下达)."""
    if not manages_any(request.user):
        raise PermissionDenied
    initial: dict[str, Any] = {"year": timezone.localdate().year}
    own = getattr(request.user, "org", None)
    if own is not None:
        initial["organisation"] = own.code
    form = TaskListForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            task_list = services.list_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已建立清单“{task_list.name}”，请添加任务后下达")
            return redirect("keytasks:tasklist_detail", code=task_list.code)
    return render(
        request,
        "keytasks/tasklist_form.html",
        {"nav": NAV, "form": form, "task_list": None},
        status=400 if form.errors else 200,
    )


@login_required
def tasklist_edit(request: HttpRequest, code: str) -> HttpResponse:
    """修改清单: name and approval; after 下达 the change is recorded as a new version."""
    task_list = visible_list(request, code)
    if not may(request.user, CHANGE, task_list):
        raise PermissionDenied
    form = TaskListForm(request.POST or None, user=request.user, instance=task_list)
    if request.method == "POST" and form.is_valid():
        try:
            services.list_update(request.user, task_list, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已保存（当前第 {task_list.version} 版）")
            return redirect("keytasks:tasklist_detail", code=task_list.code)
    return render(
        request,
        "keytasks/tasklist_form.html",
        {"nav": NAV, "form": form, "task_list": task_list},
        status=400 if form.errors else 200,
    )


def _list_actions(user: Any, task_list: KeyTaskList) -> list[tuple[str, str, str]]:
    """(action, label, confirmation) of the list's state actions the user may take now."""
    if not may(user, CHANGE, task_list):
        return []
    confirmations = {
        "issue": "确定下达该清单？下达后草拟的任务一并下达到责任组织，之后的修改将记为新版本。",
        "start": "确定开始执行该清单？",
        "close": "确定关闭该清单？关闭后不能再添加或修改任务。",
    }
    return [
        (action, rules.LIST_ACTION_LABELS[action], confirmations[action])
        for action, (sources, _) in rules.LIST_TRANSITIONS.items()
        if task_list.state in sources
    ]


@login_required
def tasklist_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The list as a tree: progress against 序时进度, the colour of each task, filters."""
    task_list = visible_list(request, code)
    today = timezone.localdate()
    f = TreeFilter.from_query(request.GET)
    tree = ui_selectors.list_tree(request.user, task_list, today)
    rows = ui_selectors.filter_rows(tree, f)
    page = paginate(request, rows, per_page=TREE_PAGE)
    ctx: dict[str, Any] = {
        "nav": NAV,
        "task_list": task_list,
        "page": page,
        "rows": ui_selectors.with_owners(list(page)),
        "f": f,
        "today": today,
        "filtered": f.active,
        "colours": COLOURS,
        "states": TaskState.values,
        "categories": TaskCategory.objects.order_by("position", "id"),
        "themes": sorted({r.task.theme for r in tree if r.task.theme}),
    }
    if getattr(request, "htmx", False):
        return render(request, "keytasks/tasklist_tree.html", ctx)
    ctx.update(
        figures=ui_selectors.figures(tree),
        actions=_list_actions(request.user, task_list),
        can_change=may(request.user, CHANGE, task_list) and task_list.state != ListState.CLOSED,
        versions=list(task_list.versions.order_by("-number")[:20]),
    )
    return render(request, "keytasks/tasklist_detail.html", ctx)


@login_required
@require_POST
def tasklist_transition(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """下达, 开始执行 or 关闭 a list (its organisation's managers)."""
    task_list = visible_list(request, code)
    if action not in rules.LIST_TRANSITIONS:
        raise Http404
    if not may(request.user, CHANGE, task_list):
        raise PermissionDenied
    try:
        services.list_transition(request.user, task_list, action)
    except ValidationError as exc:
        # The list page again, with the reason, as a refusal: nothing was changed.
        for text in exc.messages:
            messages.error(request, text)
        response = tasklist_detail(request, code)
        response.status_code = 400
        return response
    messages.success(request, f"清单已{rules.LIST_ACTION_LABELS[action]}")
    return redirect("keytasks:tasklist_detail", code=task_list.code)


@login_required
def tasklist_timeline(request: HttpRequest, code: str) -> HttpResponse:
    """A Gantt-like timeline: each task's planned span, the part done, today's line."""
    task_list = visible_list(request, code)
    today = timezone.localdate()
    f = TreeFilter.from_query(request.GET)
    rows = ui_selectors.filter_rows(ui_selectors.list_tree(request.user, task_list, today), f)
    # The window spans every filtered task, so that all pages share one time scale.
    win = window(((r.task.planned_start, r.task.planned_end) for r in rows), today)
    page = paginate(request, rows, per_page=TREE_PAGE)
    bars = [
        (r, bar(win, r.task.planned_start, r.task.planned_end, r.progress))
        for r in page.object_list
    ]
    return render(
        request,
        "keytasks/tasklist_timeline.html",
        {
            "nav": NAV,
            "task_list": task_list,
            "bars": bars,
            "page": page,
            "ticks": ticks(win),
            "window": win,
            "today": today,
            "today_x": win.at(today) if win.start <= today <= win.end else None,
            "f": f,
        },
    )


@login_required
def tasklist_export(request: HttpRequest, code: str) -> FileResponse:
    """The list's tasks the user sees, in the columns of the Excel kind ``tasks`` (its rows,
    those of this list: the first column is 清单编码), so the file imports back."""
    task_list = visible_list(request, code)
    kind = get_kind("tasks")
    if kind is None:
        raise Http404
    rows = (row for row in kind.export_rows(user=request.user, org_code=None) if row[0] == code)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_workbook(handle, kind.columns, rows, title=kind.label)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{task_list.name}-{timezone.localdate():%Y%m%d}.xlsx",
        content_type=XLSX_TYPE,
    )
