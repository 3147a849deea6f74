"""The demo's resource sharing: venues, experts, a year of bookings in every state (mostly
across units), needs and projects with matches; deterministic and idempotent."""

from __future__ import annotations

import io

import pytest
from django.db.models import Count, F
from django.utils import timezone

from lianjian.activities.demo import demo_activities
from lianjian.alliances.demo import demo_alliances
from lianjian.notifications.models import Notification
from lianjian.orgs.demo import demo_load
from lianjian.sharing import services
from lianjian.sharing.demo import demo_sharing
from lianjian.sharing.hours import fits, parse_hours
from lianjian.sharing.models import Booking, Match, Need, Project, Resource
from tests.conftest import module_transaction


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker):
    """The demo up to its resource sharing, loaded once for the module and rolled back at
    its end."""
    with module_transaction(django_db_blocker):
        demo_load(stdout=io.StringIO(), accounts=True)
        demo_alliances()
        demo_activities(stdout=io.StringIO())
        out = io.StringIO()
        made = demo_sharing(stdout=out)
        yield made, out.getvalue()


@pytest.fixture
def demo(_demo, db):
    return _demo


def test_the_demo_company_shares_venues_experts_equipment_and_courses(demo):
    made, text = demo
    kinds = dict(Resource.objects.values_list("kind").annotate(n=Count("id")))
    assert kinds == {
        "党员活动室": 14,
        "阵地": 3,
        "教育基地": 3,
        "专家": 7,
        "讲师": 3,
        "设备": 4,
        "课程": 4,
    }
    assert made["resources"] == 38 and text.startswith("资源共享：新建资源 38 项")
    venues = Resource.objects.filter(kind__in=["党员活动室", "阵地", "教育基地"])
    assert all(40.8 < r.lat < 41.5 and 123.5 < r.lon < 125.6 for r in venues)
    assert Resource.objects.filter(kind="专家", member__isnull=False).count() == 7


def test_bookings_cover_the_year_every_state_and_mostly_other_units(demo):
    statuses = dict(Booking.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) == {"待审批", "已批准", "已拒绝", "已取消"}
    total = Booking.objects.count()
    cross = Booking.objects.exclude(org_id=F("resource__owner_id")).count()
    assert total > 600 and cross / total > 0.6
    months = {b.start.month for b in Booking.objects.all()}
    assert months == set(range(1, 13))
    assert Booking.objects.filter(activity__isnull=False).exists()
    for b in Booking.objects.select_related("resource"):
        schedule = parse_hours(b.resource.opening_hours)
        assert fits(schedule, b.start.astimezone(), b.end.astimezone()) or schedule is None
        if b.expected_people and b.resource.capacity:
            assert b.expected_people <= b.resource.capacity
    blocking = list(
        Booking.objects.filter(status__in=["待审批", "已批准"]).values_list(
            "resource_id", "start", "end"
        )
    )
    by_resource: dict[int, list] = {}
    for rid, s, e in blocking:
        by_resource.setdefault(rid, []).append((s, e))
    for slots in by_resource.values():
        slots.sort()
        assert all(a[1] <= b[0] for a, b in zip(slots, slots[1:], strict=False))
    # Every pending request waits in the inbox of the owner's managers.
    pending = Booking.objects.filter(status="待审批").count()
    assert (
        Notification.objects.filter(key__startswith="booking:", kind="todo")
        .values("key")
        .distinct()
        .count()
        == pending
    )
    assert Notification.objects.filter(key__startswith="booking:", user__username="zhibu").exists()
    # Worded exactly as a request made on the screen (slot with its end, expected people).
    b = (
        Booking.objects.filter(status="待审批", expected_people__isnull=False)
        .select_related("resource", "org")
        .first()
    )
    task = Notification.objects.filter(key=f"booking:{b.pk}:request").first()
    assert task.body == services.request_reminder(b, ()).body
    start, end = timezone.localtime(b.start), timezone.localtime(b.end)
    assert task.body.startswith(
        f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}，用途："
    ) and task.body.endswith(f"预计 {b.expected_people} 人")


def test_needs_and_projects_have_matches_in_every_state(demo):
    assert Need.objects.count() == 10 and Project.objects.count() == 5
    assert set(Need.objects.values_list("status", flat=True)) == {"待对接", "已对接", "已关闭"}
    assert set(Match.objects.values_list("status", flat=True)) == {"对接中", "已达成", "已放弃"}
    assert all(m.shared_tags for m in Match.objects.all())


def test_a_second_run_changes_nothing(demo):
    before = (
        Resource.objects.count(),
        Booking.objects.count(),
        Match.objects.count(),
        Notification.objects.count(),
    )
    made = demo_sharing(stdout=io.StringIO())
    assert not any(made.values())
    assert (
        Resource.objects.count(),
        Booking.objects.count(),
        Match.objects.count(),
        Notification.objects.count(),
    ) == before
