"""Imports reveal nothing of the records an importer may not see (issue #16 item 4).

For every kind, a row whose key a hidden record holds gets exactly the errors the same row
gets with a never-used key, plus the one neutral line ``该编号不可用（已被占用）`` — whatever
the hidden record holds (two hidden records with different values answer alike) — and a
hidden organisation named in a row reads as unknown. Scheme files and the check-in link of
an activity follow the same rule. Nothing is written on a refusal."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lianjian.activities import services as activity_services
from lianjian.activities.models import Activity
from lianjian.activities.selectors import TZ
from lianjian.alliances import services as alliance_services
from lianjian.alliances.models import Alliance, AllianceType
from lianjian.assessment.models import Scheme
from lianjian.assessment.services import scheme_import
from lianjian.consultations import services as problem_services
from lianjian.consultations.models import Problem
from lianjian.core.excel import KEY_TAKEN, get_kind, import_file
from lianjian.core.models import AuditLog
from lianjian.orgs.excel import OrgExcel
from lianjian.orgs.models import Member, Organisation
from lianjian.orgs.services import org_create
from lianjian.sharing import services as sharing_services
from lianjian.sharing.models import Resource
from tests.assessment_engine_helpers import example
from tests.conftest import _user
from tests.consultation_helpers import make_consultations
from tests.excel_helpers import make_xlsx

D = datetime.date


@pytest.fixture
def hidden(world, tmp_path, settings):
    """Records manager_a (ZB-A) cannot see, two of each kind, with different values."""
    settings.DATA_DIR = tmp_path / "data"
    make_consultations(world)  # the alliances LJ-A (visible to manager_a) and LJ-X (hidden)
    Member.objects.filter(number="M-B1").update(
        birth_date=D(1990, 1, 1), category="正式党员", confirmed_on=D(2011, 7, 1)
    )
    Member.objects.filter(number="M-X1").update(
        birth_date=D(2000, 6, 1), category="预备党员", confirmed_on=None
    )
    alliance_services.alliance_create(
        actor=None,
        code="LJ-Y",
        name="另一外公司联建",
        lead=world.zb_b,
        type=AllianceType.objects.get(name="结对共建"),
        members=[world.dw2],
    )
    start = datetime.datetime(2025, 3, 1, 9, tzinfo=TZ)
    hd_b = activity_services.activity_record(
        actor=None, code="HD-B", type="主题党日", host=world.zb_b, start=start, topic="运检主题党日"
    )
    activity_services.attendance_fill(actor=None, activity=hd_b)
    activity_services.activity_record(
        actor=None,
        code="HD-X",
        type="党课",
        host=world.zb_x,
        start=start,
        topic="外公司党课",
        expected_count=30,
        present_count=1,
    )
    loose = problem_services.problem_raise(
        actor=None, raised_by=world.zb_b, title="检修问题", category="安全生产", code="WT-B"
    )
    problem_services.problem_assign(
        actor=None, problem=loose, owners=[world.zb_b], deadline=D(2030, 1, 1)
    )
    sharing_services.resource_create(
        actor=None,
        code="R-B",
        name="运检阵地",
        kind="阵地",
        owner=world.zb_b,
        sharing="仅本组织",
        capacity=10,
    )
    sharing_services.resource_create(
        actor=None,
        code="R-X",
        name="外公司专家",
        kind="专家",
        owner=world.zb_x,
        sharing="仅本组织",
        expertise=["技术攻关"],
    )
    scheme_import(example(code="S-B", owner="ZB-B"), actor=None)
    scheme_import(example(code="S-X", owner="DW2"), actor=None)
    return world


def errors_of(
    kind: str,
    tmp_path: Path,
    headers: list[str],
    row: list[Any],
    user: Any,
    *,
    dry_run: bool = False,
) -> list[str]:
    path = make_xlsx(tmp_path / f"{kind}.xlsx", headers, [row])
    return import_file(
        get_kind(kind), path, file_name=path.name, actor=user, user=user, dry_run=dry_run
    ).errors


def snapshot() -> list[tuple]:
    """Everything an import could change, and the audit log."""
    return [
        tuple(
            Organisation.objects.order_by("code").values_list(
                "code", "name", "kind", "path", "dissolved"
            )
        ),
        tuple(
            Member.objects.order_by("number").values_list(
                "number", "name", "org_id", "category", "updated_at"
            )
        ),
        tuple(Alliance.objects.order_by("code").values_list("code", "name", "lead_id")),
        tuple(
            Activity.objects.order_by("code").values_list(
                "code", "topic", "host_id", "present_count"
            )
        ),
        tuple(Problem.objects.order_by("code").values_list("code", "title", "state")),
        tuple(Resource.objects.order_by("code").values_list("code", "name", "owner_id")),
        AuditLog.objects.count(),
    ]


# (kind, key column, the two hidden keys, a never-used key, headers, the row after its key).
# Each row leaves out columns whose stored value an update would keep — the probe's way to
# make the import compare its own values with the hidden record's.
CASES = [
    (
        "orgs",
        "组织编码",
        ("ZB-B", "ZB-X"),
        "ZB-NEW",
        ["组织编码", "组织名称", "组织类型", "撤销日期"],
        ["新组织", "党小组", D(2025, 1, 1)],
    ),
    (
        "orgs",
        "组织编码",
        ("ZB-B", "ZB-X"),
        "ZB-NEW",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        ["新组织", "党小组", "ZB-A"],
    ),
    (
        "members",
        "人员编号",
        ("M-B1", "M-X1"),
        "M-NEW",
        ["人员编号", "姓名", "所在组织编码", "党员类别", "入党日期"],
        ["张新", "ZB-A", "预备党员", D(2000, 7, 1)],
    ),
    (
        "alliances",
        "联建编码",
        ("LJ-X", "LJ-Y"),
        "LJ-NEW",
        ["联建编码", "联建名称", "联建类型", "牵头组织编码", "成员组织编码"],
        ["新联建", "结对共建", "ZB-A", "XZ-A1"],
    ),
    (
        "activities",
        "活动编号",
        ("HD-B", "HD-X"),
        "HD-NEW",
        ["活动编号", "组织编码", "活动类型", "开始时间", "主题", "实到人数"],
        ["ZB-A", "主题党日", "2025-03-01 09:00", "学习", 5],
    ),
    (
        "problems",
        "问题编号",
        ("WT-X", "WT-B"),
        "WT-NEW",
        ["问题编号", "问题标题", "提出组织编码", "问题类别", "办理期限"],
        ["新问题", "ZB-A", "其他", D(2030, 1, 1)],
    ),
    (
        "resources",
        "资源编号",
        ("R-B", "R-X"),
        "R-NEW",
        ["资源编号", "资源名称", "资源类别", "所属组织编码", "容纳人数"],
        ["活动室", "党员活动室", "ZB-A", 20],
    ),
]


@pytest.mark.parametrize(
    ("kind", "key_header", "keys", "never", "headers", "rest"),
    CASES,
    ids=[f"{c[0]}-{c[4][-1]}" for c in CASES],
)
def test_a_hidden_key_answers_as_a_never_used_one_plus_the_neutral_line(
    hidden, tmp_path, kind, key_header, keys, never, headers, rest
):
    user = hidden.manager_a
    expected = errors_of(kind, tmp_path, headers, [never, *rest], user, dry_run=True)
    before = snapshot()

    answers = [errors_of(kind, tmp_path, headers, [key, *rest], user) for key in keys]

    assert answers[0] == answers[1] == [f"第2行 {key_header}：{KEY_TAKEN}", *expected]
    assert snapshot() == before


def test_the_probe_cannot_learn_a_hidden_birth_date(hidden, tmp_path):
    # The probe varied 入党日期 to find where 入党时应年满十八岁 flipped; every answer is now the same.
    headers = ["人员编号", "姓名", "所在组织编码", "党员类别", "入党日期"]
    answers = {
        tuple(
            errors_of(
                "members",
                tmp_path,
                headers,
                ["M-B1", "张新", "ZB-A", "正式党员", D(year, 1, 1)],
                hidden.manager_a,
            )
        )
        for year in range(2000, 2016)
    }
    assert answers == {("第2行 人员编号：该编号不可用（已被占用）",)}


@pytest.mark.parametrize(
    ("kind", "headers", "row", "column"),
    [
        (
            "orgs",
            ["组织编码", "组织名称", "组织类型", "上级组织编码"],
            ["ZB-NEW", "新组织", "党小组", "{}"],
            "上级组织编码",
        ),
        (
            "members",
            ["人员编号", "姓名", "所在组织编码", "党员类别", "入党日期"],
            ["M-NEW", "张新", "{}", "正式党员", D(2000, 7, 1)],
            "所在组织编码",
        ),
        (
            "activities",
            ["活动编号", "组织编码", "活动类型", "开始时间", "主题"],
            ["HD-NEW", "ZB-A、{}", "联建活动", "2025-03-01 09:00", "x"],
            "组织编码",
        ),
        ("kpis", ["组织编码", "期间", "指标编码", "数值"], ["{}", "2025", "YW1", 1], "组织编码"),
    ],
)
def test_a_hidden_organisation_named_in_a_row_reads_as_unknown(
    hidden, tmp_path, kind, headers, row, column
):
    # ZB-B is an internal branch, WB-GOV a partner unit: manager_a sees neither.
    def answer(code: str) -> list[str]:
        cells = [c.format(code) if isinstance(c, str) else c for c in row]
        return [
            e.replace(code, "X")
            for e in errors_of(kind, tmp_path, headers, cells, hidden.manager_a, dry_run=True)
        ]

    never = answer("ZB-NONE")
    assert never and all(e.startswith(f"第2行 {column}：") for e in never)
    assert answer("ZB-B") == answer("WB-GOV") == never


def test_only_its_own_child_may_name_a_hidden_parent(hidden, tmp_path):
    # manager_a's export lists ZB-A under DW (which they cannot see): it imports back, but
    # no other row may be placed under DW.
    headers = ["组织编码", "组织名称", "组织类型", "上级组织编码"]
    path = make_xlsx(
        tmp_path / "o.xlsx",
        headers,
        [["ZB-A", "营销服务党支部", "党支部", "DW"], ["ZB-NEW", "新支部", "党支部", "DW"]],
    )
    result = import_file(
        get_kind("orgs"), path, file_name="o.xlsx", user=hidden.manager_a, dry_run=True
    )
    assert result.errors == ["第3行 上级组织编码：上级组织 DW 不存在"]


def test_a_key_taken_while_the_file_was_checked_is_listed_not_a_crash(
    hidden, tmp_path, monkeypatch
):
    # Between the check and the write another import creates ZB-RACE in a subtree
    # manager_a cannot see: the write fails on the unique key, the file is checked again.
    load = OrgExcel._load

    def racing_load(self, *args, **kwargs):
        found = load(self, *args, **kwargs)
        org_create(
            actor=None,
            code="ZB-RACE",
            name="抢先建立的支部",
            kind="党支部",
            parent=hidden.zb_b.parent,
        )
        monkeypatch.setattr(OrgExcel, "_load", load)
        return found

    monkeypatch.setattr(OrgExcel, "_load", racing_load)
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [["XZ-A2", "营销二组", "党小组", "ZB-A"], ["ZB-RACE", "我的支部", "党小组", "ZB-A"]],
    )

    result = import_file(
        get_kind("orgs"), path, file_name="o.xlsx", actor=hidden.manager_a, user=hidden.manager_a
    )

    assert result.errors == [f"第3行 组织编码：{KEY_TAKEN}"]
    assert not Organisation.objects.filter(code="XZ-A2").exists()
    assert Organisation.objects.get(code="ZB-RACE").name == "抢先建立的支部"


# --- scheme files ------------------------------------------------------------------------


def refusal(data: dict[str, Any], actor: Any) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        scheme_import(data, actor=actor)
    return caught.value.messages


def test_a_scheme_file_over_a_hidden_code_answers_as_a_new_code_plus_the_neutral_line(hidden):
    manager = hidden.manager_a
    before = list(Scheme.objects.order_by("code").values_list("code", "name", "owner_id"))
    new = example(code="S-NEW", owner="ZB-B")  # an owner manager_a cannot see: unknown
    expected = refusal(new, manager)
    assert expected == ["owner：组织 ZB-B 不存在"]
    assert refusal(example(code="S-NEW", owner="ZB-NONE"), manager) == [
        "owner：组织 ZB-NONE 不存在"
    ]

    for code in ("S-B", "S-X"):
        assert refusal(example(code=code, owner="ZB-B"), manager) == [
            f"code：{KEY_TAKEN}",
            *expected,
        ]
        assert refusal(example(code=code, owner="ZB-A"), manager) == [f"code：{KEY_TAKEN}"]
    assert list(Scheme.objects.order_by("code").values_list("code", "name", "owner_id")) == before
    # A scheme the manager sees but does not manage (owned by their parent DW) is named.
    scheme_import(example(code="S-DW", owner="DW"), actor=None)
    assert refusal(example(code="S-DW", owner="ZB-A"), manager) == ["无权修改方案 S-DW"]


def test_the_scheme_upload_screen_answers_the_same(hidden, client):
    client.force_login(hidden.manager_a)
    body = json.dumps(example(code="S-X", owner="ZB-A"), ensure_ascii=False).encode()
    upload = io.BytesIO(body)
    upload.name = "s.json"

    response = client.post(reverse("assessment:scheme_upload"), {"file": upload})

    assert response.status_code == 400
    assert response.context["problems"] == [f"code：{KEY_TAKEN}"]
    assert Scheme.objects.get(code="S-X").owner.code == "DW2"


# --- the check-in link -------------------------------------------------------------------


def test_the_check_in_link_of_a_hidden_activity_answers_404_like_a_missing_one(hidden, client):
    client.force_login(hidden.member_a)
    hidden_link = reverse(
        "activities:checkin",
        args=[activity_services.checkin_token(Activity.objects.get(code="HD-B"))],
    )
    missing = Activity(code="HD-NONE")
    missing_link = reverse("activities:checkin", args=[activity_services.checkin_token(missing)])

    for method in (client.get, client.post):
        shown, gone = method(hidden_link), method(missing_link)
        assert (shown.status_code, gone.status_code) == (404, 404)
        assert (
            "运检主题党日" not in shown.content.decode()
            and "主题党日" not in shown.content.decode()
        )
    assert not Activity.objects.get(code="HD-B").attendances.filter(status="出席").exists()


def test_an_invited_member_of_another_organisation_may_check_in(hidden, client):
    # M-B1 (ZB-B) is on the list of a ZB-A activity they cannot otherwise see.
    activity = activity_services.activity_record(
        actor=None,
        code="HD-A",
        type="党课",
        host=hidden.zb_a,
        start=datetime.datetime(2025, 3, 2, 9, tzinfo=TZ),
        topic="营销党课",
    )
    member_b = _user("member_b", "member", hidden.zb_b, hidden.m_b1)
    link = reverse("activities:checkin", args=[activity_services.checkin_token(activity)])
    client.force_login(member_b)
    assert client.get(link).status_code == 404

    activity_services.attendance_add(actor=None, activity=activity, member=hidden.m_b1)

    response = client.get(link)
    assert response.status_code == 200 and "营销党课" in response.content.decode()
