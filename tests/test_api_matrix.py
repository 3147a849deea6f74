"""The permission matrix: every endpoint × every persona of the ``world`` fixture.

Out of scope → 404 with the very body of a missing object; visible but not changeable →
403; a body reference the caller cannot see → 400 as if it did not exist. On every
refusal nothing changes; every accepted write leaves exactly one audit row.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, MemberTransfer, Organisation
from tests.api_helpers import auth_header, call
from tests.matrix import PERSONAS, api_call, assert_write

VISIBLE_ORGS = {
    "admin": ["DW", "WB-GOV", "ZB-A", "XZ-A1", "ZB-B", "DW2", "ZB-X"],
    "company": ["DW", "WB-GOV", "ZB-A", "XZ-A1", "ZB-B"],
    "manager_a": ["ZB-A", "XZ-A1"],
    "member_a": ["ZB-A"],
    "manager_b": ["ZB-B"],
    "outsider": ["DW2", "ZB-X"],
}
VISIBLE_MEMBERS = {
    "admin": ["M-A1", "M-A2", "M-B1", "M-X1"],
    "company": ["M-A1", "M-A2", "M-B1"],
    "manager_a": ["M-A1", "M-A2"],
    "member_a": ["M-A1", "M-A2"],
    "manager_b": ["M-B1"],
    "outsider": ["M-X1"],
}
NOT_FOUND = {"detail": "未找到"}


def state() -> list:
    return [
        list(Organisation.objects.order_by("pk").values_list()),
        list(Member.objects.order_by("pk").values_list()),
        list(MemberTransfer.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
    ]


# ---- reads ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_org_list_shows_exactly_the_visible_organisations(world, persona):
    status, data = api_call(world, persona, "get", "/orgs?page_size=500")
    assert status == 200
    assert [o["code"] for o in data["items"]] == VISIBLE_ORGS[persona]
    assert data["count"] == len(VISIBLE_ORGS[persona])


@pytest.mark.parametrize("persona", PERSONAS)
def test_member_list_shows_exactly_the_visible_members(world, persona):
    status, data = api_call(world, persona, "get", "/members?page_size=500")
    assert status == 200
    assert [m["number"] for m in data["items"]] == VISIBLE_MEMBERS[persona]
    assert data["count"] == len(VISIBLE_MEMBERS[persona])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code", VISIBLE_ORGS["admin"])
def test_org_detail_is_404_outside_scope(world, persona, code):
    status, data = api_call(world, persona, "get", f"/orgs/{code}")
    if code in VISIBLE_ORGS[persona]:
        assert (status, data["code"]) == (200, code)
    else:
        assert (status, data) == (404, NOT_FOUND)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("number", VISIBLE_MEMBERS["admin"])
def test_member_detail_is_404_outside_scope(world, persona, number):
    member = Member.objects.get(number=number)
    status, data = api_call(world, persona, "get", f"/members/{member.pk}")
    if number in VISIBLE_MEMBERS[persona]:
        assert (status, data["number"]) == (200, number)
    else:
        assert (status, data) == (404, NOT_FOUND)


@pytest.mark.parametrize("persona", PERSONAS)
def test_missing_objects_answer_like_out_of_scope_ones(world, persona):
    user = getattr(world, persona)
    assert call("get", "/orgs/NO-SUCH-ORG", user=user) == (404, NOT_FOUND)
    assert call("get", "/members/987654321", user=user) == (404, NOT_FOUND)
    assert call("patch", "/orgs/NO-SUCH-ORG", user=user, body={"name": "x"}) == (404, NOT_FOUND)
    assert call("post", "/orgs/NO-SUCH-ORG/dissolve", user=user, body={}) == (404, NOT_FOUND)
    assert call("patch", "/members/987654321", user=user, body={"job": "x"}) == (404, NOT_FOUND)
    assert call("post", "/members/987654321/transfer", user=user, body={"to_org": "ZB-B"}) == (
        404,
        NOT_FOUND,
    )


# ---- writes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Write:
    method: str
    url: Callable[[Any], str]
    body: dict
    expected: dict[str, int]
    forbidden: str | dict[str, str] = ""  # the 403 detail, or one per persona

    def __str__(self) -> str:
        return f"{self.method} {self.url.__name__}"


def _(path: str) -> Callable[[Any], str]:
    """A URL template over the world: ``{m_a1}`` becomes that member's id."""

    def build(world: Any) -> str:
        return path.format(**{k: getattr(world, k).pk for k in ("m_a1", "m_a2", "m_b1", "m_x1")})

    build.__name__ = path
    return build


