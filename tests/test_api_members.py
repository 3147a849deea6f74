"""``/api/v1/members``: listing with masking and filters, detail, create, update, transfer."""

from __future__ import annotations

import datetime

import pytest

from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, MemberTransfer
from lianjian.orgs.services import member_create, member_update, org_create, org_dissolve
from tests.api_helpers import auth_header, call


def numbers(data: dict) -> list[str]:
    return [item["number"] for item in data["items"]]


def state() -> list:
    """Everything a member write could change, to assert that a refusal changed nothing."""
    return [
        list(Member.objects.order_by("pk").values_list()),
        list(MemberTransfer.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
    ]


def m_a1_out(world, **changes) -> dict:
    return {
        "id": world.m_a1.pk,
        "number": "M-A1",
        "name": "张三",
        "initials": "zs",
        "gender": "",
        "birth_date": None,
        "org": "ZB-A",
        "org_name": "营销服务党支部",
        "category": "正式党员",
        "joined_on": "2010-07-01",
        "confirmed_on": None,
        "post": "书记",
        "job": "",
        "phone": "13812345678",
        "id_number": world.m_a1.id_number,
        "masked": False,
        "is_floating": False,
        "left_on": None,
        "left_reason": "",
        **changes,
    }


def test_admin_lists_every_member_by_organisation_and_number(world):
    status, data = call("get", "/members", user=world.admin)
    assert (status, numbers(data), data["count"]) == (200, ["M-A1", "M-A2", "M-B1", "M-X1"], 4)
    assert data["items"][0] == m_a1_out(world)


def test_a_manager_sees_numbers_of_their_subtree_in_clear(world):
    status, data = call("get", "/members?org=ZB-A", user=world.company)
    assert [(m["phone"], m["masked"]) for m in data["items"]] == [
        ("13812345678", False),
        ("13900000001", False),
    ]


def test_a_member_sees_only_their_own_numbers_in_clear(world):
    status, data = call("get", "/members", user=world.member_a)
    assert status == 200
    assert data["items"][0] == m_a1_out(world)
    second = data["items"][1]
    assert (second["number"], second["phone"], second["id_number"], second["masked"]) == (
        "M-A2",
        "139****0001",
        "",
        True,
    )


def test_a_member_sees_a_neighbours_id_number_masked_in_detail(world):
    member_update(actor=None, member=world.m_a2, id_number="210502198001010039")
    status, data = call("get", f"/members/{world.m_a2.pk}", user=world.member_a)
    assert (status, data["phone"], data["id_number"], data["masked"]) == (
        200,
        "139****0001",
        "2105**********0039",
        True,
    )


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("org=ZB-A", ["M-A1", "M-A2"]),
        ("org=DW", []),
        ("org=NOPE", []),
        ("under=DW", ["M-A1", "M-A2", "M-B1"]),
        ("under=ZB-B", ["M-B1"]),
        ("q=zs", ["M-A1"]),
        ("q=ZS", ["M-A1"]),
        ("q=张", ["M-A1"]),
        ("q=m-b", ["M-B1"]),
        ("category=预备党员", ["M-A2"]),
        ("category=", ["M-A1", "M-A2", "M-B1", "M-X1"]),
        ("post=书记", ["M-A1"]),
        ("under=DW&category=正式党员", ["M-A1", "M-B1"]),
        ("page_size=1&page=3", ["M-B1"]),
    ],
)
def test_list_filters(world, query, expected):
    status, data = call("get", f"/members?{query}", user=world.admin)
    assert (status, numbers(data)) == (200, expected)


def test_filters_never_widen_the_callers_scope(world):
    assert numbers(call("get", "/members?under=DW", user=world.manager_b)[1]) == ["M-B1"]
    assert numbers(call("get", "/members?org=ZB-X", user=world.company)[1]) == []


def test_members_who_left_are_listed_only_on_request(world):
    member_update(
        actor=None, member=world.m_a2, left_on=datetime.date(2026, 2, 1), left_reason="去世"
    )
    assert numbers(call("get", "/members?org=ZB-A", user=world.admin)[1]) == ["M-A1"]
    status, data = call("get", "/members?org=ZB-A&include_left=true", user=world.admin)
    assert numbers(data) == ["M-A1", "M-A2"]
    assert (data["items"][1]["left_on"], data["items"][1]["left_reason"]) == ("2026-02-01", "去世")


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("category=党员", "category：应为以下之一：正式党员、预备党员"),
        ("page_size=501", "page_size：应不大于 500"),
        ("page=0", "page：应不小于 1"),
        ("include_left=perhaps", "include_left：应为 true 或 false"),
        ("post=" + "x" * 101, "post：长度不能超过 100 个字符"),
    ],
)
def test_bad_list_parameters_answer_422(world, query, detail):
    assert call("get", f"/members?{query}", user=world.admin) == (422, {"detail": detail})


