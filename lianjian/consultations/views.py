"""Screens of the problem list: list (search, filters, 三色, export), detail with the timeline
and the action forms, raise and edit, statistics.

Each view: find the problem through ``Problem.objects.visible_to(user)`` (else 404), check
the role the action needs (``permissions``, else 403), validate the form, call one service.
A refused action (bad input, a transition the state does not allow) re-renders the page
with the reason and status 400; nothing is written then.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from lianjian.alliances.models import Alliance
from lianjian.consultations import rules, selectors, services
from lianjian.consultations.excel import COLUMNS as EXCEL_COLUMNS
from lianjian.consultations.excel import export_rows
from lianjian.consultations.forms import (
    AssignForm,
    ConfirmForm,
    ProblemForm,
    ProgressForm,
    ReopenForm,
    SolveForm,
)
from lianjian.consultations.models import (
    AgendaItem,
    JointMeeting,
    Problem,
    ProblemCategory,
    ProblemState,
    Urgency,
)
from lianjian.consultations.schemas import ProblemFilter
from lianjian.core.dbrouters import reads_from_replica
from lianjian.core.excel import write_workbook
from lianjian.core.pages import form_page, int_param, post_action, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, may, require
from lianjian.orgs.forms import add_service_errors
from lianjian.orgs.models import Organisation

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _visible(request: HttpRequest, code: str) -> Problem:
    return get_visible_or_404(
        selectors.problem_rows(Problem.objects.all()), request.user, code=code
    )


def _org_in_view(request: HttpRequest, f: ProblemFilter) -> Organisation | None:
    """The organisation the filter names; one out of the user's sight → 404 (the export
    names no rows of it; the list answers an empty page, as the API does)."""
    if not f.org:
        return None
    org = (
        Organisation.objects.visible_to(request.user)
        .filter(code=f.org)
        .only("code", "name", "path")
        .first()
    )
    if org is None:
        raise Http404
    return org


@login_required
def problem_list(request: HttpRequest) -> HttpResponse:
    """Visible problems, newest first, with search, filters, 三色 and pagination; htmx gets the table."""
    today = timezone.localdate()
    f = ProblemFilter.from_query(request.GET)
    page = paginate(request, selectors.problem_list(request.user, f, today))
    rows = [(p, p.colour(today)) for p in page.object_list]
    ctx = {
        "nav": "consultations",
        "page": page,
        "rows": rows,
        "f": f,
        "org_code": f.org or "",
        "states": ProblemState.values,
        "categories": ProblemCategory.values,
        "urgencies": Urgency.values,
        "colours": selectors.COLOURS,
        "alliances": Alliance.objects.visible_to(request.user)
        .order_by("code")
        .only("code", "name"),
        "can_raise": manages_any(request.user),
        "query": request.GET.urlencode(),
    }
    if request.htmx:
        return render(request, "consultations/problem_table.html", ctx)
    visible = Problem.objects.visible_to(request.user)
    ctx["figures"] = selectors.figures(visible, today)
    ctx["yellow"] = visible.filter(selectors.colour_q("yellow", today)).count()
    return render(request, "consultations/problem_list.html", ctx)


@login_required
def problem_export(request: HttpRequest) -> FileResponse:
    """The list as filtered, in the columns of the ``problems`` Excel kind (re-importable)."""
    f = ProblemFilter.from_query(request.GET)
    _org_in_view(request, f)
    qs = selectors.problem_list(request.user, f, timezone.localdate()).prefetch_related(None)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_workbook(handle, EXCEL_COLUMNS, export_rows(qs), title="问题清单")
    handle.seek(0)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return FileResponse(
        handle, as_attachment=True, filename=f"问题清单-{stamp}.xlsx", content_type=XLSX_TYPE
    )


FORMS: dict[str, Any] = {
    "assign": AssignForm,
    "progress": ProgressForm,
    "solve": SolveForm,
    "confirm": ConfirmForm,
    "reopen": ReopenForm,
}


def _forms(
    problem: Problem, user: Any, actions: list[str], bound: dict[str, Any]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for action in actions:
        if action in bound:
            out[action] = bound[action]
        elif action == "assign":
            initial = {
                "owners": "、".join(link.org.code for link in problem.owner_links.all()),
                "responsible": problem.responsible,
                "deadline": problem.deadline,
                "meeting": problem.meeting.code if problem.meeting_id else "",
            }
            out[action] = AssignForm(problem=problem, user=user, initial=initial)
        elif action == "progress":
            out[action] = ProgressForm(problem=problem, user=user)
        elif action in FORMS:
            out[action] = FORMS[action]()
    return out


def _detail(
    request: HttpRequest,
    problem: Problem,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    actions = selectors.actions_for(request.user, problem)
    # A refused action whose form is no longer shown (the state moved on) still says why.
    refusals = [
        e
        for action, form in (bound or {}).items()
        if action not in actions
        for errors in form.errors.values()
        for e in errors
    ]
    agenda = (
        AgendaItem.objects.filter(problem=problem, meeting__in=_visible_meetings(request))
        .select_related("meeting")
        .order_by("meeting__start")
    )
    return render(
        request,
        "consultations/problem_detail.html",
        {
            "nav": "consultations",
            "problem": problem,
            "colour": problem.colour(today),
            "today": today,
            "owners": [link.org for link in problem.owner_links.all()],
            "events": selectors.timeline(problem),
            "actions": actions,
            "refusals": refusals,
            "forms": _forms(problem, request.user, actions, bound or {}),
            "agenda": list(agenda),
            "days_left": (problem.deadline - today).days if problem.deadline else None,
            "overdue_days": (today - problem.deadline).days if problem.deadline else None,
            "solve_days": (problem.solved_on - problem.raised_on).days
            if problem.solved_on
            else None,
            "states": ProblemState.values,
            "state_index": ProblemState.values.index(problem.state),
        },
        status=status,
    )


def _visible_meetings(request: HttpRequest) -> Any:
    return JointMeeting.objects.visible_to(request.user).values("pk")


@login_required
def problem_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _visible(request, code))


@login_required
def problem_create(request: HttpRequest) -> HttpResponse:
    """Raise a problem for an organisation the user manages."""
    if not manages_any(request.user):
        raise PermissionDenied
    initial = {
        "raised_by": request.user.org.code if request.user.org_id else "",
        "alliance": request.GET.get("alliance", ""),
    }
    form = ProblemForm(request.POST or None, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        "consultations/problem_form.html",
        {"nav": "consultations", "problem": None},
        save=lambda: services.problem_raise(actor=request.user, **form.cleaned_data),
        done=lambda problem: saved(
            request,
            f"已提出问题“{problem.title}”（{problem.code}），等待联建研究",
            "consultations:problem_detail",
            code=problem.code,
        ),
    )


@login_required
def problem_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Correct the wording of a problem still 待研究 (raising organisation or assigners)."""
    problem = _visible(request, code)
    require(request.user, "edit", problem)
    if not rules.allowed("edit", problem.state):
        messages.error(request, rules.refusal("edit", problem.state))
        return redirect("consultations:problem_detail", code=problem.code)
    form = ProblemForm(request.POST or None, user=request.user, instance=problem)
    return form_page(
        request,
        form,
        "consultations/problem_form.html",
        {"nav": "consultations", "problem": problem},
        save=lambda: services.problem_update(
            actor=request.user, problem=problem, **form.cleaned_data
        ),
        done=lambda _: saved(request, "已保存", "consultations:problem_detail", code=problem.code),
    )


