"""The alliances API: ``/api/v1/alliances`` and ``/api/v1/agreements`` × every persona.

Out of scope → 404 with the very body of a missing object; visible but not changeable →
403; on every refusal nothing changes; every accepted write leaves exactly one audit row.
Partner organisations show only what the alliance shares.
"""

from __future__ import annotations

import datetime

import pytest

from lianjian.alliances import api as alliances_api
from lianjian.alliances.models import Agreement, AgreementGoal, Alliance, AllianceMember
from lianjian.core.models import AuditLog
from tests.alliance_helpers import make_alliances
from tests.api_helpers import call
from tests.matrix import PERSONAS, api_call, assert_write

VISIBLE = {
    "admin": ["LJ-A", "LJ-X"],
    "company": ["LJ-A"],
    "manager_a": ["LJ-A"],
    "member_a": ["LJ-A"],
    "manager_b": ["LJ-A"],
    "outsider": ["LJ-X"],
}
MANAGES = {
    "admin": {"LJ-A", "LJ-X"},
    "company": {"LJ-A"},
    "manager_a": {"LJ-A"},
    "outsider": {"LJ-X"},
}
NOT_FOUND = {"detail": "未找到"}


@pytest.fixture
def aw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_alliances(world)


def state() -> list:
    return [
        list(Alliance.objects.order_by("pk").values_list()),
        list(AllianceMember.objects.order_by("pk").values_list()),
        list(Agreement.objects.order_by("pk").values_list()),
        list(AgreementGoal.objects.order_by("pk").values_list()),
        list(Agreement.parties.through.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
    ]


def expected_write(persona: str, code: str, ok: int) -> int:
    if code not in VISIBLE[persona]:
        return 404
    return ok if code in MANAGES.get(persona, set()) else 403


# ---- reads ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_alliance_list_shows_exactly_the_visible_alliances(world, aw, persona):
    status, data = api_call(world, persona, "get", "/alliances")
    assert status == 200
    assert [a["code"] for a in data["items"]] == VISIBLE[persona]
    assert data["count"] == len(VISIBLE[persona])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code", ["LJ-A", "LJ-X"])
def test_alliance_detail_is_404_outside_scope(world, aw, persona, code):
    status, data = api_call(world, persona, "get", f"/alliances/{code}")
    if code in VISIBLE[persona]:
        assert (status, data["code"]) == (200, code)
    else:
        assert (status, data) == (404, NOT_FOUND)


def test_unknown_alliance_is_404(world, aw):
    assert call("get", "/alliances/NOPE", user=world.admin) == (404, NOT_FOUND)


def test_alliance_list_item_fields(world, aw):
    status, data = call("get", "/alliances", user=world.manager_b)
    assert status == 200
    item = data["items"][0]
    assert item == {
        "id": aw.lj_a.pk,
        "code": "LJ-A",
        "name": "营销政企联建",
        "type": "政企联建",
        "theme": "党建+营销服务",
        "lead": "ZB-A",
        "lead_name": "营销服务党支部",
        "sponsor": "陈海波",
        "sponsor_title": "",
        "guidance": [],
        "status": "运行",
        "founded": "2024-01-01",
        "description": "",
        "members": 3,
        "partners": 1,
    }


def test_detail_shows_of_a_partner_only_what_the_alliance_shares(world, aw):
    # manager_b sees LJ-A through ZB-B; of WB-GOV (outside their scope) only the shared card,
    # its liaison's phone masked (they do not manage WB-GOV).
    status, data = call("get", "/alliances/LJ-A", user=world.manager_b)
    assert status == 200
    assert [m["org"] for m in data["current_members"]] == ["WB-GOV", "ZB-A", "ZB-B"]
    assert data["current_members"][0] == {
        "org": "WB-GOV",
        "name": "本溪县人民政府机关党委",
        "kind": "党委",
        "unit": "本溪县人民政府",
        "is_partner": True,
        "partner_kind": "政府",
        "is_lead": False,
        "joined_on": "2024-01-01",
        "left_on": None,
        "liaison": "周联络",
        "liaison_phone": "024****6677",
        "liaison_post": "机关党委副书记",
    }
    assert data["current_members"][1]["is_lead"] is True
    assert (data["past_members"], data["agreements"], data["active_agreements"]) == ([], 1, 1)
    # nothing of any organisation's members appears anywhere in the answer
    text = str(data)
    for leaked in ("张三", "王五", "M-A1", "13812345678", "13700000002"):
        assert leaked not in text


def test_past_members_are_listed_apart(world, aw):
    status, _ = call(
        "patch", "/alliances/LJ-A", user=world.manager_a, body={"name": "营销政企联建（二期）"}
    )
    assert status == 200
    from lianjian.alliances import services

    services.alliance_member_update(
        actor=None, membership=aw.zb_b_in_a, left_on=datetime.date(2025, 6, 30)
    )
    status, data = call("get", "/alliances/LJ-A", user=world.company)
    assert status == 200
    assert [m["org"] for m in data["current_members"]] == ["WB-GOV", "ZB-A"]
    assert [(m["org"], m["left_on"]) for m in data["past_members"]] == [("ZB-B", "2025-06-30")]
    assert data["members"] == 2
    # manager_b still sees the alliance through ZB-B's past membership
    assert call("get", "/alliances", user=world.manager_b)[1]["count"] == 1


@pytest.mark.parametrize(
    "query,codes",
    [
        ("type=政企联建", ["LJ-A"]),
        ("type=联建网", ["LJ-X"]),
        ("type=结对共建", []),
        ("theme=党建+安全生产", ["LJ-X"]),
        ("status=运行", ["LJ-A", "LJ-X"]),
        ("status=终止", []),
        ("org=WB-GOV", ["LJ-A"]),
        ("org=DW2", ["LJ-X"]),
        ("q=营销", ["LJ-A"]),
        ("q=lj-x", ["LJ-X"]),
        ("q=陈海波", ["LJ-A"]),
        ("type=&theme=", ["LJ-A", "LJ-X"]),
    ],
)
def test_alliance_list_filters(world, aw, query, codes):
    status, data = call("get", f"/alliances?{query.replace('+', '%2B')}", user=world.admin)
    assert status == 200
    assert [a["code"] for a in data["items"]] == codes


def test_alliance_list_filters_stay_inside_scope(world, aw):
    status, data = call("get", "/alliances?org=ZB-X", user=world.company)
    assert (status, data) == (200, {"items": [], "count": 0})


def test_alliance_list_refuses_a_bad_status_and_page_size(world, aw):
    status, data = call("get", "/alliances?status=解散", user=world.admin)
    assert (status, data) == (422, {"detail": "status：应为以下之一：筹建、运行、暂停、终止"})
    status, data = call("get", "/alliances?page_size=501", user=world.admin)
    assert (status, data) == (422, {"detail": "page_size：应不大于 500"})


def test_alliance_list_pages(world, aw):
    status, data = call("get", "/alliances?page=2&page_size=1", user=world.admin)
    assert status == 200
    assert ([a["code"] for a in data["items"]], data["count"]) == (["LJ-X"], 2)


@pytest.mark.parametrize("persona", PERSONAS)
def test_agreement_list_shows_exactly_the_visible_agreements(world, aw, persona):
    status, data = api_call(world, persona, "get", "/agreements")
    assert status == 200
    expected = {"LJ-A": "营销政企联建协议", "LJ-X": "外公司联建协议"}
    # latest start first: LJ-X's agreement starts 2025, LJ-A's 2024
    assert [a["title"] for a in data["items"]] == [
        expected[c] for c in sorted(VISIBLE[persona], reverse=True)
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_agreement_detail_is_404_outside_scope(world, aw, persona):
    status, data = api_call(world, persona, "get", f"/agreements/{aw.ag_a.pk}")
    if "LJ-A" in VISIBLE[persona]:
        assert status == 200
        assert data == {
            "id": aw.ag_a.pk,
            "alliance": "LJ-A",
            "alliance_name": "营销政企联建",
            "title": "营销政企联建协议",
            "status": "生效",
            "signed_on": "2024-01-01",
            "start": "2024-01-01",
            "end": "2026-12-31",
            "parties": [
                {"code": "ZB-A", "name": "营销服务党支部", "is_partner": False},
                {"code": "WB-GOV", "name": "本溪县人民政府机关党委", "is_partner": True},
            ],
            "predecessor": None,
            "successor": None,
            "terms": "",
            "goals": [{"text": "联合开展主题党日", "target": 4.0, "unit": "次/年"}],
            "files": [
                {
                    "id": aw.scan.pk,
                    "name": "协议.pdf",
                    "size": aw.scan.size,
                    "content_type": "application/pdf",
                    "uploaded_by": "系统",
                    "uploaded_at": data["files"][0]["uploaded_at"],
                }
            ],
        }
    else:
        assert (status, data) == (404, NOT_FOUND)


@pytest.mark.parametrize("agreement_id", ["0", "99999999", str(2**63), "abc"])
def test_agreement_detail_bad_ids(world, aw, agreement_id):
    status, data = call("get", f"/agreements/{agreement_id}", user=world.admin)
    assert status in (404, 422)
    assert set(data) == {"detail"}


def test_agreement_filters(world, aw, monkeypatch):
    def titles(query: str) -> list[str]:
        status, data = call("get", f"/agreements?{query}", user=world.admin)
        assert status == 200
        return [a["title"] for a in data["items"]]

    assert titles("alliance=LJ-A") == ["营销政企联建协议"]
    assert titles("status=草拟") == ["外公司联建协议"]
    monkeypatch.setattr(alliances_api, "_today", lambda: datetime.date(2026, 11, 21))
    assert titles("expiring_within=39") == []
    assert titles("expiring_within=40") == ["营销政企联建协议"]
    monkeypatch.setattr(alliances_api, "_today", lambda: datetime.date(2027, 1, 1))
    assert titles("expiring_within=400") == []  # its end has passed
    status, data = call("get", "/agreements?expiring_within=-1", user=world.admin)
    assert (status, data) == (422, {"detail": "expiring_within：应不小于 0"})


def test_unauthenticated_is_401(world, aw):
    status, data = call("get", "/alliances")
    assert status == 401
    assert set(data) == {"detail"}


# ---- the write matrix -----------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code", ["LJ-A", "LJ-X"])
def test_patch_alliance_by_scope(world, aw, persona, code):
    expected = expected_write(persona, code, 200)
    before = state()
    status, data = assert_write(
        state,
        lambda: api_call(world, persona, "patch", f"/alliances/{code}", body={"sponsor": "新领导"}),
        expected,
    )
    if expected == 200:
        assert data["sponsor"] == "新领导"
        assert AuditLog.objects.count() == before[-1] + 1
    else:
        assert data == (NOT_FOUND if expected == 404 else {"detail": "无权修改该联建"})


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code,org", [("LJ-A", "XZ-A1"), ("LJ-X", "WB-GOV")])
def test_add_member_by_scope(world, aw, persona, code, org):
    expected = expected_write(persona, code, 201)
    before = state()
    status, data = assert_write(
        state,
        lambda: api_call(
            world,
            persona,
            "post",
            f"/alliances/{code}/members",
            body={"org": org, "liaison": "李联络", "joined_on": "2026-03-01"},
        ),
        expected,
    )
    if expected == 201:
        added = next(m for m in data["current_members"] if m["org"] == org)
        assert (added["liaison"], added["joined_on"]) == ("李联络", "2026-03-01")
        assert AuditLog.objects.count() == before[-1] + 1


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("code,parties", [("LJ-A", ["ZB-A", "ZB-B"]), ("LJ-X", ["ZB-X", "DW2"])])
def test_create_agreement_by_scope(world, aw, persona, code, parties):
    # the alliance is named in the body: invisible reads as "does not exist" (400)
    expected = 400 if code not in VISIBLE[persona] else expected_write(persona, code, 201)
    before = state()
    status, data = assert_write(
        state,
        lambda: api_call(
            world,
            persona,
            "post",
            "/agreements",
            body={
                "alliance": code,
                "title": "新协议",
                "parties": parties,
                "start": "2026-01-01",
                "end": "2028-12-31",
                "goals": [
                    {"text": "联合党课", "target": 2, "unit": "次/年"},
                    {"text": "共建示范岗"},
                ],
            },
        ),
        expected,
    )
    if expected == 201:
        assert (data["status"], [p["code"] for p in data["parties"]]) == ("草拟", sorted(parties))
        assert data["goals"] == [
            {"text": "联合党课", "target": 2.0, "unit": "次/年"},
            {"text": "共建示范岗", "target": None, "unit": ""},
        ]
        assert AuditLog.objects.count() == before[-1] + 1
    else:
        assert (
            data
            == {400: {"detail": f"联建不存在：{code}"}, 403: {"detail": "无权修改该联建"}}[expected]
        )


@pytest.mark.parametrize("persona", PERSONAS)
def test_agreement_status_by_scope(world, aw, persona):
    expected = expected_write(persona, "LJ-A", 200)
    before = state()
    status, data = assert_write(
        state,
        lambda: api_call(
            world, persona, "post", f"/agreements/{aw.ag_a.pk}/status", body={"status": "终止"}
        ),
        expected,
    )
    if expected == 200:
        assert data["status"] == "终止"
        assert AuditLog.objects.count() == before[-1] + 1


@pytest.mark.parametrize("persona", PERSONAS)
def test_agreement_renew_by_scope(world, aw, persona):
    expected = expected_write(persona, "LJ-A", 201)
    before = state()
    status, data = assert_write(
        state,
        lambda: api_call(
            world,
            persona,
            "post",
            f"/agreements/{aw.ag_a.pk}/renew",
            body={"start": "2027-01-01", "end": "2029-12-31"},
        ),
        expected,
    )
    if expected == 201:
        assert (data["title"], data["status"], data["predecessor"]) == (
            "营销政企联建协议（续签）",
            "草拟",
            aw.ag_a.pk,
        )
        assert AuditLog.objects.count() == before[-1] + 1


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("admin", 201),
        ("company", 201),
        ("manager_a", 201),
        ("member_a", 403),
        ("manager_b", 400),
        ("outsider", 400),
    ],
)
def test_create_alliance_by_scope(world, aw, persona, expected):
    before = state()
    status, data = assert_write(
        state,
        lambda: api_call(
            world,
            persona,
            "post",
            "/alliances",
            body={
                "code": "LJ-NEW",
                "name": "新联建",
                "type": "结对共建",
                "lead": "ZB-A",
                "members": ["WB-GOV"],
                "founded": "2026-05-01",
            },
        ),
        expected,
    )
    if expected == 201:
        assert [(m["org"], m["joined_on"]) for m in data["current_members"]] == [
            ("WB-GOV", "2026-05-01"),
            ("ZB-A", "2026-05-01"),
        ]
        assert (data["lead"], data["status"], data["members"], data["partners"]) == (
            "ZB-A",
            "运行",
            2,
            1,
        )
        assert AuditLog.objects.count() == before[-1] + 1
    else:
        assert (
            data
            == {403: {"detail": "无权新建联建"}, 400: {"detail": "牵头组织不存在：ZB-A"}}[expected]
        )


