"""The scheme file: parsing (every problem at once, in Chinese), export in exactly the
assessment.md form, and export → import round trips."""

from __future__ import annotations

import copy

import pytest

from lianjian.assessment.models import Scheme
from lianjian.assessment.scheme_file import (
    SchemeFileError,
    parse_scheme_file,
    scheme_to_dict,
    spec_from_dict,
    spec_from_model,
)
from lianjian.assessment.scoring import IndicatorSpec, validate_scheme
from lianjian.assessment.services import scheme_import
from lianjian.core.models import AuditLog
from tests.assessment_engine_helpers import EXAMPLE, example, with_manual


def test_the_assessment_md_example_parses_to_a_valid_spec():
    spec = spec_from_dict(EXAMPLE)
    assert validate_scheme(spec) == []
    assert (spec.code, spec.period, spec.pass_line) == ("2025-SWD", "2025", 60.0)
    assert [d.code for d in spec.dimensions] == ["DJ", "YW", "LJ"]
    assert spec.indicators[0] == IndicatorSpec(
        "DJ1",
        "组织生活完成率",
        "DJ",
        20.0,
        "ratio",
        "compliance_rate",
        target=1.0,
        floor=0.6,
        direction="higher",
    )
    assert spec.indicators[4].steps == (("破冰", 2.0), ("推进", 4.0), ("落地", 8.0))
    assert spec.indicators[5] == IndicatorSpec("FJ1", "重大安全责任事故", None, None, "veto", "kpi")
    assert spec.stars == ((95.0, 5), (90.0, 4), (80.0, 3), (70.0, 2), (60.0, 1))


def test_optional_keys_are_read():
    data = with_manual(example(pass_line=65, description="说明"), ["dangwei", "admin"])
    data["indicators"][2]["missing_points"] = 5
    parsed = parse_scheme_file(data)
    assert parsed.owner == "DW" and parsed.description == "说明" and parsed.spec.pass_line == 65
    assert parsed.evaluators == {"DJ2": ("dangwei", "admin")}
    assert parsed.spec.indicators[2].missing_points == 5
    assert parsed.applies_kind == "党支部" and parsed.applies_orgs == ()


def test_stars_default_to_the_common_bands():
    data = copy.deepcopy(EXAMPLE)
    del data["stars"]
    assert spec_from_dict(data).stars == ((95.0, 5), (90.0, 4), (80.0, 3), (70.0, 2), (60.0, 1))


def test_a_bad_file_lists_every_problem():
    data = copy.deepcopy(EXAMPLE)
    data["flavour"] = "x"
    data["period"] = "2025Q9"
    data["applies_to"] = {"kind": "班组"}
    data["dimensions"][0]["max"] = "40"
    data["indicators"][0]["flor"] = 0.6
    data["indicators"][1]["per"] = 2
    data["indicators"][2]["evaluators"] = ["admin"]
    data["indicators"][4]["steps"] = [["破冰"], ["落地", 8]]
    data["stars"] = [[95, 5], "x"]
    with pytest.raises(SchemeFileError) as info:
        parse_scheme_file(data)
    assert info.value.messages == [
        "未知字段“flavour”",
        "applies_to.kind 应为 党委、党总支、党支部、党小组 之一",
        "dimensions 第 1 项：max 应为数字",
        "指标 DJ1：未知字段“flor”",
        "指标 YW1：规则 ratio 不使用参数 per",
        "指标 YW2：只有评议打分（manual）指标可以指定评议人（evaluators）",
        '指标 LJ2：steps 第 1 项应为 [名称, 分值]，如 ["落地", 8]',
        "stars 第 2 项应为 [最低总分, 星级]，如 [95, 5]",
        "考核期间：期间“2025Q9”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07",
        "维度 DJ：满分应为大于 0 的数字",
    ]
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "方案文件应为 JSON 对象"),
        (
            {**EXAMPLE, "applies_to": {"kind": "党支部", "orgs": ["ZB-A"]}},
            "applies_to 只能给出 kind 或 orgs 之一",
        ),
        ({**EXAMPLE, "applies_to": {"orgs": []}}, "applies_to.orgs 至少列出一个组织编码"),
        ({**EXAMPLE, "applies_to": None}, 'applies_to 必填，如 {"kind": "党支部"}'),
        (
            {**EXAMPLE, "applies_to": []},
            'applies_to 应为 {"kind": "党支部"} 或 {"orgs": [组织编码, …]}',
        ),
        (
            {**EXAMPLE, "code": "含 空格"},
            "code “含 空格”无效：只能包含字母、数字、下划线、点和短横线",
        ),
        ({**EXAMPLE, "indicators": "x"}, "indicators 应为列表"),
        (
            {**EXAMPLE, "indicators": [{"code": "A", "name": "a", "rule": "magic"}]},
            "指标 A：rule 应为 ratio、per_item、stepped、deduct、manual、veto 之一",
        ),
        ({**EXAMPLE, "pass_line": True}, "pass_line 应为数字"),
    ],
)
def test_shape_errors(data, message):
    with pytest.raises(SchemeFileError) as info:
        parse_scheme_file(data)
    assert message in info.value.messages


def test_a_numeric_period_is_read_as_text():
    assert spec_from_dict({**EXAMPLE, "period": 2025}).period == "2025"
    assert spec_from_dict({**EXAMPLE, "period": "2025q3"}).period == "2025Q3"


def test_export_is_exactly_the_assessment_md_json(world):
    scheme, _ = scheme_import(copy.deepcopy(EXAMPLE), actor=None)
    assert scheme_to_dict(scheme) == EXAMPLE


def test_export_import_round_trips_with_the_optional_keys(world):
    data = with_manual(example(pass_line=65, description="年度考核说明"), ["admin", "company"])
    data["indicators"][3]["missing_points"] = 4
    data["indicators"][3]["description"] = "以营销系统月报为准"
    data["applies_to"] = {"orgs": ["ZB-A", "ZB-B"]}
    scheme, created = scheme_import(copy.deepcopy(data), actor=None)
    assert created
    exported = scheme_to_dict(scheme)
    assert exported == data
    logged = AuditLog.objects.count()
    again, created = scheme_import(copy.deepcopy(exported), actor=None)
    assert (again.pk, created) == (scheme.pk, False)
    assert scheme_to_dict(again) == data
    assert AuditLog.objects.count() == logged  # an unchanged file changes nothing


def test_spec_from_model_equals_spec_from_the_file(world, django_assert_max_num_queries):
    data = with_manual(example(), ["admin"])
    scheme, _ = scheme_import(copy.deepcopy(data), actor=None)
    scheme = Scheme.objects.get(pk=scheme.pk)
    with django_assert_max_num_queries(3):
        from_model = spec_from_model(scheme)
    assert from_model == spec_from_dict(data)
    with django_assert_max_num_queries(5):
        scheme_to_dict(scheme)
