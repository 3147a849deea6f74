"""The lists of the assessment screens and API: KPI values and batches, evaluators' work,
schemes, objections."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.db.models import Count, QuerySet

from lianjian.assessment.entry import scheme_orgs
from lianjian.assessment.models import (
    AssessmentRun,
    Indicator,
    KpiBatch,
    KpiValue,
    ManualScore,
    Objection,
    Rule,
    Scheme,
)
from lianjian.assessment.schemas import (
    KpiFilter,
    ObjectionFilter,
    ReviewFilter,
    RunFilter,
    SchemeFilter,
)
from lianjian.assessment.selectors.results import period_label
from lianjian.core.filters import register_list, search
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Organisation

# --- KPI values, batches, evaluators' work ------------------------------------------------


# The KPI list's order and keyset (core.paging.paginate_keyset): the unique (org, period,
# indicator) index gives it for any scope, so a deep page costs what the first does. By the
# organisation's id, not its code: the code is on another table, and ordering by it sorted
# every visible value on every page. Organisations are created (imported) in code order, so
# the two orders rarely differ.
KPI_LIST_KEY = ("org_id", "period", "indicator_code")


def kpi_values(user: Any, f: KpiFilter) -> QuerySet[KpiValue]:
    """Visible KPI values with their batch that match ``f`` (``org``: that organisation's
    subtree, nothing when the user cannot see it), in :data:`KPI_LIST_KEY` order — the one
    filter of the KPI screen, the batch screen and ``GET /api/v1/assessment/kpis``."""
    qs = KpiValue.objects.visible_to(user).select_related("org", "batch")
    if f.q:
        qs = search(qs, f.q, "org__code__icontains", "org__name__icontains")
    if f.org:
        root = Organisation.objects.visible_to(user).filter(code=f.org).only("path").first()
        if root is None:
            return qs.none()
        qs = qs.filter(org__path__under=root.path)
    if f.period:
        qs = qs.filter(period=f.period.upper())
    if f.indicator_code:
        qs = qs.filter(indicator_code__iexact=f.indicator_code)
    if f.channel:
        qs = qs.filter(batch__channel=f.channel)
    if f.batch is not None:
        qs = qs.filter(batch_id=f.batch)
    return qs.order_by(*KPI_LIST_KEY)


def visible_batch(user: Any, pk: int) -> KpiBatch | None:
    """A batch the user may open: one they delivered, or one that delivers (or delivered,
    before a later batch replaced it) a value of an organisation they may see."""
    batch = KpiBatch.objects.filter(pk=pk).select_related("created_by").first()
    if batch is None:
        return None
    if (
        batch.created_by_id == user.pk
        or KpiValue.objects.visible_to(user).filter(batch=batch).exists()
        or batch_replaced(user, batch, limit=1)[1]
    ):
        return batch
    return None


REPLACED_LIMIT = 200
# kpi_write stamps a batch's audit rows with the time it started, just before it creates the
# batch; reading the audit log only in the hour before the batch keeps this on the ``at`` index.
BATCH_AUDIT_WINDOW = datetime.timedelta(hours=1)


def batch_replaced(
    user: Any, batch: KpiBatch, *, q: str = "", limit: int = REPLACED_LIMIT
) -> tuple[list[dict[str, Any]], int]:
    """Values this batch delivered that a later batch has since replaced — the numbers an
    older result version scored and links to — as ``({"kpi": current KpiValue, "value":
    value delivered by this batch}, …)`` for organisations the user may see (``q``: code or
    name), at most ``limit``, and how many there are. Read from the batch's audit rows
    (``core.audit``): the KpiValue row itself now holds the newer value. Three queries."""
    audits = AuditLog.objects.filter(
        target_type="assessment.kpivalue",
        at__gte=batch.created_at - BATCH_AUDIT_WINDOW,
        at__lte=batch.created_at,
        after__batch_id=batch.pk,
    )
    if q and "/" not in q:
        exact = Organisation.objects.filter(code=q).exists()
        if exact:
            audits = audits.filter(target_id__startswith=f"{q}/")
    delivered: dict[tuple[str, str, str], Any] = {}
    for target_id, after in audits.values_list("target_id", "after").order_by("target_id"):
        parts = target_id.split("/")
        if len(parts) == 3 and isinstance(after, dict):
            delivered[(parts[0], parts[1], parts[2])] = after.get("value")
    if not delivered:
        return [], 0
    qs = (
        KpiValue.objects.visible_to(user)
        .exclude(batch=batch)
        .select_related("org", "batch")
        .filter(
            org__code__in={k[0] for k in delivered},
            period__in={k[1] for k in delivered},
            indicator_code__in={k[2] for k in delivered},
        )
    )
    if q:
        qs = search(qs, q, "org__code__icontains", "org__name__icontains")
    rows = [
        {"kpi": kpi, "value": delivered[key]}
        for kpi in qs.order_by("org__path", "period", "indicator_code")
        if (key := (kpi.org.code, kpi.period, kpi.indicator_code)) in delivered
    ]
    return rows[:limit], len(rows)


def review_indicators(user: Any) -> QuerySet[Indicator]:
    """The 评议打分 indicators the user is an evaluator of, in schemes they may see."""
    return (
        Indicator.objects.filter(
            rule=Rule.MANUAL, evaluators=user, scheme__in=Scheme.objects.visible_to(user)
        )
        .select_related("scheme", "dimension")
        .order_by("-scheme__period", "scheme__code", "position", "id")
    )


def my_score_counts(user: Any, indicators: list[Indicator]) -> dict[tuple[int, str], int]:
    """(indicator id, period) → how many organisations the user has scored. One query."""
    rows = (
        ManualScore.objects.filter(evaluator=user, indicator__in=[i.pk for i in indicators])
        .values_list("indicator_id", "period")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(i, p): n for i, p, n in rows}


def my_scores(
    user: Any, indicator: Indicator, period: str, orgs: list[Organisation]
) -> dict[int, ManualScore]:
    """The user's own scores for these organisations (never another evaluator's). One query."""
    return {
        s.org_id: s
        for s in ManualScore.objects.filter(
            evaluator=user, indicator=indicator, period=period, org__in=[o.pk for o in orgs]
        )
    }


def review_list(user: Any, f: ReviewFilter) -> QuerySet[Indicator]:
    """The 评议打分 indicators the user evaluates that match ``f`` (``q``: scheme or indicator
    code or name; ``scheme``: its code) — the one filter of 我的评议 and
    ``GET /api/v1/assessment/reviews``."""
    qs = review_indicators(user)
    if f.q:
        qs = search(
            qs,
            f.q,
            "scheme__code__icontains",
            "scheme__name__icontains",
            "code__icontains",
            "name__icontains",
        )
    if f.scheme:
        qs = qs.filter(scheme__code=f.scheme)
    return qs


@dataclass(frozen=True)
class ReviewPeriod:
    period: str
    label: str
    scored: int


@dataclass(frozen=True)
class ReviewTask:
    """How far the user is with one indicator: per period, the organisations scored of
    ``total`` (those the scheme assesses that the user sees, their own excepted)."""

    indicator: Indicator
    total: int
    periods: list[ReviewPeriod]


def review_progress(user: Any, indicators: list[Indicator]) -> list[ReviewTask]:
    """The progress of the user on each of ``indicators`` (the rows of a page of
    :func:`review_list`): one query for the scores, one count per scheme."""
    counts = my_score_counts(user, indicators)
    totals: dict[int, int] = {}
    tasks = []
    for indicator in indicators:
        scheme = indicator.scheme
        if scheme.pk not in totals:
            totals[scheme.pk] = (
                scheme_orgs(scheme)
                .filter(pk__in=Organisation.objects.visible_to(user))
                .exclude(pk=getattr(user, "org_id", None) or 0)
                .count()
            )
        periods = sorted(
            {scheme.period, *(p for (i, p) in counts if i == indicator.pk)}, reverse=True
        )
        tasks.append(
            ReviewTask(
                indicator,
                totals[scheme.pk],
                [
                    ReviewPeriod(p, period_label(p), counts.get((indicator.pk, p), 0))
                    for p in periods
                ],
            )
        )
    return tasks


# --- runs (versions) ----------------------------------------------------------------------


def run_list(user: Any, f: RunFilter) -> QuerySet[AssessmentRun]:
    """The runs the user may see (a scheme's owners: every version, voided ones too; the
    others: published ones) that match ``f``, by scheme code, newest period first, newest
    version first — the one filter of a scheme's 计算与版本 screen and
    ``GET /api/v1/assessment/runs``."""
    qs = AssessmentRun.objects.visible_to(user).select_related(
        "scheme", "created_by", "published_by", "voided_by"
    )
    if f.scheme:
        qs = qs.filter(scheme__code=f.scheme)
    if f.period:
        qs = qs.filter(period=f.period.upper())
    if f.published is not None:
        qs = qs.filter(is_published=f.published)
    return qs.order_by("scheme__code", "-period", "-version")


def by_period(runs: Any) -> list[tuple[str, list[AssessmentRun]]]:
    """Runs (ordered by period) grouped as ``[(period, [run, …]), …]``."""
    return [(period, list(group)) for period, group in groupby(runs, key=lambda r: r.period)]


def runs_by_period(scheme: Scheme, user: Any) -> list[tuple[str, list[AssessmentRun]]]:
    """The versions of a scheme the user may see, newest period first, newest version
    first. One query."""
    return by_period(run_list(user, RunFilter.model_validate({"scheme": scheme.code})))


# --- schemes ------------------------------------------------------------------------------


def scheme_list(user: Any, f: SchemeFilter) -> QuerySet[Scheme]:
    """The schemes ``user`` may see that match ``f``, newest period first, then by code —
    the one filter of the scheme screen and ``GET /api/v1/assessment/schemes`` (each edge
    adds its own counts)."""
    qs = Scheme.objects.visible_to(user).select_related("owner")
    if f.q:
        qs = search(qs, f.q, "code__icontains", "name__icontains")
    if f.period:
        qs = qs.filter(period=f.period.upper())
    if f.period_kind:
        qs = qs.filter(period_kind=f.period_kind)
    if f.owner:
        qs = qs.filter(owner__code=f.owner)
    return qs.order_by("-period", "code")


# --- objections (申诉) ----------------------------------------------------------------------

OBJECTION_STATUSES = dict(Objection.Status.choices)


def objections(user: Any, f: ObjectionFilter) -> QuerySet[Objection]:
    """Objections the user may see (those of the organisations they see, and those their
    side answers), filtered by status, organisation code or name or indicator code, and
    ``side`` (``answer``: those the user's side answers; ``mine``: those the user raised);
    newest first — the one filter of the objection screen and ``GET /api/v1/assessment/objections``."""
    qs = Objection.objects.visible_to(user).select_related(
        "org", "scheme", "raised_by", "answered_by", "kpi", "result", "result__run"
    )
    if f.status:
        qs = qs.filter(status=f.status)
    if f.q:
        qs = search(
            qs, f.q, "org__code__icontains", "org__name__icontains", "indicator_code__iexact"
        )
    if f.side == "answer":
        qs = qs.filter(pk__in=Objection.objects.restrict(user, "answer").values("pk")).exclude(
            org_id=getattr(user, "org_id", None) or 0
        )
    elif f.side == "mine":
        qs = qs.filter(raised_by=user)
    return qs.order_by("-raised_at", "-id")


def objection_counts(user: Any) -> dict[str, int]:
    """Open objections the user's side answers, and open ones the user raised. Two queries."""
    answer = (
        Objection.objects.restrict(user, "answer")
        .filter(status=Objection.Status.OPEN)
        .exclude(org_id=user.org_id)
        .count()
    )
    mine = Objection.objects.filter(raised_by=user, status=Objection.Status.OPEN).count()
    return {"answer": answer, "mine": mine}


# The lists of this app, each served by its screen and its API through one filter and one
# selector; tests/test_list_filters.py checks screen == API for each.
register_list(
    "schemes",
    screen="assessment:scheme_list",
    api="/assessment/schemes",
    filter=SchemeFilter,
    key="code",
    selector=scheme_list,
)
register_list(
    "kpis",
    screen="assessment:kpi_list",
    api="/assessment/kpis",
    filter=KpiFilter,
    key="id",
    selector=kpi_values,
)
register_list(
    "objections",
    screen="assessment:objection_list",
    api="/assessment/objections",
    filter=ObjectionFilter,
    key="id",
    selector=objections,
)
register_list(
    "runs",
    screen="assessment:run_list",
    api="/assessment/runs",
    filter=RunFilter,
    key="id",
    selector=run_list,
    path=("scheme",),
)
register_list(
    "reviews",
    screen="assessment:review_list",
    api="/assessment/reviews",
    filter=ReviewFilter,
    key="id",
    selector=review_list,
)
