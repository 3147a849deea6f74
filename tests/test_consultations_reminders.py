"""三色 escalation of the problem list into the inbox, the figures per alliance, and the demo."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from lianjian.consultations import services
from lianjian.consultations.models import JointMeeting, Problem
from lianjian.consultations.reminders import problem_reminders
from lianjian.consultations.selectors import figures, figures_by_alliance, statistics
from lianjian.deadlines import services as deadline_services
from lianjian.deadlines.models import DeadlinePreset
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import deliver, providers
from tests.consultation_helpers import days, make_consultations


@pytest.fixture
def c(world):
    return make_consultations(world)


def by_key(today: datetime.date) -> dict:
    return {r.key: r for r in problem_reminders(today)}


def test_the_provider_is_registered():
    assert providers()["问题清单"] is problem_reminders


@pytest.mark.parametrize(
    "offset,level",
    [(0, "green"), (22, "green"), (23, "yellow"), (30, "yellow"), (31, "red"), (200, "red")],
)
def test_colours_at_the_boundaries(world, c, offset, level):
    """WT-W is due in 30 days: yellow from 7 days before (the deadline day included), red the day after."""
    today = days(offset)
    deadline = days(30)
    reminders = by_key(today)
    keys = {k for k in reminders if k.startswith("problem:WT-W:")}
    if level == "green":
        assert keys == set()
    else:
        assert keys == {f"problem:WT-W:{level}:{deadline:%Y-%m-%d}"}


def test_yellow_goes_to_the_owners_managers_and_red_to_the_alliance_lead_too(world, c):
    services.problem_assign(
        actor=None, problem=c.assigned, owners=[world.partner], deadline=days(30)
    )
    yellow = by_key(days(25))[f"problem:WT-W:yellow:{days(30):%Y-%m-%d}"]
    # WB-GOV has no manager of its own: the company (its parent DW) is responsible.
    assert yellow.user_ids == (world.company.pk,)
    assert (yellow.level, yellow.title, yellow.link, yellow.due) == (
        "yellow",
        "问题“客户用电报装提速”临近办理期限",
        "/consultations/p/WT-W/",
        days(30),
    )
    assert yellow.body == f"WT-W，办理期限 {days(30):%Y-%m-%d}，还有 5 天。"
    red = by_key(days(33))[f"problem:WT-W:red:{days(30):%Y-%m-%d}"]
    assert set(red.user_ids) == {world.company.pk, world.manager_a.pk}
    assert red.body == f"WT-W，办理期限 {days(30):%Y-%m-%d}，已逾期 3 天，请尽快办理并报送进展。"


def test_a_problem_without_alliance_escalates_red_only_to_its_owners(world, c):
    red = by_key(days(21))[f"problem:WT-L:red:{days(20):%Y-%m-%d}"]
    assert red.user_ids == (world.manager_b.pk,)


def test_a_solved_problem_asks_the_raiser_to_confirm_and_solved_or_pending_ones_never_escalate(
    world, c
):
    reminders = by_key(days(400))
    confirm = reminders[f"problem:WT-S:confirm:{days(0):%Y-%m-%d}"]
    assert (confirm.user_ids, confirm.level) == ((world.manager_b.pk,), "green")
    assert not [
        k
        for k in reminders
        if k.startswith(("problem:WT-S:red", "problem:WT-S:yellow", "problem:WT-P:"))
    ]


def test_delivery_is_idempotent_and_a_new_deadline_reminds_again(world, c):
    today = days(31)
    first = deliver(problem_reminders(today))
    # The services already put the assign and confirm to-dos in; the daily job adds the colours.
    assert (
        first
        == Notification.objects.filter(
            Q(key__contains=":red:") | Q(key__contains=":yellow:"), key__startswith="problem:"
        ).count()
        > 0
    )
    assert deliver(problem_reminders(today)) == 0
    assert deliver(problem_reminders(days(32))) == 0
    note = Notification.objects.get(
        user=world.manager_a, key=f"problem:WT-W:red:{days(30):%Y-%m-%d}"
    )
    assert (note.level, note.kind) == ("red", "todo")
    services.problem_assign(actor=None, problem=c.assigned, owners=[world.zb_a], deadline=days(40))
    # ZB-A owns and leads: its own manager (the nearest level with one) gets it, once.
    assert deliver(problem_reminders(days(41))) == 1


def open_tasks(code: str) -> set[tuple[str, str]]:
    """(username, key kind and suffix) of the open to-dos of one problem."""
    return {
        (u, k.split(":", 2)[2])
        for u, k in Notification.objects.filter(
            key__startswith=f"problem:{code}:", done_at__isnull=True
        ).values_list("user__username", "key")
    }


def test_each_move_puts_a_todo_in_the_next_inbox_and_closes_the_one_just_done(world, c):
    """The inbox follows the problem: assigned → the owners; solved → the raiser at once
    (not the next day), the owners' to-dos done; sent back → the owners again; confirmed → none."""
    d30 = f"{days(30):%Y-%m-%d}"
    assert open_tasks("WT-W") == {("manager_a", f"assign:{d30}")}
    task = Notification.objects.get(user=world.manager_a, key=f"problem:WT-W:assign:{d30}")
    assert (task.kind, task.level, task.due, task.link, task.title) == (
        "todo",
        "green",
        days(30),
        "/consultations/p/WT-W/",
        "问题“客户用电报装提速”已分派，请办理",
    )
    assert task.body == f"WT-W，责任组织：营销服务党支部；办理期限 {d30}。请按期办理并报送进展。"
    deliver(problem_reminders(days(31)))  # overdue: red to the owners' (and the lead's) managers
    assert ("manager_a", f"red:{d30}") in open_tasks("WT-W")

    services.problem_solve(actor=None, problem=c.assigned, resolution="报装时长压缩至 15 天。")
    assert open_tasks("WT-W") == {("manager_b", f"confirm:{days(0):%Y-%m-%d}")}

    services.problem_reopen(actor=None, problem=c.assigned, reason="仍有企业反映超时")
    assert open_tasks("WT-W") == {("manager_a", "reopen:1")}
    again = Notification.objects.get(user=world.manager_a, key="problem:WT-W:reopen:1")
    assert (again.level, again.body) == (
        "green",
        f"WT-W，提出单位退回，原因：仍有企业反映超时。办理期限 {d30}。",
    )

    services.problem_solve(actor=None, problem=c.assigned, resolution="全部按时办结。")
    services.problem_confirm(actor=None, problem=c.assigned)
    assert open_tasks("WT-W") == set()
    # Closed to-dos read like those marked 办结 by hand: the sidebar's unread count drops.
    assert not Notification.objects.filter(
        key__startswith="problem:WT-W:", read_at__isnull=True
    ).exists()


