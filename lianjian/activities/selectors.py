"""Reads that shape activity data: compliance inputs, the matrix, the calendar, statistics.

Each function issues a fixed number of queries whatever the number of organisations or
activities (pinned in tests). Periods and months are Asia/Shanghai local dates: a meeting
at 2026-03-31 23:30 local time belongs to March and to 2026Q1, whatever UTC says.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractMonth, ExtractQuarter

from lianjian.activities import compliance
from lianjian.activities.models import (
    COUNTED_STATUSES,
    Activity,
    ActivityOrg,
    ActivityStatus,
    ActivityType,
    ComplianceRule,
)
from lianjian.activities.schemas import ActivityFilter, ComplianceFilter, RuleFilter
from lianjian.alliances.models import Alliance, Plan
from lianjian.core.filters import register_list
from lianjian.deadlines.services import rule_for
from lianjian.orgs.models import Member, MemberCategory, MemberTransfer, Organisation, OrgKind

TZ = zoneinfo.ZoneInfo(settings.TIME_ZONE)
IN_LIST_LIMIT = 5000


def activity_scope_org(user: Any, code: str | None) -> Organisation | None:
    """The organisation ``?org=`` names when ``user`` may see it; None when none is named.
    An unknown or invisible code raises ``Organisation.DoesNotExist`` (404 on every edge)."""
    if not code:
        return None
    org = (
        Organisation.objects.visible_to(user)
        .filter(code=code)
        .only("pk", "code", "name", "path")
        .first()
    )
    if org is None:
        raise Organisation.DoesNotExist(code)
    return org


def activity_list(user: Any, f: ActivityFilter) -> QuerySet[Activity]:
    """The activities ``user`` may see that match ``f``, newest first — the one filter of
    the activity screen and ``GET /api/v1/activities`` (``core.filters``). Voided records
    only when ``status=已作废`` asks for them; ``org`` out of scope raises
    ``Organisation.DoesNotExist``."""
    qs = Activity.objects.visible_to(user).select_related("host", "alliance")
    org = activity_scope_org(user, f.org)
    if org is not None:
        qs = qs.filter(
            pk__in=ActivityOrg.objects.filter(org__path__under=org.path).values("activity_id")
        )
    if f.q:
        qs = qs.filter(Q(topic__icontains=f.q) | Q(code__iexact=f.q) | Q(venue__icontains=f.q))
    if f.type:
        qs = qs.filter(type=f.type)
    qs = qs.filter(status=f.status) if f.status else qs.exclude(status=ActivityStatus.VOID)
    if f.alliance:
        qs = qs.filter(alliance__code=f.alliance)
    if f.year:
        first = datetime.date(f.year, f.month or 1, 1)
        last = (
            datetime.date(f.year, f.month + 1, 1)
            if f.month and f.month < 12
            else datetime.date(f.year + 1, 1, 1)
        )
        qs = qs.filter(start__gte=local_start(first), start__lt=local_start(last))
    return qs.order_by("-start", "-id")


def rule_list(f: RuleFilter) -> QuerySet[ComplianceRule]:
    """The compliance rules matching ``f``, in rule order — the one filter of the rule screen
    and ``GET /api/v1/compliance/rules``. Everyone may read every rule."""
    qs = ComplianceRule.objects.all()
    if f.activity_type:
        qs = qs.filter(activity_type=f.activity_type)
    if f.org_kind:
        qs = qs.filter(org_kind=f.org_kind)
    if f.frequency:
        qs = qs.filter(frequency=f.frequency)
    if f.active is not None:
        qs = qs.filter(active=f.active)
    return qs.order_by("sort", "id")


register_list(
    "activities",
    screen="activities:activity_list",
    api="/activities",
    filter=ActivityFilter,
    key="code",
    selector=activity_list,
)
register_list(
    "rules", screen="activities:rule_list", api="/compliance/rules", filter=RuleFilter, key="id"
)
register_list(
    "compliance",
    screen="activities:compliance_matrix",
    api="/compliance",
    filter=ComplianceFilter,
    key="org",
)


def checkin_activity(user: Any, code: str) -> Activity | None:
    """The activity a check-in link names, when ``user`` may see it: it is visible to them
    (``visible_to``) or their member is on its expected list (a member of a co-organiser's
    group may be invited). None otherwise — exactly as for an activity that does not exist,
    so that the link of a hidden activity tells nothing about it."""
    activity = Activity.objects.select_related("host").filter(code=code).first()
    if activity is None:
        return None
    if Activity.objects.visible_to(user).filter(pk=activity.pk).exists():
        return activity
    member_id = getattr(user, "member_id", None)
    if member_id is not None and activity.attendances.filter(member_id=member_id).exists():
        return activity
    return None


def local_start(day: datetime.date) -> datetime.datetime:
    """The aware instant a local day begins."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=TZ)


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    return local_start(datetime.date(year, 1, 1)), local_start(datetime.date(year + 1, 1, 1))


