"""Reads of 揭榜挂帅: the lists of calls, bids and projects (one filter each, for the screen
and the API), the dashboard figures by award level, and the project rows' key-task status.

Every read starts from ``Model.objects.visible_to(user)``: a bid of another bidder, a draft
call of another issuer, a project outside the scope are not there at all.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from lianjian.core.filters import filter_given, register_list, search
from lianjian.keytasks import selectors as keytask_selectors
from lianjian.keytasks.selectors import TaskStatus
from lianjian.orgs.models import Organisation
from lianjian.projects import rules
from lianjian.projects.models import Award, Bid, Call, Project
from lianjian.projects.schemas import BidFilter, CallFilter, InnovationProjectFilter


def _subtree(lookup: str, code: str) -> Q:
    """Rows whose organisation at ``lookup`` is ``code`` or lies below it."""
    return Q(**{f"{lookup}__path__contains": f"/{code}/"})


def _call_state(qs: QuerySet[Call], state: str | None, today: datetime.date) -> QuerySet[Call]:
    """The state filter on the state a call shows (a published call past its deadline is 截止)."""
    if state == rules.CALL_OPEN:
        return qs.filter(state=rules.CALL_OPEN, deadline__gte=today)
    if state == rules.CALL_CLOSED:
        return qs.filter(Q(state=rules.CALL_CLOSED) | Q(state=rules.CALL_OPEN, deadline__lt=today))
    return filter_given(qs, state=state)


def call_list(user: Any, f: CallFilter, today: datetime.date | None = None) -> QuerySet[Call]:
    """The calls ``user`` sees matching ``f``, newest first, with the issuer loaded."""
    day = today or datetime.date.today()
    qs: QuerySet[Call] = Call.objects.visible_to(user).select_related("issuer")
    qs = search(qs, f.q, "code__icontains", "title__icontains", "theme__icontains")
    if f.org:
        qs = qs.filter(_subtree("issuer", f.org))
    qs = filter_given(qs, kind=f.kind)
    qs = _call_state(qs, f.state, day)
    return qs.prefetch_related("eligible_orgs", "eligible_alliances").order_by("-created_at", "-id")


def bid_rows(qs: QuerySet[Bid]) -> QuerySet[Bid]:
    """What a bid row shows: the call, bidder, alliance, lead, team and project."""
    return qs.select_related(
        "call", "call__issuer", "bidder_org", "alliance", "lead"
    ).prefetch_related(
        "team", Prefetch("project", queryset=Project.objects.only("id", "code", "bid_id"))
    )


def bid_list(user: Any, f: BidFilter) -> QuerySet[Bid]:
    """The bids ``user`` sees matching ``f``: their own side's, the ones on calls they
    issue, and the winners of the calls they see."""
    qs = Bid.objects.visible_to(user)
    qs = search(qs, f.q, "code__icontains", "call__title__icontains", "plan__icontains")
    if f.org:
        qs = qs.filter(_subtree("bidder_org", f.org))
    qs = filter_given(qs, call__code=f.call, state=f.state)
    return bid_rows(qs).order_by("-submitted_on", "-id")


def project_rows(qs: QuerySet[Project]) -> QuerySet[Project]:
    """What a project row shows: the task (name, owner), call, bid, awards and metrics."""
    return qs.select_related(
        "task", "task__owner_org", "task__owner", "call", "call__issuer", "bid", "bid__bidder_org"
    ).prefetch_related(
        Prefetch("awards", queryset=Award.objects.prefetch_related("certificates")), "metrics"
    )


def project_list(user: Any, f: InnovationProjectFilter) -> QuerySet[Project]:
    """The projects ``user`` sees matching ``f`` (the project board), newest first."""
    qs = Project.objects.visible_to(user)
    qs = search(qs, f.q, "code__icontains", "task__name__icontains")
    if f.org:
        qs = qs.filter(_subtree("bid__bidder_org", f.org))
    qs = filter_given(qs, stage=f.stage, kind=f.kind)
    if f.level:
        qs = qs.filter(pk__in=Award.objects.standing().filter(level=f.level).values("project_id"))
    return project_rows(qs).order_by("-started_on", "-id")


def statuses(projects: list[Project], today: datetime.date) -> dict[int, TaskStatus]:
    """The key-task status (progress, 序时进度, colour) of each project, by project id —
    computed by keytasks with each task's whole list."""
    by_task = keytask_selectors.statuses_for([p.task for p in projects], today)
    return {p.pk: by_task[p.task_id] for p in projects if p.task_id in by_task}


def best_levels(projects: list[Project]) -> dict[int, str | None]:
    """Each project's highest standing award level (awards prefetched)."""
    return {
        p.pk: rules.best_level(a.level for a in p.awards.all() if not a.voided) for p in projects
    }


@dataclass(frozen=True)
class Dashboard:
    levels: dict[str, int]
    kinds: dict[str, int]
    stages: dict[str, int]
    open_calls: int


def dashboard(user: Any, today: datetime.date, org: Organisation | None = None) -> Dashboard:
    """The figures of the project board for the projects ``user`` sees (of ``org``'s
    subtree when given): projects per best award level (a project counts once, at its
    highest standing award), per kind and stage, and the calls open for bids. Four queries."""
    projects = Project.objects.visible_to(user)
    if org is not None:
        projects = projects.filter(_subtree("bid__bidder_org", org.code))
    rows = list(projects.values_list("pk", "kind", "stage"))
    ids = [pk for pk, _, _ in rows]
    awards: dict[int, list[str]] = {}
    for project_id, level in (
        Award.objects.standing().filter(project_id__in=ids).values_list("project_id", "level")
    ):
        awards.setdefault(project_id, []).append(level)
    levels = rules.level_counts(rules.best_level(awards.get(pk, ())) for pk in ids)
    kinds = Counter(kind for _, kind, _ in rows)
    stages = Counter(stage for _, _, stage in rows)
    open_calls = (
        Call.objects.visible_to(user).filter(state=rules.CALL_OPEN, deadline__gte=today).count()
    )
    return Dashboard(
        levels=levels,
        kinds={k: kinds.get(k, 0) for k in rules.KINDS},
        stages={s: stages.get(s, 0) for s in rules.STAGES},
        open_calls=open_calls,
    )


def awards_in_period(
    orgs: Any, start: datetime.date, end: datetime.date
) -> dict[int, list[tuple[str, str, str, str]]]:
    """The standing awards of the projects each organisation of ``orgs`` (ids or a
    queryset of them) won as bidder, awarded within ``start``..``end``: organisation id →
    ``(project code, level, award name, ISO date)`` in date order — what the assessment
    source ``project_awards`` scores. One query."""
    out: dict[int, list[tuple[str, str, str, str]]] = {}
    rows = (
        Award.objects.standing()
        .filter(project__bid__bidder_org__in=orgs, awarded_on__gte=start, awarded_on__lte=end)
        .values_list("project__bid__bidder_org_id", "project__code", "level", "name", "awarded_on")
        .order_by("awarded_on", "id")
    )
    for org_id, code, level, name, day in rows:
        out.setdefault(org_id, []).append((code, level, name, day.isoformat()))
    return out


register_list(
    "calls",
    screen="projects:call_list",
    api="/calls",
    filter=CallFilter,
    key="code",
    selector=call_list,
)
register_list(
    "bids", screen="projects:bid_list", api="/bids", filter=BidFilter, key="code", selector=bid_list
)
register_list(
    "projects_board",
    screen="projects:project_list",
    api="/projects",
    filter=InnovationProjectFilter,
    key="code",
    selector=project_list,
)