def test_a_new_problem_asks_those_who_assign_it_until_it_is_assigned(world, c):
    """In an alliance: the lead's managers; without one: the managers above the raiser."""
    raised = f"raised:{days(0):%Y-%m-%d}"
    assert open_tasks("WT-P") == {("manager_a", raised)}
    task = Notification.objects.get(key=f"problem:WT-P:{raised}")
    assert (task.kind, task.level, task.title, task.link) == (
        "todo",
        "green",
        "新问题“线路通道清障协调”待研究分派",
        "/consultations/p/WT-P/",
    )
    assert (
        task.body
        == "WT-P，运维检修党支部提出（安全生产，紧急），请提交联建“营销政企联建”研究并分派责任单位。"
    )
    assert (
        Notification.objects.get(key=f"problem:WT-L:{raised}").done_at is not None
    )  # WT-L is assigned already
    assert Notification.objects.get(key=f"problem:WT-L:{raised}").user == world.company
    services.problem_assign(actor=None, problem=c.pending, owners=[world.zb_b], deadline=days(20))
    assert open_tasks("WT-P") == {("manager_b", f"assign:{days(20):%Y-%m-%d}")}


def test_reassigning_closes_the_todos_of_the_old_deadline_and_of_owners_taken_off(world, c):
    d30, d40 = f"{days(30):%Y-%m-%d}", f"{days(40):%Y-%m-%d}"
    services.problem_assign(
        actor=None, problem=c.assigned, owners=[world.zb_a, world.zb_b], deadline=days(30)
    )
    assert open_tasks("WT-W") == {("manager_a", f"assign:{d30}"), ("manager_b", f"assign:{d30}")}
    services.problem_assign(actor=None, problem=c.assigned, owners=[world.zb_a], deadline=days(30))
    assert open_tasks("WT-W") == {("manager_a", f"assign:{d30}")}
    services.problem_assign(actor=None, problem=c.assigned, owners=[world.zb_a], deadline=days(40))
    assert open_tasks("WT-W") == {("manager_a", f"assign:{d40}")}