def rule_infos(*, active_only: bool = True) -> list[compliance.RuleInfo]:
    qs = ComplianceRule.objects.all()
    if active_only:
        qs = qs.filter(active=True)
    return [
        compliance.RuleInfo(
            r.activity_type, r.org_kind, r.frequency, r.required, r.min_full_members
        )
        for r in qs.order_by("sort", "id")
    ]


def full_member_counts(orgs: QuerySet[Organisation]) -> dict[int, int]:
    """Current full members per organisation: its own plus those of its 党小组 (a group's
    members belong to the branch). Two queries."""
    rows = (
        Member.objects.current()
        .filter(category=MemberCategory.FULL, org__in=orgs.values("pk"))
        .values("org_id")
        .annotate(n=Count("id"))
    )
    own = {r["org_id"]: r["n"] for r in rows}
    out = dict(own)
    groups = Organisation.objects.filter(
        kind=OrgKind.GROUP, parent__in=orgs.values("pk")
    ).values_list("pk", "parent_id")
    for pk, parent_id in groups:
        if pk in own:
            out[parent_id] = out.get(parent_id, 0) + own[pk]
    return out


def _full_on_q(day: datetime.date) -> Q:
    """:func:`compliance.is_full_on` as a condition on members (the same rule, in SQL)."""
    probation_end = compliance._add_years(day, -compliance.PROBATION_YEARS)
    return (
        Q(category=MemberCategory.FULL)
        & (Q(confirmed_on__lte=day) | Q(confirmed_on__isnull=True, joined_on__lte=probation_end))
        & (Q(left_on__isnull=True) | Q(left_on__gt=day))
    )


def full_members_as_of(orgs: QuerySet[Organisation], year: int) -> dict[int, tuple[int, ...]]:
    """Full members of each organisation (its own plus its 党小组's) as of the first day of
    every month of ``year``, from the membership history: 入党 and 转正 dates, departures
    and transfers — not from today's members (docs/compliance.md, "as of").

    Three queries whatever the number of organisations or members: the groups, the
    transfers dated after 1 January with the members they moved (the only transfers that
    place someone elsewhere on a day of the year), and the counts of everyone else by
    organisation (twelve conditional counts). The moved members are placed by the pure
    engine."""
    first = datetime.date(year, 1, 1)
    org_ids = orgs.values("pk")
    group_qs = Organisation.objects.filter(kind=OrgKind.GROUP, parent__in=org_ids)
    groups = dict(group_qs.values_list("pk", "parent_id"))
    recent = MemberTransfer.objects.filter(date__gt=first)
    people: dict[
        int, tuple[int, str, datetime.date, datetime.date | None, datetime.date | None]
    ] = {}
    transfers: dict[int, list[tuple[datetime.date, int, int]]] = defaultdict(list)
    for member_id, day, from_org, to_org, *person in recent.values_list(
        "member_id",
        "date",
        "from_org_id",
        "to_org_id",
        "member__org_id",
        "member__category",
        "member__joined_on",
        "member__confirmed_on",
        "member__left_on",
    ):
        transfers[member_id].append((day, from_org, to_org))
        people[member_id] = tuple(person)  # type: ignore[assignment]
    moved = [
        compliance.MemberHistory(
            org_id, category == MemberCategory.FULL, joined, confirmed, left, transfers[pk]
        )
        for pk, (org_id, category, joined, confirmed, left) in people.items()
    ]
    moved_ids = recent.values("member_id")
    counts = {
        f"m{i}": Count("id", filter=_full_on_q(day))
        for i, day in enumerate(compliance.month_firsts(year))
    }
    settled_qs = (
        Member.objects.filter(Q(org__in=org_ids) | Q(org__in=group_qs.values("pk")))
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=first), category=MemberCategory.FULL)
        .exclude(pk__in=moved_ids)
    )
    settled = {
        org_id: tuple(row)
        for org_id, *row in settled_qs.values_list("org_id").annotate(**counts).order_by()
    }
    return compliance.full_members_by_month(year, settled, moved, groups)


