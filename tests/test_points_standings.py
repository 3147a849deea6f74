"""A member's 积分类别 and exemption by API and Excel (kind ``points_standings``): the one
service the screen uses, the permission matrix (managers of the member's organisation;
never one's own; out of scope 404), all or nothing with every bad row listed, round trip."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.core.excel import get_kind
from lianjian.core.excel.kinds import export_file, import_file
from lianjian.core.models import AuditLog
from lianjian.points import selectors, services
from lianjian.points.models import MemberStanding
from tests import matrix
from tests.excel_helpers import make_xlsx, read_xlsx
from tests.points_helpers import YEAR, make_scheme

pytestmark = pytest.mark.django_db
URL = "/points/schemes/2026-JF/standings"
HEADERS = ["积分办法编码", "人员编号", "积分类别", "免于积分", "说明"]


def state():
    return sorted(
        MemberStanding.objects.values_list("member__number", "year", "category", "exempt", "reason")
    )


@pytest.fixture
def std(world):
    world.scheme = make_scheme()
    services.set_standing(
        actor=None, member=world.m_a1, year=YEAR, category="骨干", exempt=False, reason=""
    )
    return world


# The member M-A2 of ZB-A: its managers (and those above) see and set it; the member M-A1
# sees only their own; another branch's manager and an outsider find nothing.
READ = {
    "M-A2": [200, 200, 200, 404, 404, 404],
    "M-A1": [200, 200, 200, 200, 404, 404],
    "NOPE": [404, 404, 404, 404, 404, 404],
}


@pytest.mark.parametrize(("number", "persona"), matrix.cases(READ))
def test_reading_a_members_category_by_scope(std, number, persona):
    status, data = matrix.api_call(std, persona, "get", f"{URL}/{number}")
    assert status == matrix.expected(READ, number, persona), data
    if status == 200:
        assert data["member"] == number and data["year"] == YEAR
        assert data["category"] == ("骨干" if number == "M-A1" else "普通")
        assert data["scored"] is True


WRITE = {
    "M-A2": [200, 200, 200, 404, 404, 404],
    "M-A1": [200, 200, 200, 403, 404, 404],  # member_a is M-A1: never one's own
}


@pytest.mark.parametrize(("number", "persona"), matrix.cases(WRITE))
def test_setting_a_members_category_by_scope(std, number, persona):
    body = {"category": "特殊", "exempt": True, "reason": "年满70岁"}
    status, data = matrix.assert_write(
        state, lambda: matrix.api_call(std, persona, "put", f"{URL}/{number}", body),
        matrix.expected(WRITE, number, persona),
    )  # fmt: skip
    if status == 200:
        assert (data["category"], data["exempt"], data["scored"]) == ("特殊", True, False)
        totals = selectors.period_totals(std.scheme, f"{YEAR}Q1")
        assert number in {t.number for t in totals if t.total.exempt}


def test_a_manager_who_is_the_member_cannot_set_their_own(std):
    secretary = User.objects.create_user(
        username="sec_a", password="x", role="manager", org=std.zb_a, member=std.m_a2
    )
    std.sec_a = secretary
    matrix.assert_write(
        state,
        lambda: matrix.api_call(std, "sec_a", "put", f"{URL}/M-A2", {"category": "骨干"}),
        403,
    )
    # The screen goes through the same service.
    client = matrix.client_for(std, "sec_a")
    response = client.post(
        reverse("points:standing_set", args=["2026-JF", "M-A2"]), {"category": "骨干", "reason": ""}
    )
    assert response.status_code == 403 and state() == [("M-A1", YEAR, "骨干", False, "")]
    # ... but sets another member's.
    status, _ = matrix.api_call(std, "sec_a", "put", f"{URL}/M-A1", {"category": "流动"})
    assert status == 200


def test_bad_input_is_refused_with_a_reason_and_changes_nothing(std):
    before = (state(), AuditLog.objects.count())
    status, data = matrix.api_call(
        std, "manager_a", "put", f"{URL}/M-A2", {"category": "骨干", "exempt": True}
    )
    assert status == 400 and "免于积分须说明原因" in data["detail"]
    status, data = matrix.api_call(std, "manager_a", "put", f"{URL}/M-A2", {"category": "党员"})
    assert status in (400, 422) and isinstance(data["detail"], str)
    assert (state(), AuditLog.objects.count()) == before


def test_a_change_is_audited_and_the_same_values_again_write_nothing(std):
    body = {"category": "流动", "exempt": False, "reason": "外出务工"}
    before = AuditLog.objects.count()
    assert matrix.api_call(std, "manager_a", "put", f"{URL}/M-A2", body)[0] == 200
    assert AuditLog.objects.count() == before + 1
    assert matrix.api_call(std, "manager_a", "put", f"{URL}/M-A2", body)[0] == 200
    assert AuditLog.objects.count() == before + 1


LIST = {
    "all": [
        ["M-A1", "M-B1"],
        ["M-A1", "M-B1"],
        ["M-A1"],
        ["M-A1"],
        ["M-B1"],
        None,
    ]
}


def test_the_list_shows_only_the_categories_the_caller_may_see(std, django_assert_num_queries):
    services.set_standing(
        actor=None, member=std.m_b1, year=YEAR, category="流动", exempt=False, reason=""
    )
    for i, persona in enumerate(matrix.PERSONAS):
        status, data = matrix.api_call(std, persona, "get", URL)
        want = LIST["all"][i]
        if want is None:
            assert status == 404
            continue
        assert status == 200, (persona, data)
        assert [r["member"] for r in data["items"]] == want, persona
        assert data["count"] == len(want)
    status, data = matrix.api_call(std, "company", "get", URL + "?org=ZB-B")
    assert [r["member"] for r in data["items"]] == ["M-B1"]
    with django_assert_num_queries(1):
        rows = list(selectors.standing_list(std.admin, std.scheme))
        assert [r.member.org.code for r in rows] == ["ZB-A", "ZB-B"]


def kind():
    k = get_kind("points_standings")
    assert k is not None
    return k


def test_an_import_sets_categories_and_round_trips(std, tmp_path):
    path = make_xlsx(
        tmp_path / "in.xlsx",
        HEADERS,
        [
            ["2026-JF", "M-A1", "骨干", "否", None],
            ["2026-JF", "M-A2", "特殊", "是", "长期病休"],
        ],
    )
    result = import_file(kind(), path, file_name="in.xlsx", actor=std.manager_a, user=std.manager_a)
    assert result.errors == []
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    assert state() == [("M-A1", YEAR, "骨干", False, ""), ("M-A2", YEAR, "特殊", True, "长期病休")]
    out = tmp_path / "out.xlsx"
    assert export_file(kind(), out, user=std.manager_a) == 2
    headers, rows = read_xlsx(out)
    before = AuditLog.objects.filter(action=AuditLog.Action.UPDATE).count()
    again = import_file(kind(), out, file_name="out.xlsx", actor=std.manager_a, user=std.manager_a)
    assert again.errors == [] and (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditLog.objects.filter(action=AuditLog.Action.UPDATE).count() == before


def test_every_bad_row_is_listed_and_nothing_is_written(std, tmp_path):
    path = make_xlsx(
        tmp_path / "bad.xlsx",
        HEADERS,
        [
            ["2026-JF", "M-A2", "骨干", "是", None],
            ["NOPE", "M-A2", "骨干", "否", None],
            ["2026-JF", "M-B1", "骨干", "否", None],
            ["2026-JF", "M-A2", "普通", "否", None],
            ["2026-JF", "M-A1", "党员", "否", None],
        ],
    )
    before = (state(), AuditLog.objects.count())
    result = import_file(
        kind(), path, file_name="bad.xlsx", actor=std.manager_a, user=std.manager_a
    )
    assert result.errors == [
        "第2行 说明：免于积分须说明原因",
        "第3行 积分办法编码：积分办法 NOPE 不存在",
        "第4行 人员编号：党员 M-B1 不存在或不在本人管理范围内",
        "第5行 人员编号：与第2行重复（同一积分办法、同一党员）",
        "第6行 积分类别：应为骨干、普通、流动、特殊之一",
    ], result.errors
    assert (state(), AuditLog.objects.count()) == before


def test_a_member_may_not_import_and_ones_own_row_is_refused(std, tmp_path):
    path = make_xlsx(tmp_path / "own.xlsx", HEADERS, [["2026-JF", "M-A2", "骨干", "否", None]])
    refused = import_file(kind(), path, file_name="own.xlsx", actor=std.member_a, user=std.member_a)
    assert refused.errors and state() == [("M-A1", YEAR, "骨干", False, "")]
    secretary = User.objects.create_user(
        username="sec_a", password="x", role="manager", org=std.zb_a, member=std.m_a2
    )
    own = import_file(kind(), path, file_name="own.xlsx", actor=secretary, user=secretary)
    assert own.errors == ["第2行 人员编号：不能设置本人的积分类别"]
    assert state() == [("M-A1", YEAR, "骨干", False, "")]