def test_detail_includes_the_transfer_history(world):
    status, data = call("get", f"/members/{world.m_a1.pk}", user=world.manager_a)
    assert (status, data) == (200, {**m_a1_out(world), "transfers": []})


@pytest.mark.parametrize(
    ("member_id", "status", "detail"),
    [
        ("abc", 422, "member_id：应为整数"),
        ("1.5", 422, "member_id：应为整数"),
        ("0", 422, "member_id：应不小于 1"),
        ("-3", 422, "member_id：应不小于 1"),
        ("99999999999999999999999", 422, "member_id：应不大于 9223372036854775807"),
        ("9223372036854775807", 404, "未找到"),
        ("%E5%BC%A0", 422, "member_id：应为整数"),
    ],
)
def test_odd_member_ids(world, member_id, status, detail):
    assert call("get", f"/members/{member_id}", user=world.admin) == (status, {"detail": detail})
    assert call("patch", f"/members/{member_id}", user=world.admin, body={"name": "x"}) == (
        status,
        {"detail": detail},
    )


NEW_MEMBER = {
    "number": "M-A3",
    "name": "钱七",
    "org": "ZB-A",
    "category": "正式党员",
    "joined_on": "2015-07-01",
}


def test_manager_creates_a_member_and_the_audit_log_masks_numbers(world):
    body = {**NEW_MEMBER, "phone": "13512345678", "id_number": "210502198001010039", "gender": "女"}
    status, data = call("post", "/members", user=world.manager_a, body=body)
    assert status == 201
    member = Member.objects.get(number="M-A3")
    assert data == {
        "id": member.pk,
        "number": "M-A3",
        "name": "钱七",
        "initials": "qq",
        "gender": "女",
        "birth_date": None,
        "org": "ZB-A",
        "org_name": "营销服务党支部",
        "category": "正式党员",
        "joined_on": "2015-07-01",
        "confirmed_on": None,
        "post": "",
        "job": "",
        "phone": "13512345678",
        "id_number": "210502198001010039",
        "masked": False,
        "is_floating": False,
        "left_on": None,
        "left_reason": "",
        "transfers": [],
    }
    log = AuditLog.objects.get(action="create", target_id="M-A3")
    assert (log.actor, log.after["phone"], log.after["id_number"]) == (
        world.manager_a,
        "135****5678",
        "2105**********0039",
    )


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({**NEW_MEMBER, "phone": "123"}, 400, "phone：手机号码应为 11 位数字，以 1 开头"),
        (
            {**NEW_MEMBER, "id_number": "110101199003071234"},
            400,
            "id_number：身份证号格式或校验位不正确",
        ),
        ({**NEW_MEMBER, "number": "M-B1"}, 400, "number：具有 人员编号 的 党员 已存在。"),
        (
            {**NEW_MEMBER, "category": "预备党员", "confirmed_on": "2016-07-01"},
            400,
            "confirmed_on：预备党员不应有转正日期",
        ),
        ({**NEW_MEMBER, "birth_date": "2000-01-01"}, 400, "joined_on：入党时应年满十八岁"),
        ({**NEW_MEMBER, "org": "XZ-GONE"}, 400, "org：所在组织已撤销"),
        ({**NEW_MEMBER, "org": "ZB-B"}, 400, "所在组织不存在：ZB-B"),
        ({**NEW_MEMBER, "org": "NOPE"}, 400, "所在组织不存在：NOPE"),
        ({**NEW_MEMBER, "name": "名" * 51}, 422, "name：长度不能超过 50 个字符"),
        ({**NEW_MEMBER, "phone": "1" * 21}, 422, "phone：长度不能超过 20 个字符"),
        ({**NEW_MEMBER, "category": "党员"}, 422, "category：应为以下之一：正式党员、预备党员"),
        ({**NEW_MEMBER, "joined_on": "yesterday"}, 422, "joined_on：应为日期，格式 YYYY-MM-DD"),
        ({**NEW_MEMBER, "initials": "x"}, 422, "initials：不支持的字段"),
        ({"number": "M-A3"}, 422, "name：必填；org：必填；category：必填；joined_on：必填"),
    ],
)
def test_bad_creates_are_refused_and_change_nothing(world, body, status, detail):
    gone = org_create(actor=None, code="XZ-GONE", name="已撤销组", kind="党小组", parent=world.zb_a)
    org_dissolve(actor=None, org=gone, date=datetime.date(2025, 1, 1))
    before = state()
    assert call("post", "/members", user=world.manager_a, body=body) == (status, {"detail": detail})
    assert state() == before