# ---- validation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "body,detail",
    [
        (
            {
                "code": "LJ-A",
                "name": "重复",
                "type": "联建网",
                "lead": "ZB-A",
                "members": ["WB-GOV"],
            },
            "code：具有 联建编码 的 联建 已存在。",
        ),
        (
            {"code": "LJ-N", "name": "单个", "type": "联建网", "lead": "ZB-A"},
            "members：联建至少需要两个党组织",
        ),
        (
            {
                "code": "LJ-N",
                "name": "未知类型",
                "type": "友好联建",
                "lead": "ZB-A",
                "members": ["WB-GOV"],
            },
            "联建类型不存在：友好联建（可选：联建网、党建联盟、结对共建、政企联建、区域联建、产业链联建）",
        ),
        (
            {
                "code": "LJ-N",
                "name": "越权成员",
                "type": "联建网",
                "lead": "ZB-A",
                "members": ["ZB-B", "ZB-X", "WB-GOV"],
            },
            "成员组织不存在：ZB-B、ZB-X",
        ),
        (
            {
                "code": "LJ-N",
                "name": "越权牵头",
                "type": "联建网",
                "lead": "ZB-B",
                "members": ["ZB-A"],
            },
            "牵头组织不存在：ZB-B",
        ),
        (
            {
                "code": "LJ N",
                "name": "坏编码",
                "type": "联建网",
                "lead": "ZB-A",
                "members": ["WB-GOV"],
            },
            "code：编码只能包含字母、数字、下划线、点和短横线，最长 32 位",
        ),
    ],
)
def test_create_alliance_refusals_change_nothing(world, aw, body, detail):
    before = state()
    status, data = call("post", "/alliances", user=world.manager_a, body=body)
    assert (status, data) == (400, {"detail": detail})
    assert state() == before


