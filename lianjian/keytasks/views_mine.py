"""我的任务 (an owner member's tasks, cards on a phone; a sponsor leader's red and yellow
items) and the roll-ups per organisation and per theme (a table and an ECharts bar chart
fed by JSON from ``json_script``, whose names ECharts draws as text)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lianjian.keytasks import ui_selectors
from lianjian.keytasks.models import KeyTaskList
from lianjian.keytasks.views_lists import NAV


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The tasks the user's member record owns or takes part in, and the red and yellow
    tasks it sponsors (包保) — the most urgent first."""
    today = timezone.localdate()
    mine = ui_selectors.my_rows(request.user, today)
    return render(
        request,
        "keytasks/my_tasks.html",
        {
            "nav": NAV,
            "today": today,
            "has_member": getattr(request.user, "member_id", None) is not None,
            "mine": mine,
            "figures": ui_selectors.figures(mine),
            "sponsored": ui_selectors.sponsor_rows(request.user, today),
        },
    )


def _year(value: str, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


@login_required
def rollup(request: HttpRequest) -> HttpResponse:
    """Progress against 序时进度 and colours per owner organisation and per theme, of one
    list (``?list=CODE``, 404 when not visible) or of every visible list of ``?year=``."""
    today = timezone.localdate()
    year = _year(request.GET.get("year", ""), today.year)
    code = request.GET.get("list", "").strip()
    task_list = None
    if code:
        task_list = (
            KeyTaskList.objects.visible_to(request.user)
            .select_related("organisation")
            .filter(code=code)
            .first()
        )
        if task_list is None:
            raise Http404
        year = task_list.year
    rows = ui_selectors.visible_rows(request.user, task_list, year, today)
    orgs, themes = ui_selectors.rollup(rows)
    chart = {
        "orgs": [line.label for line in orgs],
        "org_progress": [line.figures.progress for line in orgs],
        "org_expected": [line.figures.expected for line in orgs],
        "themes": [line.label for line in themes],
        "theme_progress": [line.figures.progress for line in themes],
        "theme_expected": [line.figures.expected for line in themes],
    }
    return render(
        request,
        "keytasks/rollup.html",
        {
            "nav": NAV,
            "year": year,
            "years": range(today.year + 1, today.year - 5, -1),
            "task_list": task_list,
            "lists": KeyTaskList.objects.visible_to(request.user)
            .filter(year=year)
            .order_by("code")
            .only("code", "name"),
            "total": ui_selectors.figures(rows),
            "orgs": orgs,
            "themes": themes,
            "chart": chart,
        },
    )
