"""Rules once (#17 point 2): a rule on a row's fields has one home (``lianjian.orgs.rules``,
``org_row_errors``, ``member_row_errors``) that the service (the screens' path), the HTTP
API and the Excel import all ask — so the same bad row gets the same refusal on every edge,
and nothing is written; an import asks core.scope once for every record it touches; rows
written by an import are the rows the services write."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from lianjian.alliances.models import AllianceType
from lianjian.alliances.services import alliance_create
from lianjian.consultations.services import problem_raise
from lianjian.core.excel import export_file, get_kind, import_file, refused_keys
from lianjian.core.messages import KEY_TAKEN
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, MemberTransfer, Organisation
from lianjian.orgs.services import (
    member_create,
    member_transfer,
    org_create,
    org_dissolve,
    org_update,
)
from tests.api_helpers import call
from tests.excel_helpers import make_xlsx

ORG_HEADERS = [
    "组织编码",
    "组织名称",
    "组织类型",
    "上级组织编码",
    "是否外部单位",
    "外部单位类别",
    "撤销日期",
]
MEMBER_HEADERS = ["人员编号", "姓名", "所在组织编码", "党员类别", "入党日期"]


def state() -> list[Any]:
    """Everything a refused write could have changed."""
    return [
        list(Organisation.objects.order_by("pk").values_list()),
        list(Member.objects.order_by("pk").values_list()),
        MemberTransfer.objects.count(),
        AuditLog.objects.count(),
    ]


def imported(
    tmp_path: Path, kind: str, headers: list[str], rows: list[list[Any]], user: Any
) -> list[str]:
    """The errors of importing ``rows`` as ``user`` (through the screens' entry point)."""
    path = make_xlsx(tmp_path / f"{kind}.xlsx", headers, rows)
    result = import_file(get_kind(kind), path, file_name=path.name, actor=user, user=user)  # type: ignore[arg-type]
    return result.errors


def refusal(exc: ValidationError) -> list[str]:
    return (
        [message for messages in exc.message_dict.values() for message in messages]
        if hasattr(exc, "error_dict")
        else list(exc.messages)
    )


@pytest.fixture
def dissolved_branch(world):
    org = org_create(
        actor=None,
        code="ZB-OLD",
        name="已撤销支部",
        kind="党支部",
        parent=world.dw,
        founded=datetime.date(2001, 1, 1),
    )
    org_dissolve(actor=None, org=org, date=datetime.date(2025, 1, 1))
    return org


def test_a_partner_kind_on_an_internal_organisation_is_refused_alike_by_service_api_and_import(
    world, tmp_path
):
    reason = "仅外部单位可填写外部单位类别"
    before = state()

    with pytest.raises(ValidationError) as service:
        org_create(
            actor=world.manager_a,
            code="XZ-A2",
            name="营销二组",
            kind="党小组",
            parent=world.zb_a,
            partner_kind="政府",
        )
    api = call(
        "post",
        "/orgs",
        user=world.manager_a,
        body={
            "code": "XZ-A2",
            "name": "营销二组",
            "kind": "党小组",
            "parent": "ZB-A",
            "partner_kind": "政府",
        },
    )
    excel = imported(
        tmp_path,
        "orgs",
        ORG_HEADERS,
        [["XZ-A2", "营销二组", "党小组", "ZB-A", "否", "政府", None]],
        world.manager_a,
    )

    assert service.value.message_dict == {"partner_kind": [reason]}
    assert api == (400, {"detail": f"partner_kind：{reason}"})
    assert excel == [f"第2行 外部单位类别：{reason}"]
    assert state() == before


def test_a_kind_its_children_cannot_sit_under_is_refused_alike_by_service_api_and_import(
    world, tmp_path
):
    # Before: the service and the API turned 营销服务党支部 into a 党总支 with a 党小组 under it.
    reason = "下级组织 XZ-A1（党小组）不能设在党总支之下"
    before = state()

    with pytest.raises(ValidationError) as service:
        org_update(actor=world.admin, org=Organisation.objects.get(code="ZB-A"), kind="党总支")
    api = call("patch", "/orgs/ZB-A", user=world.admin, body={"kind": "党总支"})
    excel = imported(
        tmp_path, "orgs", ORG_HEADERS[:3], [["ZB-A", "营销服务党支部", "党总支"]], world.admin
    )

    assert service.value.message_dict == {"kind": [reason]}
    assert api == (400, {"detail": f"kind：{reason}"})
    assert excel == [f"第2行 组织类型：{reason}"]
    assert state() == before


def test_an_organisation_under_a_dissolved_parent_is_refused_alike_by_service_api_and_import(
    world, dissolved_branch, tmp_path
):
    # Before: the API created a group under a dissolved branch; only the import refused it.
    reason = "上级组织 ZB-OLD 已撤销"
    before = state()

    with pytest.raises(ValidationError) as service:
        org_create(
            actor=world.admin, code="XZ-N", name="新组", kind="党小组", parent=dissolved_branch
        )
    api = call(
        "post",
        "/orgs",
        user=world.admin,
        body={"code": "XZ-N", "name": "新组", "kind": "党小组", "parent": "ZB-OLD"},
    )
    excel = imported(
        tmp_path, "orgs", ORG_HEADERS[:4], [["XZ-N", "新组", "党小组", "ZB-OLD"]], world.admin
    )

    assert service.value.message_dict == {"parent": [reason]}
    assert api == (400, {"detail": f"parent：{reason}"})
    assert excel == [f"第2行 上级组织编码：{reason}"]
    assert state() == before


def test_dissolving_an_organisation_with_members_and_children_is_refused_alike_by_service_api_and_import(
    world, tmp_path
):
    reasons = ["还有 2 名党员，请先办理组织关系转接", "还有 1 个下级组织未撤销"]
    before = state()

    with pytest.raises(ValidationError) as service:
        org_dissolve(actor=world.admin, org=world.zb_a, date=datetime.date(2026, 3, 1))
    api = call("post", "/orgs/ZB-A/dissolve", user=world.admin, body={"date": "2026-03-01"})
    excel = imported(
        tmp_path,
        "orgs",
        [*ORG_HEADERS[:3], "撤销日期"],
        [["ZB-A", "营销服务党支部", "党支部", datetime.date(2026, 3, 1)]],
        world.admin,
    )

    assert refusal(service.value) == reasons
    assert api == (400, {"detail": "；".join(reasons)})
    assert excel == [f"第2行 撤销日期：{reason}" for reason in reasons]
    assert state() == before


def test_a_new_member_in_a_dissolved_organisation_is_refused_alike_by_service_api_and_import(
    world, dissolved_branch, tmp_path
):
    reason = "所在组织已撤销"  # the import said 组织 ZB-OLD 已撤销 before
    before = state()

    with pytest.raises(ValidationError) as service:
        member_create(
            actor=world.admin,
            number="M-N1",
            name="钱七",
            org=dissolved_branch,
            category="正式党员",
            joined_on=datetime.date(2015, 7, 1),
        )
    api = call(
        "post",
        "/members",
        user=world.admin,
        body={
            "number": "M-N1",
            "name": "钱七",
            "org": "ZB-OLD",
            "category": "正式党员",
            "joined_on": "2015-07-01",
        },
    )
    excel = imported(
        tmp_path,
        "members",
        MEMBER_HEADERS,
        [["M-N1", "钱七", "ZB-OLD", "正式党员", "2015-07-01"]],
        world.admin,
    )

    assert service.value.message_dict == {"org": [reason]}
    assert api == (400, {"detail": f"org：{reason}"})
    assert excel == [f"第2行 所在组织编码：{reason}"]
    assert state() == before


@pytest.mark.parametrize(
    ("to_org", "reason"), [("WB-GOV", "不能转入外部单位党组织"), ("ZB-OLD", "转入组织已撤销")]
)
def test_a_transfer_to_a_partner_or_dissolved_organisation_is_refused_alike_by_service_api_and_import(
    world, dissolved_branch, tmp_path, to_org, reason
):
    before = state()

    with pytest.raises(ValidationError) as service:
        member_transfer(
            actor=world.admin,
            member=world.m_a2,
            to_org=Organisation.objects.get(code=to_org),
            date=datetime.date(2026, 3, 1),
        )
    api = call(
        "post",
        f"/members/{world.m_a2.pk}/transfer",
        user=world.admin,
        body={"to_org": to_org, "date": "2026-03-01"},
    )
    excel = imported(
        tmp_path,
        "members",
        MEMBER_HEADERS,
        [["M-A2", "李四", to_org, "预备党员", "2025-07-01"]],
        world.admin,
    )

    assert service.value.message_dict == {"to_org": [reason]}
    assert api == (400, {"detail": f"to_org：{reason}"})
    assert excel == [f"第2行 所在组织编码：{reason}"]
    assert state() == before


# --- one aggregate permission check -----------------------------------------------------------


def test_an_import_touching_one_out_of_scope_organisation_is_refused_whole_without_naming_hidden_rows(
    world, tmp_path
):
    """manager_a (ZB-A) sends good rows of their subtree, one row keyed by ZB-B (a sibling
    they cannot see), one placing a group under ZB-X (another company's branch) and one new
    top-level organisation: the file is refused as a whole, and no message says anything of
    the hidden organisations but that a code is taken or unknown."""
    before = state()

    errors = imported(
        tmp_path,
        "orgs",
        ORG_HEADERS[:4],
        [
            ["XZ-A2", "营销二组", "党小组", "ZB-A"],
            ["XZ-A1", "营销一组（改名）", "党小组", "ZB-A"],
            ["ZB-B", "改名", "党支部", "DW"],
            ["XZ-X9", "外公司九组", "党小组", "ZB-X"],
            ["DW-NEW", "新党委", "党委", None],
        ],
        world.manager_a,
    )

    assert errors == [
        f"第4行 组织编码：{KEY_TAKEN}",
        "第4行 上级组织编码：上级组织 DW 不存在",
        "第5行 上级组织编码：上级组织 ZB-X 不存在",
        "第6行 组织编码：无权操作该组织",
    ]
    assert [
        name
        for name in ("运维检修党支部", "外公司党支部", "另一公司党委")
        if name in "".join(errors)
    ] == []
    assert state() == before


def test_a_member_import_outside_the_managers_subtree_is_refused_without_naming_hidden_rows(
    world, tmp_path
):
    """manager_a moves M-A1 to ZB-B (outside their subtree, hidden: it reads as unknown) and
    sends a row keyed by M-B1 (a member of ZB-B: the key is taken, nothing more is said)."""
    before = state()

    errors = imported(
        tmp_path,
        "members",
        MEMBER_HEADERS,
        [
            ["M-A1", "张三", "ZB-B", "正式党员", "2010-07-01"],
            ["M-B1", "王五", "ZB-A", "正式党员", "2010-07-01"],
        ],
        world.manager_a,
    )

    assert errors == ["第2行 所在组织编码：组织 ZB-B 不存在", f"第3行 人员编号：{KEY_TAKEN}"]
    assert state() == before


def test_the_permission_check_of_an_import_is_one_query_for_every_record_it_touches(
    world, django_assert_num_queries
):
    codes = ["ZB-A", "XZ-A1", "ZB-B", "DW", "DW2", "ZB-X"]
    with django_assert_num_queries(1):
        refused = refused_keys(
            Organisation.objects.all(), world.manager_a, "change", codes, key="code"
        )
    assert refused == {"ZB-B", "DW", "DW2", "ZB-X"}
    with django_assert_num_queries(0):
        assert refused_keys(Organisation.objects.all(), None, "change", codes, key="code") == set()


# --- import-created rows are service-created rows -----------------------------------------------


def _stored(model: type, code_field: str, code: str, skip: set[str]) -> dict[str, Any]:
    row = model.objects.filter(**{code_field: code}).values().get()
    return {
        k: (v.replace(code, "<code>") if isinstance(v, str) else v)
        for k, v in row.items()
        if k not in skip
    }


def _created_audit(code: str) -> tuple[Any, ...]:
    log = AuditLog.objects.get(action="create", target_id=code)
    after = {
        k: (v.replace(code, "<code>") if isinstance(v, str) else v) for k, v in log.after.items()
    }
    return (
        log.actor_id,
        log.actor_name,
        log.target_type,
        log.target_repr,
        log.before,
        after,
        log.note,
    )


def test_an_organisation_created_by_import_is_indistinguishable_from_one_created_on_the_screen(
    world, tmp_path
):
    fields = {
        "name": "营销二组",
        "kind": "党小组",
        "unit": "营销部",
        "founded": datetime.date(2020, 5, 4),
    }
    org_create(actor=world.admin, code="XZ-S", parent=world.zb_a, **fields)

    errors = imported(
        tmp_path,
        "orgs",
        ["组织编码", "组织名称", "组织类型", "上级组织编码", "所属单位", "成立日期"],
        [["XZ-I", "营销二组", "党小组", "ZB-A", "营销部", datetime.date(2020, 5, 4)]],
        world.admin,
    )

    assert errors == []
    skip = {"id", "created_at", "updated_at"}
    assert _stored(Organisation, "code", "XZ-I", skip) == _stored(
        Organisation, "code", "XZ-S", skip
    )
    assert _created_audit("XZ-I") == _created_audit("XZ-S")


def test_a_member_created_by_import_is_indistinguishable_from_one_created_on_the_screen(
    world, tmp_path
):
    fields = {
        "name": "钱七",
        "category": "正式党员",
        "joined_on": datetime.date(2015, 7, 1),
        "gender": "女",
        "phone": "13812340000",
        "id_number": "110101199003071233",
    }
    member_create(actor=world.admin, number="M-S", org=world.zb_a, **fields)

    errors = imported(
        tmp_path,
        "members",
        [*MEMBER_HEADERS, "性别", "手机号码", "身份证号"],
        [
            [
                "M-I",
                "钱七",
                "ZB-A",
                "正式党员",
                "2015-07-01",
                "女",
                "13812340000",
                "110101199003071233",
            ]
        ],
        world.admin,
    )

    assert errors == []
    skip = {"id", "created_at", "updated_at"}
    assert _stored(Member, "number", "M-I", skip) == _stored(Member, "number", "M-S", skip)
    assert _created_audit("M-I") == _created_audit("M-S")


PROBLEM_HEADERS = ["问题编号", "问题标题", "提出组织编码", "问题类别"]


def test_a_problem_raised_by_a_dissolved_organisation_is_refused_alike_by_service_and_import(
    world, dissolved_branch, tmp_path
):
    # Before: the import took it; only the service refused.
    reason = "组织“已撤销支部”已撤销，不能提出问题"
    before = state()

    with pytest.raises(ValidationError) as service:
        problem_raise(actor=world.admin, raised_by=dissolved_branch, title="标题", category="其他")
    excel = imported(
        tmp_path, "problems", PROBLEM_HEADERS, [["WT-1", "标题", "ZB-OLD", "其他"]], world.admin
    )

    assert service.value.message_dict == {"raised_by": [reason]}
    assert excel == [f"第2行 提出组织编码：{reason}"]
    assert state() == before


def test_a_problem_raised_before_its_organisation_was_dissolved_reimports_unchanged(
    world, tmp_path
):
    org = org_create(actor=None, code="ZB-LATE", name="后撤支部", kind="党支部", parent=world.dw)
    problem_raise(actor=None, raised_by=org, title="标题", category="其他", code="WT-2")
    org_dissolve(actor=None, org=org, date=datetime.date(2026, 3, 1))
    before = state()

    path = tmp_path / "problems.xlsx"
    export_file(get_kind("problems"), path)  # type: ignore[arg-type]
    result = import_file(get_kind("problems"), path, file_name=path.name)  # type: ignore[arg-type]

    assert (result.errors, result.unchanged) == ([], 1)
    assert state()[:3] == before[:3]


# --- the screens give the same reasons --------------------------------------------------------


def _screen(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_screen_refuses_a_partner_kind_on_an_internal_organisation_with_the_same_reason(world):
    before = state()

    response = _screen(world.manager_a).post(
        reverse("orgs:org_create"),
        {
            "code": "XZ-A2",
            "name": "营销二组",
            "kind": "党小组",
            "parent": "ZB-A",
            "partner_kind": "政府",
        },
    )

    assert response.status_code == 400
    assert "仅外部单位可填写外部单位类别" in response.content.decode()
    assert state() == before


def test_the_screen_refuses_a_kind_its_children_cannot_sit_under_with_the_same_reason(world):
    before = state()

    response = _screen(world.admin).post(
        reverse("orgs:org_edit", args=["ZB-A"]),
        {"name": "营销服务党支部", "kind": "党总支", "parent": "DW", "lat": "41.3", "lon": "123.7"},
    )

    assert response.status_code == 400
    assert "下级组织 XZ-A1（党小组）不能设在党总支之下" in response.content.decode()
    assert state() == before


def test_a_dissolved_organisation_joining_an_alliance_is_refused_alike_by_service_and_import(
    world, dissolved_branch, tmp_path
):
    before = state()

    with pytest.raises(ValidationError) as service:
        alliance_create(
            actor=world.admin,
            code="LJ-D",
            name="撤销的成员",
            type=AllianceType.objects.get(name="联建网"),
            lead=world.zb_a,
            members=[dissolved_branch],
        )
    excel = imported(
        tmp_path,
        "alliances",
        ["联建编码", "联建名称", "联建类型", "牵头组织编码", "成员组织编码"],
        [["LJ-D", "撤销的成员", "联建网", "ZB-A", "ZB-OLD"]],
        world.admin,
    )

    # The screens name the organisation, a file its code (as every message of a file does).
    assert service.value.message_dict == {"members": ["组织 已撤销支部 已撤销，不能加入联建"]}
    assert excel == ["第2行 成员组织编码：组织 ZB-OLD 已撤销，不能加入联建"]
    assert state() == before