@pytest.mark.parametrize(
    "body,detail",
    [
        (
            {"code": "LJ-N", "name": "x", "type": "联建网", "lead": "ZB-A", "colour": "red"},
            "colour：不支持的字段",
        ),
        ({"code": "LJ-N", "name": "", "type": "联建网", "lead": "ZB-A"}, "name：不能为空"),
        (
            {"code": "LJ-N", "name": "x", "type": "联建网", "lead": "ZB-A", "status": "解散"},
            "status：应为以下之一：筹建、运行、暂停、终止",
        ),
        (
            {
                "code": "LJ-N",
                "name": "x",
                "type": "联建网",
                "lead": "ZB-A",
                "founded": "2026-13-01",
            },
            "founded：应为日期，格式 YYYY-MM-DD",
        ),
        ({"name": "x", "type": "联建网", "lead": "ZB-A"}, "code：必填"),
    ],
)
def test_create_alliance_schema_errors_are_422(world, aw, body, detail):
    status, data = call("post", "/alliances", user=world.admin, body=body)
    assert (status, data) == (422, {"detail": detail})


def test_patch_alliance_changes_type_and_lead(world, aw):
    status, data = call(
        "patch",
        "/alliances/LJ-A",
        user=world.company,
        body={"type": "党建联盟", "lead": "ZB-B", "guidance": ["王建华", "刘振东"]},
    )
    assert status == 200, data
    assert (data["type"], data["lead"], data["guidance"]) == (
        "党建联盟",
        "ZB-B",
        ["王建华", "刘振东"],
    )
    # manager_b now leads LJ-A and may change it; manager_a no longer may
    assert (
        call("patch", "/alliances/LJ-A", user=world.manager_b, body={"theme": "党建+设备管理"})[0]
        == 200
    )
    assert call("patch", "/alliances/LJ-A", user=world.manager_a, body={"theme": ""}) == (
        403,
        {"detail": "无权修改该联建"},
    )


