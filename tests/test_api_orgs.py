"""``/api/v1/orgs``: listing with filters and pages, detail, create, update, dissolve."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from lianjian.core.models import AuditLog
from lianjian.orgs.models import Organisation
from lianjian.orgs.services import org_create, org_dissolve
from tests.api_helpers import auth_header, call

ALL_CODES = ["DW", "WB-GOV", "ZB-A", "XZ-A1", "ZB-B", "DW2", "ZB-X"]

ZB_A = {
    "id": None,
    "code": "ZB-A",
    "name": "营销服务党支部",
    "kind": "党支部",
    "parent": "DW",
    "path": "/DW/ZB-A/",
    "depth": 1,
    "is_partner": False,
    "partner_kind": "",
    "is_temporary": False,
    "is_joint": False,
    "is_functional": False,
    "unit": "",
    "professions": ["营销服务"],
    "address": "",
    "lat": 41.3,
    "lon": 123.7,
    "strengths": ["客户服务"],
    "needs": ["技术攻关"],
    "founded": None,
    "dissolved": None,
    "term_start": None,
    "term_end": None,
}


def codes(data: dict) -> list[str]:
    return [item["code"] for item in data["items"]]


def state() -> list[tuple]:
    """Everything an organisation write could change, to assert that a refusal changed nothing."""
    return [
        list(Organisation.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
    ]


def test_admin_lists_every_organisation_in_tree_order(world):
    status, data = call("get", "/orgs", user=world.admin)
    assert status == 200
    assert (codes(data), data["count"]) == (ALL_CODES, 7)
    assert data["items"][2] == {**ZB_A, "id": world.zb_a.pk}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=zb", ["ZB-A", "ZB-B", "ZB-X"]),
        ("q=营销", ["ZB-A", "XZ-A1"]),
        ("q=%20%20", ALL_CODES),
        ("kind=党支部", ["ZB-A", "ZB-B", "ZB-X"]),
        ("kind=", ALL_CODES),
        ("parent=DW", ["WB-GOV", "ZB-A", "ZB-B"]),
        ("parent=DW&kind=党支部", ["ZB-A", "ZB-B"]),
        ("under=ZB-A", ["ZB-A", "XZ-A1"]),
        ("under=DW", ["DW", "WB-GOV", "ZB-A", "XZ-A1", "ZB-B"]),
        ("under=NOPE", []),
        ("parent=NOPE", []),
        ("partner=true", ["WB-GOV"]),
        ("partner=false", ["DW", "ZB-A", "XZ-A1", "ZB-B", "DW2", "ZB-X"]),
    ],
)
def test_list_filters(world, query, expected):
    status, data = call("get", f"/orgs?{query}", user=world.admin)
    assert (status, codes(data), data["count"]) == (200, expected, len(expected))


def test_filters_never_widen_the_callers_scope(world):
    assert codes(call("get", "/orgs?under=DW", user=world.manager_a)[1]) == ["ZB-A", "XZ-A1"]
    assert codes(call("get", "/orgs?parent=DW2", user=world.company)[1]) == []
    assert codes(call("get", "/orgs?q=ZB", user=world.member_a)[1]) == ["ZB-A"]


def test_dissolved_organisations_are_listed_only_on_request(world):
    org_dissolve(actor=None, org=world.xz_a1, date=datetime.date(2026, 1, 1))
    assert codes(call("get", "/orgs?under=ZB-A", user=world.admin)[1]) == ["ZB-A"]
    status, data = call("get", "/orgs?under=ZB-A&include_dissolved=true", user=world.admin)
    assert codes(data) == ["ZB-A", "XZ-A1"]
    assert data["items"][1]["dissolved"] == "2026-01-01"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("page_size=2", ["DW", "WB-GOV"]),
        ("page_size=2&page=2", ["ZB-A", "XZ-A1"]),
        ("page_size=2&page=4", ["ZB-X"]),
        ("page_size=2&page=5", []),
        ("page=999999", []),
        ("page_size=500", ALL_CODES),
        ("page=&page_size=", ALL_CODES),
    ],
)
def test_pages(world, query, expected):
    status, data = call("get", f"/orgs?{query}", user=world.admin)
    assert (status, codes(data), data["count"]) == (200, expected, 7)


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("page=0", "page：应不小于 1"),
        ("page=-1", "page：应不小于 1"),
        ("page=abc", "page：应为整数"),
        ("page=1.5", "page：应为整数"),
        ("page=1000001", "page：应不大于 1000000"),
        ("page=" + "9" * 40, "page：应不大于 1000000"),
        ("page=" + "9" * 5000, "page：应为整数"),
        ("page_size=0", "page_size：应不小于 1"),
        ("page_size=501", "page_size：应不大于 500"),
        ("page_size=100000000000000000000", "page_size：应不大于 500"),
        ("kind=党员", "kind：应为以下之一：党委、党总支、党支部、党小组"),
        ("partner=maybe", "partner：应为 true 或 false"),
        ("include_dissolved=2", "include_dissolved：应为 true 或 false"),
        ("q=" + "x" * 101, "q：长度不能超过 100 个字符"),
        ("under=" + "x" * 33, "under：长度不能超过 32 个字符"),
        ("page=0&page_size=0", "page：应不小于 1；page_size：应不小于 1"),
    ],
)
def test_bad_list_parameters_answer_422_in_chinese(world, query, detail):
    assert call("get", f"/orgs?{query}", user=world.admin) == (422, {"detail": detail})


def test_detail_has_member_counts_and_rule_warnings(world):
    status, data = call("get", "/orgs/ZB-A", user=world.manager_a)
    assert status == 200
    assert data == {
        **ZB_A,
        "id": world.zb_a.pk,
        "members": 2,
        "full_members": 1,
        "committee_members": 1,
        "warnings": [
            {
                "code": "few_full",
                "level": "danger",
                "text": "正式党员 1 名，不足 3 名（可成立联合党支部）",
            }
        ],
    }


@pytest.mark.parametrize("code", ["NOPE", "zb-a", "ZB-A ", "x" * 300, "%E4%B8%AD"])
def test_unknown_codes_answer_404(world, code):
    assert call("get", f"/orgs/{code}", user=world.admin) == (404, {"detail": "未找到"})


NEW_GROUP = {"code": "XZ-A2", "name": "营销二组", "kind": "党小组", "parent": "ZB-A"}


def test_manager_creates_an_organisation_in_their_subtree(world):
    status, data = call(
        "post", "/orgs", user=world.manager_a, body={**NEW_GROUP, "professions": [" 营销 ", "客服"]}
    )
    assert status == 201
    org = Organisation.objects.get(code="XZ-A2")
    assert data == {
        "id": org.pk,
        "code": "XZ-A2",
        "name": "营销二组",
        "kind": "党小组",
        "parent": "ZB-A",
        "path": "/DW/ZB-A/XZ-A2/",
        "depth": 2,
        "is_partner": False,
        "partner_kind": "",
        "is_temporary": False,
        "is_joint": False,
        "is_functional": False,
        "unit": "",
        "professions": ["营销", "客服"],
        "address": "",
        "lat": None,
        "lon": None,
        "strengths": [],
        "needs": [],
        "founded": None,
        "dissolved": None,
        "term_start": None,
        "term_end": None,
        "members": 0,
        "full_members": 0,
        "committee_members": 0,
        "warnings": [],
    }
    log = AuditLog.objects.get(action="create", target_id="XZ-A2")
    assert (log.actor, log.target_type) == (world.manager_a, "orgs.organisation")


def test_admin_creates_a_top_level_organisation(world):
    status, data = call(
        "post",
        "/orgs",
        user=world.admin,
        body={"code": "DW3", "name": "第三公司党委", "kind": "党委"},
    )
    assert (status, data["parent"], data["path"]) == (201, None, "/DW3/")


def test_only_an_admin_creates_a_top_level_organisation(world):
    before = state()
    assert call(
        "post",
        "/orgs",
        user=world.company,
        body={"code": "DW3", "name": "第三公司党委", "kind": "党委"},
    ) == (
        403,
        {"detail": "只有系统管理员可以创建顶级组织"},
    )
    assert state() == before


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({**NEW_GROUP, "kind": "党支部"}, 400, "parent：党支部不能设在党支部之下"),
        ({**NEW_GROUP, "code": "ZB-B"}, 400, "code：具有 组织编码 的 党组织 已存在。"),
        (
            {**NEW_GROUP, "code": "a b"},
            400,
            "code：编码只能包含字母、数字、下划线、点和短横线，最长 32 位",
        ),
        ({**NEW_GROUP, "lat": 41.0}, 400, "lon：纬度和经度需同时填写"),
        (
            {**NEW_GROUP, "term_start": "2025-01-01", "term_end": "2024-12-31"},
            400,
            "term_end：任期结束不能早于任期开始",
        ),
        ({**NEW_GROUP, "parent": "NOPE"}, 400, "上级组织不存在：NOPE"),
        ({**NEW_GROUP, "parent": "ZB-X"}, 400, "上级组织不存在：ZB-X"),
        ({**NEW_GROUP, "name": "  "}, 422, "name：不能为空"),
        ({**NEW_GROUP, "name": "长" * 201}, 422, "name：长度不能超过 200 个字符"),
        ({**NEW_GROUP, "code": "X" * 33}, 422, "code：长度不能超过 32 个字符"),
        ({**NEW_GROUP, "kind": "小组"}, 422, "kind：应为以下之一：党委、党总支、党支部、党小组"),
        ({**NEW_GROUP, "lat": 91, "lon": 0}, 422, "lat：应不大于 90.0"),
        ({**NEW_GROUP, "founded": "2025-13-01"}, 422, "founded：应为日期，格式 YYYY-MM-DD"),
        ({**NEW_GROUP, "professions": ["a"] * 51}, 422, "professions：最多 50 项"),
        ({**NEW_GROUP, "professions": "营销"}, 422, "professions：应为列表"),
        ({**NEW_GROUP, "professions": ["x" * 101]}, 422, "professions.0：长度不能超过 100 个字符"),
        ({**NEW_GROUP, "dissolved": "2026-01-01"}, 422, "dissolved：不支持的字段"),
        ({"code": "XZ-A2"}, 422, "name：必填；kind：必填"),
        ({**NEW_GROUP, "name": "a\u0000b"}, 400, "name：不能包含控制字符（U+0000）"),
    ],
)
def test_bad_creates_are_refused_and_change_nothing(world, body, status, detail):
    before = state()
    assert call("post", "/orgs", user=world.manager_a, body=body) == (status, {"detail": detail})
    assert state() == before


def test_update_changes_only_the_fields_sent_and_is_audited(world):
    status, data = call(
        "patch", "/orgs/ZB-A", user=world.company, body={"name": "营销党支部", "needs": []}
    )
    assert (status, data["name"], data["needs"], data["professions"]) == (
        200,
        "营销党支部",
        [],
        ["营销服务"],
    )
    log = AuditLog.objects.get(action="update", target_id="ZB-A")
    assert (log.actor, log.before, log.after) == (
        world.company,
        {"name": "营销服务党支部", "needs": ["技术攻关"]},
        {"name": "营销党支部", "needs": []},
    )


def test_an_empty_update_changes_nothing(world):
    before = state()
    status, data = call("patch", "/orgs/ZB-A", user=world.manager_a, body={})
    assert (status, data["name"]) == (200, "营销服务党支部")
    assert state() == before


def test_moving_an_organisation_moves_its_subtree(world):
    status, data = call("patch", "/orgs/ZB-A", user=world.admin, body={"parent": "DW2"})
    assert (status, data["parent"], data["path"]) == (200, "DW2", "/DW2/ZB-A/")
    assert Organisation.objects.get(code="XZ-A1").path == "/DW2/ZB-A/XZ-A1/"


@pytest.mark.parametrize(
    ("user", "body", "status", "detail"),
    [
        ("company", {"parent": None}, 403, "只有系统管理员可以设置顶级组织"),
        ("company", {"parent": "DW2"}, 400, "上级组织不存在：DW2"),
        ("admin", {"parent": "XZ-A1"}, 400, "parent：上级组织不能是本组织或其下级组织"),
        ("admin", {"name": None}, 422, "name：不能为 null"),
        ("admin", {"professions": None}, 422, "professions：不能为 null"),
        ("admin", {"code": "ZB-AA"}, 422, "code：不支持的字段"),
        ("admin", {"kind": "党小组"}, 400, "parent：党小组不能设在党委之下"),
        ("admin", {"lat": None}, 400, "lat：纬度和经度需同时填写"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(world, user, body, status, detail):
    before = state()
    assert call("patch", "/orgs/ZB-A", user=getattr(world, user), body=body) == (
        status,
        {"detail": detail},
    )
    assert state() == before


def test_dissolving_an_empty_organisation(world):
    status, data = call(
        "post",
        "/orgs/XZ-A1/dissolve",
        user=world.manager_a,
        body={"date": "2026-03-01", "reason": "合并"},
    )
    assert (status, data["dissolved"]) == (200, "2026-03-01")
    log = AuditLog.objects.get(action="dissolve")
    assert (log.actor, log.target_id, log.note, log.after) == (
        world.manager_a,
        "XZ-A1",
        "合并",
        {"dissolved": "2026-03-01"},
    )


def test_dissolving_defaults_to_today(world):
    status, data = call("post", "/orgs/XZ-A1/dissolve", user=world.manager_a, body={})
    assert (status, data["dissolved"]) == (200, timezone.localdate().isoformat())


@pytest.mark.parametrize(
    ("code", "body", "detail"),
    [
        ("ZB-A", {}, "还有 2 名党员，请先办理组织关系转接；还有 2 个下级组织未撤销"),
        ("XZ-DONE", {}, "该组织已撤销"),
        ("XZ-NEW", {"date": "2019-12-31"}, "撤销日期不能早于成立日期"),
    ],
)
def test_dissolving_is_refused_while_rules_forbid_it(world, code, body, detail):
    org_create(
        actor=None,
        code="XZ-NEW",
        name="新组",
        kind="党小组",
        parent=world.zb_a,
        founded=datetime.date(2020, 1, 1),
    )
    done = org_create(actor=None, code="XZ-DONE", name="旧组", kind="党小组", parent=world.zb_a)
    org_dissolve(actor=None, org=done, date=datetime.date(2025, 1, 1))
    before = state()
    assert call("post", f"/orgs/{code}/dissolve", user=world.admin, body=body) == (
        400,
        {"detail": detail},
    )
    assert state() == before


@pytest.mark.parametrize("extra", [3, 30])
def test_list_query_count_is_flat(world, extra, django_assert_num_queries):
    for i in range(extra):
        org_create(
            actor=None, code=f"ZB-N{i:02d}", name=f"新支部{i}", kind="党支部", parent=world.dw
        )
    headers = auth_header(world.company)
    call("get", "/auth/me", headers=headers)  # the first use stamps the token's last_used_at
    # token lookup + count + one page (parents joined)
    with django_assert_num_queries(3):
        status, data = call("get", "/orgs?page_size=500", headers=headers)
    assert (status, data["count"]) == (200, 5 + extra)


@pytest.mark.parametrize("extra", [3, 30])
def test_detail_query_count_is_flat(world, extra, django_assert_num_queries):
    from lianjian.orgs.services import member_create

    for i in range(extra):
        member_create(
            actor=None,
            number=f"M-N{i:02d}",
            name=f"新党员{i}",
            org=world.zb_b,
            category="正式党员",
            joined_on=datetime.date(2015, 1, 1),
        )
    headers = auth_header(world.company)
    call("get", "/auth/me", headers=headers)
    # token lookup + the organisation (with parent) + member counts
    with django_assert_num_queries(3):
        status, data = call("get", "/orgs/ZB-B", headers=headers)
    assert (status, data["members"]) == (200, 1 + extra)
