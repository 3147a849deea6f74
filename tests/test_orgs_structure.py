"""An organisation's structure (kind, parent, 外部单位, flags, founding and dissolution) is
changed only by a manager of its parent or an admin — at every edge: the API, the edit
form, the ``orgs`` import and the services (:mod:`lianjian.orgs.permissions`).

ZB-A's own manager (manager_a) edits ZB-A's details but not its structure; the company
manager (manager of DW, ZB-A's parent) and the admin may change it; manager_a may change
the structure of XZ-A1 below ZB-A. Nobody but the admin changes that of the top-level DW.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.core.excel import get_kind, import_file
from lianjian.core.models import AuditLog
from lianjian.orgs import services
from lianjian.orgs.models import Organisation
from tests.api_helpers import call
from tests.excel_helpers import make_xlsx

TAIL = "只能由上级组织的管理员或系统管理员修改"
STRUCTURE = (
    "kind",
    "parent_id",
    "path",
    "is_partner",
    "partner_kind",
    "is_temporary",
    "is_joint",
    "is_functional",
    "founded",
    "dissolved",
)


def state() -> tuple:
    return list(
        Organisation.objects.order_by("code").values_list("code", "name", *STRUCTURE)
    ), AuditLog.objects.count()


def structure(code: str) -> tuple:
    return Organisation.objects.filter(code=code).values_list(*STRUCTURE).get()


# --- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body, labels",
    [
        ({"kind": "党总支"}, "组织类型"),
        ({"is_partner": True}, "是否外部单位"),
        ({"is_partner": True, "partner_kind": "企业"}, "是否外部单位、外部单位类别"),
        ({"is_temporary": True}, "临时党支部标识"),
        ({"is_joint": True}, "联合党支部标识"),
        ({"is_functional": True}, "功能型党支部标识"),
        ({"founded": "2020-01-01"}, "成立日期"),
        ({"parent": "XZ-A1"}, "上级组织"),
        ({"name": "营销服务党支部", "kind": "党委", "is_partner": True}, "组织类型、是否外部单位"),
    ],
)
def test_only_the_parents_manager_changes_an_orgs_structure_by_api(world, body, labels):
    before = state()
    assert call("patch", "/orgs/ZB-A", user=world.manager_a, body=body) == (
        403,
        {"detail": labels + TAIL},
    )
    assert state() == before
    # Its own manager still edits the details, and may send the structure back unchanged.
    status, data = call(
        "patch",
        "/orgs/ZB-A",
        user=world.manager_a,
        body={
            "name": "营销服务党支部（新）",
            "term_end": "2026-12-31",
            "kind": "党支部",
            "is_partner": False,
            "founded": None,
        },
    )
    assert (status, data["name"], data["term_end"]) == (200, "营销服务党支部（新）", "2026-12-31")
    # The manager of the parent (DW) may change it — except where the tree's own rules
    # forbid it for everybody (ZB-A holds a 党小组, which only sits under a 党支部, and
    # cannot move under its own group).
    if "kind" in body or "parent" in body:
        return
    status, data = call("patch", "/orgs/ZB-A", user=world.company, body=body)
    assert status == 200, data
    assert all(data[name] == value for name, value in body.items())


def test_a_manager_changes_the_structure_below_their_org_and_only_the_admin_that_of_a_top_level_org(
    world,
):
    status, data = call("patch", "/orgs/XZ-A1", user=world.manager_a, body={"is_temporary": True})
    assert (status, data["is_temporary"]) == (200, True)
    before = state()
    assert call("patch", "/orgs/DW", user=world.company, body={"founded": "1999-01-01"}) == (
        403,
        {"detail": "成立日期" + TAIL},
    )
    assert state() == before
    status, data = call("patch", "/orgs/DW", user=world.admin, body={"founded": "1999-01-01"})
    assert (status, data["founded"]) == (200, "1999-01-01")


def test_only_the_parents_manager_dissolves_by_api_and_screen(world):
    before = state()
    assert call(
        "post", "/orgs/ZB-A/dissolve", user=world.manager_a, body={"date": "2026-01-01"}
    ) == (403, {"detail": "撤销日期" + TAIL})
    assert state() == before
    client = login(world.manager_a)
    dissolve = reverse("orgs:org_dissolve", args=["ZB-A"])
    assert dissolve not in client.get(reverse("orgs:org_detail", args=["ZB-A"])).content.decode()
    assert client.get(dissolve).status_code == 403
    child = reverse("orgs:org_dissolve", args=["XZ-A1"])
    assert child in client.get(reverse("orgs:org_detail", args=["XZ-A1"])).content.decode()
    status, data = call(
        "post", "/orgs/XZ-A1/dissolve", user=world.manager_a, body={"date": "2026-01-01"}
    )
    assert (status, data["dissolved"]) == (200, "2026-01-01")


def test_the_services_refuse_whoever_calls_them(world):
    before = state()
    with pytest.raises(PermissionDenied, match="^组织类型、是否外部单位" + TAIL + "$"):
        services.org_update(actor=world.manager_a, org=world.zb_a, kind="党委", is_partner=True)
    with pytest.raises(PermissionDenied, match="^撤销日期" + TAIL + "$"):
        services.org_dissolve(actor=world.manager_a, org=world.zb_a, date=datetime.date(2026, 1, 1))
    assert state() == before
    services.org_update(
        actor=None, org=world.zb_a, is_functional=True
    )  # the system (CLI, demo) may
    assert Organisation.objects.get(code="ZB-A").is_functional is True


# --- the screens --------------------------------------------------------------------------


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


LOCKED = (
    "kind",
    "parent",
    "is_partner",
    "partner_kind",
    "is_temporary",
    "is_joint",
    "is_functional",
    "founded",
)
POSTED = {
    "code": "ZB-A",
    "name": "营销服务党支部（新）",
    "kind": "党委",
    "parent": "XZ-A1",
    "is_partner": "on",
    "partner_kind": "企业",
    "is_temporary": "on",
    "is_joint": "on",
    "is_functional": "on",
    "founded": "2020-01-01",
}


def test_the_edit_form_shows_the_structure_read_only_to_the_orgs_own_manager(world):
    client = login(world.manager_a)
    response = client.get(reverse("orgs:org_edit", args=["ZB-A"]))
    form = response.context["form"]
    assert [name for name, field in form.fields.items() if field.disabled] == ["code", *LOCKED]
    assert {form.fields[name].help_text for name in LOCKED} == {"由上级组织的管理员修改"}
    page = response.content.decode()
    assert '<select name="kind" id="id_kind" class="form-select" disabled>' in page
    assert 'name="is_partner" id="id_is_partner" class="form-check-input"  disabled>' in page
    # What is posted for the structure is ignored; the details are saved.
    before = structure("ZB-A")
    assert client.post(reverse("orgs:org_edit", args=["ZB-A"]), POSTED).status_code == 302
    assert Organisation.objects.get(code="ZB-A").name == "营销服务党支部（新）"
    assert structure("ZB-A") == before


def test_the_parents_manager_edits_the_structure_in_the_form(world):
    client = login(world.company)
    form = client.get(reverse("orgs:org_edit", args=["ZB-A"])).context["form"]
    assert [name for name, field in form.fields.items() if field.disabled] == ["code"]
    response = client.post(
        reverse("orgs:org_edit", args=["ZB-A"]), {**POSTED, "kind": "党支部", "parent": "DW"}
    )
    assert response.status_code == 302
    org = Organisation.objects.get(code="ZB-A")
    assert (org.is_partner, org.partner_kind, org.is_temporary, org.founded) == (
        True,
        "企业",
        True,
        datetime.date(2020, 1, 1),
    )
    # The branch manager's own form locks them now (ZB-A is ZB-A's manager's own organisation).
    locked = login(world.manager_a).get(reverse("orgs:org_edit", args=["ZB-A"])).context["form"]
    assert locked.fields["is_partner"].disabled is True


# --- the orgs import ----------------------------------------------------------------------

HEADERS = [
    "组织编码",
    "组织名称",
    "组织类型",
    "上级组织编码",
    "是否外部单位",
    "组织标识",
    "成立日期",
    "撤销日期",
]


def _import(user, tmp_path, *rows):
    path = make_xlsx(tmp_path / "o.xlsx", HEADERS, rows)
    return import_file(get_kind("orgs"), path, file_name="o.xlsx", actor=user, user=user)


def test_an_import_by_the_orgs_own_manager_cannot_change_its_structure(world, tmp_path):
    before = state()
    result = _import(
        world.manager_a,
        tmp_path,
        ["ZB-A", "营销服务党支部", "党委", "DW", "是", "临时", datetime.date(2020, 1, 1), None],
    )
    assert (
        result.errors
        == [
            "第2行 组织类型：下级组织 XZ-A1（党小组）不能设在党委之下",  # true as well, and said as always
            "第2行 组织类型：组织类型" + TAIL,
            "第2行 是否外部单位：是否外部单位" + TAIL,
            "第2行 成立日期：成立日期" + TAIL,
            "第2行 组织标识：临时党支部标识" + TAIL,
        ]
    )
    assert state() == before
    # The structure sent back unchanged passes, with the details and a change below the org.
    result = _import(
        world.manager_a,
        tmp_path,
        ["ZB-A", "营销服务党支部（新）", "党支部", "DW", "否", None, None, None],
        ["XZ-A1", "营销一组", "党小组", "ZB-A", "否", "临时", None, None],
    )
    assert (result.errors, result.updated) == ([], 2)
    assert Organisation.objects.get(code="XZ-A1").is_temporary is True
    # The parent's manager changes ZB-A's structure.
    result = _import(
        world.company,
        tmp_path,
        ["ZB-A", "营销服务党支部", "党支部", "DW", "否", "联合", datetime.date(2020, 1, 1), None],
    )
    assert (result.errors, result.updated) == ([], 1)
    org = Organisation.objects.get(code="ZB-A")
    assert (org.is_joint, org.founded) == (True, datetime.date(2020, 1, 1))


def test_an_import_by_the_orgs_own_manager_cannot_dissolve_it(world, tmp_path):
    zb_c = services.org_create(
        actor=None, code="ZB-C", name="综合服务党支部", kind="党支部", parent=world.dw
    )
    manager_c = User.objects.create_user("manager_c", role="manager", org=zb_c)
    before = state()
    row = ["ZB-C", "综合服务党支部", "党支部", "DW", "否", None, None, datetime.date(2026, 1, 1)]
    assert _import(manager_c, tmp_path, row).errors == ["第2行 撤销日期：撤销日期" + TAIL]
    assert state() == before
    result = _import(world.company, tmp_path, row)
    assert (result.errors, Organisation.objects.get(code="ZB-C").dissolved) == (
        [],
        datetime.date(2026, 1, 1),
    )