OK = 200
WRITES = {
    "patch_zb_a": Write(
        "patch",
        _("/orgs/ZB-A"),
        {"name": "改名党支部"},
        {
            "admin": OK,
            "company": OK,
            "manager_a": OK,
            "member_a": 403,
            "manager_b": 404,
            "outsider": 404,
        },
        "无权修改该组织",
    ),
    "patch_zb_b": Write(
        "patch",
        _("/orgs/ZB-B"),
        {"unit": "检修分公司"},
        {
            "admin": OK,
            "company": OK,
            "manager_a": 404,
            "member_a": 404,
            "manager_b": OK,
            "outsider": 404,
        },
    ),
    "patch_dw": Write(
        "patch",
        _("/orgs/DW"),
        {"address": "本溪市"},
        {
            "admin": OK,
            "company": OK,
            "manager_a": 404,
            "member_a": 404,
            "manager_b": 404,
            "outsider": 404,
        },
    ),
    "patch_zb_x": Write(
        "patch",
        _("/orgs/ZB-X"),
        {"address": "沈阳市"},
        {
            "admin": OK,
            "company": 404,
            "manager_a": 404,
            "member_a": 404,
            "manager_b": 404,
            "outsider": OK,
        },
    ),
    "dissolve_xz_a1": Write(
        "post",
        _("/orgs/XZ-A1/dissolve"),
        {"date": "2026-01-01"},
        {
            "admin": OK,
            "company": OK,
            "manager_a": OK,
            "member_a": 404,
            "manager_b": 404,
            "outsider": 404,
        },
    ),
    # managers above ZB-A pass the scope check and meet the rule (members left); ZB-A's own
    # manager may not dissolve it (only the parent's manager may); the member meets 403 first
    "dissolve_zb_a": Write(
        "post",
        _("/orgs/ZB-A/dissolve"),
        {"date": "2026-01-01"},
        {
            "admin": 400,
            "company": 400,
            "manager_a": 403,
            "member_a": 403,
            "manager_b": 404,
            "outsider": 404,
        },
        {
            "manager_a": "撤销日期只能由上级组织的管理员或系统管理员修改",
            "member_a": "无权修改该组织",
        },
    ),
    "create_under_zb_a": Write(
        "post",
        _("/orgs"),
        {"code": "XZ-A9", "name": "新组", "kind": "党小组", "parent": "ZB-A"},
        {
            "admin": 201,
            "company": 201,
            "manager_a": 201,
            "member_a": 403,
            "manager_b": 400,
            "outsider": 400,
        },
        "无权在上级组织「营销服务党支部」中操作",
    ),
    "create_top_level": Write(
        "post",
        _("/orgs"),
        {"code": "DW9", "name": "新公司党委", "kind": "党委"},
        {
            "admin": 201,
            "company": 403,
            "manager_a": 403,
            "member_a": 403,
            "manager_b": 403,
            "outsider": 403,
        },
        "只有系统管理员可以创建顶级组织",
    ),
    "patch_m_a1": Write(
        "patch",
        _("/members/{m_a1}"),
        {"job": "客户经理"},
        {
            "admin": OK,
            "company": OK,
            "manager_a": OK,
            "member_a": 403,
            "manager_b": 404,
            "outsider": 404,
        },
        "无权修改该党员信息",
    ),
    "patch_m_a2": Write(
        "patch",
        _("/members/{m_a2}"),
        {"job": "客户经理"},
        {
            "admin": OK,
            "company": OK,
            "manager_a": OK,
            "member_a": 403,
            "manager_b": 404,
            "outsider": 404,
        },
        "无权修改该党员信息",
    ),
    "patch_m_x1": Write(
        "patch",
        _("/members/{m_x1}"),
        {"job": "线路工"},
        {
            "admin": OK,
            "company": 404,
            "manager_a": 404,
            "member_a": 404,
            "manager_b": 404,
            "outsider": OK,
        },
    ),
    "create_member": Write(
        "post",
        _("/members"),
        {
            "number": "M-A9",
            "name": "孙八",
            "org": "ZB-A",
            "category": "正式党员",
            "joined_on": "2012-07-01",
        },
        {
            "admin": 201,
            "company": 201,
            "manager_a": 201,
            "member_a": 403,
            "manager_b": 400,
            "outsider": 400,
        },
        "无权在所在组织「营销服务党支部」中操作",
    ),
    "transfer_m_a2": Write(
        "post",
        _("/members/{m_a2}/transfer"),
        {"to_org": "ZB-B", "date": "2026-01-01"},
        {
            "admin": OK,
            "company": OK,
            "manager_a": 400,
            "member_a": 403,
            "manager_b": 404,
            "outsider": 404,
        },
        "无权修改该党员信息",
    ),
    "transfer_m_b1": Write(
        "post",
        _("/members/{m_b1}/transfer"),
        {"to_org": "ZB-A", "date": "2026-01-01"},
        {
            "admin": OK,
            "company": OK,
            "manager_a": 404,
            "member_a": 404,
            "manager_b": 400,
            "outsider": 404,
        },
    ),
}

