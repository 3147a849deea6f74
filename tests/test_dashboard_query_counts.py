"""Every dashboard and statistics screen answers in a number of queries that does not grow
with the data (issue #15 item 2: "tests pin the query counts of every list and dashboard";
the lists are pinned in tests/test_list_filters_rows.py and tests/test_paging_keyset.py).

Each screen is counted for its personas on the small ``world``, then the data grows — the
whole demo company (41 branches, ~600 members, alliances, activities, problems, key tasks,
carriers, projects, sharing, supervision, points, assessment, appraisals) for the
administrator, and more branches, members and activities inside the company's subtree for
the scoped personas — and is counted again: the two counts must be equal. A screen whose
count grows reads something once per row (N+1); fix its selector, never this test.

The registry test below fails when a URL that looks like a dashboard (its name says so, see
``DASHBOARD_WORDS``) is neither listed in ``DASHBOARDS`` nor in ``NOT_DASHBOARDS`` with
the reason, as test_every_list_screen_is_registered does for lists.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix import client_for

pytestmark = pytest.mark.django_db

# Each dashboard screen: its personas, and the arguments of its path (from the ``Grown``
# state: the objects of the small world before growing, the grown ones after).
Args = Callable[["Grown"], list[Any]]
NO_ARGS: Args = lambda g: []  # noqa: E731
DASHBOARDS: dict[str, tuple[tuple[str, ...], Args]] = {
    "home:home": (("admin", "company", "manager_a", "member_a"), NO_ARGS),
    "home:mine": (("member_a",), NO_ARGS),
    "activities:activity_stats": (("admin", "company", "manager_a"), NO_ARGS),
    "activities:activity_calendar": (("admin", "company", "manager_a"), NO_ARGS),
    "activities:compliance_matrix": (("admin", "company"), NO_ARGS),
    "consultations:problem_stats": (("admin", "company"), NO_ARGS),
    "keytasks:rollup": (("admin", "company"), NO_ARGS),
    "keytasks:my_tasks": (("admin", "company", "manager_a", "member_a"), NO_ARGS),
    "supervision:dashboard": (("admin", "company"), NO_ARGS),
    "supervision:decision_losses": (("admin", "company"), NO_ARGS),
    "carriers:contest": (("admin", "company"), NO_ARGS),
    "carriers:coverage": (("admin", "company"), NO_ARGS),
    "sharing:usage": (("admin", "company"), NO_ARGS),
    "alliances:network": (("admin", "company"), NO_ARGS),
    "decisions:register": (("admin", "company"), NO_ARGS),
    "points:mine": (("member_a",), NO_ARGS),
    # 积分排名: the scheme's standings (member count grows, then recomputed)
    "points:scheme_detail": (("admin", "company"), lambda g: [g.points_scheme]),
    # a run of the scheme over DW's branches: two before growing, seven after
    "assessment:run_analysis": (("admin", "company"), lambda g: [g.run]),
    "assessment:run_compare": (("admin", "company"), lambda g: [g.run]),
    "assessment:scheme_trend": (("admin", "company"), lambda g: [g.scheme]),
}

# Names that the words below match but that are not dashboards, with the reason.
NOT_DASHBOARDS = {
    "points:standing_set": "a form that sets one member's standing (POST)",
}

DASHBOARD_WORDS = re.compile(
    r"(^|[:_])(home|mine|stats|statistics|dashboard|overview|rollup|board|usage|coverage|"
    r"contest|network|trend|analysis|compare|losses|register|standings?|calendar|summary|"
    r"figures)($|_)"
)


def _urls(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _urls(pattern, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{prefix}{pattern.name}"


def test_every_dashboard_screen_is_registered():
    names = {n for n in _urls(get_resolver()) if not n.startswith("api:")}
    looks_like = {n for n in names if DASHBOARD_WORDS.search(n)}
    listed = set(DASHBOARDS)
    assert looks_like - listed - set(NOT_DASHBOARDS) == set()
    assert listed - names == set()  # no stale entries


# --- the small world and its growth ----------------------------------------------------------


@dataclass
class Grown:
    """The objects the dashboards with a path argument show."""

    points_scheme: str
    scheme: str
    run: int


def _small(world) -> Grown:
    """Something of every kind (tests.hostile_helpers: sharing, bookings, problems, meetings,
    activities, key tasks and packages, supervision, an assessment with two runs) and a
    points scheme, so that no screen answers from an empty table before growing."""
    from django.utils import timezone

    from lianjian.points import services as points_services
    from lianjian.sharing import services as sharing_services
    from lianjian.sharing.models import Booking
    from tests.carrier_helpers import named_post
    from tests.hostile_helpers import make_hostile
    from tests.points_helpers import YEAR, held_meeting, make_scheme
    from tests.sharing_helpers import at

    hostile = make_hostile(world)
    named_post(world)
    # an approved booking in this year (利用率 counts approved hours of the year only)
    booking = sharing_services.booking_approve(actor=None, booking=hostile.pending_booking)
    year = timezone.localdate().year
    Booking.objects.filter(pk=booking.pk).update(
        start=at(datetime.date(year, 1, 5), 9), end=at(datetime.date(year, 1, 5), 11)
    )
    scheme = make_scheme()
    held_meeting(world.zb_a, datetime.date(YEAR, 1, 10), present=[world.m_a1])
    points_services.recompute(actor=None, scheme=scheme)
    world.hostile = hostile
    world.points = scheme
    return Grown(scheme.code, hostile.assessed.scheme.code, hostile.assessed.run2.pk)


def _grow(world) -> Grown:
    """More of everything: the demo company (the administrator sees it all) and, inside the
    company's subtree, five more branches with members, activities of ZB-A and DW, a 示范岗
    of ZB-B, a key-task list of DW, the points recomputed and a new published assessment run over seven branches."""
    from django.core.management import call_command

    from lianjian.activities import services as activity_services
    from lianjian.activities.selectors import TZ
    from lianjian.assessment import services as assessment_services
    from lianjian.orgs.services import member_create, org_create
    from lianjian.points import services as points_services
    from tests.carrier_helpers import named_post
    from tests.keytask_helpers import make_tasks

    call_command("demo", stdout=io.StringIO())
    for i in range(5):
        branch = org_create(
            actor=None, code=f"ZB-G{i}", name=f"增长第{i}党支部", kind="党支部", parent=world.dw
        )
        for j in range(4):
            member_create(
                actor=None,
                number=f"G-{i}-{j}",
                name="钱七",
                org=branch,
                category="正式党员",
                joined_on=datetime.date(2012, 1, 1),
            )
    today = datetime.date.today()
    for i in range(12):
        activity_services.activity_record(
            actor=None,
            code=f"GA-{i:02d}",
            type="主题党日",
            host=world.zb_a if i % 2 else world.dw,
            start=datetime.datetime(today.year, 1 + i % 6, 2 + i, 9, tzinfo=TZ),
            topic=f"主题党日{i}",
            status="已通过",
        )
    for i in range(3):
        member_create(
            actor=None,
            number=f"GA-M{i}",
            name="孙八",
            org=world.zb_a,
            category="正式党员",
            joined_on=datetime.date(2015, 1, 1),
        )
    named_post(world, name="运检服务党员示范岗", org=world.zb_b, leader=world.m_b1)
    make_tasks(world, code="QD-G")
    points_services.recompute(actor=None, scheme=world.points)
    scheme = world.hostile.assessed.scheme
    run = assessment_services.assessment_run(None, scheme, "2025", note="增长后")
    assessment_services.run_publish(None, run)
    assert run.org_count > world.hostile.assessed.run2.org_count
    return Grown(world.points.code, scheme.code, run.pk)


def _counts(world, grown: Grown) -> dict[tuple[str, str], int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, (personas, args) in DASHBOARDS.items():
        url = reverse(name, args=args(grown))
        for persona in personas:
            client = client_for(world, persona)
            client.get(url)  # warm: session, content types, caches
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, (name, persona, response.status_code)
            counts[name, persona] = len(queries)
    return counts


def test_no_dashboard_count_grows_with_the_data(world):
    before = _counts(world, _small(world))
    after = _counts(world, _grow(world))
    grew = {case: (before[case], after[case]) for case in before if after[case] != before[case]}
    assert not grew, f"counts that grew (before, after): {grew}"