def test_a_refused_move_leaves_the_inbox_alone(world, c):
    before = list(Notification.objects.values_list("key", "done_at"))
    with pytest.raises(ValidationError):
        services.problem_confirm(actor=None, problem=c.assigned)
    with pytest.raises(ValidationError):
        services.problem_assign(
            actor=None, problem=c.assigned, owners=[world.zb_a], deadline=days(-1)
        )
    assert list(Notification.objects.values_list("key", "done_at")) == before


def test_the_yellow_threshold_is_the_preset_of_problems(world, c):
    assert not [k for k in by_key(days(20)) if k.startswith("problem:WT-W:")]
    due = DeadlinePreset.objects.get(code="due")
    deadline_services.preset_update(actor=world.admin, preset=due, yellow=10, red=-1)
    assert f"problem:WT-W:yellow:{days(30):%Y-%m-%d}" in by_key(days(20))
    assert not [k for k in by_key(days(19)) if k.startswith("problem:WT-W:")]


def test_figures_count_raised_solved_open_overdue_and_the_median(world, c):
    qs = Problem.objects.filter(alliance=c.al.lj_a)
    f = figures(qs, days(0))
    assert (f.raised, f.solved, f.closed, f.open, f.overdue, f.median_days) == (3, 1, 0, 2, 0, 0.0)
    f = figures(qs, days(31))
    assert f.overdue == 1
    per = figures_by_alliance(Problem.objects.all(), days(0))
    assert set(per) == {c.al.lj_a.pk, c.al.lj_x.pk}
    assert (per[c.al.lj_x.pk].raised, per[c.al.lj_x.pk].median_days) == (1, None)


def test_statistics_by_category_state_and_month(world, c):
    today = days(0)
    data = statistics(Problem.objects.all(), year=today.year, today=today)
    assert data["figures"].raised == 5
    assert dict((s, n) for s, n in data["by_state"]) == {
        "待研究": 2,
        "已分派": 2,
        "办理中": 0,
        "待确认": 1,
        "已销号": 0,
    }
    cats = {c_: (n, s, o) for c_, n, s, o in data["by_category"]}
    assert (
        cats["乡村振兴"] == (1, 1, 0)
        and cats["安全生产"] == (1, 0, 0)
        and cats["基层治理"] == (0, 0, 0)
    )
    month = {m: (r, s) for m, r, s in data["by_month"]}
    assert month[today.month] == (5, 1)
    assert [code for code, _, _ in data["alliances"]] == ["LJ-A", "LJ-X"]


@pytest.mark.django_db
def test_demo_is_deterministic_idempotent_and_has_every_state_and_colour():
    from lianjian.alliances.demo import demo_alliances
    from lianjian.consultations.demo import demo_consultations
    from lianjian.orgs.demo import REFERENCE_DATE, demo_load

    demo_load(stdout=io.StringIO())
    demo_alliances()
    out = io.StringIO()
    assert demo_consultations(stdout=out) == {"meetings": 29, "problems": 31}
    assert out.getvalue() == "事务共商：新建联席会议 29 次、问题 31 个。"
    assert demo_consultations(stdout=io.StringIO()) == {"meetings": 0, "problems": 0}
    states = dict(Problem.objects.values_list("state").annotate(n=Count("id")))
    assert states == {"已销号": 10, "待确认": 4, "办理中": 8, "已分派": 4, "待研究": 5}
    colours = [p.colour(REFERENCE_DATE) for p in Problem.objects.all()]
    assert (colours.count("red"), colours.count("yellow"), colours.count("green")) == (4, 4, 4)
    assert Problem.objects.filter(reopened=1).count() == 1
    assert JointMeeting.objects.filter(status="筹备中").count() == 5
    assert all(m.minutes for m in JointMeeting.objects.filter(status="已召开"))
    # Every studied problem is on its meeting's agenda; every pending one on a December agenda.
    for p in Problem.objects.exclude(state="待研究"):
        assert p.agenda_items.filter(meeting=p.meeting).exists(), p.code
    for p in Problem.objects.filter(state="待研究"):
        assert p.agenda_items.filter(meeting__status="筹备中").exists(), p.code
    reminders = list(problem_reminders(REFERENCE_DATE))
    assert sum(1 for r in reminders if r.level == "red") == 4
    assert sum(1 for r in reminders if r.level == "yellow") == 4
    # The timeline of the reopened problem shows the way there.
    p = Problem.objects.get(reopened=1)
    assert [e.kind for e in p.events.order_by("at")] == [
        "提出",
        "分派",
        "进展",
        "办结",
        "退回重办",
        "进展",
        "进展",
    ]
