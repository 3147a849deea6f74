"""What the compliance engine reads from the database: the organisations with their full\nmembers as of each period (transfer history and 转正日期), and the activities held per\norganisation, rule and period. A fixed number of queries whatever the number of\norganisations (pinned in tests)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth

from lianjian.activities import compliance
from lianjian.activities.models import (
    COUNTED_STATUSES,
    ActivityOrg,
)
from lianjian.activities.times import TZ, local_start, year_bounds
from lianjian.orgs.models import Member, MemberCategory, MemberTransfer, Organisation, OrgKind

IN_LIST_LIMIT = 5000


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


def full_members_as_of(
    orgs: QuerySet[Organisation], year: int, ids: list[int] | None = None
) -> dict[int, tuple[int, ...]]:
    """Full members of each organisation (its own plus its 党小组's) as of the first day of
    every month of ``year``, from the membership history: 入党 and 转正 dates, departures
    and transfers — not from today's members (docs/compliance.md, "as of").

    Three queries whatever the number of organisations or members: the groups, the
    transfers dated after 1 January with the members they moved (the only transfers that
    place someone elsewhere on a day of the year), and the counts of everyone else by
    organisation (twelve conditional counts). The moved members are placed by the pure
    engine. ``ids``: the ids of ``orgs`` when the caller has them already."""
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
    # Known ids as one list (not an OR of two subqueries): PostgreSQL then reads a page's few
    # organisations' members through the org index instead of scanning every member.
    where = (
        Q(org_id__in=[*ids, *groups])
        if ids is not None and len(ids) + len(groups) <= IN_LIST_LIMIT
        else Q(org__in=org_ids) | Q(org__in=group_qs.values("pk"))
    )
    settled_qs = (
        Member.objects.filter(where)
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
    listed = list(orgs.only(*only).order_by("path"))
    ids = [o.pk for o in listed]
    by_month = full_members_as_of(orgs, year, ids) if year is not None else None
    today = full_member_counts(orgs) if by_month is None else {}
    none = (0,) * 12
    infos = []
    for o in listed:
        months = by_month.get(o.pk, none) if by_month is not None else None
        infos.append(
            compliance.OrgInfo(
                o.pk,
                o.code,
                o.kind,
                o.is_partner,
                o.founded,
                o.dissolved,
                months[0] if months is not None else today.get(o.pk, 0),
                o.name,
                months,
            )
        )
    return infos
