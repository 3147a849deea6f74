"""Reads of the 三重一大 register: the one list selector (screen and API), an item's page,
the register views (by year and category, prior-study share, re-study rate, overdue
post-evaluations) and the post-evaluation colours (shared deadlines mechanism, kind
``post_evaluation``, the 临期 preset by default)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from lianjian.core.filters import filter_given, register_list, search
from lianjian.deadlines import engine
from lianjian.deadlines.engine import Colour
from lianjian.deadlines.models import DeadlineKind
from lianjian.deadlines.services import rule_for
from lianjian.decisions import rules
from lianjian.decisions.models import DecisionItem, MatterList, PriorStudy
from lianjian.decisions.schemas import DecisionFilter
from lianjian.keytasks.selectors import statuses_for

KIND = DeadlineKind.Code.POST_EVALUATION


def today() -> datetime.date:
    return timezone.localdate()


def open_evaluations() -> QuerySet[DecisionItem]:
    """Items decided and waiting for their post-evaluation (every scope; for jobs)."""
    return DecisionItem.objects.filter(state__in=rules.EVALUABLE, post_evaluation_due__isnull=False)


def evaluation_colour(item: DecisionItem, on: datetime.date) -> Colour | None:
    """The colour of an item's post-evaluation on ``on``; None when none is due (not
    decided, or evaluated — an evaluation is judged on its day by the preset)."""
    if item.post_evaluation_due is None or item.state not in rules.EVALUABLE:
        return None
    return engine.colour(rule_for(KIND), today=on, due=item.post_evaluation_due)


def _overdue_q(on: datetime.date) -> Q:
    """Items whose post-evaluation is red on ``on`` (SQL, from the preset's thresholds)."""
    latest = engine.latest_due(rule_for(KIND), on, Colour.RED)
    if latest is None:
        return Q(pk__in=[])
    return Q(state__in=rules.EVALUABLE, post_evaluation_due__lte=latest)


def item_list(user: Any, f: DecisionFilter) -> QuerySet[DecisionItem]:
    """The register rows ``user`` sees, filtered by ``f``, newest first."""
    qs = DecisionItem.objects.visible_to(user).select_related("organisation", "matter_list", "line")
    qs = search(qs, f.q, "number__icontains", "title__icontains", "department__icontains")
    qs = filter_given(
        qs,
        matter_list__year=f.year,
        category=f.category,
        state=f.state,
        needs_prior_study=f.prior,
    )
    if f.overdue is not None:
        cond = _overdue_q(today())
        qs = qs.filter(cond) if f.overdue else qs.exclude(cond)
    return qs.order_by("-created_at", "-id")


register_list(
    "decisions",
    screen="decisions:item_list",
    api="/decisions",
    filter=DecisionFilter,
    key="number",
    selector=item_list,
)


def matter_lists(user: Any) -> QuerySet[MatterList]:
    """The 事项清单 ``user`` sees, with their line counts."""
    return (
        MatterList.objects.visible_to(user)
        .select_related("organisation")
        .annotate(line_count=Count("lines", filter=Q(lines__active=True)))
        .order_by("-year", "code")
    )


@dataclass
class ItemView:
    """What an item's page shows; ``full`` False for the execution owner, who sees the item
    and its execution only."""

    item: DecisionItem
    full: bool
    studies: list[PriorStudy] = field(default_factory=list)
    decisions: list[Any] = field(default_factory=list)
    tasks: list[tuple[Any, str]] = field(default_factory=list)
    colour: Colour | None = None


def item_page(item: DecisionItem, full: bool, on: datetime.date) -> ItemView:
    """The records of ``item`` (studies and decisions only when ``full``), and the colours
    of its linked key tasks (the key tasks' own mechanism)."""
    page = ItemView(item=item, full=full, colour=evaluation_colour(item, on))
    if full:
        page.studies = list(item.studies.all())
        page.decisions = list(item.decisions.all())
    execution = getattr(item, "execution", None)
    if execution is not None:
        tasks = list(execution.key_tasks.select_related("owner_org").order_by("code"))
        status = statuses_for(tasks, on)
        page.tasks = [(t, status[t.pk].colour if t.pk in status else "") for t in tasks]
    return page


@dataclass(frozen=True)
class RegisterRow:
    year: int
    category: str
    total: int
    prior: int
    decided: int


@dataclass
class RegisterView:
    """The register's figures over the items ``user`` sees."""

    rows: list[RegisterRow]
    total: int
    with_prior: int
    studied: int
    restudied: int
    overdue: list[DecisionItem]

    @property
    def prior_share(self) -> float | None:
        return None if not self.total else round(100 * self.with_prior / self.total, 1)

    @property
    def restudy_rate(self) -> float | None:
        """Share of studied items that went back for a re-study (建议修改后复议)."""
        return None if not self.studied else round(100 * self.restudied / self.studied, 1)


def register_view(user: Any, on: datetime.date) -> RegisterView:
    """Counts by year and category, the share routed to prior study, the re-study rate and
    the overdue post-evaluations — four queries whatever the size."""
    items = DecisionItem.objects.visible_to(user)
    # The execution owner sees an item but not its studies; the figures count the full view.
    full = DecisionItem.objects.restrict(user, "view_all")
    grouped = (
        full.values("matter_list__year", "category")
        .annotate(
            total=Count("id"),
            prior=Count("id", filter=Q(needs_prior_study=True)),
            decided=Count("id", filter=Q(decided_on__isnull=False)),
        )
        .order_by("-matter_list__year", "category")
    )
    rows = [
        RegisterRow(g["matter_list__year"], g["category"], g["total"], g["prior"], g["decided"])
        for g in grouped
    ]
    studied = full.annotate(
        n=Count("studies"),
        revised=Count("studies", filter=Q(studies__outcome=rules.REVISE)),
    ).aggregate(
        studied=Count("id", filter=Q(n__gt=0)),
        restudied=Count("id", filter=Q(revised__gt=0)),
    )
    overdue = list(
        items.filter(_overdue_q(on)).select_related("organisation").order_by("post_evaluation_due")
    )
    return RegisterView(
        rows=rows,
        total=sum(r.total for r in rows),
        with_prior=sum(r.prior for r in rows),
        studied=studied["studied"] or 0,
        restudied=studied["restudied"] or 0,
        overdue=overdue,
    )


# --- the figures assessment reads (decision_post_evaluated) ------------------------------


@dataclass(frozen=True)
class OrgEvaluationFigures:
    """One organisation's decisions due for post-evaluation in a period (``due``, item
    numbers) and those of them evaluated by the period's last counted day (``evaluated``)."""

    due: list[str]
    evaluated: list[str]


def assessment_figures(
    orgs: Any, start: datetime.date, end: datetime.date, on: datetime.date
) -> dict[int, OrgEvaluationFigures]:
    """For each organisation of ``orgs`` (ids or a subquery) that has decisions whose
    post-evaluation fell due between ``start`` and the last counted day (``end``, or ``on``
    while the period runs): their numbers, and those evaluated by that day. One query."""
    last = min(end, on)
    rows = (
        DecisionItem.objects.filter(
            organisation__in=orgs,
            post_evaluation_due__gte=start,
            post_evaluation_due__lte=last,
        )
        .values_list("organisation_id", "number", "evaluation__evaluated_on")
        .order_by("organisation_id", "number")
    )
    due: dict[int, list[str]] = {}
    done: dict[int, list[str]] = {}
    for org_id, number, evaluated_on in rows:
        due.setdefault(org_id, []).append(number)
        if evaluated_on is not None and evaluated_on <= last:
            done.setdefault(org_id, []).append(number)
    return {org_id: OrgEvaluationFigures(n, done.get(org_id, [])) for org_id, n in due.items()}