@pytest.mark.parametrize(
    "body,status_detail",
    [
        ({"lead": "ZB-X"}, (400, "牵头组织不存在：ZB-X")),
        (
            {"type": "不存在"},
            (
                400,
                "联建类型不存在：不存在（可选：联建网、党建联盟、结对共建、政企联建、区域联建、产业链联建）",
            ),
        ),
        ({"name": None}, (422, "name：不能为 null")),
        ({"code": "LJ-B"}, (422, "code：不支持的字段")),
    ],
)
def test_patch_alliance_refusals_change_nothing(world, aw, body, status_detail):
    before = state()
    status, data = call("patch", "/alliances/LJ-A", user=world.manager_a, body=body)
    assert (status, data) == (status_detail[0], {"detail": status_detail[1]})
    assert state() == before


def test_empty_patch_changes_nothing(world, aw):
    before = state()
    status, data = call("patch", "/alliances/LJ-A", user=world.manager_a, body={})
    assert (status, data["code"]) == (200, "LJ-A")
    assert state() == before


@pytest.mark.parametrize(
    "body,detail",
    [
        ({"org": "ZB-B"}, "org：该组织已是本联建的成员"),
        ({"org": "ZB-X"}, "成员组织不存在：ZB-X"),
        ({"org": "NOPE"}, "成员组织不存在：NOPE"),
    ],
)
def test_add_member_refusals(world, aw, body, detail):
    before = state()
    status, data = call("post", "/alliances/LJ-A/members", user=world.company, body=body)
    assert (status, data) == (400, {"detail": detail})
    assert state() == before


