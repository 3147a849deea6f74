"""Reads that shape organisation data for screens, exports and the API.

Query counts here are flat in the size of the data: each function issues a fixed number
of queries whatever the number of organisations (pinned in tests).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, F, Q, QuerySet, Sum, When
from django.db.models.functions import Collate
from django.utils import timezone

from lianjian.core.filters import filter_given, register_list, search
from lianjian.orgs.models import (
    COMMITTEE_POSTS,
    Member,
    MemberCategory,
    Organisation,
    OrgFigures,
)
from lianjian.orgs.rules import DEFAULT_RULES, WARNING_LABELS, Warning, org_warnings
from lianjian.orgs.schemas import MemberFilter, OrgFilter


@dataclass
class OrgStats:
    """Member counts of one organisation (its own members, not its subtree's)."""

    members: int = 0
    full_members: int = 0
    committee_members: int = 0
    warnings: list[Warning] = field(default_factory=list)


def _committee_q() -> Q:
    q = Q()
    for post in COMMITTEE_POSTS:
        q |= Q(post__contains=post)
    return q


def member_counts(org_ids: Iterable[int] | QuerySet) -> dict[int, OrgStats]:
    """Current-member counts per organisation id, in one query."""
    rows = (
        Member.objects.current()
        .filter(org_id__in=org_ids)
        .values("org_id")
        .annotate(
            n=Count("id"),
            full=Count("id", filter=Q(category=MemberCategory.FULL)),
            committee=Count("id", filter=_committee_q()),
        )
    )
    return {r["org_id"]: OrgStats(r["n"], r["full"], r["committee"]) for r in rows}


def today() -> datetime.date:
    return timezone.localdate()


def with_warnings(
    orgs: list[Organisation], counts: dict[int, OrgStats] | None = None
) -> dict[int, OrgStats]:
    """Stats and rule warnings for each organisation of ``orgs`` (one query if counts not given)."""
    if counts is None:
        counts = member_counts([o.pk for o in orgs])
    rules = getattr(settings, "LIANJIAN_ORG_RULES", None)
    now = today()
    out: dict[int, OrgStats] = {}
    for org in orgs:
        s = counts.get(org.pk) or OrgStats()
        s.warnings = org_warnings(
            kind=org.kind,
            is_partner=org.is_partner,
            is_dissolved=org.is_dissolved,
            members=s.members,
            full_members=s.full_members,
            committee_members=s.committee_members,
            term_end=org.term_end,
            today=now,
            rules=rules,
        )
        out[org.pk] = s
    return out


@dataclass
class ScopeFigures:
    """Figures of the home page for what one user may see."""

    by_kind: dict[str, int]
    partners: int
    members: int
    full_members: int
    probationary: int
    floating: int
    warnings: dict[str, int]
    warning_orgs: list[tuple[Organisation, list[Warning]]]


def _collate_binary(expr: str) -> Any:
    """``expr`` compared byte by byte, as Python compares strings (the order of the oracle),
    whatever the database's default collation."""
    from django.db import connection

    return Collate(F(expr), "C" if connection.vendor == "postgresql" else "BINARY")


def _rules() -> dict[str, int]:
    return {**DEFAULT_RULES, **(getattr(settings, "LIANJIAN_ORG_RULES", None) or {})}


def warning_conditions(now: datetime.date, rules: dict[str, int]) -> dict[str, Q]:
    """For each warning code, the condition on ``OrgFigures`` rows under which an
    organisation has that warning on ``now`` — :func:`org_warnings` as SQL (partner and
    dissolved organisations have none); the tests hold the two equal. Used by the home
    page's figures and the organisation list's warning filter alike."""
    ruled = Q(dissolved__isnull=True, is_partner=False)
    branch = ruled & Q(kind="党支部")
    due = now + datetime.timedelta(days=rules["term_warning_days"])
    return {
        "few_full": branch & Q(full_members__lt=rules["branch_min_full_members"]),
        "too_many": branch & Q(members__gt=rules["branch_max_members"]),
        "no_committee": branch
        & Q(
            full_members__gte=rules["committee_threshold"],
            committee_members__lt=rules["committee_min_size"],
        ),
        "term_due": ruled & Q(term_end__gte=now, term_end__lte=due),
        "term_overdue": ruled & Q(term_end__lt=now),
    }


KINDS = ("党委", "党总支", "党支部", "党小组")


def scope_figures(rows: QuerySet[OrgFigures], *, list_limit: int = 10) -> ScopeFigures:
    """Counts by kind, member counts and warnings for the organisations of ``rows`` (a
    scoped ``OrgFigures`` queryset: ``OrgFigures.objects.visible_to(user)``, the same
    organisations as ``Organisation.objects.visible_to(user)``) and their current members.

    Two queries whatever the size of the scope, both on the narrow ``OrgFigures`` table
    alone (kept current by ``orgs.figures``; no join with the organisation table): one
    aggregate (counts and the five warning counts), and the ``list_limit`` organisations
    with the most serious warnings (most ``danger`` warnings first, then tree order), read
    with their names through a subquery that picks them on the narrow table. Term warnings
    compare the stored term end with today in the query. Equal to
    :func:`scope_figures_recount` (tests compare them).
    """
    r = _rules()
    now = today()
    conditions = warning_conditions(now, r)
    ruled = Q(dissolved__isnull=True, is_partner=False)
    sums = rows.aggregate(
        **{f"kind_{i}": Count("pk", filter=ruled & Q(kind=k)) for i, k in enumerate(KINDS)},
        partners=Count("pk", filter=Q(dissolved__isnull=True, is_partner=True)),
        # (aggregate names apart from the field names: Django refuses a clash)
        s_members=Sum("members"),
        s_full=Sum("full_members"),
        s_prob=Sum("probationary"),
        s_floating=Sum("floating"),
        **{f"w_{code}": Count("pk", filter=cond) for code, cond in conditions.items()},
    )
    flagged = Q()
    for cond in conditions.values():
        flagged |= cond
    danger = Case(When(conditions["few_full"], then=1), default=0) + Case(
        When(conditions["term_overdue"], then=1), default=0
    )
    top = (
        rows.filter(flagged)
        .annotate(danger=danger)
        .order_by("-danger", _collate_binary("path"))
        .values("org_id")[:list_limit]
    )
    shown = Organisation.objects.filter(pk__in=top).select_related("figures").order_by()
    listed: list[tuple[Organisation, list[Warning]]] = []
    for org in shown:
        f = org.figures
        ws = org_warnings(
            kind=f.kind,
            is_partner=False,
            is_dissolved=False,
            members=f.members,
            full_members=f.full_members,
            committee_members=f.committee_members,
            term_end=f.term_end,
            today=now,
            rules=r,
        )
        listed.append((org, ws))
    # the order of the subquery (an IN list keeps none), as the oracle sorts
    listed.sort(key=lambda t: (-sum(w.level == "danger" for w in t[1]), t[0].figures.path))
    return ScopeFigures(
        by_kind={k: sums[f"kind_{i}"] for i, k in enumerate(KINDS)},
        partners=sums["partners"],
        members=sums["s_members"] or 0,
        full_members=sums["s_full"] or 0,
        probationary=sums["s_prob"] or 0,
        floating=sums["s_floating"] or 0,
        warnings={code: sums[f"w_{code}"] for code in WARNING_LABELS},
        warning_orgs=listed,
    )


def scope_figures_recount(
    orgs: QuerySet[Organisation], members: QuerySet[Member], *, list_limit: int = 10
) -> ScopeFigures:
    """:func:`scope_figures` recounted from the member rows: reads one row per active
    internal organisation and counts every member of the scope (about 40,000 and 400,000
    rows at State Grid scale, 2 s). Kept as the oracle the tests compare the stored figures
    with; screens use :func:`scope_figures`.
    """
    active = orgs.filter(dissolved__isnull=True)
    by_kind = dict(
        active.internal().values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
    )
    partners = active.filter(is_partner=True).count()
    m = members.current().aggregate(
        n=Count("id"),
        full=Count("id", filter=Q(category=MemberCategory.FULL)),
        prob=Count("id", filter=Q(category=MemberCategory.PROBATIONARY)),
        floating=Count("id", filter=Q(is_floating=True)),
    )
    # Plain tuples, not model instances: at national scale this reads ~40,000 rows and
    # building instances was most of the page's time (docs/benchmarks.md).
    rules = getattr(settings, "LIANJIAN_ORG_RULES", None)
    counts = member_counts(active.internal().values("id"))
    now = today()
    warn_counts = dict.fromkeys(WARNING_LABELS, 0)
    flagged: list[tuple[str, int, list[Warning]]] = []
    for pk, path, kind, term_end in active.internal().values_list("id", "path", "kind", "term_end"):
        s = counts.get(pk) or OrgStats()
        ws = org_warnings(
            kind=kind,
            is_partner=False,
            is_dissolved=False,
            members=s.members,
            full_members=s.full_members,
            committee_members=s.committee_members,
            term_end=term_end,
            today=now,
            rules=rules,
        )
        for w in ws:
            warn_counts[w.code] += 1
        if ws:
            flagged.append((path, pk, ws))
    flagged.sort(key=lambda t: (-sum(w.level == "danger" for w in t[2]), t[0]))
    shown = flagged[:list_limit]
    names = Organisation.objects.in_bulk([pk for _, pk, _ in shown])
    warning_orgs = [(names[pk], ws) for _, pk, ws in shown]
    return ScopeFigures(
        by_kind={k: by_kind.get(k, 0) for k in ("党委", "党总支", "党支部", "党小组")},
        partners=partners,
        members=m["n"],
        full_members=m["full"],
        probationary=m["prob"],
        floating=m["floating"],
        warnings=warn_counts,
        warning_orgs=warning_orgs,
    )


def responsible_managers(orgs: list[Organisation]) -> dict[int, tuple[int, ...]]:
    """For each organisation, the manager accounts responsible for it: those of the nearest
    level (the organisation itself, else its parent, else further up) that has any manager.

    One query for all managers whose organisation is an ancestor-or-self of any given one.
    """
    from lianjian.accounts.models import User

    codes = {c for o in orgs for c in o.path.strip("/").split("/") if c}
    by_code: dict[str, list[int]] = {}
    for uid, code in (
        User.active_managers().filter(org__code__in=codes).values_list("pk", "org__code")
    ):
        by_code.setdefault(code, []).append(uid)
    out: dict[int, tuple[int, ...]] = {}
    for o in orgs:
        chain = [c for c in o.path.strip("/").split("/") if c]
        for code in reversed(chain):
            if code in by_code:
                out[o.pk] = tuple(sorted(by_code[code]))
                break
        else:
            out[o.pk] = ()
    return out


def subtree_q(lookup: str, code: str) -> Q:
    """The rows whose organisation at ``lookup`` is ``code`` or lies below it. Paths are
    ``/CODE/CODE/…/`` and codes contain no "/", so ``/CODE/`` inside a path marks exactly
    that subtree: one condition, and nothing is revealed of an invisible ``code`` (it
    simply matches nothing the caller may see)."""
    name = f"{lookup}__path" if lookup else "path"
    return Q(**{f"{name}__contains": f"/{code}/"})


def org_list(user: Any, f: OrgFilter) -> QuerySet[Organisation]:
    """The organisations ``user`` may see that match ``f``, in tree order — the one filter
    of the organisation screen (its table mode) and ``GET /api/v1/orgs``. The warning
    filter is a subquery on the stored ``OrgFigures`` rows (:func:`warning_conditions`)."""
    qs = Organisation.objects.visible_to(user).select_related("parent")
    if not f.include_dissolved:
        qs = qs.active()
    qs = search(qs, f.q, "name__icontains", "code__icontains", "unit__icontains")
    qs = filter_given(qs, kind=f.kind, parent__code=f.parent, is_partner=f.partner)
    if f.under:
        qs = qs.filter(subtree_q("", f.under))
    if f.warning:
        cond = warning_conditions(today(), _rules()).get(f.warning)
        flagged = OrgFigures.objects.filter(cond).values("org_id") if cond else None
        qs = qs.filter(pk__in=flagged) if flagged is not None else qs.none()
    return qs.order_by("path")


# The member list's order, and its keyset (core.paging.paginate_keyset). By number, not by
# the organisation's tree path: a path lives on another table, so no index can give
# "path, number" and every page (a deep one most) sorted the whole scope. ``number`` is
# unique, so its index serves the order for any scope, and the (org, number) index serves
# one organisation's members. Numbers are given out organisation by organisation, so the
# order stays close to the tree's.
MEMBER_LIST_KEY = ("number",)


def member_list(user: Any, f: MemberFilter) -> QuerySet[Member]:
    """The members ``user`` may see that match ``f``, by number (:data:`MEMBER_LIST_KEY`)
    — the one filter of the member list screen, its export and ``GET /api/v1/members``.
    The search ``q`` is a name containing it, or initials or number starting with it (the
    number as typed or in capitals)."""
    qs = Member.objects.visible_to(user).select_related("org")
    if not f.include_left:
        qs = qs.current()
    if f.org:
        qs = qs.filter(org__code=f.org)
    if f.under:
        qs = qs.filter(subtree_q("org", f.under))
    if f.q:
        q = f.q.strip()
        # Each alternative has an index on PostgreSQL, so the count and the rows read only
        # the matches: the name a trigram GIN index (migration 0004), or for one or two
        # characters a GIN index of its pieces (0007, ``icontains_indexed``); the initials
        # (stored lower-case) and the number their b-tree by a prefix range (``__under``;
        # SQLite's LIKE uses no index).
        qs = qs.filter(
            Q(name__icontains_indexed=q)
            | Q(initials__under=q.lower())
            | Q(number__under=q)
            | Q(number__under=q.upper())
        )
    qs = filter_given(qs, category=f.category, post__icontains=f.post, is_floating=f.floating)
    return qs.order_by(*MEMBER_LIST_KEY)


register_list("orgs", screen="orgs:org_tree", api="/orgs", filter=OrgFilter, key="code")
register_list(
    "members",
    screen="orgs:member_list",
    api="/members",
    filter=MemberFilter,
    key="number",
    selector=member_list,
)
