"""The problem lifecycle and meetings through the services: every legal and illegal
transition, who may take each (permissions), scope, the timeline and the audit log."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lianjian.consultations import selectors, services
from lianjian.consultations.models import (
    AgendaItem,
    JointMeeting,
    Problem,
    ProblemEvent,
    ProblemOwner,
)
from lianjian.core.models import AuditLog
from lianjian.core.scope import may
from lianjian.orgs.services import org_dissolve
from tests.consultation_helpers import days, make_consultations
from tests.matrix import by_persona, user_of


@pytest.fixture
def c(world):
    return make_consultations(world)


def state(problem: Problem) -> tuple:
    """Everything a refused action must leave as it was."""
    return (
        Problem.objects.filter(pk=problem.pk).values().get(),
        list(ProblemOwner.objects.filter(problem=problem).values_list("org__code", "position")),
        ProblemEvent.objects.filter(problem=problem).count(),
        AuditLog.objects.count(),
        AgendaItem.objects.count(),
    )


def refused(call, problem: Problem, message: str) -> None:
    before = state(problem)
    with pytest.raises(ValidationError) as exc:
        call()
    assert message in "；".join(exc.value.messages)
    assert state(problem) == before


# ---- scope ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,codes",
    [
        ("admin", {"WT-P", "WT-W", "WT-S", "WT-X", "WT-L"}),
        ("company", {"WT-P", "WT-W", "WT-S", "WT-L"}),
        ("manager_a", {"WT-P", "WT-W", "WT-S", "WT-L"}),
        ("member_a", {"WT-P", "WT-W", "WT-S", "WT-L"}),
        ("manager_b", {"WT-P", "WT-W", "WT-S", "WT-L"}),
        ("outsider", {"WT-X"}),
    ],
)
def test_problems_are_visible_through_the_alliance_the_raiser_or_an_owner(world, c, persona, codes):
    assert (
        set(Problem.objects.visible_to(getattr(world, persona)).values_list("code", flat=True))
        == codes
    )


def test_a_problem_without_alliance_is_seen_through_its_owner_only(world, c):
    services.problem_assign(actor=None, problem=c.loose, owners=[world.zb_b], deadline=days(5))
    zb_x_problem = services.problem_raise(
        actor=None, raised_by=world.zb_x, title="无联建", category="其他", code="WT-Y"
    )
    assert not Problem.objects.visible_to(world.manager_b).filter(pk=zb_x_problem.pk).exists()
    services.problem_assign(actor=None, problem=zb_x_problem, owners=[world.zb_b], deadline=days(5))
    assert Problem.objects.visible_to(world.manager_b).filter(pk=zb_x_problem.pk).exists()
    assert not Problem.objects.visible_to(world.manager_a).filter(pk=zb_x_problem.pk).exists()


@pytest.mark.parametrize(
    "persona,codes",
    [
        ("admin", {"WT-P", "WT-W", "WT-S", "WT-X", "WT-L"}),
        ("company", {"WT-P", "WT-W", "WT-S", "WT-L"}),
        ("manager_a", {"WT-P", "WT-W", "WT-S", "WT-L"}),
        ("member_a", set()),
        ("manager_b", {"WT-P", "WT-W", "WT-S", "WT-L"}),
        ("outsider", {"WT-X"}),
    ],
)
def test_manageable_problems_are_those_in_some_role(world, c, persona, codes):
    assert (
        set(Problem.objects.manageable_by(getattr(world, persona)).values_list("code", flat=True))
        == codes
    )


@pytest.mark.parametrize(
    "persona,codes",
    [
        ("admin", {"LX-A", "LX-X"}),
        ("company", {"LX-A"}),
        ("manager_a", {"LX-A"}),
        ("member_a", {"LX-A"}),
        ("manager_b", {"LX-A"}),
        ("outsider", {"LX-X"}),
    ],
)
def test_meetings_are_visible_to_those_who_see_the_alliance(world, c, persona, codes):
    assert (
        set(JointMeeting.objects.visible_to(getattr(world, persona)).values_list("code", flat=True))
        == codes
    )


# Who holds the role of each action (state aside), per persona in PERSONAS order.
ROLES = {
    ("assign", "pending"): [True, True, True, False, False, False],  # LJ-A's managers
    ("assign", "loose"): [True, True, False, False, False, False],  # above the raiser ZB-A
    ("progress", "assigned"): [True, True, True, False, False, False],  # owner ZB-A's managers
    ("progress", "loose"): [True, True, False, False, True, False],  # owner ZB-B's managers
    ("confirm", "solved"): [True, True, False, False, True, False],  # raiser ZB-B's managers
    ("reopen", "solved"): [True, True, False, False, True, False],
    ("edit", "pending"): [True, True, True, False, True, False],  # raiser or assigners
}


@pytest.mark.parametrize("key", list(ROLES), ids=["-".join(k) for k in ROLES])
def test_each_action_belongs_to_its_role(world, c, key):
    action, name = key
    problem = Problem.objects.select_related("alliance__lead", "raised_by").get(
        pk=getattr(c, name).pk
    )
    assert by_persona(lambda p: may(user_of(world, p), action, problem)) == ROLES[key]


def test_actions_for_combine_role_and_state(world, c):
    problem = Problem.objects.select_related("alliance__lead", "raised_by").get(code="WT-S")
    assert selectors.actions_for(world.manager_b, problem) == ["confirm", "reopen"]
    assert selectors.actions_for(world.manager_a, problem) == []
    assert selectors.actions_for(world.member_a, problem) == []
    pending = Problem.objects.select_related("alliance__lead", "raised_by").get(code="WT-P")
    assert selectors.actions_for(world.manager_a, pending) == ["assign", "edit"]


# ---- raising ----------------------------------------------------------------------------


def test_raising_puts_a_problem_on_the_list_with_a_code_an_event_and_an_audit_row(world, c):
    before = AuditLog.objects.count()
    p = services.problem_raise(
        actor=world.manager_b,
        raised_by=world.zb_b,
        alliance=c.al.lj_a,
        title=" 配网改造征地协调 ",
        category="生产经营难点",
        urgency="较急",
    )
    year = timezone.localdate().year
    assert (p.code, p.state, p.title, p.raised_on) == (
        f"WT-{year}-001",
        "待研究",
        "配网改造征地协调",
        timezone.localdate(),
    )
    second = services.problem_raise(
        actor=world.manager_b, raised_by=world.zb_b, title="另一个", category="其他"
    )
    assert second.code == f"WT-{year}-002"
    event = p.events.get()
    assert (event.kind, event.from_state, event.to_state, event.actor_name, event.org_id) == (
        "提出",
        "",
        "待研究",
        "manager_b",
        world.zb_b.pk,
    )
    assert AuditLog.objects.count() == before + 2
    assert (
        AuditLog.objects.filter(target_id=p.code, action="create").get().after["state"] == "待研究"
    )


def test_the_raising_organisation_must_take_part_in_the_alliance(world, c):
    n = Problem.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.problem_raise(
            actor=None, raised_by=world.zb_x, alliance=c.al.lj_a, title="x", category="其他"
        )
    assert exc.value.message_dict == {
        "raised_by": ["“外公司党支部”不是联建“营销政企联建”的成员单位"]
    }
    assert Problem.objects.count() == n


def test_raising_refuses_a_taken_code_a_bad_code_a_future_date_and_a_dissolved_organisation(
    world, c
):
    n = Problem.objects.count()
    with pytest.raises(ValidationError, match="编号已存在"):
        services.problem_raise(
            actor=None, raised_by=world.zb_b, title="x", category="其他", code="WT-P"
        )
    with pytest.raises(ValidationError, match="编码只能包含"):
        services.problem_raise(
            actor=None, raised_by=world.zb_b, title="x", category="其他", code="问题 1"
        )
    with pytest.raises(ValidationError, match="提出日期不能晚于今天"):
        services.problem_raise(
            actor=None, raised_by=world.zb_b, title="x", category="其他", raised_on=days(1)
        )
    with pytest.raises(ValidationError, match="问题标题|title"):
        services.problem_raise(actor=None, raised_by=world.zb_b, title="  ", category="其他")
    org_dissolve(actor=None, org=world.xz_a1, date=datetime.date(2026, 1, 1), reason="调整")
    world.xz_a1.refresh_from_db()
    with pytest.raises(ValidationError, match="已撤销"):
        services.problem_raise(actor=None, raised_by=world.xz_a1, title="x", category="其他")
    assert Problem.objects.count() == n


# ---- assigning --------------------------------------------------------------------------


def test_assigning_sets_owners_deadline_and_puts_the_problem_on_the_meetings_agenda(world, c):
    p = c.pending
    services.problem_assign(
        actor=world.manager_a,
        problem=p,
        owners=[world.partner, world.zb_a],
        deadline=days(15),
        responsible="周联络",
        meeting=c.meeting,
        note="请县政府牵头",
    )
    p.refresh_from_db()
    assert (p.state, p.deadline, p.responsible, p.meeting_id, p.assigned_on) == (
        "已分派",
        days(15),
        "周联络",
        c.meeting.pk,
        timezone.localdate(),
    )
    assert list(p.owner_links.values_list("org__code", "position")) == [("WB-GOV", 0), ("ZB-A", 1)]
    event = p.events.order_by("-id").first()
    assert (event.kind, event.from_state, event.to_state) == ("分派", "待研究", "已分派")
    assert event.text.startswith("责任组织：本溪县人民政府机关党委、营销服务党支部；办理期限")
    assert event.text.endswith("。请县政府牵头")
    # WT-P was already on LX-A's agenda: not listed twice.
    assert AgendaItem.objects.filter(meeting=c.meeting, problem=p).count() == 1


def test_assigning_at_a_meeting_adds_the_problem_to_its_agenda(world, c):
    p = services.problem_raise(
        actor=None, raised_by=world.zb_b, alliance=c.al.lj_a, title="新问题", category="其他"
    )
    services.problem_assign(
        actor=None, problem=p, owners=[world.zb_b], deadline=days(3), meeting=c.meeting
    )
    item = AgendaItem.objects.get(meeting=c.meeting, problem=p)
    assert (item.position, item.title) == (3, "研究：新问题")


def test_reassigning_keeps_the_state_and_records_the_change(world, c):
    p = c.assigned
    services.problem_progress(actor=None, problem=p, org=world.zb_a, text="已踏勘")
    services.problem_assign(
        actor=world.company, problem=p, owners=[world.zb_a, world.zb_b], deadline=days(60)
    )
    p.refresh_from_db()
    assert (p.state, p.deadline) == ("办理中", days(60))
    event = p.events.order_by("-id").first()
    assert (event.kind, event.from_state, event.to_state) == ("调整分派", "", "")


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"owners": []}, "请至少指定一个责任组织"),
        ({"owners": ["zb_x"]}, "责任组织须为本联建的成员单位：外公司党支部"),
        ({"owners": ["zb_a", "zb_a"]}, "同一组织不能重复列为责任组织"),
        ({"deadline": -1}, "办理期限不能早于今天"),
        ({"meeting": "meeting_x"}, "研究会议须为本联建的联席会议"),
    ],
)
def test_bad_assignments_are_refused_changing_nothing(world, c, kwargs, message):
    args = {"owners": [world.zb_a], "deadline": days(10), "meeting": None}
    if "owners" in kwargs:
        args["owners"] = [getattr(world, o) for o in kwargs["owners"]]
    if "deadline" in kwargs:
        args["deadline"] = days(kwargs["deadline"])
    if "meeting" in kwargs:
        args["meeting"] = c.meeting_x
    refused(
        lambda: services.problem_assign(actor=None, problem=c.pending, **args), c.pending, message
    )


# ---- illegal transitions ----------------------------------------------------------------


def _closed(world, c) -> Problem:
    services.problem_confirm(actor=None, problem=c.solved)
    return c.solved


ILLEGAL = [
    ("progress", "pending", "问题当前为“待研究”，不能报送进展"),
    ("solve", "pending", "问题当前为“待研究”，不能办结"),
    ("confirm", "pending", "问题当前为“待研究”，不能确认销号"),
    ("reopen", "assigned", "问题当前为“已分派”，不能退回重新办理"),
    ("confirm", "assigned", "问题当前为“已分派”，不能确认销号"),
    ("assign", "solved", "问题当前为“待确认”，不能分派"),
    ("progress", "solved", "问题当前为“待确认”，不能报送进展"),
    ("solve", "solved", "问题当前为“待确认”，不能办结"),
    ("assign", "closed", "问题当前为“已销号”，不能分派"),
    ("progress", "closed", "问题当前为“已销号”，不能报送进展"),
    ("solve", "closed", "问题当前为“已销号”，不能办结"),
    ("confirm", "closed", "问题当前为“已销号”，不能确认销号"),
    ("reopen", "closed", "问题当前为“已销号”，不能退回重新办理"),
]


@pytest.mark.parametrize("action,name,message", ILLEGAL, ids=[f"{a}-{n}" for a, n, _ in ILLEGAL])
def test_illegal_transitions_are_refused_with_a_reason_changing_nothing(
    world, c, action, name, message
):
    problem = _closed(world, c) if name == "closed" else getattr(c, name)
    calls = {
        "assign": lambda: services.problem_assign(
            actor=None, problem=problem, owners=[world.zb_a], deadline=days(5)
        ),
        "progress": lambda: services.problem_progress(
            actor=None, problem=problem, org=world.zb_a, text="进展"
        ),
        "solve": lambda: services.problem_solve(actor=None, problem=problem, resolution="已解决"),
        "confirm": lambda: services.problem_confirm(actor=None, problem=problem),
        "reopen": lambda: services.problem_reopen(actor=None, problem=problem, reason="未解决"),
    }
    refused(calls[action], problem, message)


def test_editing_is_only_possible_while_pending(world, c):
    services.problem_update(
        actor=None, problem=c.pending, title="线路通道树障清理协调", urgency="较急"
    )
    c.pending.refresh_from_db()
    assert (c.pending.title, c.pending.urgency) == ("线路通道树障清理协调", "较急")
    assert c.pending.events.order_by("-id").first().text == "修改了问题标题、紧急程度"
    refused(
        lambda: services.problem_update(actor=None, problem=c.assigned, title="改"),
        c.assigned,
        "问题当前为“已分派”，不能修改",
    )


# ---- the whole way ----------------------------------------------------------------------


def test_a_problem_goes_from_raising_to_closing_with_one_reopening(world, c):
    p = services.problem_raise(
        actor=world.manager_b,
        raised_by=world.zb_b,
        alliance=c.al.lj_a,
        title="配网改造征地协调",
        category="生产经营难点",
    )
    services.problem_assign(
        actor=world.manager_a,
        problem=p,
        owners=[world.partner],
        deadline=days(20),
        responsible="周联络",
    )
    services.problem_progress(
        actor=world.company, problem=p, org=world.partner, text="已召开协调会"
    )
    assert p.state == "办理中"
    services.problem_solve(
        actor=world.company, problem=p, resolution="完成征地 14 基", org=world.partner
    )
    assert (p.state, p.solved_on, p.resolution) == (
        "待确认",
        timezone.localdate(),
        "完成征地 14 基",
    )
    services.problem_reopen(actor=world.manager_b, problem=p, reason="仍有 2 基未落实")
    assert (p.state, p.solved_on, p.resolution, p.reopened) == ("办理中", None, "", 1)
    services.problem_progress(
        actor=world.company, problem=p, org=world.partner, text="剩余 2 基已协调"
    )
    services.problem_solve(actor=world.company, problem=p, resolution="全部落实")
    services.problem_confirm(actor=world.manager_b, problem=p, note="同意销号")
    p.refresh_from_db()
    assert (p.state, p.closed_on, p.reopened) == ("已销号", timezone.localdate(), 1)
    assert [(e.kind, e.from_state, e.to_state) for e in p.events.order_by("id")] == [
        ("提出", "", "待研究"),
        ("分派", "待研究", "已分派"),
        ("进展", "已分派", "办理中"),
        ("办结", "办理中", "待确认"),
        ("退回重办", "待确认", "办理中"),
        ("进展", "", ""),
        ("办结", "办理中", "待确认"),
        ("销号", "待确认", "已销号"),
    ]
    assert (
        AuditLog.objects.filter(target_type="consultations.problem", target_id=p.code).count() == 8
    )


def test_progress_comes_from_an_owner_and_needs_text(world, c):
    refused(
        lambda: services.problem_progress(
            actor=None, problem=c.assigned, org=world.zb_b, text="进展"
        ),
        c.assigned,
        "“运维检修党支部”不是该问题的责任组织",
    )
    refused(
        lambda: services.problem_progress(
            actor=None, problem=c.assigned, org=world.zb_a, text="  "
        ),
        c.assigned,
        "不能为空",
    )


def test_solving_needs_a_resolution_and_a_plausible_date(world, c):
    refused(
        lambda: services.problem_solve(actor=None, problem=c.assigned, resolution=""),
        c.assigned,
        "不能为空",
    )
    refused(
        lambda: services.problem_solve(
            actor=None, problem=c.assigned, resolution="好", solved_on=days(1)
        ),
        c.assigned,
        "解决日期不能晚于今天",
    )
    refused(
        lambda: services.problem_solve(
            actor=None, problem=c.assigned, resolution="好", solved_on=days(-400)
        ),
        c.assigned,
        "解决日期不能早于提出日期",
    )


def test_reopening_needs_a_reason(world, c):
    refused(
        lambda: services.problem_reopen(actor=None, problem=c.solved, reason=" "),
        c.solved,
        "不能为空",
    )


# ---- meetings ---------------------------------------------------------------------------


def test_a_meeting_keeps_its_ordered_agenda_and_attendees(world, c):
    m = c.meeting
    assert list(m.agenda.values_list("position", "title", "problem__code")) == [
        (1, "通报联建工作", None),
        (2, "研究：线路通道清障协调", "WT-P"),
    ]
    assert list(m.attendees.values_list("org__code", "name", "member__number")) == [
        ("ZB-A", "张三", "M-A1"),
        ("WB-GOV", "周联络", None),
    ]
    services.meeting_update(
        actor=None, meeting=m, agenda=[services.Agenda("只有一项")], place="县政府会议室"
    )
    assert list(m.agenda.values_list("title", flat=True)) == ["只有一项"]
    assert m.place == "县政府会议室"
    assert JointMeeting.objects.get(pk=m.pk).place == "县政府会议室"


@pytest.mark.parametrize(
    "change,message",
    [
        ("convener", "召集单位须为本联建的成员单位"),
        ("agenda", "问题 WT-X 不属于本联建"),
        ("attendee", "参会单位“外公司党支部”不是本联建的成员单位"),
    ],
)
def test_meetings_refuse_strangers(world, c, change, message):
    n = (JointMeeting.objects.count(), AuditLog.objects.count())
    kwargs = {"convener": world.zb_a, "agenda": (), "attendees": ()}
    if change == "convener":
        kwargs["convener"] = world.zb_x
    elif change == "agenda":
        kwargs["agenda"] = [services.Agenda("研究", c.foreign)]
    else:
        kwargs["attendees"] = [services.Attendee(org=world.zb_x, name="赵六")]
    with pytest.raises(ValidationError) as exc:
        services.meeting_create(
            actor=None, alliance=c.al.lj_a, title="会", start=timezone.now(), **kwargs
        )
    assert message in "；".join(exc.value.messages)
    assert (JointMeeting.objects.count(), AuditLog.objects.count()) == n


def test_meeting_codes_follow_the_year_of_the_meeting(world, c):
    start = datetime.datetime(2026, 3, 1, 14, 30, tzinfo=timezone.get_current_timezone())
    m1 = services.meeting_create(
        actor=None, alliance=c.al.lj_a, title="会一", start=start, convener=world.zb_a
    )
    m2 = services.meeting_create(
        actor=None, alliance=c.al.lj_a, title="会二", start=start, convener=world.zb_b
    )
    assert (m1.code, m2.code) == ("LX-2026-001", "LX-2026-002")


def test_a_meeting_is_marked_held_once_it_took_place_with_minutes(world, c):
    m = c.meeting
    with pytest.raises(ValidationError, match="尚未到召开时间"):
        services.meeting_mark_held(actor=None, meeting=m)
    services.meeting_update(
        actor=None, meeting=m, start=timezone.now() - datetime.timedelta(hours=1)
    )
    with pytest.raises(ValidationError, match="请先填写会议纪要"):
        services.meeting_mark_held(actor=None, meeting=m)
    services.meeting_update(actor=None, meeting=m, minutes="会议研究了线路通道清障问题。")
    services.meeting_mark_held(actor=world.manager_a, meeting=m)
    assert JointMeeting.objects.get(pk=m.pk).status == "已召开"
    with pytest.raises(ValidationError, match="已标记为已召开"):
        services.meeting_mark_held(actor=None, meeting=m)
    with pytest.raises(ValidationError, match="已召开的会议须填写会议纪要"):
        services.meeting_update(actor=None, meeting=m, minutes="")


def test_minutes_and_decisions_are_bounded_whoever_writes_them(world, c):
    """The API stops at 20 000 characters; the screens and the services hold the same line."""
    before = (
        JointMeeting.objects.values_list("minutes", "decisions").get(pk=c.meeting.pk),
        AuditLog.objects.count(),
    )
    for name, label in (("minutes", "会议纪要"), ("decisions", "议定事项")):
        with pytest.raises(ValidationError) as exc:
            services.meeting_update(actor=None, meeting=c.meeting, **{name: "纪" * 20_001})
        assert exc.value.message_dict == {name: [f"{label}不能超过 20000 个字符"]}
        with pytest.raises(ValidationError):
            services.meeting_create(
                actor=None,
                alliance=c.al.lj_a,
                title="会",
                start=timezone.now(),
                convener=world.zb_a,
                **{name: "纪" * 20_001},
            )
    assert (
        JointMeeting.objects.values_list("minutes", "decisions").get(pk=c.meeting.pk),
        AuditLog.objects.count(),
    ) == before
    services.meeting_update(actor=None, meeting=c.meeting, minutes="纪" * 20_000)
