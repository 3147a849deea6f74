"""The import/export screens: permissions, preview → confirm, templates and masked exports."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from lianjian.core.models import AuditLog, ImportJob
from lianjian.orgs.models import Member, Organisation
from tests.excel_helpers import make_xlsx, read_xlsx

IMPORT_URL = reverse("orgs:import_start")
CONFIRM_URL = reverse("orgs:import_confirm")
TEMPLATE_URL = reverse("orgs:template_download")
EXPORT_URL = reverse("orgs:export_download")


@pytest.fixture(autouse=True)
def data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def upload(client, path: Path, kind: str = "orgs"):
    with path.open("rb") as handle:
        return client.post(IMPORT_URL, {"kind": kind, "file": handle})


def org_state() -> list[tuple]:
    return list(
        Organisation.objects.order_by("code").values_list("code", "name", "path", "updated_at")
    )


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", IMPORT_URL),
        ("post", IMPORT_URL),
        ("post", CONFIRM_URL),
        ("get", TEMPLATE_URL + "?kind=orgs"),
    ],
)
def test_members_get_404_on_every_import_screen(client, world, method, url):
    client.force_login(world.member_a)
    assert getattr(client, method)(url).status_code == 404


def test_anonymous_users_are_sent_to_the_login_page(client, world):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_the_import_page_lists_kinds_templates_and_export(client, world):
    client.force_login(world.manager_a)
    response = client.get(IMPORT_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<option value="orgs" selected>党组织</option>' in html
    assert '<option value="members">党员</option>' in html
    assert f'href="{TEMPLATE_URL}?kind=members"' in html
    assert "您只能导入本组织（营销服务党支部）及下级组织的数据。" in html


def test_manager_a_cannot_import_rows_of_branch_b_and_nothing_is_imported(client, world, tmp_path):
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [
            ["XZ-A2", "营销二组", "党小组", "ZB-A"],
            ["ZB-B", "运维检修党支部（改）", "党支部", "DW"],
            ["XZ-B1", "检修一组", "党小组", "ZB-B"],
            ["ZB-Q", "新支部", "党支部", None],
        ],
    )
    client.force_login(world.manager_a)
    before = org_state()

    response = upload(client, path)

    assert response.status_code == 400
    # ZB-B exists but is hidden from manager_a: its code is taken, and the row is checked as
    # a new one (its parent DW, hidden too, reads as unknown).
    assert response.context["result"].errors == [
        "第3行 组织编码：该编号不可用（已被占用）",
        "第3行 上级组织编码：上级组织 DW 不存在",
        "第5行 组织编码：无权操作该组织",
    ]
    assert "第3行 组织编码：该编号不可用（已被占用）" in response.content.decode()
    assert 'name="token"' not in response.content.decode()
    assert org_state() == before
    assert list((settings.DATA_DIR / "imports").iterdir()) == []


def test_manager_previews_then_confirms_an_import_in_their_subtree(client, world, tmp_path):
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [
            ["XZ-A2", "营销二组", "党小组", "ZB-A"],
            ["XZ-A1", "营销一组（改）", "党小组", "ZB-A"],
            ["ZB-A", "营销服务党支部", "党支部", "DW"],
        ],
    )
    client.force_login(world.manager_a)

    preview = upload(client, path)

    assert preview.status_code == 200
    result = preview.context["result"]
    assert (result.created, result.updated, result.unchanged, result.errors) == (1, 1, 1, [])
    assert '<td class="text-end" data-count="created">1</td>' in preview.content.decode()
    assert not Organisation.objects.filter(code="XZ-A2").exists()
    token = preview.context["token"]
    assert (settings.DATA_DIR / "imports" / f"{token}.xlsx").is_file()

    done = client.post(CONFIRM_URL, {"token": token}, follow=True)

    job = ImportJob.objects.get()
    assert done.redirect_chain == [(reverse("orgs:import_job", args=[job.pk]), 302)]
    assert job.status == "已导入"
    assert '<td class="text-end" data-count="created">1</td>' in done.content.decode()
    assert [str(m) for m in done.context["messages"]] == [
        "党组织导入完成（o.xlsx）：新建 1 条，更新 1 条，未变 1 条"
    ]
    assert Organisation.objects.get(code="XZ-A2").path == "/DW/ZB-A/XZ-A2/"
    assert Organisation.objects.get(code="XZ-A1").name == "营销一组（改）"
    summary = AuditLog.objects.get(action="import")
    assert (summary.actor, summary.actor_name) == (world.manager_a, "manager_a")
    assert AuditLog.objects.get(action="create", target_id="XZ-A2").actor == world.manager_a
    assert not (settings.DATA_DIR / "imports" / f"{token}.xlsx").exists()
    # A token is good for one import only.
    again = client.post(CONFIRM_URL, {"token": token}, follow=True)
    assert [str(m) for m in again.context["messages"]] == [
        "该文件已提交导入，请勿重复提交；如需再次导入，请重新上传"
    ]
    assert AuditLog.objects.filter(action="import").count() == 1


def test_a_token_from_another_session_is_refused(client, world, tmp_path):
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [["ZB-N", "新支部", "党支部", "DW"]],
    )
    client.force_login(world.company)
    token = upload(client, path).context["token"]
    client.logout()
    client.force_login(world.admin)

    response = client.post(CONFIRM_URL, {"token": token}, follow=True)

    assert [str(m) for m in response.context["messages"]] == ["导入文件已失效，请重新上传"]
    assert not Organisation.objects.filter(code="ZB-N").exists()


def test_manager_b_imports_members_only_into_branch_b(client, world, tmp_path):
    path = make_xlsx(
        tmp_path / "m.xlsx",
        ["人员编号", "姓名", "所在组织编码", "党员类别", "入党日期"],
        [
            ["M-B2", "周九", "ZB-B", "正式党员", "2015-07-01"],
            ["M-A1", "张三", "ZB-B", "正式党员", "2010-07-01"],
            ["M-B3", "吴十", "ZB-A", "正式党员", "2015-07-01"],
        ],
    )
    client.force_login(world.manager_b)
    before = list(Member.objects.values_list("number", "org_id", "updated_at"))

    response = upload(client, path, "members")

    assert response.context["result"].errors == [
        "第3行 人员编号：该编号不可用（已被占用）",
        "第4行 所在组织编码：组织 ZB-A 不存在",
    ]
    assert list(Member.objects.values_list("number", "org_id", "updated_at")) == before


@pytest.mark.parametrize(
    ("form", "problem"),
    [
        ({"kind": "widgets"}, "请选择要导入的数据类型"),
        ({"kind": "orgs"}, "请选择要上传的 Excel 文件（.xlsx）"),
    ],
)
def test_an_incomplete_upload_form_is_shown_again(client, world, form, problem):
    client.force_login(world.admin)
    response = client.post(IMPORT_URL, form)
    assert response.status_code == 400
    assert response.context["problem"] == problem


def test_a_file_that_is_not_a_workbook_gets_a_clear_error(client, world, tmp_path):
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK\x03\x04 broken")
    client.force_login(world.admin)
    response = upload(client, path)
    assert response.status_code == 400
    assert response.context["result"].errors == ["文件不是有效的 Excel 工作簿（.xlsx）"]


def test_the_template_has_marked_headers_and_a_notes_sheet(client, world):
    client.force_login(world.manager_a)
    response = client.get(TEMPLATE_URL + "?kind=members")
    assert response.status_code == 200
    assert (
        response["Content-Type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["党员", "填写说明"]
    assert [c.value for c in workbook["党员"][1]] == [
        "人员编号*",
        "姓名*",
        "性别",
        "出生日期",
        "所在组织编码*",
        "党员类别*",
        "入党日期*",
        "转正日期",
        "党内职务",
        "工作岗位",
        "手机号码",
        "身份证号",
        "流动党员",
    ]
    notes = {
        row[0]: (row[1], row[2])
        for row in workbook["填写说明"].iter_rows(min_row=2, values_only=True)
        if row[0]
    }
    assert notes["党员类别*"] == ("必填", "可选：正式党员、预备党员")
    assert notes["流动党员"] == ("选填", "扩展列，选填：是或否，空白视为“否”")
    assert client.get(TEMPLATE_URL + "?kind=widgets").status_code == 404


def _export(client, **params) -> tuple[list[str], list[list]]:
    response = client.get(EXPORT_URL, params)
    assert response.status_code == 200
    return read_xlsx(b"".join(response.streaming_content))


def test_outsider_cannot_export_the_company_tree(client, world):
    client.force_login(world.outsider)
    assert client.get(EXPORT_URL, {"kind": "orgs", "org": "DW"}).status_code == 404
    assert client.get(EXPORT_URL, {"kind": "members", "org": "ZB-A"}).status_code == 404
    assert [r[0] for r in _export(client, kind="orgs")[1]] == ["DW2", "ZB-X"]
    assert client.get(EXPORT_URL, {"kind": "widgets"}).status_code == 404


def test_exports_mask_numbers_the_user_may_not_see(client, world):
    client.force_login(world.member_a)
    rows = _export(client, kind="members")[1]
    assert [(r[0], r[10], r[11]) for r in rows] == [
        ("M-A1", "13812345678", world.m_a1.id_number),
        ("M-A2", "139****0001", None),
    ]
    client.force_login(world.manager_b)
    assert [(r[0], r[10]) for r in _export(client, kind="members")[1]] == [("M-B1", "13700000002")]
    client.force_login(world.company)
    rows = _export(client, kind="members", org="ZB-A")[1]
    assert [(r[0], r[4], r[10]) for r in rows] == [
        ("M-A1", "ZB-A", "13812345678"),
        ("M-A2", "ZB-A", "13900000001"),
    ]


def test_a_managers_export_reimports_unchanged(client, world, tmp_path):
    client.force_login(world.manager_a)
    response = client.get(EXPORT_URL, {"kind": "orgs"})
    path = tmp_path / "mine.xlsx"
    path.write_bytes(b"".join(response.streaming_content))
    assert [r[0] for r in read_xlsx(path)[1]] == ["ZB-A", "XZ-A1"]

    preview = upload(client, path)

    result = preview.context["result"]
    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, 2, [])
