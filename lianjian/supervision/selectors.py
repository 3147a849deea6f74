"""Reads of the supervision ledger for screens, the API and the CLI.

"Today" is always passed in, so colours are reproducible. Item colours come from the shared
deadline mechanism (kind ``supervision_item``, the 临期 preset by default); a closed item
(已销号, 已巩固) no longer colours. Each list issues a fixed number of queries (pinned in
tests).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from lianjian.core.filters import filter_given, register_list, search
from lianjian.core.scope import VIEW
from lianjian.deadlines.engine import Colour, Kind, PresetRule, colour, latest_due
from lianjian.deadlines.services import rule_for
from lianjian.orgs.models import Organisation
from lianjian.supervision import rules
from lianjian.supervision.models import (
    Accountability,
    Batch,
    Item,
    Lead,
    Measure,
    Recommendation,
    Report,
)
from lianjian.supervision.schemas import (
    SupervisionBatchFilter,
    SupervisionItemFilter,
    SupervisionLeadFilter,
    SupervisionRecommendationFilter,
)

DEADLINE_KIND = "supervision_item"
COLOURS = {"red": "逾期", "yellow": "临期", "green": "正常"}
OPEN_STATES = [s for s in rules.STATES if s not in rules.DONE_STATES]


def visible_leads(user: Any) -> QuerySet[Lead]:
    """The leads ``user`` may read: only the bodies involved (``Lead.SCOPE``). The
    administrator's everything-scope does not reach them: a lead's content is for the
    bodies that hand it over and take it, not for whoever runs the platform."""
    from lianjian.core.scope import scope_of

    if scope_of(user).everything:
        return Lead.objects.none()
    return Lead.objects.visible_to(user)


def reachable_orgs(user: Any) -> QuerySet[Organisation]:
    """The organisations a user may name in the ledger (a filter, a picker, an import): those
    they see, and for a supervising body every organisation under its grant."""
    from lianjian.core.scope import AUDIT, DISCIPLINE, INSPECTION, scope_of

    scope = scope_of(user)
    if scope.everything:
        return Organisation.objects.all()
    cond = Q(pk__in=Organisation.objects.visible_to(user).values("pk"))
    for kind in (DISCIPLINE, AUDIT, INSPECTION):
        for grant in scope.of(kind):
            cond |= Q(path__startswith=grant.path)
    return Organisation.objects.filter(cond)


def item_rule() -> PresetRule:
    return rule_for(DEADLINE_KIND)


def item_colour(item: Item, today: datetime.date, rule: PresetRule | None = None) -> Colour | None:
    """The deadline colour of an open item; None once it is closed (已销号, 已巩固)."""
    if item.state in rules.DONE_STATES:
        return None
    return colour(rule or item_rule(), today=today, due=item.deadline)


def colour_q(wanted: str, today: datetime.date, rule: PresetRule | None = None) -> Q:
    """The open items of one colour as a filter in SQL (from the preset's thresholds)."""
    rule = rule or item_rule()
    want = Colour(wanted)
    open_ = Q(state__in=OPEN_STATES)
    if rule.kind is Kind.LAG:
        return open_ if want is Colour.GREEN else Q(pk__in=[])
    red = latest_due(rule, today, Colour.RED)
    yellow = latest_due(rule, today, Colour.YELLOW)
    if want is Colour.RED:
        return open_ & Q(deadline__lte=red)
    if want is Colour.YELLOW:
        return open_ & Q(deadline__gt=red, deadline__lte=yellow)
    return open_ & Q(deadline__gt=yellow)


def measures_prefetch() -> Prefetch[Any]:
    return Prefetch("measures", queryset=Measure.objects.filter(voided=False).order_by("id"))


def item_rows(qs: QuerySet[Item]) -> QuerySet[Item]:
    """Items with their batch, responsible organisation and measures (two queries)."""
    return qs.select_related(
        "batch", "batch__issuing_org", "batch__inspected_org", "responsible_org"
    ).prefetch_related(measures_prefetch())


def closable(item: Item) -> bool:
    """Whether every (not voided) measure of a prefetched item is 已核验, and there is one."""
    return not rules.closing_problem(m.state for m in item.measures.all())


def flags(item: Item, today: datetime.date) -> list[str]:
    out = []
    if item.important:
        out.append("重要")
    if item.suspected_violation:
        out.append("疑似违纪")
    if item.needs_accountability:
        out.append("需问责")
    if item.overdue(today):
        out.append("逾期")
    if item.second_round:
        out.append("二次整改")
    return out


def batch_list(user: Any, f: SupervisionBatchFilter) -> QuerySet[Batch]:
    """The batches ``user`` may see that match ``f``, latest feedback first."""
    qs = search(
        Batch.objects.visible_to(user).filter(voided=False),
        f.q,
        "title__icontains",
        "issuing_body__icontains",
        "code__iexact",
    )
    qs = filter_given(qs, source=f.source, feedback_date__year=f.year)
    return qs.select_related("issuing_org", "inspected_org").order_by("-feedback_date", "-id")


def item_list(
    user: Any, f: SupervisionItemFilter, today: datetime.date | None = None
) -> QuerySet[Item]:
    """The items ``user`` may see that match ``f`` — the one filter of the item screen and
    ``GET /api/v1/supervision/items``. An organisation the user may not see matches nothing."""
    from lianjian.core.validation import today as today_

    today = today or today_()
    qs = search(
        Item.objects.visible_to(user).filter(voided=False),
        f.q,
        "description__icontains",
        "tags__icontains",
        "number__iexact",
    )
    if f.state == "未销号":
        qs = qs.filter(state__in=OPEN_STATES)
    else:
        qs = filter_given(qs, state=f.state)
    qs = filter_given(qs, batch__code=f.batch, kind=f.kind)
    if f.colour:
        qs = qs.filter(colour_q(f.colour, today))
    if f.flag:
        qs = qs.filter(_flag_q(f.flag, today))
    if f.org:
        org = reachable_orgs(user).filter(code=f.org).only("path").first()
        qs = qs.filter(responsible_org__path__under=org.path) if org else qs.none()
    return item_rows(qs).order_by("batch__code", "number", "id")


def _flag_q(flag: str, today: datetime.date) -> Q:
    if flag == "重要":
        return Q(important=True)
    if flag == "疑似违纪":
        return Q(suspected_violation=True)
    if flag == "需问责":
        return Q(needs_accountability=True)
    if flag == "二次整改":
        return Q(second_round=True)
    # 逾期: open past the deadline, or closed after it
    return Q(state__in=OPEN_STATES, deadline__lt=today) | Q(
        state__in=sorted(rules.DONE_STATES), closed_on__gt=F("deadline")
    )


def lead_list(
    user: Any, f: SupervisionLeadFilter, today: datetime.date | None = None
) -> QuerySet[Lead]:
    """The leads ``user`` may see (only the bodies involved) that match ``f``. The time-limit
    colour is a rule by calendar months (:func:`rules.lead_colour`), applied to the
    candidates in Python and handed back as a filter on their ids."""
    from lianjian.core.validation import today as today_

    today = today or today_()
    qs = search(visible_leads(user), f.q, "case__icontains")
    if f.settled is not None:
        qs = qs.filter(feedback_on__isnull=not f.settled)
    if f.colour:
        dates = qs.values_list("pk", "transferred_on", "feedback_on")
        ids = [
            pk for pk, sent, back in dates if str(rules.lead_colour(sent, today, back)) == f.colour
        ]
        qs = qs.filter(pk__in=ids)
    return qs.select_related("org").order_by("-transferred_on", "-id")


def lead_colour(lead: Lead, today: datetime.date) -> Colour:
    return rules.lead_colour(lead.transferred_on, today, lead.feedback_on)


def recommendation_list(user: Any, f: SupervisionRecommendationFilter) -> QuerySet[Recommendation]:
    qs = search(Recommendation.objects.visible_to(user), f.q, "text__icontains")
    qs = filter_given(qs, kind=f.kind)
    if f.replied is not None:
        qs = qs.filter(replied_on__isnull=not f.replied)
    return qs.select_related("issuer_org", "recipient").order_by("-reply_due", "-id")


register_list(
    "supervision_batches",
    screen="supervision:batch_list",
    api="/supervision/batches",
    filter=SupervisionBatchFilter,
    key="code",
    selector=batch_list,
)
register_list(
    "supervision_items",
    screen="supervision:item_list",
    api="/supervision/items",
    filter=SupervisionItemFilter,
    key="id",
    selector=item_list,
)
register_list(
    "supervision_leads",
    screen="supervision:lead_list",
    api="/supervision/leads",
    filter=SupervisionLeadFilter,
    key="id",
    selector=lead_list,
)
register_list(
    "supervision_recommendations",
    screen="supervision:recommendation_list",
    api="/supervision/recommendations",
    filter=SupervisionRecommendationFilter,
    key="id",
    selector=recommendation_list,
)


# --- batch report dates ------------------------------------------------------------------


@dataclass(frozen=True)
class ReportStatus:
    due: datetime.date
    colour: Colour
    met: bool


def report_status(
    batch: Batch, items: list[Item], reports: list[Report], today: datetime.date
) -> ReportStatus:
    """The report date a batch is judged on: the earliest due date no report has met (its
    colour by the items' preset); when all are met, the latest due date, green."""
    all_closed_on = None
    live = [i for i in items if not i.voided]
    if live and all(i.state in rules.DONE_STATES for i in live):
        all_closed_on = max((i.closed_on or batch.feedback_date) for i in live)
    # the due dates until a month ahead: the next one to come is always among them
    dues = batch.due_dates(today + datetime.timedelta(days=31), all_closed_on)
    submitted = [r.submitted_on for r in reports]
    pending = rules.next_report_due(dues, submitted)
    if pending is None:
        return ReportStatus(dues[-1], Colour.GREEN, True)
    return ReportStatus(pending, colour(item_rule(), today=today, due=pending), False)


def status(user: Any, today: datetime.date) -> dict[str, Any]:
    """The ledger as of ``today`` for ``lianjian supervision status`` (contracts.md §2):
    the rows ``user`` sees, every row for ``user`` None (the command line acts as the
    system). ``closable``: the item is being rectified (整改中, 申请销号, 重新整改) and every
    measure of it is 已核验."""
    batch_qs = Batch.objects.all() if user is None else Batch.objects.visible_to(user)
    item_qs = Item.objects.all() if user is None else Item.objects.visible_to(user)
    batches = list(batch_qs.filter(voided=False).order_by("code").prefetch_related("reports"))
    items = list(
        item_qs.filter(voided=False)
        .select_related("batch")
        .prefetch_related(measures_prefetch())
        .order_by("batch__code", "number")
    )
    by_batch: dict[int, list[Item]] = defaultdict(list)
    for item in items:
        by_batch[item.batch_id].append(item)
    rule = item_rule()
    out_batches = []
    for batch in batches:
        report = report_status(batch, by_batch[batch.pk], list(batch.reports.all()), today)
        out_batches.append(
            {
                "code": batch.code,
                "report_due": report.due.isoformat(),
                "report_colour": str(report.colour),
            }
        )
    out_items = []
    for item in items:
        c = item_colour(item, today, rule)
        out_items.append(
            {
                "batch": item.batch.code,
                "number": item.number,
                "state": item.state,
                "colour": str(c) if c is not None else None,
                "closable": item.state in (rules.IN_PROGRESS, rules.APPLIED, rules.REOPENED)
                and closable(item),
            }
        )
    return {"date": today.isoformat(), "batches": out_batches, "items": out_items}


# --- dashboard ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    by_state: dict[str, int]
    by_colour: dict[str, int]
    by_source: dict[str, int]
    total: int
    overdue: int
    leads_open: int | None  # None: the user reaches no lead (the counts of leads are the bodies')


def dashboard(user: Any, today: datetime.date) -> Dashboard:
    """Counts by state and colour of the items ``user`` reaches (the 党建工作部 sees counts
    of its subtree's items; no lead contents ever)."""
    rule = item_rule()
    rows = list(
        Item.objects.visible_to(user)
        .filter(voided=False)
        .select_related("batch")
        .only("state", "deadline", "closed_on", "batch__source")
    )
    by_state = Counter(i.state for i in rows)
    by_colour: Counter[str] = Counter()
    overdue = 0
    for item in rows:
        c = item_colour(item, today, rule)
        if c is not None:
            by_colour[str(c)] += 1
        if item.overdue(today):
            overdue += 1
    by_source = Counter(i.batch.source for i in rows)
    leads = visible_leads(user)
    return Dashboard(
        by_state={s: by_state.get(s, 0) for s in rules.STATES},
        by_colour={c: by_colour.get(c, 0) for c in ("red", "yellow", "green")},
        by_source={s: by_source[s] for s in rules.SOURCES if by_source.get(s)},
        total=len(rows),
        overdue=overdue,
        leads_open=leads.filter(feedback_on__isnull=True).count() if leads.exists() else None,
    )


def reaches_ledger(user: Any) -> bool:
    """Whether ``user`` reaches anything of the ledger (the nav item 监督台账 shows then)."""
    from lianjian.core.scope import AUDIT, DISCIPLINE, INSPECTION, scope_of

    scope = scope_of(user)
    if scope.everything or any(scope.of(k) for k in (AUDIT, DISCIPLINE, INSPECTION)):
        return True
    return Item.objects.visible_to(user).exists() or Batch.objects.visible_to(user).exists()


# --- assessment ---------------------------------------------------------------------------------


@dataclass
class OrgRectification:
    """An organisation's items due in a period: (key, id) of each, and the keys closed on time."""

    due: list[tuple[str, int]]
    on_time: list[str]


def assessment_figures(
    orgs: Any, start: datetime.date, end: datetime.date, today: datetime.date
) -> dict[int, OrgRectification]:
    """Per organisation (``orgs``: ids or a subquery of them), its own items (责任组织) for
    the assessment source ``rectification_on_time``, in one query:

    * due — not voided, deadline inside ``start``–``end`` and either passed (before
      ``today``) or already closed on time by then;
    * on time — first closed (销号; a 回头看 that reopens it keeps the first closing) on or
      before the deadline and on or before ``today``.
    """
    rows = (
        Item.objects.filter(responsible_org__in=orgs, voided=False, deadline__range=(start, end))
        .select_related("batch")
        .order_by("responsible_org_id", "deadline", "batch__code", "number")
    )
    out: dict[int, OrgRectification] = {}
    for item in rows:
        closed = item.first_closed_on
        on_time = closed is not None and closed <= today and closed <= item.deadline
        if not (item.deadline < today or on_time):
            continue
        figures = out.setdefault(item.responsible_org_id, OrgRectification([], []))
        key = f"{item.batch.code}/{item.number}"
        figures.due.append((key, item.pk))
        if on_time:
            figures.on_time.append(key)
    return out


def decision_losses(user: Any) -> tuple[list[tuple[str, int]], list[Accountability]]:
    """The decisions' accountability records with a loss that ``user`` may see, most recent
    first, and the number of decisions per band (a decision counts once, in its highest
    band): the register view "decisions with losses by band" (supervision.md §2)."""
    rows = list(
        Accountability.objects.restrict(user, VIEW)
        .filter(decision__isnull=False, loss__isnull=False)
        .select_related("decision", "prior_study")
        .order_by("-decided_on", "-pk")
    )
    order = [rules.GENERAL, rules.LARGER, rules.MAJOR]
    highest: dict[int, int] = {}
    for r in rows:
        if r.decision_id is not None and r.band in order:
            highest[r.decision_id] = max(highest.get(r.decision_id, 0), order.index(r.band))
    return [
        (band, sum(1 for i in highest.values() if i == n)) for n, band in enumerate(order)
    ], rows
