"""The home page (the figures of the user's scope) and "我的" (a member's own page)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.appraisals import selectors as appraisal_rows
from lianjian.carriers.selectors import my_carriers
from lianjian.core.context_processors import body_home, body_only
from lianjian.core.dbrouters import reads_from_replica
from lianjian.home import selectors
from lianjian.keytasks import ui_selectors as keytask_rows
from lianjian.orgs.models import Member, OrgFigures
from lianjian.orgs.selectors import WARNING_LABELS, scope_figures
from lianjian.points import selectors as points_selectors


@login_required
@reads_from_replica
def home(request: HttpRequest) -> HttpResponse:
    if body_only(request.user):
        # A supervising or deciding body reaches its records, not the organisation: its home
        # is its ledger or register (the organisation's figures would all read 0).
        return redirect(body_home(request.user))
    figures = scope_figures(OrgFigures.objects.visible_to(request.user))
    return render(request, "home/home.html", {"figures": figures, "warning_labels": WARNING_LABELS})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """ "我的": the signed-in member's own year (``?year=``), open to-dos, key tasks (owner
    or participant, the rows 我的任务 shows, most urgent first), active 岗区队 (held or
    belonged to), 党员积分 of the year, and 民主评议 (an open appraisal to respond to, else the
    latest published result), phone first.

    Only the user's own member record and inbox are read; an account without a member
    record is told so (the menu does not offer the page to it)."""
    user = request.user
    assert isinstance(user, User)  # login_required
    # The member with their organisation (the header names it; the points scheme is the
    # one of the nearest organisation at or above it): one query.
    member = (
        Member.objects.select_related("org").filter(pk=user.member_id).first()
        if user.member_id is not None
        else None
    )
    todos, todo_count = selectors.open_todos(user.pk)
    ctx: dict[str, Any] = {
        "nav": "mine",
        "member": member,
        "todos": todos,
        "todo_count": todo_count,
    }
    if member is not None:
        today = timezone.localdate()
        years = selectors.attendance_years(member.pk, today)
        raw = request.GET.get("year", "")
        year = int(raw) if raw.isdigit() and int(raw) in years else today.year
        ctx.update(years=years, mine=selectors.my_year(member.pk, year))
        tasks = keytask_rows.my_rows(user, today)
        ctx.update(tasks=tasks[: selectors.TASKS_SHOWN], task_count=len(tasks))
        ctx["carriers"] = my_carriers(user)
        ctx["points"] = points_selectors.my_points_card(member, year, today)
        # 民主评议: an appraisal open for the member to respond to, else their latest result.
        ctx["appraisal"] = appraisal_rows.mine_card(user)
    return render(request, "home/mine.html", ctx)