def test_add_member_defaults_to_today(world, aw, monkeypatch):
    monkeypatch.setattr(alliances_api, "_today", lambda: datetime.date(2026, 11, 21))
    status, data = call(
        "post", "/alliances/LJ-A/members", user=world.company, body={"org": "XZ-A1"}
    )
    assert status == 201
    assert (
        next(m["joined_on"] for m in data["current_members"] if m["org"] == "XZ-A1") == "2026-11-21"
    )


@pytest.mark.parametrize(
    "body,status_detail",
    [
        ({"parties": ["ZB-A", "ZB-X"]}, (400, "签约方须为本联建的现有成员：ZB-X")),
        ({"parties": ["ZB-A", "NOPE"]}, (400, "签约方须为本联建的现有成员：NOPE")),
        ({"parties": ["ZB-A", "ZB-A"]}, (400, "parties：协议至少需要两个签约方")),
        ({"parties": ["ZB-A"]}, (400, "parties：协议至少需要两个签约方")),
        ({"start": "2027-01-01", "end": "2026-01-01"}, (400, "end：到期日期不能早于生效日期")),
        (
            {"goals": [{"text": "x", "target": 1.234}]},
            (422, "goals.0.target：应为数字，最多 10 位整数、2 位小数"),
        ),
        (
            {"goals": [{"text": "x", "target": 1e12}]},
            (422, "goals.0.target：应为数字，最多 10 位整数、2 位小数"),
        ),
        ({"goals": [{"text": "x", "target": "many"}]}, (422, "goals.0.target：应为数字")),
        ({"goals": [{"text": ""}]}, (422, "goals.0.text：不能为空")),
    ],
)
def test_create_agreement_refusals_change_nothing(world, aw, body, status_detail):
    before = state()
    payload = {"alliance": "LJ-A", "title": "新协议", "parties": ["ZB-A", "WB-GOV"], **body}
    status, data = call("post", "/agreements", user=world.manager_a, body=payload)
    assert (status, data) == (status_detail[0], {"detail": status_detail[1]})
    assert state() == before


