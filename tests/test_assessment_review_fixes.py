"""Regression tests for what a user review of 双维度考核 found (each fails without its fix):
points in a scheme file bounded (a 1e308 maximum overflowed a run); negative counts refused
for KPIs scored as counts; an evaluator's score never lands silently in another period; a
KPI link from an older result version lands on the value it scored, also after a later
batch replaced it; laggards are never as good as the leaders; what changed in the scheme
between two versions is said on the compare page; the Word report uses real headings on
A4 and says when it covers only part of the run; small screen and form polish."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from docx import Document

from lianjian.assessment import selectors, services
from lianjian.assessment.models import Indicator, KpiBatch, KpiValue, ManualScore
from lianjian.assessment.scheme_file import spec_from_dict
from lianjian.assessment.scoring import (
    DimensionSpec,
    IndicatorSpec,
    SchemeSpec,
    score_org,
    validate_scheme,
)
from lianjian.core.excel import get_kind, import_file
from tests.api_helpers import call
from tests.assessment_engine_helpers import example
from tests.assessment_screens_helpers import make_assessed
from tests.excel_helpers import make_xlsx
from tests.report_helpers import report_download


@pytest.fixture
def assessed(world):
    return make_assessed(world)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, *args) -> str:
    return reverse(f"assessment:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


# --- points are bounded -------------------------------------------------------------------


def test_a_scheme_file_with_astronomic_points_is_refused_before_it_can_overflow_a_run():
    data = example()
    data["dimensions"][1]["max"] = 1e308
    data["indicators"][1]["max"] = 1e308
    data["indicators"][2].update(max=1e308, per=1e308)
    data.update(pass_line=5000, stars=[[2000, 5], [60, 1]])
    with pytest.raises(ValueError) as raised:
        spec_from_dict(data)
    problems = raised.value.messages
    assert "维度 YW：满分不能超过 1000" in problems
    assert "指标 YW1：分值不能超过 1000" in problems and "指标 YW2：分值不能超过 1000" in problems
    assert "合格线不能超过 1000" in problems and "星级第 1 档的最低总分不能超过 1000" in problems


def test_the_largest_allowed_points_still_add_up_to_a_finite_total():
    dims = (DimensionSpec("A", "a", 1000),)
    inds = tuple(
        IndicatorSpec(f"I{i}", "i", "A", 1000, "per_item", "kpi", per=1000) for i in range(200)
    )
    spec = SchemeSpec("S", "s", "2026", dims, inds)
    assert validate_scheme(spec) == []
    assert score_org(spec, {i.code: 1e12 for i in inds}).total == 1000


def test_a_dimension_and_the_pass_line_over_1000_are_refused_by_the_services(world):
    scheme, _ = services.scheme_import(example(), actor=None)
    dimension = scheme.dimensions.get(code="DJ")
    with pytest.raises(ValidationError) as raised:
        services.dimension_save(None, scheme, dimension, max=1e308)
    assert raised.value.message_dict == {"max": ["满分不能超过 1000"]}
    with pytest.raises(ValidationError) as raised:
        services.scheme_update(None, scheme, pass_line=1e9)
    assert raised.value.message_dict["pass_line"] == ["合格线不能超过 1000"]


# --- negative counts ----------------------------------------------------------------------


def test_a_negative_count_is_refused_on_every_path_and_a_negative_ratio_is_not(world, tmp_path):
    scheme, _ = services.scheme_import(example(), actor=None)
    before = list(KpiValue.objects.values_list())
    for code in ("YW2", "LJ2", "FJ1"):  # deduct, stepped, veto
        with pytest.raises(ValidationError) as raised:
            services.kpi_set(
                world.company, org=world.zb_a, period="2025", indicator_code=code, value=-3
            )
        assert raised.value.message_dict == {
            "value": [f"指标 {code} 的数值是次数或档位序号，不能为负数"]
        }
    status, data = call(
        "post",
        "/assessment/kpis",
        user=world.company,
        body={"org": "ZB-A", "period": "2025", "indicator_code": "YW2", "value": -1},
    )
    assert status == 400 and data == {
        "detail": "value：指标 YW2 的数值是次数或档位序号，不能为负数"
    }
    path = make_xlsx(
        tmp_path / "k.xlsx",
        ["组织编码", "期间", "指标编码", "数值"],
        [["ZB-A", "2025", "YW1", 90], ["ZB-B", "2025", "YW2", -2]],
    )
    result = import_file(
        get_kind("kpis"), path, file_name="k.xlsx", user=world.company, actor=world.company
    )
    assert result.errors == ["第3行 数值：指标 YW2 的数值是次数或档位序号，不能为负数"]
    assert list(KpiValue.objects.values_list()) == before == []
    # a ratio (营收完成率) may really be negative
    kpi = services.kpi_set(
        world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=-5
    )
    assert kpi.value == -5


def test_a_code_scored_as_a_count_in_any_scheme_refuses_negative_values(world):
    services.scheme_import(example(), actor=None)
    other = copy.deepcopy(example(code="2025-B"))
    other["indicators"][2] = {
        "code": "YW1X",
        "name": "x",
        "dimension": "YW",
        "max": 10,
        "rule": "ratio",
        "target": 1,
        "source": "kpi",
    }
    services.scheme_import(other, actor=None)
    assert services.kpi_codes()["YW2"] == {"deduct"}
    assert services.kpi_codes()["YW1"] == {"ratio"}


# --- an evaluator's score never lands in another period -----------------------------------


@pytest.mark.parametrize("period", ["2025Q1", "2025Q9", "abc"])
def test_a_score_posted_for_a_bad_period_changes_nothing(assessed, world, period):
    before = list(
        ManualScore.objects.values_list(
            "org__code", "period", "evaluator__username", "score", "comment"
        )
    )
    client = login(world.company)
    body = {"org": "ZB-A", "score": 3, "comment": "", "period": period}
    response = client.post(url("review_score", assessed.review.pk), body, follow=True)
    assert "期间" in text(response) and "已保存" not in text(response)
    response = client.post(url("review_score", assessed.review.pk), body, HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "期间" in text(response)
    assert (
        list(
            ManualScore.objects.values_list(
                "org__code", "period", "evaluator__username", "score", "comment"
            )
        )
        == before
    )


def test_a_bad_period_in_the_address_shows_the_schemes_period_and_says_so(assessed, world):
    response = login(world.company).get(url("review_score", assessed.review.pk) + "?period=2025Q9")
    assert response.status_code == 200
    assert "格式不正确" in text(response) and "已显示2025年" in text(response)


def test_a_score_row_targets_its_own_row_whatever_the_organisation_code(assessed, world):
    # an id selector "#review-A.B" would read ".B" as a class: codes may contain dots
    response = login(world.company).get(url("review_score", assessed.review.pk) + "?period=2025")
    assert 'hx-target="closest tr"' in text(response) and 'hx-target="#review-' not in text(
        response
    )


# --- a KPI link lands on the value it scored ----------------------------------------------


def test_an_older_versions_kpi_link_lands_on_the_value_it_scored_after_a_correction(
    assessed, world
):
    old = assessed.run1.results.get(org=world.zb_a).indicators["YW1"]
    assert old["value"] == 80 and old["evidence"]["batch"] == assessed.batch_a
    breakdown = text(
        login(world.company).get(url("result_detail", assessed.run1.pk, "ZB-A"))
    )  # a draft: owners only
    link = f"{url('batch_detail', assessed.batch_a)}?q=ZB-A#kpi-{old['evidence']['kpi']}"
    assert f'href="{link}"' in breakdown
    page = text(login(world.company).get(link.split("#")[0]))
    assert "已被更正的数值（1 条）" in page
    row = page[page.index(f'id="kpi-{old["evidence"]["kpi"]}"') :]
    row = row[: row.index("</tr>")]
    assert "<b>80</b>" in row and ">95<" in row and "YW1" in row


def test_a_batch_whose_every_value_was_replaced_still_opens_for_those_who_see_them(assessed, world):
    write = services.kpi_write(
        None,
        [services.KpiRow(world.zb_a, "2025", "YW1", 70.0)],
        channel="excel",
        file_name="早.xlsx",
    )
    services.kpi_set(world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=71)
    assert not KpiValue.objects.filter(batch=write.batch).exists()
    response = login(world.manager_a).get(url("batch_detail", write.batch.pk))
    assert response.status_code == 200 and "<b>70</b>" in text(response)
    assert login(world.manager_b).get(url("batch_detail", write.batch.pk)).status_code == 404
    rows, count = selectors.batch_replaced(world.manager_b, write.batch)
    assert (rows, count) == ([], 0)


def test_replaced_values_are_read_in_a_fixed_number_of_queries(
    assessed, world, django_assert_max_num_queries
):
    batch = KpiBatch.objects.get(pk=assessed.batch_a)
    with django_assert_max_num_queries(3):
        rows, count = selectors.batch_replaced(world.company, batch, q="ZB-A")
    assert count == 1 and rows[0]["value"] == 80 and rows[0]["kpi"].value == 95


# --- leaders and laggards -----------------------------------------------------------------


def _row(code: str, points: float) -> selectors.Row:
    return selectors.Row(0, code, code, points, None, False, True, 1, {"D": points})


def test_an_organisation_as_good_as_a_leader_is_never_called_a_laggard():
    dims = [{"code": "D", "name": "d", "max": 50}]
    tied = [_row(f"O{i}", 40.0) for i in range(8)] + [_row("LOW", 32.0)]
    item = selectors.leaders_and_laggards(tied, dims)[0]
    assert [r.code for _, r in item["leaders"]] == ["O0", "O1", "O2", "O3", "O4"]
    assert [r.code for _, r in item["laggards"]] == ["LOW"]
    item = selectors.leaders_and_laggards([_row(f"O{i}", 40.0) for i in range(8)], dims)[0]
    assert item["laggards"] == []


# --- what changed in the scheme -----------------------------------------------------------


def test_the_compare_page_says_what_changed_in_the_scheme(assessed, world):
    indicator = Indicator.objects.get(scheme=assessed.scheme, code="YW2")
    services.indicator_save(
        None,
        assessed.scheme,
        indicator,
        code="YW2",
        name="客户投诉",
        dimension=indicator.dimension,
        max=10,
        rule="deduct",
        source="kpi",
        per=2.5,
        position=indicator.position,
    )
    services.scheme_update(None, assessed.scheme, pass_line=65)
    run3 = services.assessment_run(None, assessed.scheme, "2025")
    page = text(login(world.company).get(url("run_compare", run3.pk)))
    assert "两个版本之间方案有修改" in page
    assert "指标 YW2 客户投诉：每项（次）分值 2 → 2.5" in page and "合格线 60 → 65" in page
    page = text(login(world.company).get(url("run_compare", assessed.run2.pk)))
    assert "两个版本之间方案有修改" not in page


def test_scheme_changes_lists_added_removed_and_changed_parts():
    old = example()
    new = copy.deepcopy(old)
    new["dimensions"][2]["max"] = 12
    new["indicators"].pop(3)
    new["indicators"].append(
        {
            "code": "LJ3",
            "name": "共建项目",
            "dimension": "LJ",
            "max": 4,
            "rule": "per_item",
            "per": 1,
            "source": "kpi",
        }
    )
    new["indicators"][3]["steps"] = [["破冰", 2], ["落地", 8]]
    new["stars"] = [[90, 5], [60, 1]]
    assert selectors.scheme_changes(old, new) == [
        "维度 联建共建（LJ）满分 10 → 12",
        "新增指标 LJ3 共建项目",
        "删除指标 LJ1 联建活动",
        "指标 LJ2 联建成效：档位 破冰:2、推进:4、落地:8 → 破冰:2、落地:8",
        "星级划分 ≥95分5星、≥90分4星、≥80分3星、≥70分2星、≥60分1星 → ≥90分5星、≥60分1星",
    ]
    assert selectors.scheme_changes(old, copy.deepcopy(old)) == []


# --- the Word report ----------------------------------------------------------------------


def _report(client: Client, run) -> Document:
    return report_download(client, url("run_report", run.pk))


def test_the_report_has_real_headings_on_a4(assessed, world):
    doc = _report(login(world.company), assessed.run2)
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "一、总体情况",
        "二、排名",
        "三、各维度领先与落后",
        "四、党建与业务的关系",
        "五、一票否决与不合格",
    ]
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert round(section.left_margin.cm, 2) == round(section.right_margin.cm, 2) == 2.5
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "本期参评组织 2 个" in body


def test_a_branchs_report_does_not_claim_to_cover_the_whole_run(assessed, world):
    body = "\n".join(p.text for p in _report(login(world.manager_a), assessed.run2).paragraphs)
    assert "本报告涵盖的组织 1 个" in body and "本期参评组织" not in body


# --- screens ------------------------------------------------------------------------------


def test_a_too_long_run_note_is_explained(assessed, world):
    response = login(world.company).post(
        url("run_list", assessed.scheme.code), {"period": "2025", "note": "长" * 301}
    )
    assert response.status_code == 400 and "301" in text(response)


def test_edit_forms_show_numbers_as_typed(assessed, world):
    indicator = Indicator.objects.get(scheme=assessed.scheme, code="YW2")
    page = text(login(world.company).get(url("indicator_edit", assessed.scheme.code, indicator.pk)))
    for name, shown in (("max", "10"), ("per", "2")):
        assert f'name="{name}" id="id_{name}" value="{shown}"' in page
    page = text(login(world.company).get(url("scheme_edit", assessed.scheme.code)))
    for name, shown in (("star5", "95"), ("pass_line", "60")):
        assert f'name="{name}" id="id_{name}" value="{shown}"' in page


def test_one_organisations_trend_calls_its_bars_its_total(assessed, world):
    client = login(world.company)
    # the bar series takes its name from the chart box (assessment/static/assessment/trend.js)
    assert 'data-total-label="总分"' in text(
        client.get(url("scheme_trend", assessed.scheme.code) + "?org=ZB-A")
    )
    assert 'data-total-label="平均总分"' in text(
        client.get(url("scheme_trend", assessed.scheme.code))
    )


def test_the_compliance_evidence_says_what_it_counts(world):
    scheme, _ = services.scheme_import(example(), actor=None)
    run = services.assessment_run(None, scheme, "2025")
    result = run.results.get(org=world.zb_a)
    evidence = result.indicators["DJ1"]["evidence"]
    page = text(login(world.company).get(url("result_detail", run.pk, "ZB-A")))
    assert evidence["closed"] > 0
    assert f"按期完成 {evidence['ok']} / 计入 {evidence['closed']} 项（2025年）" in page
    assert "组织生活：已到期" not in page