def test_update_changes_the_fields_sent(world):
    status, data = call(
        "patch",
        f"/members/{world.m_a2.pk}",
        user=world.manager_a,
        body={"name": "李思", "post": "组织委员"},
    )
    assert (status, data["name"], data["initials"], data["post"]) == (200, "李思", "ls", "组织委员")
    log = AuditLog.objects.get(action="update", target_id="M-A2")
    assert (log.before, log.after) == (
        {"name": "李四", "post": ""},
        {"name": "李思", "post": "组织委员"},
    )


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"category": None}, 422, "category：不能为 null"),
        ({"org": "ZB-B"}, 422, "org：不支持的字段"),
        ({"number": "M-Z"}, 422, "number：不支持的字段"),
        ({"phone": "23812345678"}, 400, "phone：手机号码应为 11 位数字，以 1 开头"),
        ({"confirmed_on": "2000-01-01"}, 400, "confirmed_on：转正日期不能早于入党日期"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(world, body, status, detail):
    before = state()
    assert call("patch", f"/members/{world.m_a1.pk}", user=world.manager_a, body=body) == (
        status,
        {"detail": detail},
    )
    assert state() == before


def test_transfer_moves_the_member_and_keeps_history(world):
    status, data = call(
        "post",
        f"/members/{world.m_a2.pk}/transfer",
        user=world.company,
        body={"to_org": "ZB-B", "date": "2026-03-01", "reason": "岗位调动"},
    )
    assert status == 200
    assert (data["org"], data["org_name"]) == ("ZB-B", "运维检修党支部")
    assert data["transfers"] == [
        {
            "date": "2026-03-01",
            "from_org": "ZB-A",
            "to_org": "ZB-B",
            "reason": "岗位调动",
            "actor_name": "company",
        },
    ]
    log = AuditLog.objects.get(action="transfer")
    assert (log.actor, log.before, log.after, log.note) == (
        world.company,
        {"org": "ZB-A"},
        {"org": "ZB-B"},
        "岗位调动",
    )
    # the manager of the old branch no longer sees the member at all
    assert call("get", f"/members/{world.m_a2.pk}", user=world.manager_a) == (
        404,
        {"detail": "未找到"},
    )


@pytest.mark.parametrize(
    ("user", "body", "status", "detail"),
    [
        ("company", {"to_org": "ZB-A"}, 400, "to_org：转入组织与当前组织相同"),
        ("company", {"to_org": "WB-GOV"}, 400, "to_org：不能转入外部单位党组织"),
        ("company", {"to_org": "XZ-GONE"}, 400, "to_org：转入组织已撤销"),
        ("company", {"to_org": "ZB-X"}, 400, "转入组织不存在：ZB-X"),
        ("manager_a", {"to_org": "ZB-B"}, 400, "转入组织不存在：ZB-B"),
        ("company", {}, 422, "to_org：必填"),
        ("company", {"to_org": "ZB-B", "date": "soon"}, 422, "date：应为日期，格式 YYYY-MM-DD"),
    ],
)
def test_bad_transfers_are_refused_and_change_nothing(world, user, body, status, detail):
    gone = org_create(actor=None, code="XZ-GONE", name="已撤销组", kind="党小组", parent=world.zb_a)
    org_dissolve(actor=None, org=gone, date=datetime.date(2025, 1, 1))
    before = state()
    assert call(
        "post", f"/members/{world.m_a2.pk}/transfer", user=getattr(world, user), body=body
    ) == (
        status,
        {"detail": detail},
    )
    assert state() == before


def test_a_member_who_left_cannot_be_transferred(world):
    member_update(actor=None, member=world.m_a2, left_on=datetime.date(2026, 2, 1))
    before = state()
    assert call(
        "post", f"/members/{world.m_a2.pk}/transfer", user=world.admin, body={"to_org": "ZB-B"}
    ) == (
        400,
        {"detail": "该党员已离开，不能转接"},
    )
    assert state() == before


@pytest.mark.parametrize("extra", [3, 30])
def test_list_query_count_is_flat(world, extra, django_assert_num_queries):
    for i in range(extra):
        org = world.zb_a if i % 2 else world.zb_b
        member_create(
            actor=None,
            number=f"M-N{i:02d}",
            name=f"新党员{i}",
            org=org,
            category="正式党员",
            joined_on=datetime.date(2015, 1, 1),
            phone="13000000000",
        )
    headers = auth_header(world.company)
    call("get", "/auth/me", headers=headers)  # the first use stamps the token's last_used_at
    # token lookup + count + one page (organisations joined)
    with django_assert_num_queries(3):
        status, data = call("get", "/members?page_size=500", headers=headers)
    assert (status, data["count"]) == (200, 3 + extra)


@pytest.mark.parametrize("extra", [3, 30])
def test_detail_query_count_is_flat(world, extra, django_assert_num_queries):
    orgs = [world.zb_b, world.zb_a]
    for i in range(extra):
        call(
            "post",
            f"/members/{world.m_a1.pk}/transfer",
            user=world.admin,
            body={"to_org": orgs[i % 2].code, "date": "2026-01-01"},
        )
    headers = auth_header(world.company)
    call("get", "/auth/me", headers=headers)
    # token lookup + the member (with organisation) + transfers (with both organisations)
    with django_assert_num_queries(3):
        status, data = call("get", f"/members/{world.m_a1.pk}", headers=headers)
    assert (status, len(data["transfers"])) == (200, extra)