def test_agreement_lifecycle_through_the_api(world, aw):
    pk = aw.ag_x.pk
    steps = [
        ({"status": "生效"}, 400, "协议状态不能从“草拟”变为“生效”"),
        ({"status": "已签署", "on": "2026-02-01"}, 200, None),
        ({"status": "已签署"}, 400, "协议状态不能从“已签署”变为“已签署”"),
        ({"status": "生效"}, 200, None),
        ({"status": "草拟"}, 400, "协议状态不能从“生效”变为“草拟”"),
        ({"status": "到期"}, 200, None),
        ({"status": "终止"}, 400, "协议状态不能从“到期”变为“终止”"),
    ]
    for body, expected, detail in steps:
        status, data = call("post", f"/agreements/{pk}/status", user=world.outsider, body=body)
        assert status == expected, (body, data)
        if detail:
            assert data == {"detail": detail}
    assert Agreement.objects.values_list("status", "signed_on", "start").get(pk=pk) == (
        "到期",
        datetime.date(2026, 2, 1),
        datetime.date(2025, 1, 1),
    )


def test_renewal_happens_once(world, aw):
    status, data = call(
        "post",
        f"/agreements/{aw.ag_a.pk}/renew",
        user=world.manager_a,
        body={"start": "2027-01-01", "end": "2029-12-31", "title": "营销政企联建协议（2027—2029）"},
    )
    assert status == 201
    new_id = data["id"]
    assert ([p["code"] for p in data["parties"]], data["goals"]) == (
        ["ZB-A", "WB-GOV"],
        [{"text": "联合开展主题党日", "target": 4.0, "unit": "次/年"}],
    )
    assert call("get", f"/agreements/{aw.ag_a.pk}", user=world.manager_b)[1]["successor"] == new_id
    before = state()
    status, data = call(
        "post",
        f"/agreements/{aw.ag_a.pk}/renew",
        user=world.manager_a,
        body={"start": "2027-01-01", "end": "2029-12-31"},
    )
    assert (status, data) == (400, {"detail": "该协议已续签"})
    status, data = call(
        "post",
        f"/agreements/{aw.ag_x.pk}/renew",
        user=world.outsider,
        body={"start": "2028-01-01", "end": "2029-12-31"},
    )
    assert (status, data) == (400, {"detail": "草拟或已终止的协议不能续签"})
    assert state() == before


def test_writes_need_json(world, aw):
    from django.test import Client

    from tests.api_helpers import auth_header

    response = Client().post(
        "/api/v1/agreements",
        data="title=x",
        content_type="application/x-www-form-urlencoded",
        **auth_header(world.admin),
    )
    assert response.status_code == 415
    assert response.json() == {"detail": "请求体须为 JSON，请设置 Content-Type: application/json"}


def test_every_alliance_endpoint_is_in_the_matrix(world):
    from lianjian.api import api

    paths = api.get_openapi_schema()["paths"]
    ours = {
        (m.upper(), p)
        for p, ops in paths.items()
        for m in ops
        if p.startswith(("/api/v1/alliances", "/api/v1/agreements"))
    }
    # each one is exercised per persona above: list/detail reads, and one matrix test per write
    assert ours == {
        ("GET", "/api/v1/alliances"),
        ("POST", "/api/v1/alliances"),
        ("GET", "/api/v1/alliances/{code}"),
        ("PATCH", "/api/v1/alliances/{code}"),
        ("POST", "/api/v1/alliances/{code}/members"),
        ("GET", "/api/v1/agreements"),
        ("POST", "/api/v1/agreements"),
        ("GET", "/api/v1/agreements/{agreement_id}"),
        ("POST", "/api/v1/agreements/{agreement_id}/status"),
        ("POST", "/api/v1/agreements/{agreement_id}/renew"),
    }
    assert all(paths[p][m.lower()]["security"] == [{"TokenAuth": []}] for m, p in ours)
