"""Point 6 of issue 18: a submitted activity reaches its reviewers' 待办 and leaves it when
approved or returned; a returned record reaches the host's managers until resubmitted."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from lianjian.activities import services
from lianjian.activities.models import ActivityStatus
from lianjian.activities.reminders import reviewers
from lianjian.activities.selectors import TZ
from lianjian.notifications.models import Notification


@pytest.fixture
def draft(world):
    return services.activity_record(
        actor=None,
        code="ACT-R",
        type="主题党日",
        host=world.zb_a,
        start=datetime.datetime(2026, 3, 5, 9, tzinfo=TZ),
        topic="三月主题党日",
    )


def open_tasks(user) -> list[str]:
    return list(
        Notification.objects.filter(
            user=user, kind=Notification.Kind.TASK, done_at__isnull=True
        ).values_list("key", flat=True)
    )


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_the_reviewers_are_the_managers_above_the_host_who_may_approve(world, draft):
    assert reviewers(draft) == (world.company.pk,)
    top = services.activity_record(
        actor=None,
        code="ACT-DW",
        type="党课",
        host=world.dw,
        start=datetime.datetime(2026, 3, 5, 9, tzinfo=TZ),
        topic="党委党课",
    )
    assert reviewers(top) == ()  # the host's own managers never review their own record


@pytest.mark.django_db
def test_submitting_puts_a_todo_into_the_reviewers_inbox_and_approving_closes_it(world, draft):
    services.activity_submit(actor=world.manager_a, activity=draft)
    assert open_tasks(world.company) == ["activity:ACT-R:review:1"]
    assert open_tasks(world.manager_a) == [] and open_tasks(world.manager_b) == []
    services.activity_approve(actor=world.company, activity=draft)
    assert open_tasks(world.company) == []
    assert (
        Notification.objects.get(user=world.company, key="activity:ACT-R:review:1").read_at
        is not None
    )


@pytest.mark.django_db
def test_returning_closes_the_review_and_asks_the_host_to_fix_it_until_resubmitted(world, draft):
    services.activity_submit(actor=world.manager_a, activity=draft)
    services.activity_return(actor=world.company, activity=draft, reason="缺少会议记录")
    assert open_tasks(world.company) == []
    assert open_tasks(world.manager_a) == ["activity:ACT-R:fix:1"]
    assert "缺少会议记录" in Notification.objects.get(key="activity:ACT-R:fix:1").body
    services.activity_submit(actor=world.manager_a, activity=draft)
    assert open_tasks(world.manager_a) == []
    assert open_tasks(world.company) == ["activity:ACT-R:review:2"]


@pytest.mark.django_db
def test_a_refused_submission_reaches_nobody(world, draft):
    services.activity_submit(actor=world.manager_a, activity=draft)
    with pytest.raises(ValidationError, match="只有草稿或已退回的记录可以提交"):
        services.activity_submit(actor=world.manager_a, activity=draft)
    assert Notification.objects.filter(key__startswith="activity:ACT-R:").count() == 1


@pytest.mark.django_db
def test_the_screens_carry_the_record_to_the_reviewers_inbox_and_out_again(world, draft):
    url = lambda name: reverse(f"activities:{name}", args=["ACT-R"])  # noqa: E731
    assert client_for(world.manager_a).post(url("activity_submit")).status_code == 302
    reviewer = client_for(world.company)
    inbox = reviewer.get(reverse("notifications:inbox"))
    assert "待审核：营销服务党支部“三月主题党日”" in inbox.content.decode()
    assert reviewer.post(url("activity_approve")).status_code == 302
    draft.refresh_from_db()
    assert draft.status == ActivityStatus.APPROVED
    assert "三月主题党日" not in reviewer.get(reverse("notifications:inbox")).content.decode()


@pytest.mark.django_db
def test_the_demo_records_awaiting_review_are_in_the_reviewers_inbox():
    import io

    from lianjian.activities.demo import demo_activities
    from lianjian.activities.models import Activity
    from lianjian.alliances.demo import demo_alliances
    from lianjian.orgs.demo import demo_load

    demo_load(stdout=io.StringIO())
    demo_alliances()
    demo_activities(stdout=io.StringIO())
    submitted = Activity.objects.filter(status=ActivityStatus.SUBMITTED).select_related("host")
    assert submitted.exists()
    keys = set(
        Notification.objects.filter(
            kind=Notification.Kind.TASK, key__contains=":review:"
        ).values_list("key", flat=True)
    )
    assert keys == {f"activity:{a.code}:review:1" for a in submitted if reviewers(a)}
    for returned in Activity.objects.filter(status=ActivityStatus.RETURNED):
        assert Notification.objects.filter(key=f"activity:{returned.code}:fix:1").exists()


@pytest.mark.django_db
def test_records_a_manager_imports_from_excel_reach_the_reviewers_inbox(world):
    from tests.test_activities_excel import ROWS, load

    result = load([ROWS[0], ROWS[2]], user=world.manager_a)
    assert result.created == 2
    # the branch's record goes to the company; its party group's record to the branch
    assert open_tasks(world.company) == ["activity:HD-1:review:1"]
    assert open_tasks(world.manager_a) == ["activity:HD-3:review:1"]
    assert load([ROWS[0], ROWS[2]], user=world.manager_a).created == 0  # a re-import adds no to-do
    assert len(open_tasks(world.company)) == 1
    admin_import = load(
        [["HD-9", "ZB-A", "主题党日", "2025-04-30 09:00", "四月主题党日", None, None, None, None]],
        user=world.admin,
    )
    assert admin_import.created == 1 and not any(
        "HD-9" in k for k in open_tasks(world.company)
    )  # approved at once


@pytest.mark.django_db
def test_a_review_todo_leaves_the_inbox_by_reviewing_never_by_a_click_on_done(world, draft):
    services.activity_submit(actor=world.manager_a, activity=draft)
    task = Notification.objects.get(user=world.company, key__startswith="activity:ACT-R:review:")
    assert task.closed_by_work
    c = client_for(world.company)
    page = c.get(reverse("notifications:inbox")).content.decode()
    assert "去办理" in page and f"/inbox/{task.pk}/mark/" not in page
    response = c.post(
        reverse("notifications:mark", args=[task.pk]), {"action": "done"}, follow=True
    )
    assert "自动办结" in response.content.decode()
    task.refresh_from_db()
    assert task.done_at is None and task.read_at is None  # nothing changed
    services.activity_approve(actor=world.company, activity=draft)
    task.refresh_from_db()
    assert task.done_at is not None
    # A reminder that is not a step of a flow is still closed by hand.
    other = Notification.objects.create(
        user=world.company, key="other:1", title="提醒", kind=Notification.Kind.TASK
    )
    c.post(reverse("notifications:mark", args=[other.pk]), {"action": "done"})
    other.refresh_from_db()
    assert other.done_at is not None
