"""Reads that shape activity data: the lists, compliance and its matrix. The compliance
inputs (:mod:`.compliance_inputs`), the calendar and statistics (:mod:`.statistics`) and
local time (:mod:`.times`) live beside it and are named here too, so callers keep writing
``selectors.statistics``.

Each function issues a fixed number of queries whatever the number of organisations or
activities (pinned in tests). Periods and months are Asia/Shanghai local dates: a meeting
at 2026-03-31 23:30 local time belongs to March and to 2026Q1, whatever UTC says.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from lianjian.activities import compliance
from lianjian.activities.compliance_inputs import IN_LIST_LIMIT as IN_LIST_LIMIT
from lianjian.activities.compliance_inputs import held_counts as held_counts
from lianjian.activities.compliance_inputs import org_infos as org_infos
from lianjian.activities.models import (
    Activity,
    ActivityOrg,
    ActivityStatus,
    ComplianceRule,
)
from lianjian.activities.schemas import ActivityFilter, ComplianceFilter, RuleFilter
from lianjian.activities.statistics import alliance_activity_figures as alliance_activity_figures
from lianjian.activities.statistics import month_activities as month_activities
from lianjian.activities.statistics import plan_vs_actual as plan_vs_actual
from lianjian.activities.statistics import statistics as statistics
from lianjian.activities.times import TZ as TZ
from lianjian.activities.times import local_start as local_start
from lianjian.activities.times import year_bounds as year_bounds
from lianjian.core.filters import filter_given, register_list, search
from lianjian.deadlines.services import rule_for
from lianjian.orgs.models import Organisation


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


# The activity list's order and keyset (core.paging.paginate_keyset): newest first, served
# by the (start, id) index, so a deep page (or the last) costs what the first does.
ACTIVITY_LIST_KEY = ("-start", "-id")


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
    qs = search(qs, f.q, "topic__icontains", "code__iexact", "venue__icontains")
    qs = filter_given(qs, type=f.type)
    qs = qs.filter(status=f.status) if f.status else qs.exclude(status=ActivityStatus.VOID)
    qs = filter_given(qs, alliance__code=f.alliance)
    if f.year:
        first = datetime.date(f.year, f.month or 1, 1)
        last = (
            datetime.date(f.year, f.month + 1, 1)
            if f.month and f.month < 12
            else datetime.date(f.year + 1, 1, 1)
        )
        qs = qs.filter(start__gte=local_start(first), start__lt=local_start(last))
    return qs.order_by(*ACTIVITY_LIST_KEY)


def rule_list(f: RuleFilter) -> QuerySet[ComplianceRule]:
    """The compliance rules matching ``f``, in rule order — the one filter of the rule screen
    and ``GET /api/v1/compliance/rules``. Everyone may read every rule."""
    qs = filter_given(
        ComplianceRule.objects.all(),
        activity_type=f.activity_type,
        org_kind=f.org_kind,
        frequency=f.frequency,
        active=f.active,
    )
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
    rows: list[compliance.Row],
    infos: dict[int, compliance.OrgInfo],
    year: int,
    *,
    columns: list[tuple[str, str]] | None = None,
) -> tuple[list[tuple[str, str]], list[MatrixRow]]:
    """Arrange rows as organisations (in row order) × period columns; unused columns are
    dropped — unless ``columns`` gives those of a wider scope than ``rows`` (one page)."""
    if columns is None:
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
