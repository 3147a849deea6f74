"""事务共商 screens: permission matrix (GET and POST), forms, refusals, export, pinned query counts."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from lianjian.alliances.models import Alliance
from lianjian.consultations import selectors, services
from lianjian.consultations.models import (
    AgendaItem,
    JointMeeting,
    Problem,
    ProblemEvent,
    ProblemOwner,
)
from lianjian.core.models import AuditLog
from tests.consultation_helpers import days, make_consultations
from tests.matrix import PERSONAS, assert_write, by_persona, cases, client_for, expected


@pytest.fixture
def c(world):
    return make_consultations(world)


def url(name: str, *args) -> str:
    return reverse(f"consultations:{name}", args=args)


GET_MATRIX = {
    ("problem_list",): [200, 200, 200, 200, 200, 200],
    ("problem_create",): [200, 200, 200, 403, 200, 200],
    ("problem_export",): [200, 200, 200, 200, 200, 200],
    ("problem_stats",): [200, 200, 200, 200, 200, 200],
    ("problem_detail", "WT-P"): [200, 200, 200, 200, 200, 404],
    ("problem_detail", "WT-X"): [200, 404, 404, 404, 404, 200],
    ("problem_detail", "WT-L"): [200, 200, 200, 200, 200, 404],
    ("problem_edit", "WT-P"): [200, 200, 200, 403, 200, 404],
    ("problem_edit", "WT-W"): [302, 302, 302, 403, 302, 404],
    ("meeting_list",): [200, 200, 200, 200, 200, 200],
    ("meeting_create",): [200, 200, 200, 403, 200, 200],
    ("meeting_detail", "LX-A"): [200, 200, 200, 200, 200, 404],
    ("meeting_detail", "LX-X"): [200, 404, 404, 404, 404, 200],
    ("meeting_edit", "LX-A"): [200, 200, 200, 403, 403, 404],
    ("meeting_edit", "LX-X"): [200, 404, 404, 404, 404, 200],
}


@pytest.mark.parametrize("key", list(GET_MATRIX), ids=["-".join(k) for k in GET_MATRIX])
def test_every_screen_answers_by_scope(world, c, key):
    got = by_persona(lambda p: client_for(world, p).get(url(*key)).status_code)
    assert got == GET_MATRIX[key]


@pytest.mark.parametrize(
    "path", ["problem_list", "problem_stats", "problem_export", "meeting_list"]
)
def test_filters_naming_something_out_of_scope(world, c, path):
    client = client_for(world, "manager_b")
    if path == "problem_stats":
        assert client.get(url(path), {"alliance": "LJ-X"}).status_code == 404
    elif path == "meeting_list":
        response = client.get(url(path), {"alliance": "LJ-X"})
        assert (response.status_code, list(response.context["page"].object_list)) == (200, [])
    elif path == "problem_list":
        # The list answers as the API does: the filter matches none of the rows in sight.
        response = client.get(url(path), {"org": "ZB-A"})
        assert (response.status_code, list(response.context["page"].object_list)) == (200, [])
    else:
        assert client.get(url(path), {"org": "ZB-A"}).status_code == 404


def test_anonymous_users_are_sent_to_login(world, c):
    response = Client().get(url("problem_detail", "WT-P"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def snapshot(code: str) -> tuple:
    p = Problem.objects.get(code=code)
    return (
        Problem.objects.filter(pk=p.pk).values().get(),
        list(ProblemOwner.objects.filter(problem=p).values_list("org_id", flat=True)),
        ProblemEvent.objects.filter(problem=p).count(),
        AuditLog.objects.count(),
    )


POSTS = {
    "assign": (
        "WT-P",
        {"owners": "ZB-A、WB-GOV", "deadline": "", "responsible": "张三", "meeting": "LX-A"},
    ),
    "progress": ("WT-W", {"org": "ZB-A", "text": "已完成现场踏勘"}),
    "solve": ("WT-W", {"resolution": "报装时长压缩至 15 天", "solved_on": ""}),
    "confirm": ("WT-S", {"note": "同意销号"}),
    "reopen": ("WT-S", {"reason": "仍有用户未通电"}),
}
POST_MATRIX = {
    "assign": [302, 302, 302, 403, 403, 404],
    "progress": [302, 302, 302, 403, 403, 404],
    "solve": [302, 302, 302, 403, 403, 404],
    "confirm": [302, 302, 403, 403, 302, 404],
    "reopen": [302, 302, 403, 403, 302, 404],
}
AFTER = {
    "assign": "已分派",
    "progress": "办理中",
    "solve": "待确认",
    "confirm": "已销号",
    "reopen": "办理中",
}


@pytest.mark.parametrize(("action", "persona"), cases(POST_MATRIX))
def test_actions_are_refused_out_of_scope_and_without_the_role_changing_nothing(
    world, c, action, persona
):
    code, data = POSTS[action]
    data = dict(data)
    if action == "assign":
        data["deadline"] = days(20).isoformat()
    response = assert_write(
        lambda: snapshot(code),
        lambda: client_for(world, persona).post(url(f"problem_{action}", code), data),
        expected(POST_MATRIX, action, persona),
    )
    if response.status_code == 302:
        assert response["Location"] == url("problem_detail", code)
        assert Problem.objects.get(code=code).state == AFTER[action]


def test_an_illegal_transition_shows_the_reason_with_400_and_changes_nothing(world, c):
    before = snapshot("WT-W")
    response = client_for(world, "company").post(url("problem_confirm", "WT-W"), {"note": ""})
    assert response.status_code == 400
    assert "问题当前为“已分派”，不能确认销号" in response.content.decode()
    assert snapshot("WT-W") == before


def test_a_bad_assignment_keeps_the_typed_values_and_says_why(world, c):
    before = snapshot("WT-P")
    response = client_for(world, "manager_a").post(
        url("problem_assign", "WT-P"),
        {"owners": "ZB-A、ZB-X", "deadline": days(-1).isoformat(), "responsible": "李四"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "以下组织不存在或不是本联建的成员单位：ZB-X" in page
    assert 'value="李四"' in page
    assert snapshot("WT-P") == before
    response = client_for(world, "manager_a").post(
        url("problem_assign", "WT-P"), {"owners": "ZB-A", "deadline": days(-1).isoformat()}
    )
    assert response.status_code == 400 and "办理期限不能早于今天" in response.content.decode()
    assert snapshot("WT-P") == before


def test_the_detail_shows_the_forms_of_the_allowed_actions_only(world, c):
    page = client_for(world, "manager_b").get(url("problem_detail", "WT-S")).content.decode()
    assert 'id="action-confirm"' in page and 'id="action-reopen"' in page
    assert 'id="action-assign"' not in page and 'id="action-solve"' not in page
    page = client_for(world, "member_a").get(url("problem_detail", "WT-S")).content.decode()
    assert 'id="action-' not in page
    page = client_for(world, "manager_a").get(url("problem_detail", "WT-W")).content.decode()
    assert {f'id="action-{a}"' in page for a in ("assign", "progress", "solve")} == {True}
    assert 'data-kind="分派"' in page


def test_raising_a_problem_through_the_form(world, c):
    client = client_for(world, "manager_b")
    response = client.post(
        url("problem_create"),
        {
            "alliance": "LJ-A",
            "raised_by": "ZB-B",
            "title": "配网改造征地协调",
            "category": "生产经营难点",
            "urgency": "较急",
            "description": "14 基杆塔",
        },
    )
    p = Problem.objects.get(title="配网改造征地协调")
    assert response.status_code == 302 and response["Location"] == url("problem_detail", p.code)
    assert (p.alliance.code, p.raised_by.code, p.state, p.urgency) == (
        "LJ-A",
        "ZB-B",
        "待研究",
        "较急",
    )


@pytest.mark.parametrize(
    "data,message",
    [
        ({"alliance": "LJ-A", "raised_by": "ZB-A"}, "组织编码不存在或不在您的管理范围内"),
        ({"alliance": "LJ-X", "raised_by": "ZB-B"}, "选择一个有效的选项"),
        ({"alliance": "", "raised_by": "ZB-B", "title": ""}, "这个字段是必填项"),
    ],
)
def test_the_raise_form_refuses_what_the_user_may_not_do(world, c, data, message):
    n = Problem.objects.count()
    response = client_for(world, "manager_b").post(
        url("problem_create"), {"title": "x", "category": "其他", "urgency": "一般", **data}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Problem.objects.count() == n


def test_planning_a_meeting_through_the_form_parses_agenda_and_attendees(world, c):
    client = client_for(world, "manager_a")
    page = client.get(url("meeting_create"), {"alliance": "LJ-A"}).content.decode()
    assert "WB-GOV｜周联络｜机关党委副书记" in page  # the alliance's liaisons are proposed
    response = client.post(
        url("meeting_create"),
        {
            "alliance": "LJ-A",
            "title": "第二次联席会议",
            "start": "2026-12-10T14:30",
            "place": "县政府",
            "convener": "",
            "agenda": "通报工作\nWT-P｜研究线路通道清障\nWT-W｜",
            "attendees": "ZB-A｜张三｜书记\nWB-GOV｜周联络",
        },
    )
    m = JointMeeting.objects.get(title="第二次联席会议")
    assert response.status_code == 302 and response["Location"] == url("meeting_detail", m.code)
    assert m.convener == world.zb_a and m.status == "筹备中"
    assert list(m.agenda.values_list("title", "problem__code")) == [
        ("通报工作", None),
        ("研究线路通道清障", "WT-P"),
        ("研究：客户用电报装提速", "WT-W"),
    ]
    assert list(m.attendees.values_list("org__code", "name", "post", "member__number")) == [
        ("ZB-A", "张三", "书记", "M-A1"),
        ("WB-GOV", "周联络", "", None),
    ]


def test_the_meeting_form_reports_bad_lines_by_number(world, c):
    n = JointMeeting.objects.count()
    response = client_for(world, "manager_a").post(
        url("meeting_create"),
        {
            "alliance": "LJ-A",
            "title": "会",
            "start": "2026-12-10T14:30",
            "agenda": "通报\nWT-X｜外公司问题",
            "attendees": "ZB-X｜赵六\n张三",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "第2行：问题 WT-X 不存在或不属于本联建" in page
    assert "第1行：组织 ZB-X 不是本联建的成员单位" in page
    assert "第2行：格式应为“组织编码｜姓名｜职务”" in page
    assert JointMeeting.objects.count() == n


def test_the_assign_form_names_meetings_by_their_beijing_date(world, c):
    early = datetime.datetime(
        2026, 12, 10, 7, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))
    )
    services.meeting_create(
        actor=None,
        alliance=c.al.lj_a,
        title="早间联席会议",
        start=early,
        convener=world.zb_a,
        code="LX-EARLY",
    )
    page = client_for(world, "manager_a").get(url("problem_detail", "WT-P")).content.decode()
    assert '<option value="LX-EARLY" >2026-12-10 早间联席会议</option>' in page


def test_huge_minutes_in_the_meeting_form_are_refused_with_the_limit(world, c):
    n = JointMeeting.objects.count()
    response = client_for(world, "manager_a").post(
        url("meeting_create"),
        {"alliance": "LJ-A", "title": "会", "start": "2026-12-10T14:30", "minutes": "纪" * 20_001},
    )
    assert response.status_code == 400 and "20000" in response.content.decode()
    assert JointMeeting.objects.count() == n


def test_a_branch_manager_may_convene_only_for_their_own_organisation(world, c):
    data = {"alliance": "LJ-A", "title": "会", "start": "2026-12-10T14:30"}
    response = client_for(world, "manager_b").post(url("meeting_create"), data)
    assert (
        response.status_code == 400
        and "您只能为本人管理的组织召集会议" in response.content.decode()
    )
    response = client_for(world, "manager_b").post(
        url("meeting_create"), {**data, "convener": "ZB-B"}
    )
    assert response.status_code == 302
    assert JointMeeting.objects.get(title="会").convener == world.zb_b


@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_marking_a_meeting_held_is_for_its_managers(world, c, index):
    services.meeting_update(
        actor=None,
        meeting=c.meeting,
        minutes="研究了线路通道清障",
        start=timezone.now() - datetime.timedelta(hours=2),
    )
    response = client_for(world, PERSONAS[index]).post(url("meeting_held", "LX-A"))
    expected = [302, 302, 302, 403, 403, 404][index]
    assert response.status_code == expected
    assert JointMeeting.objects.get(code="LX-A").status == (
        "已召开" if expected == 302 else "筹备中"
    )


def test_the_list_filters_by_colour_state_category_and_search(world, c):
    client = client_for(world, "admin")

    def codes(**params) -> set[str]:
        return {p.code for p, _ in client.get(url("problem_list"), params).context["rows"]}

    assert codes() == {"WT-P", "WT-W", "WT-S", "WT-X", "WT-L"}
    assert codes(state="未解决") == {"WT-P", "WT-W", "WT-X", "WT-L"}
    assert codes(state="待确认") == {"WT-S"}
    assert codes(category="乡村振兴") == {"WT-S"}
    assert codes(urgency="紧急") == {"WT-P"}
    assert codes(alliance="LJ-X") == {"WT-X"}
    assert codes(q="报装") == {"WT-W"}
    assert codes(q="wt-l") == {"WT-L"}
    assert codes(org="ZB-B") == {"WT-P", "WT-W", "WT-S", "WT-L"}
    assert codes(colour="green") == {"WT-W", "WT-L"}
    services.problem_assign(actor=None, problem=c.assigned, owners=[world.zb_a], deadline=days(3))
    assert codes(colour="yellow") == {"WT-W"}
    response = client.get(url("problem_list"), {"colour": "yellow"}, HTTP_HX_REQUEST="true")
    assert [t.name for t in response.templates][0] == "consultations/problem_table.html"


def test_the_export_is_the_filtered_list_in_import_columns(world, c):
    response = client_for(world, "manager_b").get(url("problem_export"), {"state": "已分派"})
    assert response["Content-Disposition"].startswith("attachment")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][:4] == ["问题编号*", "问题标题*", "提出组织编码*", "问题类别*"]
    assert [r[0] for r in rows[1:]] == ["WT-L", "WT-W"]
    w = next(r for r in rows[1:] if r[0] == "WT-W")
    assert (w[5], w[7], w[8], w[10]) == ("LJ-A", "ZB-A", "张三", "已分派")


def test_the_alliance_page_shows_the_figures_card(world, c):
    page = (
        client_for(world, "manager_b")
        .get(reverse("alliances:alliance_detail", args=["LJ-A"]))
        .content.decode()
    )
    assert 'id="alliance-consultations"' in page
    assert (
        'data-figure="raised">3<' in page
        and 'data-figure="open">2<' in page
        and 'data-figure="median">0 天<' in page
    )
    assert "营销政企联建第1次联席会议" in page
    assert "登记会议" not in page  # manager_b does not manage the lead ZB-A
    assert (
        "登记会议"
        in client_for(world, "manager_a")
        .get(reverse("alliances:alliance_detail", args=["LJ-A"]))
        .content.decode()
    )


# ---- query counts -----------------------------------------------------------------------


def _more(world, c, n: int) -> None:
    for i in range(n):
        p = services.problem_raise(
            actor=None, raised_by=world.zb_b, alliance=c.al.lj_a, title=f"问题{i}", category="其他"
        )
        services.problem_assign(
            actor=None,
            problem=p,
            owners=[world.zb_a, world.partner],
            deadline=days(i),
            meeting=c.meeting,
        )
        services.problem_progress(actor=None, problem=p, org=world.zb_a, text="进展")


def _count(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("persona", ["admin", "manager_b"])
def test_screens_issue_the_same_number_of_queries_whatever_the_number_of_problems(
    world, c, persona
):
    client = client_for(world, persona)
    paths = [
        url("problem_list"),
        url("problem_list") + "?colour=green",
        url("problem_detail", "WT-W"),
        url("problem_stats"),
        url("meeting_list"),
        url("meeting_detail", "LX-A"),
        reverse("alliances:alliance_detail", args=["LJ-A"]),
        url("problem_export"),
    ]
    _more(world, c, 2)
    small = [_count(client, p) for p in paths]
    _more(world, c, 12)
    for i in range(6):
        services.problem_progress(
            actor=None, problem=c.assigned, org=world.zb_a, text=f"第{i}次进展"
        )
    large = [_count(client, p) for p in paths]
    assert large == small
    assert max(small) <= 30


def test_selectors_have_fixed_query_counts(world, c, django_assert_num_queries):
    qs = Problem.objects.visible_to(world.manager_b)
    today = timezone.localdate()
    lj_a = Alliance.objects.get(code="LJ-A")
    with django_assert_num_queries(9):
        selectors.statistics(qs, year=today.year, today=today)
    with django_assert_num_queries(2):
        selectors.figures(qs, today)
    with django_assert_num_queries(4):
        selectors.alliance_card(lj_a, world.manager_b, today)
    with django_assert_num_queries(2):
        list(selectors.problem_rows(qs))
    assert AgendaItem.objects.count() == 2


def test_only_member_records_the_planner_may_see_are_linked(world, c):
    data = {
        "alliance": "LJ-A",
        "title": "会",
        "start": "2026-12-10T14:30",
        "attendees": "ZB-A｜张三\nZB-B｜王五",
    }
    assert client_for(world, "manager_a").post(url("meeting_create"), data).status_code == 302
    m = JointMeeting.objects.get(title="会")
    assert list(m.attendees.values_list("name", "member__number")) == [
        ("张三", "M-A1"),
        ("王五", None),
    ]
    assert (
        client_for(world, "company")
        .post(url("meeting_create"), {**data, "title": "会二"})
        .status_code
        == 302
    )
    m = JointMeeting.objects.get(title="会二")
    assert list(m.attendees.values_list("name", "member__number")) == [
        ("张三", "M-A1"),
        ("王五", "M-B1"),
    ]
