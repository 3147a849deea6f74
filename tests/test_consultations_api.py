"""API of 事务共商: ``/api/v1/problems`` and ``/api/v1/meetings`` — the permission matrix,
transitions (400 with the reason when the state refuses), and nothing changed on refusal."""

from __future__ import annotations

import pytest

from lianjian.consultations.models import JointMeeting, Problem, ProblemEvent, ProblemOwner
from lianjian.core.models import AuditLog
from tests.api_helpers import call
from tests.consultation_helpers import days, make_consultations
from tests.matrix import PERSONAS, api_call, assert_write, cases

NOT_FOUND = {"detail": "未找到"}
VISIBLE = {
    "admin": ["WT-L", "WT-P", "WT-S", "WT-W", "WT-X"],
    "company": ["WT-L", "WT-P", "WT-S", "WT-W"],
    "manager_a": ["WT-L", "WT-P", "WT-S", "WT-W"],
    "member_a": ["WT-L", "WT-P", "WT-S", "WT-W"],
    "manager_b": ["WT-L", "WT-P", "WT-S", "WT-W"],
    "outsider": ["WT-X"],
}


@pytest.fixture
def c(world):
    return make_consultations(world)


def everything() -> list:
    return [
        list(Problem.objects.order_by("pk").values_list()),
        list(ProblemOwner.objects.order_by("pk").values_list()),
        ProblemEvent.objects.count(),
        JointMeeting.objects.count(),
        AuditLog.objects.count(),
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_shows_exactly_what_the_caller_sees(world, c, persona):
    status, data = api_call(world, persona, "get", "/problems?page_size=500")
    assert status == 200
    assert sorted(p["code"] for p in data["items"]) == VISIBLE[persona]
    assert data["count"] == len(VISIBLE[persona])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code", VISIBLE["admin"])
def test_a_problem_out_of_scope_is_404_like_a_missing_one(world, c, persona, code):
    status, data = api_call(world, persona, "get", f"/problems/{code}")
    if code in VISIBLE[persona]:
        assert (status, data["code"]) == (200, code)
    else:
        assert (status, data) == (404, NOT_FOUND)


def test_the_detail_carries_owners_colour_and_the_timeline(world, c):
    status, data = call("get", "/problems/WT-W", user=world.manager_b)
    assert status == 200
    assert {
        k: data[k]
        for k in (
            "alliance",
            "raised_by",
            "owners",
            "responsible",
            "deadline",
            "state",
            "colour",
            "meeting",
        )
    } == {
        "alliance": "LJ-A",
        "raised_by": "ZB-B",
        "owners": ["ZB-A"],
        "responsible": "张三",
        "deadline": days(30).isoformat(),
        "state": "已分派",
        "colour": "green",
        "meeting": None,
    }
    assert [(e["kind"], e["from_state"], e["to_state"]) for e in data["events"]] == [
        ("提出", "", "待研究"),
        ("分派", "待研究", "已分派"),
    ]


@pytest.mark.parametrize(
    "params,codes",
    [
        ("state=待确认", ["WT-S"]),
        ("category=乡村振兴", ["WT-S"]),
        ("alliance=LJ-A", ["WT-P", "WT-S", "WT-W"]),
        ("colour=green", ["WT-L", "WT-W"]),
        ("q=报装", ["WT-W"]),
        ("org=ZB-A", ["WT-L", "WT-S", "WT-W"]),
        ("org=ZB-X", []),
        ("urgency=紧急", ["WT-P"]),
    ],
)
def test_list_filters(world, c, params, codes):
    status, data = call("get", f"/problems?{params}", user=world.company)
    assert status == 200 and sorted(p["code"] for p in data["items"]) == codes


def test_a_bad_filter_value_is_422_in_chinese(world, c):
    status, data = call("get", "/problems?state=完成", user=world.company)
    assert status == 422 and data["detail"].startswith("state：应为以下之一：待研究")


# ---- raising ----------------------------------------------------------------------------

BODY = {
    "title": "配网改造征地协调",
    "category": "生产经营难点",
    "urgency": "较急",
    "alliance": "LJ-A",
    "raised_by": "ZB-B",
}


@pytest.mark.parametrize(
    "persona,raised_by,expected",
    [
        ("admin", "ZB-B", 201),
        ("company", "ZB-B", 201),
        ("manager_b", "ZB-B", 201),
        ("manager_a", "ZB-A", 201),
        ("member_a", "ZB-A", 403),
        ("manager_a", "ZB-B", 400),
        ("outsider", "ZB-B", 400),
    ],
)
def test_raising_needs_a_managed_raising_organisation(world, c, persona, raised_by, expected):
    before = everything()
    status, data = api_call(
        world, persona, "post", "/problems", body={**BODY, "raised_by": raised_by}
    )
    assert status == expected
    if expected == 201:
        assert (data["state"], data["raised_by"], data["alliance"], data["events"][0]["kind"]) == (
            "待研究",
            raised_by,
            "LJ-A",
            "提出",
        )
    else:
        assert before == everything()
        assert data["detail"] in (
            f"提出组织不存在：{raised_by}",
            "无权以「营销服务党支部」的名义提出问题",
        )


def test_raising_refuses_an_invisible_alliance_and_a_stranger_to_the_alliance(world, c):
    before = everything()
    assert call("post", "/problems", user=world.manager_b, body={**BODY, "alliance": "LJ-X"}) == (
        400,
        {"detail": "联建不存在：LJ-X"},
    )
    status, data = call("post", "/problems", user=world.admin, body={**BODY, "raised_by": "ZB-X"})
    assert (status, data) == (
        400,
        {"detail": "raised_by：“外公司党支部”不是联建“营销政企联建”的成员单位"},
    )
    status, data = call(
        "post", "/problems", user=world.admin, body={**BODY, "extra": 1, "category": "杂项"}
    )
    assert status == 422 and "extra：不支持的字段" in data["detail"]
    assert before == everything()


# ---- transitions ------------------------------------------------------------------------

TRANSITIONS = {
    "assign": (
        "WT-P",
        lambda: {"owners": ["ZB-A", "WB-GOV"], "deadline": days(20).isoformat(), "meeting": "LX-A"},
        [200, 200, 200, 403, 403, 404],
        "已分派",
    ),
    "progress": (
        "WT-W",
        lambda: {"text": "已完成现场踏勘"},
        [200, 200, 200, 403, 403, 404],
        "办理中",
    ),
    "solve": (
        "WT-W",
        lambda: {"resolution": "报装压缩至 15 天"},
        [200, 200, 200, 403, 403, 404],
        "待确认",
    ),
    "confirm": ("WT-S", lambda: {"note": "同意"}, [200, 200, 403, 403, 200, 404], "已销号"),
    "reopen": (
        "WT-S",
        lambda: {"reason": "仍有用户未通电"},
        [200, 200, 403, 403, 200, 404],
        "办理中",
    ),
}


@pytest.mark.parametrize(("action", "persona"), cases(TRANSITIONS))
def test_each_transition_answers_by_scope_and_role(world, c, action, persona):
    code, body, matrix, after = TRANSITIONS[action]
    audit = AuditLog.objects.count()
    status, data = assert_write(
        everything,
        lambda: api_call(world, persona, "post", f"/problems/{code}/{action}", body()),
        matrix[PERSONAS.index(persona)],
    )
    if status == 200:
        assert data["state"] == after
        assert AuditLog.objects.count() == audit + 1
    else:
        assert data == NOT_FOUND if status == 404 else data["detail"].startswith("无权对该问题执行")


@pytest.mark.parametrize(
    "action,code,body,detail",
    [
        ("confirm", "WT-W", {}, "问题当前为“已分派”，不能确认销号（只有待确认的问题可以确认销号）"),
        (
            "solve",
            "WT-S",
            {"resolution": "x"},
            "问题当前为“待确认”，不能办结（只有已分派、办理中的问题可以办结）",
        ),
        (
            "reopen",
            "WT-W",
            {"reason": "x"},
            "问题当前为“已分派”，不能退回重新办理（只有待确认的问题可以退回重新办理）",
        ),
        (
            "assign",
            "WT-W",
            {"owners": ["ZB-X"], "deadline": "2030-01-01"},
            "责任组织不存在或不是本联建的成员单位：ZB-X",
        ),
        (
            "assign",
            "WT-W",
            {"owners": ["ZB-A"], "deadline": "2020-01-01"},
            "deadline：办理期限不能早于今天",
        ),
        (
            "assign",
            "WT-W",
            {"owners": ["ZB-A"], "deadline": "2030-01-01", "meeting": "LX-X"},
            "研究会议不存在或不是本联建的会议：LX-X",
        ),
        ("progress", "WT-W", {"text": "x", "org": "ZB-B"}, "org：ZB-B 不是您管理的责任组织"),
        ("reopen", "WT-S", {"reason": "  "}, "reason：不能为空"),
    ],
)
def test_refused_transitions_say_why_with_400_or_422_and_change_nothing(
    world, c, action, code, body, detail
):
    before = everything()
    status, data = call("post", f"/problems/{code}/{action}", user=world.admin, body=body)
    assert (status, data) == (422 if detail == "reason：不能为空" else 400, {"detail": detail})
    assert everything() == before


def test_a_problem_runs_its_whole_course_through_the_api(world, c):
    status, data = call(
        "post",
        "/problems/WT-P/assign",
        user=world.manager_a,
        body={"owners": ["WB-GOV"], "deadline": days(5).isoformat(), "responsible": "周联络"},
    )
    assert (status, data["colour"]) == (200, "yellow")
    assert (
        call("post", "/problems/WT-P/progress", user=world.company, body={"text": "已协调林权人"})[
            1
        ]["state"]
        == "办理中"
    )
    assert (
        call(
            "post",
            "/problems/WT-P/solve",
            user=world.company,
            body={"resolution": "清理树障 120 棵"},
        )[1]["state"]
        == "待确认"
    )
    assert (
        call("post", "/problems/WT-P/reopen", user=world.manager_b, body={"reason": "仍有 3 处"})[
            1
        ]["reopened"]
        == 1
    )
    assert (
        call("post", "/problems/WT-P/solve", user=world.company, body={"resolution": "全部清理"})[
            1
        ]["state"]
        == "待确认"
    )
    status, data = call("post", "/problems/WT-P/confirm", user=world.manager_b, body={})
    assert (status, data["state"], data["closed_on"]) == (200, "已销号", days(0).isoformat())
    assert [e["kind"] for e in data["events"]] == [
        "提出",
        "分派",
        "进展",
        "办结",
        "退回重办",
        "办结",
        "销号",
    ]


# ---- meetings ---------------------------------------------------------------------------

MEETINGS = {
    "admin": ["LX-A", "LX-X"],
    "company": ["LX-A"],
    "manager_a": ["LX-A"],
    "member_a": ["LX-A"],
    "manager_b": ["LX-A"],
    "outsider": ["LX-X"],
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_meetings_are_listed_and_shown_by_scope(world, c, persona):
    user = getattr(world, persona)
    status, data = call("get", "/meetings", user=user)
    assert status == 200 and sorted(m["code"] for m in data["items"]) == MEETINGS[persona]
    for code in ("LX-A", "LX-X"):
        status, data = call("get", f"/meetings/{code}", user=user)
        assert status == (200 if code in MEETINGS[persona] else 404)


def test_the_meeting_detail_has_agenda_and_attendees(world, c):
    status, data = call("get", "/meetings/LX-A", user=world.member_a)
    assert status == 200
    assert data["agenda"] == [
        {"position": 1, "title": "通报联建工作", "problem": None},
        {"position": 2, "title": "研究：线路通道清障协调", "problem": "WT-P"},
    ]
    assert data["attendees"][0] == {
        "org": "ZB-A",
        "org_name": "营销服务党支部",
        "name": "张三",
        "post": "书记",
        "member": "M-A1",
    }


MEETING = {
    "alliance": "LJ-A",
    "title": "第二次联席会议",
    "start": "2026-12-10T14:30:00",
    "agenda": [{"title": "通报"}, {"problem": "WT-W"}],
    "attendees": [{"org": "ZB-A", "name": "张三", "post": "书记"}],
}


@pytest.mark.parametrize(
    "persona,body,expected",
    [
        ("admin", {}, 201),
        ("company", {}, 201),
        ("manager_a", {}, 201),
        ("manager_b", {"convener": "ZB-B"}, 201),
        ("manager_b", {}, 403),
        ("member_a", {}, 403),
        ("outsider", {}, 400),
    ],
)
def test_creating_a_meeting_by_role(world, c, persona, body, expected):
    before = everything()
    status, data = api_call(world, persona, "post", "/meetings", body={**MEETING, **body})
    assert status == expected
    if expected == 201:
        assert (data["status"], data["start"][:16]) == ("筹备中", "2026-12-10T14:30")
        assert [a["problem"] for a in data["agenda"]] == [None, "WT-W"]
        assert data["agenda"][1]["title"] == "研究：客户用电报装提速"
        # A member record is linked only when the caller may see it.
        assert data["attendees"][0]["member"] == (None if persona == "manager_b" else "M-A1")
    else:
        assert everything() == before


@pytest.mark.parametrize(
    "change,detail",
    [
        ({"convener": "ZB-X"}, "召集单位不是本联建的成员单位：ZB-X"),
        ({"agenda": [{"problem": "WT-X"}]}, "agenda：问题不存在或不属于本联建：WT-X"),
        ({"agenda": [{"title": ""}]}, "agenda：议题不能为空"),
        (
            {"attendees": [{"org": "ZB-X", "name": "赵六"}]},
            "attendees：参会单位不是本联建的成员单位：ZB-X",
        ),
        ({"code": "LX-A"}, "code：编号已存在：LX-A"),
    ],
)
def test_bad_meetings_are_refused(world, c, change, detail):
    before = everything()
    assert call("post", "/meetings", user=world.admin, body={**MEETING, **change}) == (
        400,
        {"detail": detail},
    )
    assert everything() == before
