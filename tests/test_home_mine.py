"""'我的' — a member's own page (issue #13, first part): their attendance of the year and
their open to-dos, read only from their own member record and inbox."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianjian.activities import services
from lianjian.activities.models import Activity, Attendance
from lianjian.notifications.models import Notification
from lianjian.settings import TIME_ZONE
from tests.matrix import client_for

TZ = datetime.timezone(datetime.timedelta(hours=8), TIME_ZONE)


def _activity(world, code: str, day: datetime.date, attendance: dict) -> None:
    activity = services.activity_record(
        actor=None,
        code=code,
        type="主题党日",
        host=world.zb_a,
        start=datetime.datetime(day.year, day.month, day.day, 9, tzinfo=TZ),
        topic=f"主题党日 {code}",
    )
    for member, (status, method) in attendance.items():
        Attendance.objects.create(activity=activity, member=member, status=status, method=method)


@pytest.fixture
def year_2026(world):
    a1, a2 = world.m_a1, world.m_a2
    _activity(world, "MY-1", datetime.date(2026, 3, 5), {a1: ("出席", "扫码"), a2: ("缺席", "")})
    _activity(world, "MY-2", datetime.date(2026, 4, 5), {a1: ("请假", ""), a2: ("出席", "补录")})
    _activity(world, "MY-3", datetime.date(2026, 5, 5), {a1: ("缺席", "")})
    _activity(world, "MY-4", datetime.date(2025, 5, 5), {a1: ("出席", "补录")})
    _activity(world, "MY-5", datetime.date(2026, 6, 5), {a1: ("出席", "扫码")})
    services.activity_void(actor=None, activity=Activity.objects.get(code="MY-5"), reason="误录")


def mine(client, **params) -> str:
    return client.get(reverse("home:mine"), params).content.decode()


@pytest.mark.django_db
def test_a_member_sees_their_own_year_and_the_figures_add_up(world, year_2026):
    page = mine(client_for(world, "member_a"), year=2026)
    for code in ("MY-1", "MY-2", "MY-3"):
        assert f"主题党日 {code}" in page
    assert "主题党日 MY-4" not in page  # another year
    assert "主题党日 MY-5" not in page  # voided
    figures = {
        k: page.split(f'data-figure="{k}">')[1].split("<")[0]
        for k in ("expected", "present", "leave", "absent", "scanned")
    }
    assert figures == {"expected": "3", "present": "1", "leave": "1", "absent": "1", "scanned": "1"}
    older = mine(client_for(world, "member_a"), year=2025)
    assert "主题党日 MY-4" in older and "主题党日 MY-1" not in older


@pytest.mark.django_db
def test_the_page_reads_only_the_signed_in_members_own_rows(world, year_2026):
    """李四 (M-A2) was present at MY-2; 张三's page never shows it as his, and no parameter
    names another member."""
    page = mine(client_for(world, "member_a"), year=2026, member="M-A2")
    assert "李四" not in page and "补录" not in page.split("应参加的活动")[1]


@pytest.mark.django_db
def test_an_account_without_a_member_record_is_told_so_and_not_offered_the_page(world):
    page = mine(client_for(world, "admin"))
    assert "未关联党员档案" in page
    link = f'href="{reverse("home:mine")}"'
    assert link not in client_for(world, "admin").get("/").content.decode()
    assert link in client_for(world, "member_a").get("/").content.decode()


@pytest.mark.django_db
def test_open_to_dos_are_the_users_own_and_done_ones_are_left_out(world):
    user = world.member_a
    Notification.objects.create(
        user=user, kind="todo", key="a", title="参加支部党员大会", due=datetime.date(2026, 12, 20)
    )
    Notification.objects.create(
        user=user,
        kind="todo",
        key="b",
        title="已经办完的",
        done_at=datetime.datetime(2026, 12, 1, tzinfo=TZ),
    )
    Notification.objects.create(user=world.manager_a, kind="todo", key="c", title="别人的待办")
    page = mine(client_for(world, "member_a"))
    assert "参加支部党员大会" in page and "截止 2026-12-20" in page
    assert "已经办完的" not in page and "别人的待办" not in page


@pytest.mark.django_db
def test_the_page_answers_in_the_same_queries_however_many_activities(world, year_2026):
    client = client_for(world, "member_a")
    client.get(reverse("home:mine"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("home:mine"), {"year": 2026})
        return len(ctx)

    before = count()
    for i in range(6):
        _activity(world, f"MORE-{i}", datetime.date(2026, 7, i + 1), {world.m_a1: ("出席", "扫码")})
    assert count() == before


@pytest.mark.django_db
def test_my_key_tasks_card_lists_the_members_tasks_with_progress_and_links(world):
    from tests.keytask_helpers import make_tasks

    tasks = make_tasks(world)
    page = mine(client_for(world, "member_a"))
    card = page.split('id="my-keytasks"')[1].split("应参加的活动")[0]
    assert "我的关键任务" in page
    assert reverse("keytasks:task_detail", args=[tasks.a.code]) in card  # 张三 owns T-1-A
    assert tasks.b.name not in card  # 王五's task
    assert "责任人" in card and "kt-bar" in card and 'data-colour="' in card
    assert f'href="{reverse("keytasks:my_tasks")}"' in card and "查看全部" in card


@pytest.mark.django_db
def test_the_page_answers_in_the_same_queries_however_many_key_tasks(world):
    from lianjian.keytasks import services as kt
    from tests.keytask_helpers import category, make_tasks

    tasks = make_tasks(world)
    client = client_for(world, "member_a")
    client.get(reverse("home:mine"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("home:mine"))
        return len(ctx)

    before = count()
    for i in range(4):
        kt.task_create(
            actor=None,
            task_list=tasks.lst,
            code=f"QD-T-1-A{i}",
            parent=tasks.parent,
            name=f"增加的任务{i}",
            category=category(),
            owner_org=world.zb_a,
            owner=world.m_a1,
            planned_start=tasks.a.planned_start,
            planned_end=tasks.a.planned_end,
        )
    assert count() == before
    assert "增加的任务3" in mine(client)
