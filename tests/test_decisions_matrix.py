"""Who sees what of the 三重一大 register (supervision.md §3), on the screens and the API:
the board office keeps it; the company's managers see it and change nothing; a branch
sees only the items whose execution it owns (the item and its execution); everyone else
gets 404. A visible row the user may not change answers 403, and nothing changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.decisions.models import DecisionItem, MatterList
from tests import matrix
from tests.api_helpers import call
from tests.decisions_helpers import make_register

# admin, company, manager_a, member_a, manager_b, outsider
SCREENS = {
    "item_list": ("decisions:item_list", (), [200, 200, 200, 200, 200, 200]),
    "register": ("decisions:register", (), [200, 200, 200, 200, 200, 200]),
    "matter_lists": ("decisions:matter_lists", (), [200, 200, 200, 200, 200, 200]),
    "matter_list": ("decisions:matter_list_detail", ("QD-DW",), [200, 200, 404, 404, 404, 404]),
    "draft": ("decisions:item_detail", ("JC-T-1",), [200, 200, 404, 404, 404, 404]),
    "executing": ("decisions:item_detail", ("JC-T-2",), [200, 200, 200, 404, 404, 404]),
    "edit": ("decisions:item_edit", ("JC-T-1",), [200, 403, 404, 404, 404, 404]),
    "exec_edit": ("decisions:execution_edit", ("JC-T-2",), [200, 403, 403, 404, 404, 404]),
    "evaluate": ("decisions:evaluation_create", ("JC-T-2",), [200, 403, 403, 404, 404, 404]),
    "item_create": ("decisions:item_create", (), [200, 403, 403, 403, 403, 403]),
    "list_create": ("decisions:matter_list_create", (), [200, 403, 403, 403, 403, 403]),
}

API = {
    "list": ("/decisions", None),
    "draft": ("/decisions/JC-T-1", [200, 200, 404, 404, 404, 404]),
    "executing": ("/decisions/JC-T-2", [200, 200, 200, 404, 404, 404]),
    "matter_list": ("/decision-lists/QD-DW", [200, 200, 404, 404, 404, 404]),
}
# The register rows each persona lists.
LISTED = {
    "admin": ["JC-T-1", "JC-T-2"],
    "company": ["JC-T-1", "JC-T-2"],
    "manager_a": ["JC-T-2"],
    "member_a": [],
    "manager_b": [],
    "outsider": [],
}


@pytest.fixture
def reg(world):
    return make_register(world)


@pytest.mark.parametrize(("key", "persona"), matrix.cases(SCREENS))
def test_every_screen_answers_by_scope(world, reg, key, persona):
    name, args, row = SCREENS[key]
    response = matrix.client_for(world, persona).get(reverse(name, args=args))
    assert response.status_code == row[matrix.PERSONAS.index(persona)]


@pytest.mark.parametrize("key", list(SCREENS))
def test_the_board_office_reaches_every_screen(world, reg, key):
    name, args, _ = SCREENS[key]
    client = Client()
    client.force_login(reg.board)
    assert client.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_the_register_lists_by_scope_on_both_edges(world, reg, persona):
    page = matrix.client_for(world, persona).get(reverse("decisions:item_list")).context["page"]
    assert sorted(i.number for i in page.object_list) == LISTED[persona]
    status, data = matrix.api_call(world, persona, "get", "/decisions")
    assert status == 200 and sorted(i["number"] for i in data["items"]) == LISTED[persona]


@pytest.mark.parametrize(("key", "persona"), matrix.cases({k: v for k, v in API.items() if v[1]}))
def test_every_api_read_answers_by_scope(world, reg, key, persona):
    url, row = API[key]
    status, _ = matrix.api_call(world, persona, "get", url)
    assert status == row[matrix.PERSONAS.index(persona)]


def test_the_execution_owner_sees_the_item_and_its_execution_only(world, reg):
    status, data = matrix.api_call(world, "manager_a", "get", "/decisions/JC-T-2")
    assert status == 200 and data["execution"]["owner_org"] == "ZB-A"
    assert data["studies"] is None and data["decisions"] is None
    page = matrix.client_for(world, "manager_a").get(
        reverse("decisions:item_detail", args=["JC-T-2"])
    )
    assert page.context["p"].full is False and 'id="decisions"' not in page.content.decode()
    status, data = matrix.api_call(world, "company", "get", "/decisions/JC-T-2")
    assert [d["result"] for d in data["decisions"]] == ["通过"]


def test_the_execution_owner_gets_no_link_to_the_matter_list_it_may_not_open(world, reg):
    """QD-DW answers 404 to the branch that owns JC-T-2's execution: the item page names the
    list without a link (a link there was a dead end for the branch's managers)."""
    link = f'href="{reverse("decisions:matter_list_detail", args=["QD-DW"])}"'
    item = reverse("decisions:item_detail", args=["JC-T-2"])
    branch = matrix.client_for(world, "manager_a").get(item).content.decode()
    assert reg.ml.title in branch and link not in branch
    company = matrix.client_for(world, "company").get(item).content.decode()
    assert link in company


# Writes: the board office keeps the register; a visible item answers 403 to the others.
SUBMIT = [302, 403, 404, 404, 404, 404]
API_SUBMIT = [200, 403, 404, 404, 404, 404]
API_FINISH = [200, 403, 403, 404, 404, 404]


def _state(number):
    return lambda: DecisionItem.objects.get(number=number).state


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_submitting_on_the_screen(world, reg, persona):
    client = matrix.client_for(world, persona)
    expected = SUBMIT[matrix.PERSONAS.index(persona)]
    matrix.assert_write(
        _state("JC-T-1"),
        lambda: client.post(reverse("decisions:item_submit", args=["JC-T-1"])),
        expected,
    )


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_submitting_and_finishing_over_the_api(world, reg, persona):
    i = matrix.PERSONAS.index(persona)
    matrix.assert_write(
        _state("JC-T-1"),
        lambda: matrix.api_call(world, persona, "post", "/decisions/JC-T-1/submit"),
        API_SUBMIT[i],
    )
    matrix.assert_write(
        _state("JC-T-2"),
        lambda: matrix.api_call(world, persona, "post", "/decisions/JC-T-2/finish"),
        API_FINISH[i],
    )


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_creating_a_list_over_the_api(world, reg, persona):
    body = {"organisation": "DW", "year": 2027, "title": "2027年三重一大事项清单"}
    status, data = matrix.api_call(world, persona, "post", "/decision-lists", body)
    if persona == "admin":
        assert status == 201 and data["code"] == "SXQD-DW-2027"
    else:
        assert status in (400, 403), data
        assert not MatterList.objects.filter(year=2027).exists()


def test_the_board_office_walks_an_item_over_the_api(world, reg):
    board = reg.board
    status, data = call(
        "post",
        "/decisions",
        user=board,
        body={
            "number": "JC-API-1",
            "matter_list": "QD-DW",
            "title": "数据中心建设",
            "category": "大额度资金运作",
            "amount": "1000",
            "department": "信通部",
            "sponsor": "孙副总",
            "materials": {"feasibility": "https://example.com/ky.pdf"},
        },
    )
    assert status == 201 and data["line"] == reg.big.pk and data["needs_prior_study"]
    assert call("post", "/decisions/JC-API-1/submit", user=board)[1]["state"] == "待前置"
    study = {
        "meeting": "2026年第9次党委会",
        "meeting_date": "2026-11-01",
        "members": 7,
        "present": 3,
        "outcome": "建议同意",
    }
    status, data = call("post", "/decisions/JC-API-1/studies", user=board, body=study)
    assert status == 400 and "不足法定人数" in data["detail"]
    status, data = call(
        "post", "/decisions/JC-API-1/studies", user=board, body={**study, "present": 6}
    )
    assert status == 201 and data["state"] == "待决策" and data["studies"][0]["round"] == 1
    decision = {
        "meeting": "董事会",
        "meeting_date": "2026-11-10",
        "resolution": "同意",
        "result": "通过",
    }
    status, data = call("post", "/decisions/JC-API-1/decision", user=board, body=decision)
    assert status == 201 and data["post_evaluation_due"] == "2027-11-10"
    status, data = call(
        "post",
        "/decisions/JC-API-1/execution",
        user=board,
        body={"owner_org": "ZB-B", "owner_name": "王五", "started_on": "2026-11-20"},
    )
    assert status == 201 and data["state"] == "执行中"
    assert call("get", "/decisions/JC-API-1", user=world.manager_b)[0] == 200


@pytest.mark.parametrize(
    "body",
    [
        {
            "meeting": "x",
            "meeting_date": "2026-11-01",
            "members": 7,
            "present": 6,
            "outcome": "同意",
        },
        {
            "meeting": "x",
            "meeting_date": "1900-01-01",
            "members": 7,
            "present": 6,
            "outcome": "建议同意",
        },
        {
            "meeting": "",
            "meeting_date": "2026-11-01",
            "members": 7,
            "present": 6,
            "outcome": "建议同意",
        },
        {
            "meeting": "x",
            "meeting_date": "2026-11-01",
            "members": 7,
            "present": 6,
            "outcome": "建议同意",
            "extra": 1,
        },
    ],
)
def test_bad_study_bodies_are_4xx_and_change_nothing(world, reg, body):
    from lianjian.decisions import services

    services.item_submit(actor=reg.board, item=reg.draft)
    status, data = call("post", "/decisions/JC-T-1/studies", user=reg.board, body=body)
    assert 400 <= status < 500 and data["detail"]
    assert DecisionItem.objects.get(number="JC-T-1").state == "待前置"


def test_the_nav_item_shows_for_those_who_reach_the_register(world, reg):
    def shows(client):
        return (
            'href="/decisions/"' in client.get(reverse("home:home"), follow=True).content.decode()
        )

    board = Client()
    board.force_login(reg.board)
    assert shows(board)
    assert shows(matrix.client_for(world, "company"))
    assert not shows(matrix.client_for(world, "member_a"))


def test_the_register_views_take_a_fixed_number_of_queries(
    world, reg, django_assert_max_num_queries
):
    from lianjian.decisions import services

    client = Client()
    client.force_login(reg.board)

    def counted(url):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    urls = [
        reverse("decisions:register"),
        reverse("decisions:item_list"),
        reverse("decisions:matter_lists"),
    ]
    before = [counted(u) for u in urls]
    for i in range(4):
        services.item_create(
            actor=reg.board,
            matter_list=reg.ml,
            title=f"更多事项{i}",
            category="大额度资金运作",
            amount=2000,
            department="财务部",
            sponsor="王总",
        )
    assert [counted(u) for u in urls] == before
    with django_assert_max_num_queries(20):
        client.get(reverse("decisions:item_detail", args=["JC-T-2"]))


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_linking_key_tasks_over_the_api(world, reg, persona):
    from tests.keytask_helpers import make_tasks

    tasks = make_tasks(world)
    expected = [200, 403, 403, 404, 404, 404][matrix.PERSONAS.index(persona)]

    def linked():
        return sorted(reg.executing.execution.key_tasks.values_list("code", flat=True))

    status, data = matrix.assert_write(
        linked,
        lambda: matrix.api_call(
            world, persona, "patch", "/decisions/JC-T-2/execution", {"key_tasks": [tasks.a.code]}
        ),
        expected,
    )
    if status == 200:
        assert [t["code"] for t in data["execution"]["key_tasks"]] == [tasks.a.code]
        assert data["execution"]["key_tasks"][0]["colour"] in {"green", "yellow", "red"}