def held_counts(
    orgs: QuerySet[Organisation] | list[int],
    *,
    year: int,
    today: datetime.date,
    activity_types: Iterable[str],
) -> compliance.HeldCounts:
    """Per (org id, type): counted activities of ``year`` by local month, valid and
    invalid, held on or before ``today`` (a scheduled future meeting is not held yet), and
    those held for ``year`` (所属年度) for the year's own rows.

    Three queries on the link table alone (it carries the activity's start, type, status and
    validity): one row per organisation and type with twelve monthly counts (months are
    ranges of Asia/Shanghai days, so no time-zone arithmetic runs per row), and the rare
    invalid meetings by month.
    """
    start, end = year_bounds(year)
    end = min(end, local_start(today + datetime.timedelta(days=1)))
    bounds = [local_start(datetime.date(year, m, 1)) for m in range(1, 13)] + [year_bounds(year)[1]]
    # A list of ids lets PostgreSQL walk the (org, activity) index for a subtree instead of
    # hashing the whole link table; beyond IN_LIST_LIMIT a subquery is cheaper (and SQLite
    # caps the number of parameters).
    org_filter: Any = (
        orgs
        if isinstance(orgs, list) and len(orgs) <= IN_LIST_LIMIT
        else (
            orgs.values("pk")
            if not isinstance(orgs, list)
            else Organisation.objects.filter(pk__in=orgs).values("pk")
        )
    )
    base = ActivityOrg.objects.filter(
        org__in=org_filter,
        start__gte=start,
        start__lt=end,
        status__in=COUNTED_STATUSES,
        type__in=list(activity_types),
    )
    months = {
        f"m{m}": Count("id", filter=Q(start__gte=bounds[m], start__lt=bounds[m + 1]))
        for m in range(12)
    }
    rows = base.filter(is_valid=True).values_list("org_id", "type").annotate(**months).order_by()
    out: dict[tuple[int, str], tuple[list[int], list[int]]] = {
        (org_id, atype): (list(counts), [0] * 12) for org_id, atype, *counts in rows
    }
    invalid = (
        base.filter(is_valid=False)
        .annotate(month=ExtractMonth("start", tzinfo=TZ))
        .values_list("org_id", "type", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for org_id, atype, month, n in invalid:
        out.setdefault((org_id, atype), ([0] * 12, [0] * 12))[1][month - 1] += n
    # The year's own rows count what was held *for* it (所属年度), wherever its date fell.
    held_by = local_start(today + datetime.timedelta(days=1))
    annual_rows = (
        ActivityOrg.objects.filter(
            org__in=org_filter,
            for_year=year,
            start__lt=held_by,
            status__in=COUNTED_STATUSES,
            type__in=list(activity_types),
        )
        .values_list("org_id", "type")
        .annotate(v=Count("id", filter=Q(is_valid=True)), i=Count("id", filter=Q(is_valid=False)))
        .order_by()
    )
    annual = {(org_id, atype): (v, i) for org_id, atype, v, i in annual_rows}
    held: dict[tuple[int, str], compliance.Held] = {}
    for key in out.keys() | annual.keys():
        valid, invalid_months = out.get(key, ([0] * 12, [0] * 12))
        year_valid, year_invalid = annual.get(key, (0, 0))
        held[key] = compliance.Held(valid, invalid_months, year_valid, year_invalid)
    return held


def org_infos(orgs: QuerySet[Organisation], *, year: int | None = None) -> list[compliance.OrgInfo]:
    """The organisations as the engine sees them; with ``year``, their full members as of
    the first day of each month of it (:func:`full_members_as_of`), else today's."""
    only = ("pk", "code", "kind", "is_partner", "founded", "dissolved", "name", "path")
    if year is None:
        full = full_member_counts(orgs)
        return [
            compliance.OrgInfo(
                o.pk,
                o.code,
                o.kind,
                o.is_partner,
                o.founded,
                o.dissolved,
                full.get(o.pk, 0),
                o.name,
            )
            for o in orgs.only(*only).order_by("path")
        ]
    by_month = full_members_as_of(orgs, year)
    none = (0,) * 12
    return [
        compliance.OrgInfo(
            o.pk,
            o.code,
            o.kind,
            o.is_partner,
            o.founded,
            o.dissolved,
            by_month.get(o.pk, none)[0],
            o.name,
            by_month.get(o.pk, none),
        )
        for o in orgs.only(*only).order_by("path")
    ]


def compliance_scope(
    user: Any, root_code: str | None = None
) -> tuple[Organisation | None, QuerySet[Organisation]]:
    """The organisations a compliance report may cover — the page, its export, the API and
    ``lianjian compliance`` all ask here: those ``user`` may see
    (``Organisation.objects.visible_to``; None = the system, all of them), limited to the
    subtree of ``root_code`` when one is given (that root is returned too). A member sees
    their own organisation and not its 党小组, as everywhere else. An unknown or invisible
    code raises ``Organisation.DoesNotExist`` (404 / 不存在, the same for both)."""
    orgs = Organisation.objects.all() if user is None else Organisation.objects.visible_to(user)
    if not root_code:
        return None, orgs
    root = orgs.filter(code=root_code).first()
    if root is None:
        raise Organisation.DoesNotExist(root_code)
    return root, orgs.filter(path__under=root.path)


def compliance_rows(
    *,
    year: int,
    today: datetime.date,
    orgs: QuerySet[Organisation],
    rules: list[compliance.RuleInfo] | None = None,
) -> list[compliance.Row]:
    """Compliance rows (contracts §4) of the internal organisations in ``orgs``."""
    return compliance_with_orgs(year=year, today=today, orgs=orgs, rules=rules)[0]


def compliance_with_orgs(
    *,
    year: int,
    today: datetime.date,
    orgs: QuerySet[Organisation],
    rules: list[compliance.RuleInfo] | None = None,
) -> tuple[list[compliance.Row], dict[int, compliance.OrgInfo]]:
    """The rows and the organisations they are about (by id). Eight queries (nine when the
    rules of the deadline colours are not read yet in this request or run)."""
    rules = rule_infos() if rules is None else rules
    orgs = orgs.filter(is_partner=False, kind__in={r.org_kind for r in rules})
    infos = org_infos(orgs, year=year)
    ids: QuerySet[Organisation] | list[int] = (
        [i.id for i in infos] if len(infos) <= IN_LIST_LIMIT else orgs
    )
    held = held_counts(ids, year=year, today=today, activity_types={r.activity_type for r in rules})
    rows = compliance.evaluate(
        year=year,
        today=today,
        orgs=infos,
        rules=rules,
        held=held,
        deadline_rule=rule_for(compliance.DEADLINE_KIND),
    )
    return rows, {i.id: i for i in infos}


@dataclass
class ComplianceList:
    """What :func:`compliance_list` answers: the root asked for (None: everything visible),
    the year, the rows in organisation order and the organisations they are about (by id)."""

    root: Organisation | None
    year: int
    rows: list[compliance.Row]
    orgs: dict[int, compliance.OrgInfo]


def compliance_list(user: Any, f: ComplianceFilter, *, today: datetime.date) -> ComplianceList:
    """The compliance rows ``f`` asks for, of the organisations ``user`` may see (None = the
    system) — the one filter of the matrix, its export, the per-organisation page and
    ``GET /api/v1/compliance``. ``year`` defaults to the year of ``today``; ``org`` names a
    subtree (or, with ``subtree=False``, one organisation) and raises
    ``Organisation.DoesNotExist`` when ``user`` may not see it (404). Nine queries (and one
    for the deadline colours' rules, once per request or run)."""
    year = f.year or today.year
    root, orgs = compliance_scope(user, f.org)
    if root is not None and not f.subtree:
        orgs = orgs.filter(pk=root.pk)
    rules = rule_infos()
    if f.rule:
        rules = [r for r in rules if r.activity_type == f.rule]
    rows, infos = compliance_with_orgs(year=year, today=today, orgs=orgs, rules=rules)
    if f.only == "problem":
        flagged = {r.org_id for r in rows if r.status == "missing" or r.level == "yellow"}
        rows = [r for r in rows if r.org_id in flagged]
    return ComplianceList(root, year, rows, infos)


# --- the matrix ---------------------------------------------------------------------------


@dataclass
class Cell:
    """One organisation × period column of the matrix: the rows of that period."""

    label: str
    rows: list[compliance.Row] = field(default_factory=list)

    @property
    def status(self) -> str:
        if not self.rows:
            return ""
        statuses = {r.status for r in self.rows}
        if "missing" in statuses:
            return "missing"
        return "open" if "open" in statuses else "ok"

    @property
    def level(self) -> str:
        levels = {r.level for r in self.rows}
        return "red" if "red" in levels else "yellow" if "yellow" in levels else ""

    @property
    def invalid(self) -> int:
        return sum(r.invalid for r in self.rows)

    @property
    def title(self) -> str:
        parts = [
            f"{r.rule}：{r.held}/{r.required} {compliance.STATUS_LABELS[r.status]}"
            + (f"（另有 {r.invalid} 次无效）" if r.invalid else "")
            for r in self.rows
        ]
        return "；".join(parts)


def matrix_columns(year: int) -> list[tuple[str, str]]:
    """(period label, short heading): 12 months, 4 quarters, 2 halves, the year."""
    cols = [(f"{year}-{m:02d}", f"{m}月") for m in range(1, 13)]
    cols += [(f"{year}Q{q}", f"Q{q}") for q in range(1, 5)]
    cols += [(f"{year}H{h}", f"H{h}") for h in (1, 2)]
    cols.append((str(year), "全年"))
    return cols


class MatrixRow:
    """One organisation of the matrix; its cells are built only when a page shows it."""

    def __init__(self, org: compliance.OrgInfo, columns: list[tuple[str, str]]) -> None:
        self.org = org
        self.columns = columns
        self.rows: list[compliance.Row] = []
        self.counts = {"ok": 0, "missing": 0, "open": 0, "yellow": 0, "total": 0}

    @property
    def cells(self) -> list[Cell]:
        by_period: dict[str, list[compliance.Row]] = defaultdict(list)
        for row in self.rows:
            by_period[row.period].append(row)
        return [Cell(label, by_period.get(label, [])) for label, _ in self.columns]


def matrix(
    rows: list[compliance.Row], infos: dict[int, compliance.OrgInfo], year: int
) -> tuple[list[tuple[str, str]], list[MatrixRow]]:
    """Arrange rows as organisations (in row order) × period columns; unused columns are dropped."""
    used = {row.period for row in rows}
    columns = [c for c in matrix_columns(year) if c[0] in used]
    by_org: dict[int, MatrixRow] = {}
    for row in rows:
        target = by_org.get(row.org_id)
        if target is None:
            target = by_org[row.org_id] = MatrixRow(infos[row.org_id], columns)
        target.rows.append(row)
        counts = target.counts
        counts[row.status] += 1
        counts["total"] += 1
        if row.level == "yellow":
            counts["yellow"] += 1
    return columns, list(by_org.values())


# --- calendar and statistics --------------------------------------------------------------


def month_activities(
    qs: QuerySet[Activity], year: int, month: int
) -> dict[datetime.date, list[Activity]]:
    first = datetime.date(year, month, 1)
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    by_day: dict[datetime.date, list[Activity]] = defaultdict(list)
    for a in (
        qs.filter(start__gte=local_start(first), start__lt=local_start(nxt))
        .select_related("host")
        .order_by("start")[:2000]
    ):
        by_day[a.start.astimezone(TZ).date()].append(a)
    return by_day


def statistics(
    qs: QuerySet[Activity], *, year: int, scope_orgs: QuerySet[Organisation]
) -> dict[str, Any]:
    """Activities and person-times (人次 = present) of ``year`` by type, month, organisation
    and alliance, for counted (submitted or approved) records. Four queries.

    By organisation, a joint activity counts once for each listed organisation in scope.
    """
    start, end = year_bounds(year)
    base = qs.counted().filter(start__gte=start, start__lt=end)
    by_type = {
        r["type"]: (r["n"], r["p"] or 0)
        for r in base.values("type").annotate(n=Count("id"), p=Sum("present_count")).order_by()
    }
    by_month = {
        r["m"]: (r["n"], r["p"] or 0)
        for r in base.annotate(m=ExtractMonth("start", tzinfo=TZ))
        .values("m")
        .annotate(n=Count("id"), p=Sum("present_count"))
        .order_by()
    }
    by_org = list(
        ActivityOrg.objects.filter(activity__in=base.values("pk"), org__in=scope_orgs.values("pk"))
        .values("org__code", "org__name")
        .annotate(n=Count("id"), p=Sum("activity__present_count"))
        .order_by("-n", "org__code")[:30]
    )
    by_alliance = list(
        base.filter(alliance__isnull=False)
        .values("alliance__code", "alliance__name")
        .annotate(n=Count("id"), p=Sum("present_count"))
        .order_by("-n", "alliance__code")[:30]
    )
    total_n = sum(n for n, _ in by_type.values())
    total_p = sum(p for _, p in by_type.values())
    return {
        "total": total_n,
        "person_times": total_p,
        "by_type": [(t, *by_type.get(t, (0, 0))) for t in ActivityType.values],
        "by_month": [(m, *by_month.get(m, (0, 0))) for m in range(1, 13)],
        "by_org": [(r["org__code"], r["org__name"], r["n"], r["p"] or 0) for r in by_org],
        "by_alliance": [
            (r["alliance__code"], r["alliance__name"], r["n"], r["p"] or 0) for r in by_alliance
        ],
    }


def alliance_activity_figures(alliance: Alliance) -> dict[str, int]:
    """The joint activities of ``alliance`` and their person-times (人次 = present), for the
    records that count — submitted or approved, the rule compliance uses; drafts and returned
    records do not. One query."""
    agg = (
        Activity.objects.counted()
        .filter(alliance=alliance)
        .aggregate(n=Count("id"), person_times=Sum("present_count"))
    )
    return {"activities": agg["n"], "person_times": agg["person_times"] or 0}


def plan_vs_actual(plan: Plan) -> list[dict[str, Any]]:
    """Per quarter of ``plan``'s year: its items, the activities they plan, and the joint
    activities the alliance actually held (counted records, as :func:`alliance_activity_figures`).
    Two queries (the items unless prefetched, and the counts)."""
    items = list(plan.items.all())
    rows = (
        Activity.objects.counted()
        .filter(alliance_id=plan.alliance_id, start__year=plan.year)
        .annotate(q=ExtractQuarter("start"))
        .values("q")
        .annotate(n=Count("id"))
        .order_by()
    )
    actual = {r["q"]: r["n"] for r in rows}
    out = []
    for q in (1, 2, 3, 4):
        q_items = [i for i in items if i.quarter == q]
        out.append(
            {
                "quarter": q,
                "items": q_items,
                "planned": sum(i.planned_activities for i in q_items),
                "actual": actual.get(q, 0),
            }
        )
    return out