REFUSED_400 = {
    "dissolve_zb_a": "还有 2 名党员，请先办理组织关系转接；还有 1 个下级组织未撤销",
    "create_under_zb_a": "上级组织不存在：ZB-A",
    "create_member": "所在组织不存在：ZB-A",
    "transfer_m_a2": "转入组织不存在：ZB-B",
    "transfer_m_b1": "转入组织不存在：ZB-A",
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", list(WRITES))
def test_write_matrix(world, name, persona):
    write = WRITES[name]
    expected = write.expected[persona]
    audit = AuditLog.objects.count()
    _, data = assert_write(
        state,
        lambda: api_call(world, persona, write.method, write.url(world), write.body),
        expected,
    )
    if expected in (200, 201):
        assert AuditLog.objects.count() == audit + 1
        return
    if expected == 404:
        assert data == NOT_FOUND
    elif expected == 403:
        forbidden = (
            write.forbidden if isinstance(write.forbidden, str) else write.forbidden[persona]
        )
        assert data == {"detail": forbidden}
    else:
        assert data == {"detail": REFUSED_400[name]}


def test_every_write_endpoint_is_in_the_matrix(world):
    from lianjian.api import api

    schema = api.get_openapi_schema()
    # Endpoints of later capabilities have their own matrices (tests/test_<app>_api.py).
    foundation = ("/api/v1/auth/", "/api/v1/orgs", "/api/v1/members")
    writes = {
        (m.upper(), p)
        for p, ops in schema["paths"].items()
        for m in ops
        if m != "get" and p.startswith(foundation)
    }
    assert writes == {
        ("POST", "/api/v1/auth/token"),
        ("DELETE", "/api/v1/auth/token"),
        ("POST", "/api/v1/orgs"),
        ("PATCH", "/api/v1/orgs/{code}"),
        ("POST", "/api/v1/orgs/{code}/dissolve"),
        ("POST", "/api/v1/members"),
        ("PATCH", "/api/v1/members/{member_id}"),
        ("POST", "/api/v1/members/{member_id}/transfer"),
    }

    def route(template: str) -> str:
        template = re.sub(r"^/orgs/[^/]+", "/orgs/{code}", template)
        return "/api/v1" + re.sub(r"^/members/\{m_\w+\}", "/members/{member_id}", template)

    covered = {(w.method.upper(), route(w.url.__name__)) for w in WRITES.values()}
    # the token endpoints are covered per persona below and in test_api_auth.py
    assert covered == writes - {("POST", "/api/v1/auth/token"), ("DELETE", "/api/v1/auth/token")}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_reads_its_own_account_and_revokes_its_token(world, persona):

    headers = auth_header(getattr(world, persona))
    status, me = call("get", "/auth/me", headers=headers)
    assert (status, me["username"]) == (200, persona)
    assert call("delete", "/auth/token", headers=headers) == (204, None)
    assert call("get", "/auth/me", headers=headers)[0] == 401