SUCCESS = {
    "assign": "已分派，责任单位将收到待办",
    "progress": "已报送办理进展",
    "solve": "已办结，等待提出单位确认",
    "confirm": "已确认销号",
    "reopen": "已退回，责任单位重新办理",
}


def _act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    problem = _visible(request, code)
    require(request.user, action, problem)
    if action in ("assign", "progress"):
        form = FORMS[action](request.POST, problem=problem, user=request.user)
    else:
        form = FORMS[action](request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "assign":
                services.problem_assign(actor=request.user, problem=problem, **data)
            elif action == "progress":
                services.problem_progress(actor=request.user, problem=problem, **data)
            elif action == "solve":
                owned = [
                    link.org
                    for link in problem.owner_links.all()
                    if may(request.user, CHANGE, link.org)
                ]
                services.problem_solve(
                    actor=request.user, problem=problem, org=owned[0] if owned else None, **data
                )
            elif action == "confirm":
                services.problem_confirm(actor=request.user, problem=problem, **data)
            else:
                services.problem_reopen(actor=request.user, problem=problem, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, SUCCESS[action])
            return redirect("consultations:problem_detail", code=problem.code)
    problem = _visible(request, code)
    return _detail(request, problem, bound={action: form}, status=400)


problem_assign = post_action(_act, "assign")
problem_progress = post_action(_act, "progress")
problem_solve = post_action(_act, "solve")
problem_confirm = post_action(_act, "confirm")
problem_reopen = post_action(_act, "reopen")


@login_required
@reads_from_replica
def problem_stats(request: HttpRequest) -> HttpResponse:
    """Figures and ECharts of the visible problems, of one alliance when ``?alliance=`` is given."""
    today = timezone.localdate()
    year = int_param(request.GET.get("year", ""), 2000, 2100) or today.year
    qs = Problem.objects.visible_to(request.user)
    alliance = None
    code = request.GET.get("alliance", "").strip()
    if code:
        alliance = Alliance.objects.visible_to(request.user).filter(code=code).first()
        if alliance is None:
            raise Http404
        qs = qs.filter(alliance=alliance)
    data = selectors.statistics(qs, year=year, today=today)
    charts = {
        "categories": [c for c, *_ in data["by_category"]],
        "category_open": [n - s for _, n, s, _ in data["by_category"]],
        "category_solved": [s for _, _, s, _ in data["by_category"]],
        "states": [s for s, _ in data["by_state"]],
        "state_n": [n for _, n in data["by_state"]],
        "months": [f"{m}月" for m, _, _ in data["by_month"]],
        "month_raised": [r for _, r, _ in data["by_month"]],
        "month_solved": [s for _, _, s in data["by_month"]],
    }
    return render(
        request,
        "consultations/stats.html",
        {
            "nav": "consultations",
            "data": data,
            "charts": charts,
            "alliance": alliance,
            "year": year,
            "years": range(today.year, today.year - 6, -1),
            "alliances": Alliance.objects.visible_to(request.user)
            .order_by("code")
            .only("code", "name"),
        },
    )
