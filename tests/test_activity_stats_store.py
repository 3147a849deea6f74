"""The statistics page from stored tallies (``ActivityTally``, ``activities.statistics``):
the same figures as counting the scope's activities one by one — a joint activity once by
type and month and once per listed organisation in scope, also when its host lies outside
the scope — for every persona and root, after the writes that change them (review steps,
作废, a subtree move), and at a query count that does not grow with the scope."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianjian.activities.models import Activity, ActivityStatus, ActivityTally, ActivityType
from lianjian.activities.selectors import TZ, compliance_scope, statistics
from lianjian.activities.services import (
    activity_approve,
    activity_record,
    activity_return,
    activity_submit,
    activity_void,
)
from lianjian.orgs.models import Organisation
from lianjian.orgs.services import org_create, org_update

pytestmark = pytest.mark.django_db

YEAR = 2025


def _at(month: int, day: int = 10, year: int = YEAR) -> datetime.datetime:
    return datetime.datetime(year, month, day, 9, tzinfo=TZ)


def _direct(user, root_code: str | None) -> dict:
    """The figures counted activity by activity in Python, from the definition."""
    root, orgs = compliance_scope(user, root_code)
    scope = set(orgs.values_list("pk", flat=True))
    codes = dict(Organisation.objects.values_list("pk", "code"))
    names = dict(Organisation.objects.values_list("pk", "name"))
    by_type: Counter = Counter()
    by_month: Counter = Counter()
    by_org: Counter = Counter()
    total = person_times = 0
    for a in Activity.objects.prefetch_related("org_links"):
        local = a.start.astimezone(TZ)
        if a.status not in (ActivityStatus.SUBMITTED, ActivityStatus.APPROVED):
            continue
        if local.year != YEAR:
            continue
        listed = [link.org_id for link in a.org_links.all() if link.org_id in scope]
        if not listed:
            continue
        present = a.present_count or 0
        total += 1
        person_times += present
        by_type[(a.type, "n")] += 1
        by_type[(a.type, "p")] += present
        by_month[(local.month, "n")] += 1
        by_month[(local.month, "p")] += present
        for org_id in listed:
            by_org[(org_id, "n")] += 1
            by_org[(org_id, "p")] += present
    org_rows = sorted(
        ((codes[o], names[o], by_org[(o, "n")], by_org[(o, "p")]) for o in {o for o, _ in by_org}),
        key=lambda r: (-r[2], r[0]),
    )[:30]
    return {
        "total": total,
        "person_times": person_times,
        "by_type": [(t, by_type[(t, "n")], by_type[(t, "p")]) for t in ActivityType.values],
        "by_month": [(m, by_month[(m, "n")], by_month[(m, "p")]) for m in range(1, 13)],
        "by_org": org_rows,
    }


def _stored(user, root_code: str | None) -> dict:
    root = Organisation.objects.get(code=root_code) if root_code else None
    data = statistics(user, root=root, year=YEAR)
    data.pop("by_alliance")
    return data


def _same_everywhere(world) -> None:
    for user, root in [
        (None, None),
        (world.admin, None),
        (world.admin, "DW"),
        (world.admin, "ZB-A"),
        (world.admin, "ZB-B"),
        (world.company, "DW"),
        (world.manager_a, "ZB-A"),
        (world.manager_b, "ZB-B"),
        (world.outsider, "DW2"),
    ]:
        if user is not None:  # read again: a user's scope is kept on the loaded object
            user = type(user).objects.get(pk=user.pk)
        assert _stored(user, root) == _direct(user, root), (user, root)


@pytest.fixture
def joint(world):
    """Counted activities of 2025 in and around DW: hosted ones with person-times, a joint
    activity inside DW, one hosted outside DW (DW2's branch) with two co-organisers inside,
    one hosted inside with a co-organiser outside, and records that do not count (a draft,
    a returned one, a voided one, one of 2024)."""
    rec = activity_record
    a = rec(
        actor=None,
        type="主题党日",
        host=world.zb_a,
        start=_at(1),
        topic="一月主题党日",
        status="已通过",
        expected_count=10,
        present_count=8,
    )
    rec(actor=None, type="党课", host=world.zb_b, start=_at(3), topic="党课", status="已提交")
    rec(
        actor=None,
        type="党小组会",
        host=world.xz_a1,
        start=_at(3, 31),
        topic="小组会",
        status="已通过",
        present_count=4,
    )
    rec(
        actor=None,
        type="联建活动",
        host=world.zb_a,
        co_orgs=[world.zb_b],
        start=_at(4),
        topic="联合党日",
        status="已通过",
        present_count=12,
    )
    rec(
        actor=None,
        type="联建活动",
        host=world.zb_x,
        co_orgs=[world.zb_a, world.zb_b],
        start=_at(5),
        topic="外单位主办",
        status="已通过",
        present_count=20,
    )
    rec(
        actor=None,
        type="主题党日",
        host=world.zb_b,
        co_orgs=[world.zb_x],
        start=_at(6),
        topic="邀请外单位",
        status="已通过",
        present_count=9,
    )
    rec(actor=None, type="党课", host=world.zb_a, start=_at(7), topic="草稿")
    rec(actor=None, type="党课", host=world.zb_a, start=_at(8), topic="退回", status="已退回")
    activity_void(
        actor=None,
        activity=rec(actor=None, type="党课", host=world.zb_b, start=_at(9), topic="作废"),
        reason="录错",
    )
    rec(
        actor=None,
        type="主题党日",
        host=world.zb_a,
        start=_at(12, 10, 2024),
        topic="上一年",
        status="已通过",
    )
    return a


def test_the_stored_figures_are_the_counted_ones_for_every_scope(world, joint):
    _same_everywhere(world)
    # a joint activity hosted outside DW counts once in DW by type and month …
    dw = _stored(world.admin, "DW")
    assert dict((t, n) for t, n, _ in dw["by_type"])["联建活动"] == 2
    # … and once for each of its organisations in scope by organisation
    assert {code: n for code, _, n, _ in dw["by_org"]}["ZB-B"] == 4


def test_the_writes_that_change_the_figures_forget_the_tallies(world, joint):
    _same_everywhere(world)
    tallies = ActivityTally.objects.filter(year=YEAR)
    assert tallies.filter(org=world.zb_a).exists()
    activity_return(actor=world.company, activity=joint, reason="重复录入")
    assert not tallies.filter(org=world.zb_a).exists()
    _same_everywhere(world)
    activity_submit(actor=world.manager_a, activity=joint)
    activity_approve(actor=world.company, activity=joint)
    _same_everywhere(world)
    draft = activity_record(actor=None, type="党课", host=world.zb_b, start=_at(10), topic="新课")
    activity_submit(actor=None, activity=draft)
    assert not tallies.filter(org=world.zb_b).exists()
    _same_everywhere(world)
    # A branch moved out of DW with its 党小组: DW's figures lose them, DW2's gain them.
    org_update(actor=None, org=world.zb_a, parent=world.dw2)
    assert not tallies.filter(org__in=[world.zb_a, world.xz_a1]).exists()
    # ZB-B co-organised a joint activity ZB-A hosts: where that host lies is in its tally.
    assert not tallies.filter(org=world.zb_b).exists()
    _same_everywhere(world)


def _queries(user, root_code: str | None) -> int:
    root = Organisation.objects.get(code=root_code) if root_code else None
    statistics(user, root=root, year=YEAR)  # the tallies exist from here on
    with CaptureQueriesContext(connection) as ctx:
        statistics(user, root=root, year=YEAR)
    return len(ctx.captured_queries)


def test_the_figures_take_the_same_queries_for_one_organisation_and_for_many(world, joint):
    one = _queries(world.admin, "ZB-A")
    for i in range(40):
        branch = org_create(
            actor=None, code=f"ZB-T{i:02d}", name=f"统计支部{i}", kind="党支部", parent=world.dw
        )
        activity_record(
            actor=None,
            type="主题党日",
            host=branch,
            co_orgs=[world.zb_x] if i % 3 == 0 else [],
            start=_at(1 + i % 12),
            topic="主题党日",
            status="已通过",
        )
    assert _queries(world.admin, "DW") == one
    assert _queries(world.company, "DW") == one
    assert _queries(world.admin, None) == one
    _same_everywhere(world)
