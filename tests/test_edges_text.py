"""Text and numbers at every edge (issue #16 items 6 and 13): control characters, tabs and
line breaks in single-line fields, integers beyond 64 bits and non-finite numbers are
refused with a message naming the field, and nothing is stored."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from lianjian.activities.models import Activity
from lianjian.assessment.models import Scheme
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, Organisation
from lianjian.sharing.models import Resource
from tests.api_helpers import call
from tests.assessment_engine_helpers import example
from tests.excel_helpers import make_xlsx, run

NEW_GROUP = {"code": "XZ-A5", "name": "营销五组", "kind": "党小组", "parent": "ZB-A"}


def counts() -> tuple[int, ...]:
    return tuple(
        m.objects.count() for m in (Organisation, Member, Activity, Resource, Scheme, AuditLog)
    )


def screen(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({**NEW_GROUP, "name": "支部\x07"}, 400, "name：不能包含控制字符（U+0007）"),
        ({**NEW_GROUP, "name": "支部\x9b"}, 400, "name：不能包含控制字符（U+009B）"),
        (
            {**NEW_GROUP, "professions": ["营销", "a\x1b[31m"]},
            400,
            "professions.1：不能包含控制字符（U+001B）",
        ),
        ({**NEW_GROUP, "name": "支部\t一组"}, 422, "name：不能包含制表符（只能填写一行）"),
        ({**NEW_GROUP, "address": "一楼\n二楼"}, 422, "address：不能包含换行符（只能填写一行）"),
        (
            {**NEW_GROUP, "professions": ["营销\n服务"]},
            422,
            "professions.0：不能包含换行符（只能填写一行）",
        ),
        ({**NEW_GROUP, "lat": 10**30, "lon": 0}, 400, "lat：整数超出范围（应在 64 位整数以内）"),
    ],
)
def test_the_api_refuses_control_characters_and_huge_numbers(world, body, status, detail):
    before = counts()
    assert call("post", "/orgs", user=world.manager_a, body=body) == (status, {"detail": detail})
    assert counts() == before


def test_a_number_too_large_to_be_finite_is_refused(world):
    raw = json.dumps({**NEW_GROUP}).replace("}", ', "lat": 1e999, "lon": 0}')
    response = Client().post(
        "/api/v1/orgs", data=raw, content_type="application/json", **_auth(world.manager_a)
    )
    assert (response.status_code, json.loads(response.content)) == (
        400,
        {"detail": "lat：应为有限的数字"},
    )


def _auth(user):
    from tests.api_helpers import auth_header

    return auth_header(user)


def test_multi_line_text_keeps_its_tabs_and_line_breaks_single_line_text_does_not(world):
    status, body = call(
        "post",
        "/activities",
        user=world.manager_a,
        body={
            "type": "主题党日",
            "orgs": ["ZB-A"],
            "start": "2026-11-20T09:00:00",
            "topic": "学习\t会",
        },
    )
    assert (status, body) == (422, {"detail": "topic：不能包含制表符（只能填写一行）"})
    status, body = call(
        "post",
        "/activities",
        user=world.manager_a,
        body={
            "type": "主题党日",
            "orgs": ["ZB-A"],
            "start": "2026-11-20T09:00:00",
            "topic": "学习会",
            "minutes": "一、学习\n\t二、讨论\r\n三、总结",
        },
    )
    assert status == 201, body
    assert Activity.objects.get(code=body["code"]).minutes == "一、学习\n\t二、讨论\r\n三、总结"


# --- the screens --------------------------------------------------------------------------


def test_a_form_refuses_control_characters_before_any_view_runs(world):
    before = counts()
    response = screen(world.manager_a).post("/orgs/new/", {**NEW_GROUP, "name": "支部\x07"})
    assert response.status_code == 400
    assert response.content.decode() == "请求无效：name：不能包含控制字符（U+0007）"
    assert counts() == before


def test_a_single_line_form_field_refuses_a_tab_naming_the_field(world):
    before = counts()
    response = screen(world.manager_a).post("/orgs/new/", {**NEW_GROUP, "name": "营销\t五组"})
    assert response.status_code == 400
    assert "组织名称不能包含制表符（只能填写一行）" in response.content.decode()
    assert counts() == before


def test_a_textarea_keeps_its_line_breaks_a_text_input_does_not(world):
    response = screen(world.manager_a).post(
        "/activities/new/",
        {"type": "主题党日", "topic": "学习\n会", "host": "ZB-A", "start": "2026-11-20T09:00"},
    )
    assert (
        response.status_code == 400
        and "主题不能包含换行符（只能填写一行）" in response.content.decode()
    )
    response = screen(world.manager_a).post(
        "/activities/new/",
        {
            "type": "主题党日",
            "topic": "学习会",
            "host": "ZB-A",
            "start": "2026-11-20T09:00",
            "minutes": "一、学习\r\n\t二、讨论",
        },
    )
    assert response.status_code == 302
    assert Activity.objects.get().minutes == "一、学习\r\n\t二、讨论"


def test_control_characters_in_the_query_string_are_refused(world):
    response = screen(world.manager_a).get("/orgs/members/", {"q": "张\x1b三"})
    assert (response.status_code, response.content.decode()) == (
        400,
        "请求无效：查询参数 q：不能包含控制字符（U+001B）",
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("groups", str(2**63), "确保该值小于或等于9223372036854775807"),
        ("groups", "10" * 20, "确保该值小于或等于9223372036854775807"),
    ],
)
def test_form_integers_stay_within_64_bits(world, field, value, message):
    from lianjian.proposals.forms import RunForm

    form = RunForm({field: value}, roots=[], orgs=[], initial={})
    assert not form.is_valid()
    assert any(message in e for e in form.errors[field])


# --- Excel and JSON files -----------------------------------------------------------------


def test_an_import_refuses_a_tab_in_a_single_line_cell_and_keeps_it_in_a_multi_line_one(
    world, tmp_path
):
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [["XZ-A5", "营销\t五组", "党小组", "ZB-A"]],
    )
    before = counts()
    code, out, err = run("import", "orgs", str(path))
    assert (code, err.splitlines()[0]) == (1, "第2行 组织名称：不能包含制表符（只能填写一行）")
    assert counts() == before


def test_an_import_refuses_a_control_character_in_a_list_item(world, tmp_path):
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码", "专业"],
        [["XZ-A5", "营销五组", "党小组", "ZB-A", "营销、服务\n质量"]],
    )
    code, out, err = run("import", "orgs", str(path))
    assert (code, err.splitlines()[0]) == (1, "第2行 专业：第 2 项不能包含换行符（只能填写一行）")


def test_a_scheme_file_with_control_characters_is_refused(world):
    from lianjian.assessment import services

    data = example()
    data["name"] = "方案\x08"
    data["indicators"][0]["description"] = "口径\n说明"  # several lines are fine here
    with pytest.raises(Exception, match="name 不能包含控制字符（U\\+0008）"):
        services.scheme_import(data, actor=None)
    assert Scheme.objects.count() == 0
