"""Writes of 双维度考核 (lianjian/assessment/services.py): schemes, dimensions, indicators,
scheme files, KPI values and evaluator scores — validated in Chinese, audited, and on any
refusal nothing changes."""

from __future__ import annotations

import copy
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.assessment.models import (
    Dimension,
    Indicator,
    KpiBatch,
    KpiValue,
    ManualScore,
    Scheme,
)
from lianjian.assessment.scheme_file import scheme_to_dict
from lianjian.assessment.services import (
    assessment_run,
    dimension_delete,
    dimension_save,
    indicator_delete,
    indicator_save,
    kpi_set,
    kpi_set_many,
    manual_score_set,
    scheme_create,
    scheme_delete,
    scheme_import,
    scheme_orgs,
    scheme_update,
)
from lianjian.core.models import AuditLog
from lianjian.orgs.services import org_create, org_dissolve
from tests.assessment_engine_helpers import example, with_manual


def state() -> list:
    return [
        list(Scheme.objects.order_by("pk").values_list()),
        list(Dimension.objects.order_by("pk").values_list()),
        list(Indicator.objects.order_by("pk").values_list()),
        list(Indicator.evaluators.through.objects.order_by("pk").values_list()),
        list(KpiValue.objects.order_by("pk").values_list()),
        list(KpiBatch.objects.order_by("pk").values_list()),
        list(ManualScore.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
    ]


def messages(exc: pytest.ExceptionInfo) -> list[str]:
    return exc.value.messages


@pytest.fixture
def scheme(world):
    return scheme_import(with_manual(example(), ["company", "admin"]), actor=None)[0]


# --- schemes ------------------------------------------------------------------------------


def test_scheme_create_is_audited_and_derives_the_period_kind(world):
    scheme = scheme_create(
        world.company,
        code="Q-SWD",
        name="季度考核",
        period="2026q1",
        owner=world.dw,
        applies_kind="党支部",
    )
    assert (scheme.period, scheme.period_kind, scheme.stars, scheme.pass_line) == (
        "2026Q1",
        "quarter",
        [[95.0, 5], [90.0, 4], [80.0, 3], [70.0, 2], [60.0, 1]],
        60,
    )
    log = AuditLog.objects.get(target_type="assessment.scheme")
    assert (log.action, log.actor, log.after["code"], log.after["applies_orgs"]) == (
        "create",
        world.company,
        "Q-SWD",
        [],
    )


def test_scheme_create_lists_every_problem(world):
    before = state()
    with pytest.raises(ValidationError) as info:
        scheme_create(
            world.admin,
            code="bad code",
            name="",
            period="2026Q5",
            owner=world.partner,
            applies_kind="党支部",
            applies_orgs=[world.zb_x],
            stars=[[90, 4], [95, 5]],
            pass_line=-1,
        )
    assert info.value.message_dict == {
        "code": ["编码只能包含字母、数字、下划线、点和短横线，最长 32 位"],
        "name": ["此字段不能为空。"],
        "period": ["期间“2026Q5”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07"],
        "stars": ["星级第 2 档：各档应按最低总分和星级从高到低排列，且不能重复"],
        "pass_line": ["合格线应为不小于 0 的数字"],
        "owner": ["制定单位不能是外部单位"],
        "applies_kind": ["适用组织类型与适用组织只能选其一"],
        "applies_orgs": ["组织 ZB-X 不在制定单位的下级组织中"],
    }
    assert state() == before


def test_a_scheme_must_say_whom_it_applies_to(world):
    with pytest.raises(ValidationError) as info:
        scheme_create(world.admin, code="S", name="s", period="2026")
    assert info.value.message_dict == {"applies_kind": ["请选择适用的组织类型，或列出适用的组织"]}


def test_scheme_update_audits_only_what_changed(scheme, world):
    scheme_update(world.company, scheme, name="新名称", applies_kind="", applies_orgs=[world.zb_a])
    log = AuditLog.objects.filter(target_type="assessment.scheme", action="update").get()
    assert log.before == {
        "name": "2025年度党支部双维度考核",
        "applies_kind": "党支部",
        "applies_orgs": [],
    }
    assert log.after == {"name": "新名称", "applies_kind": "", "applies_orgs": ["ZB-A"]}
    assert list(scheme_orgs(scheme)) == [world.zb_a]


def test_scheme_delete_removes_its_parts_and_is_refused_once_run(scheme, world):
    manual_score_set(
        world.company,
        indicator=scheme.indicators.get(code="DJ2"),
        org=world.zb_a,
        period="2025",
        score=8,
    )
    other = scheme_import(example(code="OTHER"), actor=None)[0]
    scheme_delete(world.admin, scheme)
    assert not Scheme.objects.filter(code="2025-SWD").exists()
    assert (
        ManualScore.objects.count() == 0
        and Dimension.objects.filter(scheme_id=scheme.pk).count() == 0
    )
    log = AuditLog.objects.get(target_type="assessment.scheme", action="delete")
    assert log.before["code"] == "2025-SWD" and log.note == "同时删除评议打分 1 条"
    assessment_run(world.admin, other, "2025", today=datetime.date(2026, 1, 10))
    before = state()
    with pytest.raises(ValidationError) as info:
        scheme_delete(world.admin, other)
    assert messages(info) == ["该方案已有考核结果，不能删除"]
    assert state() == before


# --- scheme_orgs --------------------------------------------------------------------------


def test_scheme_orgs_are_the_kind_inside_the_owner_subtree_existing_at_the_period_end(
    scheme, world
):
    assert list(scheme_orgs(scheme)) == [world.zb_a, world.zb_b]
    late = org_create(
        actor=None,
        code="ZB-C",
        name="新建支部",
        kind="党支部",
        parent=world.dw,
        founded=datetime.date(2026, 3, 1),
    )
    gone = org_create(actor=None, code="ZB-D", name="撤销支部", kind="党支部", parent=world.dw)
    org_dissolve(actor=None, org=gone, date=datetime.date(2025, 12, 30))
    assert list(scheme_orgs(scheme, "2025")) == [world.zb_a, world.zb_b]
    assert list(scheme_orgs(scheme, "2026")) == [world.zb_a, world.zb_b, late]


def test_a_platform_wide_scheme_covers_every_internal_org_of_the_kind(world):
    scheme = scheme_create(
        world.admin, code="ALL", name="全平台", period="2026", applies_kind="党委"
    )
    assert list(scheme_orgs(scheme)) == [world.dw, world.dw2]  # not the partner WB-GOV


# --- dimensions and indicators ------------------------------------------------------------


def test_dimension_save_validates_and_audits(scheme, world):
    dj = scheme.dimensions.get(code="DJ")
    before = state()
    with pytest.raises(ValidationError) as info:
        dimension_save(world.company, scheme, None, code="YW", name="重复", max=0)
    assert info.value.message_dict == {
        "max": ["满分应为大于 0 的数字"],
        "code": ["维度编码 YW 已存在"],
    }
    assert state() == before
    dimension_save(world.company, scheme, dj, max=45)
    log = AuditLog.objects.filter(target_type="assessment.dimension").latest("id")
    assert (log.target_id, log.before, log.after) == ("2025-SWD/DJ", {"max": 40.0}, {"max": 45})


def test_a_dimension_with_indicators_cannot_be_deleted(scheme, world):
    before = state()
    with pytest.raises(ValidationError) as info:
        dimension_delete(world.company, scheme.dimensions.get(code="LJ"))
    assert messages(info) == ["该维度下还有指标，请先删除或移到其他维度"]
    assert state() == before
    empty = dimension_save(world.company, scheme, None, code="QT", name="其他", max=5)
    dimension_delete(world.company, empty)
    assert not scheme.dimensions.filter(code="QT").exists()


def test_indicator_save_checks_the_rule_parameters(scheme, world):
    yw = scheme.dimensions.get(code="YW")
    before = state()
    with pytest.raises(ValidationError) as info:
        indicator_save(
            world.company,
            scheme,
            None,
            code="YW9",
            name="线损率",
            dimension=yw,
            max=10,
            rule="ratio",
            source="kpi",
            target=0,
            floor=2,
        )
    assert messages(info) == [
        "指标 YW9：比率规则的目标值（target）应为大于 0 的数字",
        "指标 YW9：最低比率（floor）应在 0 到 1 之间（不含 1），如 0.6",
    ]
    with pytest.raises(ValidationError) as info:
        indicator_save(
            world.company,
            scheme,
            None,
            evaluators=[world.admin],
            code="YW1",
            name="x",
            dimension=yw,
            max=5,
            rule="per_item",
            source="kpi",
            per=1,
        )
    assert info.value.message_dict == {
        "code": ["指标编码 YW1 已存在"],
        "evaluators": ["只有评议打分指标可以指定评议人"],
    }
    assert state() == before


def test_indicator_save_clears_parameters_its_rule_does_not_read(scheme, world):
    ind = indicator_save(
        world.company,
        scheme,
        None,
        code="YW9",
        name="线损率",
        dimension=scheme.dimensions.get(code="YW"),
        max=10,
        rule="ratio",
        source="kpi",
        target=5,
        floor=0.5,
        direction="lower",
        per=3,
        steps=[["a", 1]],
    )
    assert (ind.target, ind.floor, ind.direction, ind.per, ind.steps) == (5, 0.5, "lower", None, [])
    ind = indicator_save(world.company, scheme, ind, rule="deduct", per=1)
    ind.refresh_from_db()
    assert (ind.target, ind.floor, ind.direction, ind.per) == (None, None, "", 1.0)
    log = AuditLog.objects.filter(target_type="assessment.indicator", action="update").latest("id")
    assert log.target_id == "2025-SWD/YW9"
    assert log.after == {"rule": "deduct", "target": None, "floor": None, "direction": "", "per": 1}


def test_indicator_of_another_schemes_dimension_is_refused(scheme, world):
    other = scheme_import(example(code="OTHER"), actor=None)[0]
    with pytest.raises(ValidationError) as info:
        indicator_save(
            world.company,
            scheme,
            None,
            code="X1",
            name="x",
            dimension=other.dimensions.get(code="DJ"),
            max=5,
            rule="per_item",
            source="kpi",
            per=1,
        )
    assert info.value.message_dict == {"dimension": ["所选维度不属于该方案"]}


def test_indicator_delete_takes_its_scores_along(scheme, world):
    dj2 = scheme.indicators.get(code="DJ2")
    manual_score_set(world.admin, indicator=dj2, org=world.zb_b, period="2025", score=6)
    indicator_delete(world.company, dj2)
    assert ManualScore.objects.count() == 0
    assert (
        AuditLog.objects.get(target_type="assessment.indicator", action="delete").note
        == "同时删除评议打分 1 条"
    )


# --- scheme files -------------------------------------------------------------------------


def test_reimport_updates_in_place_keeps_scores_and_removes_what_the_file_dropped(scheme, world):
    dj2 = scheme.indicators.get(code="DJ2")
    manual_score_set(world.company, indicator=dj2, org=world.zb_a, period="2025", score=9)
    data = with_manual(example(name="改名"), ["company"])
    data["indicators"] = [i for i in data["indicators"] if i["code"] != "LJ2"]
    data["dimensions"].append({"code": "QT", "name": "其他", "max": 5})
    again, created = scheme_import(copy.deepcopy(data), actor=world.company)
    assert (again.pk, created, again.name) == (scheme.pk, False, "改名")
    assert scheme.indicators.get(code="DJ2").pk == dj2.pk
    assert ManualScore.objects.get().score == 9
    assert list(scheme.indicators.values_list("code", flat=True)) == [
        "DJ1",
        "DJ2",
        "YW1",
        "YW2",
        "LJ1",
        "FJ1",
    ]
    assert scheme_to_dict(again) == data


def test_scheme_import_reports_unknown_references(world):
    data = with_manual(example(owner="NOPE"), ["nobody", "admin"])
    data["applies_to"] = {"orgs": ["ZB-A", "ZB-404"]}
    with pytest.raises(ValidationError) as info:
        scheme_import(data, actor=None)
    assert messages(info) == [
        "owner：组织 NOPE 不存在",
        "applies_to.orgs：组织 ZB-404 不存在",
        "evaluators：用户 nobody 不存在或已停用",
    ]
    assert Scheme.objects.count() == 0


def test_scheme_import_passes_on_every_file_problem(world):
    before = state()
    with pytest.raises(ValidationError) as info:
        scheme_import({"code": "X"}, actor=None)
    assert messages(info)[:2] == ["name 必填", "period 必填"]
    assert "方案至少需要一个指标" in messages(info)
    assert state() == before


@pytest.mark.parametrize(
    "persona, owner, allowed",
    [
        ("admin", "DW", True),
        ("admin", None, True),
        ("company", "DW", True),
        ("company", "ZB-A", True),
        ("company", None, False),
        ("company", "DW2", False),
        ("manager_a", "DW", False),
        ("manager_a", "ZB-A", True),
        ("member_a", "ZB-A", False),
        ("outsider", "DW", False),
    ],
)
def test_scheme_import_scope(world, persona, owner, allowed):
    data = example(owner=owner) if owner else {k: v for k, v in example().items() if k != "owner"}
    if owner == "ZB-A":
        data["applies_to"] = {"kind": "党小组"}
    before = state()
    if allowed:
        scheme, created = scheme_import(data, actor=getattr(world, persona))
        assert created and (scheme.owner.code if scheme.owner else None) == owner
    else:
        with pytest.raises(ValidationError):
            scheme_import(data, actor=getattr(world, persona))
        assert state() == before


def test_a_manager_cannot_overwrite_a_scheme_owned_above_them(scheme, world):
    before = state()
    data = example(owner="ZB-A")
    with pytest.raises(ValidationError) as info:
        scheme_import(data, actor=world.manager_a)
    assert messages(info) == ["无权修改方案 2025-SWD"]
    assert state() == before


# --- KPI values ---------------------------------------------------------------------------


def test_kpi_set_records_who_and_when_as_a_batch(scheme, world):
    kpi = kpi_set(world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=96.5)
    batch = kpi.batch
    assert (kpi.value, batch.channel, batch.row_count, batch.created_by, batch.created_by_name) == (
        96.5,
        "form",
        1,
        world.company,
        "company",
    )
    log = AuditLog.objects.get(target_type="assessment.kpivalue")
    assert (log.action, log.target_id, log.after) == (
        "create",
        "ZB-A/2025/YW1",
        {"value": 96.5, "batch_id": batch.pk},
    )


def test_an_unchanged_kpi_keeps_its_batch_and_a_change_makes_a_new_one(scheme, world):
    first = kpi_set(world.admin, org=world.zb_a, period="2025", indicator_code="YW1", value=90)
    same = kpi_set(world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=90.0)
    assert (same.pk, same.batch_id, KpiBatch.objects.count()) == (first.pk, first.batch_id, 1)
    changed = kpi_set(
        world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=92, channel="api"
    )
    assert changed.pk == first.pk and changed.batch_id != first.batch_id
    assert (changed.batch.channel, changed.batch.created_by) == ("api", world.company)
    log = AuditLog.objects.filter(target_type="assessment.kpivalue", action="update").get()
    assert (log.before, log.after) == (
        {"value": 90.0},
        {"value": 92.0, "batch_id": changed.batch_id},
    )


@pytest.mark.parametrize(
    "fields, errors",
    [
        (
            {"period": "2025Q5"},
            {"period": ["期间“2025Q5”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07"]},
        ),
        (
            {"indicator_code": "DJ1"},
            {
                "indicator_code": [
                    "指标编码 DJ1 不是任何考核方案中的业务指标（数据来源为“业务指标（导入）”）"
                ]
            },
        ),
        (
            {"indicator_code": "含空格 X"},
            {"indicator_code": ["指标编码只能包含字母、数字、下划线、点和短横线，最长 16 位"]},
        ),
        ({"value": float("nan")}, {"value": ["数值应为有限的数字（绝对值不超过 10¹²）"]}),
        ({"value": "12"}, {"value": ["数值应为有限的数字（绝对值不超过 10¹²）"]}),
    ],
)
def test_kpi_set_refuses_bad_input(scheme, world, fields, errors):
    before = state()
    with pytest.raises(ValidationError) as info:
        kpi_set(
            world.admin,
            **{"org": world.zb_a, "period": "2025", "indicator_code": "YW1", "value": 1, **fields},
        )
    assert info.value.message_dict == errors
    assert state() == before


def test_kpis_of_partner_organisations_are_refused(scheme, world):
    with pytest.raises(ValidationError) as info:
        kpi_set(world.admin, org=world.partner, period="2025", indicator_code="YW1", value=1)
    assert info.value.message_dict == {"org": ["外部单位 WB-GOV 不参加考核"]}


def test_kpi_set_many_is_one_batch_or_nothing(scheme, world):
    write = kpi_set_many(
        world.admin,
        [
            (world.zb_a, "2025", "YW1", 99),
            (world.zb_b, "2025", "YW1", 88),
            (world.zb_a, "2025", "YW2", 1),
        ],
    )
    assert (write.created, write.updated, write.unchanged, write.batch.row_count) == (3, 0, 0, 3)
    assert {k.batch_id for k in write.values} == {write.batch.pk}
    before = state()
    with pytest.raises(ValidationError) as info:
        kpi_set_many(
            world.admin,
            [
                (world.zb_a, "2025", "YW1", 1),
                (world.zb_b, "2025q9", "YW1", 2),
                (world.zb_a, "2025", "YW1", 3),
            ],
        )
    assert messages(info) == [
        "第2条 period：期间“2025Q9”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07",
        "第3条：与第1条重复（同一组织、期间和指标编码）",
    ]
    assert state() == before


# --- evaluator scores ---------------------------------------------------------------------


def test_each_evaluator_scores_once_and_a_correction_replaces_it(scheme, world):
    dj2 = scheme.indicators.get(code="DJ2")
    first = manual_score_set(
        world.company, indicator=dj2, org=world.zb_a, period="2025", score=8, comment="较好"
    )
    again = manual_score_set(world.company, indicator=dj2, org=world.zb_a, period="2025", score=9.5)
    manual_score_set(world.admin, indicator=dj2, org=world.zb_a, period="2025", score=7)
    assert again.pk == first.pk
    assert sorted(ManualScore.objects.values_list("evaluator__username", "score", "comment")) == [
        ("admin", 7.0, ""),
        ("company", 9.5, ""),
    ]
    log = AuditLog.objects.filter(target_type="assessment.manualscore", action="update").get()
    assert (log.target_id, log.before, log.after) == (
        "2025-SWD/DJ2/ZB-A/2025/company",
        {"score": 8.0, "comment": "较好"},
        {"score": 9.5, "comment": ""},
    )


def test_only_evaluators_score(scheme, world):
    before = state()
    with pytest.raises(PermissionDenied):
        manual_score_set(
            world.manager_a,
            indicator=scheme.indicators.get(code="DJ2"),
            org=world.zb_a,
            period="2025",
            score=8,
        )
    assert state() == before


@pytest.mark.parametrize(
    "kwargs, errors",
    [
        ({"score": 11}, ["评分应在 0 到 10 之间"]),
        ({"score": -1}, ["评分应在 0 到 10 之间"]),
        ({"period": "2025Q1"}, ["该方案为年度考核，期间应为年度期间，如 2026"]),
        ({"org": "zb_x"}, ["外公司党支部 不在该方案2025期间的考核范围内"]),
        ({"org": "xz_a1"}, ["营销一组 不在该方案2025期间的考核范围内"]),
        ({"comment": "长" * 501}, ["评语不能超过 500 个字符"]),
    ],
)
def test_manual_score_set_refuses_bad_input(scheme, world, kwargs, errors):
    args = {
        "indicator": scheme.indicators.get(code="DJ2"),
        "org": world.zb_a,
        "period": "2025",
        "score": 8,
    }
    args.update(kwargs)
    if isinstance(args["org"], str):
        args["org"] = getattr(world, args["org"])
    before = state()
    with pytest.raises(ValidationError) as info:
        manual_score_set(world.company, **args)
    assert messages(info) == errors
    assert state() == before


def test_a_non_manual_indicator_takes_no_scores(scheme, world):
    with pytest.raises(ValidationError) as info:
        manual_score_set(
            world.company,
            indicator=scheme.indicators.get(code="YW1"),
            org=world.zb_a,
            period="2025",
            score=1,
        )
    assert messages(info) == ["该指标不是评议打分指标"]
