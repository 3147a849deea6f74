"""The compliance matrix from stored tallies (``activities.compliance_store``): the same
page as evaluating the whole scope (``selectors.matrix`` of ``compliance_list``) — columns,
organisations, cells, summary figures, page count, with and without ``only=problem`` — on
any later day, after the writes that change rows, and at a query count that does not grow
with the scope."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.activities import compliance
from lianjian.activities.compliance_store import MATRIX_PAGE, ensure, matrix_page, rules_key
from lianjian.activities.models import ComplianceRule, ComplianceTally
from lianjian.activities.schemas import ComplianceFilter
from lianjian.activities.selectors import TZ, compliance_list, matrix, rule_infos
from lianjian.activities.services import (
    activity_record,
    activity_return,
    activity_submit,
    activity_void,
)
from lianjian.orgs.models import Member, Organisation
from lianjian.orgs.services import org_create, org_update

BRANCHES = 54  # more than one page of MATRIX_PAGE organisations
TODAYS = [
    datetime.date(2025, 6, 25),  # June open and yellow, earlier months missing
    datetime.date(2025, 7, 5),
    datetime.date(2026, 1, 10),  # the year's annual duties still makeable: yellow
    datetime.date(2026, 4, 2),  # now red
]


def _at(month: int, day: int) -> datetime.datetime:
    return datetime.datetime(2025, month, day, 9, tzinfo=TZ)


@pytest.fixture
def tree(world):
    """54 branches under DW (every fourth with a 党小组, one founded in March, one dissolved
    in May, two with 7 full members so the monthly 支委会 binds them) and counted activities
    of January–June 2025 held by some of them (a voided one and an invalid 支委会 too)."""
    branches = []
    for i in range(BRANCHES):
        fields = {}
        if i == 5:
            fields["founded"] = datetime.date(2025, 3, 10)
        branch = org_create(
            actor=None,
            code=f"ZB-S{i:03d}",
            name=f"测试支部{i}",
            kind="党支部",
            parent=world.dw,
            **fields,
        )
        branches.append(branch)
        if i % 4 == 0:
            org_create(
                actor=None, code=f"XZ-S{i:03d}", name=f"测试小组{i}", kind="党小组", parent=branch
            )
    org_update(actor=None, org=branches[7], dissolved=datetime.date(2025, 5, 20))
    for i in (2, 3):
        for k in range(7):
            Member(
                number=f"S{i}-{k}",
                name=f"党员{i}{k}",
                org=branches[i],
                category="正式党员",
                joined_on=datetime.date(2010, 1, 1),
            ).save()
    for i, branch in enumerate(branches):
        for month in range(1, 7):
            if (i + month) % 5 == 0 and not (i == 5 and month < 4):
                activity_record(
                    actor=None,
                    type="主题党日",
                    host=branch,
                    start=_at(month, 10),
                    topic="主题党日",
                    status="已通过",
                )
        if i % 4 == 1 and i != 5:
            activity_record(
                actor=None,
                type="支部党员大会",
                host=branch,
                start=_at(2, 3),
                topic="党员大会",
                status="已通过",
            )
    activity_record(
        actor=None,
        type="支部委员会",
        host=branches[2],
        start=_at(3, 3),
        topic="支委会",
        status="已通过",
        expected_count=7,
        present_count=2,
    )
    done = activity_record(
        actor=None, type="党课", host=branches[9], start=_at(4, 3), topic="党课", status="已通过"
    )
    activity_void(
        actor=None,
        activity=activity_record(
            actor=None, type="党课", host=branches[11], start=_at(4, 3), topic="党课"
        ),
        reason="录错",
    )
    return branches, done


def _old(user, f, today, page):
    result = compliance_list(user, f, today=today)
    columns, table = matrix(result.rows, result.orgs, result.year)
    shown = Paginator(table, MATRIX_PAGE).get_page(page)
    return (
        columns,
        [(m.org.code, m.rows) for m in shown.object_list],
        compliance.summarise(result.rows),
        shown.paginator.num_pages,
    )


def _new(user, f, today, page):
    result = matrix_page(user, f, today=today, page=page)
    return (
        result.columns,
        [(m.org.code, m.rows) for m in result.page.object_list],
        result.summary,
        result.page.paginator.num_pages,
    )


FILTERS = [
    {"year": 2025},
    {"year": 2025, "only": "problem"},
    {"year": 2025, "org": "DW"},
    {"year": 2025, "org": "ZB-S004"},
    {"year": 2025, "org": "ZB-S004", "subtree": False},
    {"year": 2025, "org": "ZB-S002", "only": "problem"},
    {"year": 2025, "rule": "主题党日"},
    {"year": 2024},
]


def _same_everywhere(world, todays=TODAYS):
    for today in todays:
        for params in FILTERS:
            f = ComplianceFilter(**params)
            for user, pages in (
                (world.admin, (1, 2)),
                (world.company, (2,)),
                (world.manager_a, (1,)),
            ):
                for page in pages:
                    try:
                        old = _old(user, f, today, page)
                    except Organisation.DoesNotExist:
                        with pytest.raises(Organisation.DoesNotExist):
                            _new(user, f, today, page)
                        continue
                    assert _new(user, f, today, page) == old, (today, params, user, page)


def test_the_stored_matrix_is_the_evaluated_matrix_on_every_later_day(world, tree):
    # Tallies are made on the first day and read on the later ones: rows do not change
    # with the passing of days, only their colours, which are applied when read.
    _same_everywhere(world)
    assert ComplianceTally.objects.filter(year=2025).count() > BRANCHES


def test_the_stored_matrix_follows_the_writes_that_change_rows(world, tree):
    branches, done = tree
    today = datetime.date(2025, 7, 5)
    _same_everywhere(world, [today])
    tallies = ComplianceTally.objects.filter(year=2025)
    # An activity submitted: its organisations' tallies go.
    draft = activity_record(
        actor=world.manager_a, type="党课", host=world.zb_a, start=_at(5, 5), topic="党课"
    )
    assert tallies.filter(org=world.zb_a).exists()
    activity_submit(actor=world.manager_a, activity=draft)
    assert not tallies.filter(org=world.zb_a).exists()
    _same_everywhere(world, [today])
    # A member joining a 党小组 with the date of long ago: the branch's 支委会 may bind.
    group = Organisation.objects.get(code="XZ-S000")
    for k in range(7):
        Member(
            number=f"G-{k}",
            name=f"组员{k}",
            org=group,
            category="正式党员",
            joined_on=datetime.date(2010, 1, 1),
        ).save()
    assert not tallies.filter(org=branches[0]).exists()
    _same_everywhere(world, [today])
    # An organisation dissolved, and an approved activity returned.
    org_update(actor=None, org=branches[20], dissolved=datetime.date(2025, 2, 27))
    assert not tallies.filter(org=branches[20]).exists()
    assert tallies.filter(org=branches[9]).exists()
    activity_return(actor=world.company, activity=done, reason="重复录入")
    assert not tallies.filter(org=branches[9]).exists()
    _same_everywhere(world, [today])
    # Another rule set makes every tally stale; the next reader recounts.
    ComplianceRule.objects.filter(activity_type="主题党日").update(required=2)
    _same_everywhere(world, [today])
    assert set(tallies.values_list("rules_key", flat=True)) == {rules_key(rule_infos())}


def test_the_annual_meeting_held_next_year_fills_the_stored_year(world, tree):
    _same_everywhere(world, [datetime.date(2026, 1, 10)])
    meeting = activity_record(
        actor=world.manager_a,
        type="组织生活会",
        host=world.zb_a,
        start=datetime.datetime(2026, 2, 10, 9, tzinfo=TZ),
        topic="2025年度组织生活会",
        for_year=2025,
    )
    activity_submit(actor=world.manager_a, activity=meeting)
    _same_everywhere(world, [datetime.date(2026, 2, 20), datetime.date(2026, 4, 2)])


def _queries(user, params, today):
    f = ComplianceFilter(**params)
    matrix_page(user, f, today=today, page=1)  # the tallies exist from here on
    with CaptureQueriesContext(connection) as ctx:
        result = matrix_page(user, f, today=today, page=1)
    return len(ctx.captured_queries), len(result.page.object_list)


def test_the_matrix_takes_the_same_queries_for_one_organisation_and_for_many(world, tree):
    today = datetime.date(2025, 7, 5)
    one = _queries(world.admin, {"year": 2025, "org": "ZB-S001", "subtree": False}, today)
    many = _queries(world.admin, {"year": 2025, "org": "DW"}, today)
    assert one[1] == 1 and many[1] == MATRIX_PAGE
    assert one[0] == many[0]
    problem_one = _queries(
        world.admin, {"year": 2025, "org": "ZB-S001", "subtree": False, "only": "problem"}, today
    )
    problem_many = _queries(world.admin, {"year": 2025, "org": "DW", "only": "problem"}, today)
    assert problem_one[1] == 1 and problem_many[1] == MATRIX_PAGE
    assert problem_one[0] == problem_many[0] == many[0]
    # Without ``org`` (everything the reader sees) one query fewer: no root to look up.
    assert _queries(world.admin, {"year": 2025}, today)[0] == many[0] - 1


def test_missing_tallies_are_computed_once_and_only_for_the_organisations_bound(world, tree):
    rules = rule_infos()
    key = rules_key(rules)
    bound = Organisation.objects.filter(is_partner=False, kind__in={r.org_kind for r in rules})
    today = datetime.date(2025, 7, 5)
    made = ensure(bound, year=2025, today=today, rules=rules, key=key)
    assert made == bound.count() == ComplianceTally.objects.filter(year=2025).count()
    assert ensure(bound, year=2025, today=today, rules=rules, key=key) == 0
    # 党委 are bound by no default rule: no tally is made for them.
    assert not ComplianceTally.objects.filter(org__kind="党委").exists()


def test_figures_rebuild_after_writes_outside_the_platform_drops_every_tally(world, tree):
    # docs/compliance.md: a restored backup or SQL by hand is followed by `figures rebuild`,
    # which must leave no tally that could describe the old data.
    from django.core.management import call_command

    rules = rule_infos()
    bound = Organisation.objects.filter(is_partner=False, kind__in={r.org_kind for r in rules})
    ensure(bound, year=2025, today=datetime.date(2025, 7, 5), rules=rules, key=rules_key(rules))
    assert ComplianceTally.objects.exists()
    call_command("figures", "rebuild", stdout=io.StringIO())
    assert not ComplianceTally.objects.exists()
