"""The compliance matrix of a whole scope — a 党委 of 2,000 branches or all 37,000
organisations — at the cost of one page: stored per-(organisation, year) tallies
(``ComplianceTally``, counted by the engine's :func:`~lianjian.activities.compliance.tally`)
give the summary figures, the columns in use, the organisations listed and the problem
ones in one aggregate; only the page's organisations are evaluated (``selectors``,
the same engine and loaders as every other caller). docs/compliance.md "The matrix at scale".

Kept right by deletion (:func:`forget`), called by every write that can change an
organisation's rows: an activity entering or leaving the counted statuses
(``signals.counted_changed``), the activities import, the demo loader, and anything that
refreshes an organisation's member figures (``orgs.figures.refreshed``: member saves,
moves and imports, organisation saves and subtree moves) — for the organisation and its
parent (a 党小组's members count for its branch). A changed rule set makes every tally
stale through ``rules_key``; the deadline colours are applied when read. The next reader
computes what is missing (:func:`ensure`): a fixed number of queries per
``IN_LIST_LIMIT`` organisations, once. The statistics page's ``ActivityTally`` is kept by
the same deletions (:func:`forget`), not by a scheme of its own.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum

from lianjian.activities import compliance
from lianjian.activities.models import ActivityOrg, ActivityTally, ComplianceTally
from lianjian.activities.schemas import ComplianceFilter
from lianjian.activities.selectors import (
    IN_LIST_LIMIT,
    compliance_list,
    compliance_scope,
    compliance_with_orgs,
    matrix,
    matrix_columns,
    rule_infos,
)
from lianjian.activities.tallies import in_scope, missing
from lianjian.deadlines.services import rule_for
from lianjian.orgs.models import Organisation, OrgKind

MATRIX_PAGE = 50


def rules_key(rules: Iterable[compliance.RuleInfo]) -> str:
    """A fingerprint of a rule set (in order): a tally made with other rules is stale."""
    text = repr([tuple(vars(r).values()) for r in rules])
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


# --- kept right by deletion -------------------------------------------------------------------


def forget(org_ids: Iterable[int | None]) -> None:
    """Delete every year's tallies — compliance (``ComplianceTally``) and statistics
    (``ActivityTally``, its sibling) — of these organisations, of the branches of the
    党小组 among them (compliance) and of the co-organisers of the activities they host
    (statistics): two queries per ``IN_LIST_LIMIT`` ids. Run again when the transaction
    commits, so that a reader which counted the old data meanwhile does not leave its tally
    behind."""
    ids = sorted({i for i in org_ids if i is not None})
    if not ids:
        return
    _forget(ids)
    transaction.on_commit(lambda: _forget(ids))


def _forget(ids: list[int]) -> None:
    for start in range(0, len(ids), IN_LIST_LIMIT):
        chunk = ids[start : start + IN_LIST_LIMIT]
        parents = Organisation.objects.filter(pk__in=chunk, kind=OrgKind.GROUP).values("parent_id")
        ComplianceTally.objects.filter(Q(org_id__in=chunk) | Q(org_id__in=parents)).delete()
        # Also the co-organisers of what they host: their ``guest_depth`` reads its path.
        guests = ActivityOrg.objects.filter(activity__host_id__in=chunk, position__gt=0)
        ActivityTally.objects.filter(
            Q(org_id__in=chunk) | Q(org_id__in=guests.values("org_id"))
        ).delete()


def forget_all() -> None:
    """Delete every tally of both kinds (a bulk loader that wrote activities everywhere)."""
    ComplianceTally.objects.all().delete()
    ActivityTally.objects.all().delete()


def activity_counted_changed(sender: Any, activity_id: int, **kwargs: Any) -> None:
    """``signals.counted_changed``: the organisations listed on the activity."""
    forget(ActivityOrg.objects.filter(activity_id=activity_id).values_list("org_id", flat=True))


def org_figures_refreshed(sender: Any, org_ids: Iterable[int], **kwargs: Any) -> None:
    """``orgs.figures.refreshed``: members or organisation fields changed."""
    forget(org_ids)


# --- read -------------------------------------------------------------------------------------


def ensure(
    orgs: QuerySet[Organisation],
    *,
    year: int,
    today: datetime.date,
    rules: list[compliance.RuleInfo],
    key: str,
    tallies: QuerySet[ComplianceTally] | None = None,
) -> int:
    """Compute and store the tallies of ``year`` missing (or stale) for ``orgs``; the number
    computed. ``tallies``: the fresh tallies of the same scope (``tallies.in_scope``), which
    makes the check two counts (``tallies.missing``); without it, an anti-join. One query
    when none is missing; else, per ``IN_LIST_LIMIT`` organisations, the engine's queries
    (``selectors.compliance_with_orgs``), the paths and one upsert. Organisations without
    rows get an empty tally, so they are not computed again."""
    fresh = ComplianceTally.objects.filter(year=year, rules_key=key)
    ids = missing(orgs, fresh if tallies is None else tallies)
    for start in range(0, len(ids), IN_LIST_LIMIT):
        chunk = ids[start : start + IN_LIST_LIMIT]
        rows, _ = compliance_with_orgs(
            year=year, today=today, orgs=Organisation.objects.filter(pk__in=chunk), rules=rules
        )
        counts = compliance.tally(rows)
        empty = dict.fromkeys(compliance.TALLY_KEYS, 0)
        paths = dict(Organisation.objects.filter(pk__in=chunk).values_list("pk", "path"))
        ComplianceTally.objects.bulk_create(
            [
                ComplianceTally(
                    org_id=pk, year=year, rules_key=key, path=path, **counts.get(pk, empty)
                )
                for pk, path in paths.items()
            ],
            update_conflicts=True,
            unique_fields=["org", "year"],
            update_fields=["rules_key", "path", *compliance.TALLY_KEYS],
        )
    return len(ids)


@dataclass
class MatrixPage:
    """One page of the matrix and the figures of its whole scope."""

    root: Organisation | None
    year: int
    columns: list[tuple[str, str]]
    page: Page[Any]
    summary: dict[str, int]


def matrix_page(
    user: Any, f: ComplianceFilter, *, today: datetime.date, page: str | int | None
) -> MatrixPage:
    """The matrix page ``f`` asks for — the same organisations, cells, columns and summary
    as :func:`~lianjian.activities.selectors.matrix` of ``compliance_list(user, f)`` — from
    the tallies plus the page's organisations. A fixed number of queries whatever the size
    of the scope once the tallies exist (pinned in tests). ``org`` out of scope raises
    ``Organisation.DoesNotExist``. A filter on one rule (``rule=``) evaluates its scope
    whole: the tallies count every active rule together."""
    if f.rule:
        result = compliance_list(user, f, today=today)
        columns, table = matrix(result.rows, result.orgs, result.year)
        return MatrixPage(
            result.root,
            result.year,
            columns,
            Paginator(table, MATRIX_PAGE).get_page(page),
            compliance.summarise(result.rows),
        )
    year = f.year or today.year
    root, orgs = compliance_scope(user, f.org)
    if root is not None and not f.subtree:
        orgs = orgs.filter(pk=root.pk)
    rules = rule_infos()
    key = rules_key(rules)
    bound = orgs.filter(is_partner=False, kind__in={r.org_kind for r in rules})
    # The scope read on the tallies' own paths: an index range, no join (a tally exists
    # only for an organisation of ``bound``: ``rules_key`` names the kinds, and a change of
    # an organisation's kind or partner flag deletes its tallies).
    tallies = in_scope(
        ComplianceTally.objects.filter(year=year, rules_key=key),
        user,
        root,
        subtree=f.subtree,
    )
    ensure(bound, year=year, today=today, rules=rules, key=key, tallies=tallies)
    classes = compliance.shortfall_classes(year, today, rule_for(compliance.DEADLINE_KIND))
    if f.only == "problem":
        tallies = tallies.filter(
            reduce(
                or_,
                [Q(**{f"{k}__gt": 0}) for k in compliance.problem_keys(classes)],
                Q(pk__in=[]),
            )
        )
    sums = tallies.aggregate(
        listed=Count("pk", filter=Q(total__gt=0)),
        **{k: Sum(k) for k in compliance.TALLY_KEYS},
    )
    columns = [c for c in matrix_columns(year) if sums.get(compliance.period_key(c[0])) or 0]
    listed = tallies.filter(total__gt=0).order_by("path").values_list("org_id", flat=True)
    paginator = Paginator(listed, MATRIX_PAGE)
    paginator.count = sums["listed"] or 0  # known from the aggregate: no count query
    shown = paginator.get_page(page)
    ids = list(shown.object_list)
    rows, infos = compliance_with_orgs(
        year=year, today=today, orgs=Organisation.objects.filter(pk__in=ids), rules=rules
    )
    _, table = matrix(rows, infos, year, columns=columns)
    return MatrixPage(
        root,
        year,
        columns,
        Page(table, shown.number, paginator),
        compliance.summarise_tally(sums, classes),
    )
