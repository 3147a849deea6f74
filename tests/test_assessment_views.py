"""Assessment screens end to end: scheme editing, the scheme file, KPIs, 我的评议, running and
publishing, the ranking with its filters, the breakdown down to the records, what moved,
the Excel download — with bad input refused in Chinese and nothing changed."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from lianjian.assessment.models import (
    AssessmentRun,
    Dimension,
    Indicator,
    KpiBatch,
    KpiValue,
    ManualScore,
    Scheme,
)
from lianjian.assessment.scheme_file import scheme_to_dict
from lianjian.core.models import AuditLog
from tests.assessment_screens_helpers import make_assessed


@pytest.fixture
def assessed(world):
    return make_assessed(world)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def url(name: str, *args) -> str:
    return reverse(f"assessment:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


# --- schemes ------------------------------------------------------------------------------

SCHEME_FORM = {
    "code": "2026-T",
    "name": "2026年度测试考核",
    "period": "2026",
    "owner": "DW",
    "applies_kind": "党支部",
    "star5": 95,
    "star4": 90,
    "star3": 80,
    "star2": "",
    "star1": 60,
    "pass_line": 60,
    "description": "说明",
}


def test_a_manager_creates_a_scheme_with_star_bands(world):
    response = login(world.company).post(url("scheme_create"), SCHEME_FORM)
    assert response.status_code == 302
    scheme = Scheme.objects.get(code="2026-T")
    assert response["Location"] == url("scheme_detail", "2026-T")
    assert (scheme.name, scheme.period_kind, scheme.owner.code, scheme.applies_kind) == (
        "2026年度测试考核",
        "year",
        "DW",
        "党支部",
    )
    assert scheme.stars == [[95, 5], [90, 4], [80, 3], [60, 1]]
    assert AuditLog.objects.filter(target_type="assessment.scheme", action="create").count() == 1
    page = text(login(world.company).get(url("scheme_detail", "2026-T")))
    assert "★★★★★</span> ≥ 95 分" in page
    assert "方案还没有维度" in page


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"star4": 96}, "星级分数线应由高到低排列（五星最高）"),
        ({"period": "2026Q5"}, "期间“2026Q5”格式不正确"),
        ({"applies_kind": ""}, "请选择适用组织类型，或填写适用组织编码"),
        ({"owner": "DW2"}, "组织编码不存在或不在您的管理范围内"),
        (
            {"applies_kind": "", "applies_orgs": "ZB-A、ZB-X"},
            "组织编码不存在或不在您的范围内：ZB-X",
        ),
    ],
)
def test_bad_scheme_input_is_refused_in_chinese(world, change, field_message):
    response = login(world.company).post(url("scheme_create"), {**SCHEME_FORM, **change})
    assert response.status_code == 400
    assert field_message in text(response)
    assert not Scheme.objects.filter(code="2026-T").exists()


def test_a_scheme_code_cannot_be_taken_twice(world, assessed):
    response = login(world.company).post(
        url("scheme_create"), {**SCHEME_FORM, "code": assessed.scheme.code}
    )
    assert response.status_code == 400
    assert Scheme.objects.filter(code=assessed.scheme.code).count() == 1


def test_editing_a_scheme_keeps_its_code_and_past_runs(world, assessed):
    data = {**SCHEME_FORM, "code": "IGNORED", "name": "改名后的方案", "period": "2025"}
    response = login(world.company).post(url("scheme_edit", assessed.scheme.code), data)
    assert response.status_code == 302
    scheme = Scheme.objects.get(pk=assessed.scheme.pk)
    assert (scheme.code, scheme.name) == (assessed.scheme.code, "改名后的方案")
    assert (
        AssessmentRun.objects.get(pk=assessed.run2.pk).scheme_snapshot["name"]
        == "2025年度党支部双维度考核"
    )


def test_dimensions_and_indicators_are_edited_with_rule_parameters(world, assessed):
    c = login(world.company)
    code = assessed.scheme.code
    assert (
        c.post(
            url("dimension_create", code), {"code": "QT", "name": "其他", "max": 5, "position": 9}
        ).status_code
        == 302
    )
    qt = Dimension.objects.get(scheme=assessed.scheme, code="QT")
    response = c.post(
        url("indicator_create", code),
        {
            "code": "QT1",
            "name": "创新成果",
            "rule": "stepped",
            "source": "kpi",
            "dimension": qt.pk,
            "max": 5,
            "steps": "立项:1、结题:3\n获奖：5",
            "position": 0,
            "target": 99,
            "evaluators": "admin",
        },
    )
    assert response.status_code == 302, text(response)
    ind = Indicator.objects.get(scheme=assessed.scheme, code="QT1")
    assert ind.steps == [["立项", 1.0], ["结题", 3.0], ["获奖", 5.0]]
    assert ind.target is None  # a parameter of another rule is not kept
    assert list(ind.evaluators.all()) == []
    # switching the rule clears the old parameters
    response = c.post(
        url("indicator_edit", code, ind.pk),
        {
            "code": "QT1",
            "name": "创新成果",
            "rule": "per_item",
            "source": "kpi",
            "dimension": qt.pk,
            "max": 5,
            "per": 2.5,
            "steps": "立项:1",
            "position": 0,
        },
    )
    assert response.status_code == 302
    ind.refresh_from_db()
    assert (ind.rule, ind.per, ind.steps) == ("per_item", 2.5, [])
    page = text(c.get(url("scheme_detail", code)))
    assert "每项 2.50 分" in page or "每项 2.5 分" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rule": "stepped", "steps": "立项"}, "档位“立项”格式不正确"),
        ({"rule": "stepped", "steps": "立项:很多"}, "档位“立项:很多”的分值不是数字"),
        (
            {"rule": "manual", "source": "manual", "evaluators": "nobody"},
            "用户不存在或已停用：nobody",
        ),
        ({"rule": "manual", "source": "kpi"}, "评议打分指标的数据来源应为“评议打分”"),
        ({"rule": "ratio", "target": ""}, "目标值（target）应为大于 0 的数字"),
        ({"rule": "per_item", "code": "YW1", "per": 1}, "指标编码 YW1 已存在"),
    ],
)
def test_bad_indicators_are_refused_and_nothing_changes(world, assessed, data, message):
    before = list(Indicator.objects.order_by("pk").values_list("code", "rule", "max"))
    dim = assessed.scheme.dimensions.first()
    post = {
        "code": "NEW1",
        "name": "新指标",
        "source": "kpi",
        "dimension": dim.pk,
        "max": 5,
        "position": 0,
        **data,
    }
    response = login(world.company).post(url("indicator_create", assessed.scheme.code), post)
    assert response.status_code == 400
    assert message in text(response)
    assert list(Indicator.objects.order_by("pk").values_list("code", "rule", "max")) == before


def test_a_dimension_with_indicators_is_not_deleted(world, assessed):
    dim = Dimension.objects.get(scheme=assessed.scheme, code="DJ")
    c = login(world.company)
    page = c.get(url("part_delete", assessed.scheme.code, "dimensions", dim.pk))
    assert "下还有 2 个指标" in text(page)
    response = c.post(url("part_delete", assessed.scheme.code, "dimensions", dim.pk), follow=True)
    assert "该维度下还有指标" in text(response)
    assert Dimension.objects.filter(pk=dim.pk).exists()


def test_deleting_an_indicator_asks_first_then_deletes_it_with_its_scores(world, assessed):
    c = login(world.company)
    target = url("part_delete", assessed.scheme.code, "indicators", assessed.review.pk)
    assert "确认删除" in text(c.get(target))
    assert Indicator.objects.filter(pk=assessed.review.pk).exists()
    assert c.post(target).status_code == 302
    assert not Indicator.objects.filter(pk=assessed.review.pk).exists()
    assert not ManualScore.objects.filter(indicator_id=assessed.review.pk).exists()


def test_a_scheme_with_runs_cannot_be_deleted_but_a_fresh_one_can(world, assessed):
    c = login(world.company)
    assert "不能删除" in text(c.get(url("scheme_delete", assessed.scheme.code)))
    c.post(url("scheme_delete", assessed.scheme.code))
    assert Scheme.objects.filter(pk=assessed.scheme.pk).exists()
    c.post(url("scheme_create"), SCHEME_FORM)
    assert c.post(url("scheme_delete", "2026-T")).status_code == 302
    assert not Scheme.objects.filter(code="2026-T").exists()


def test_the_scheme_file_downloads_and_uploads_again(world, assessed):
    c = login(world.company)
    response = c.get(url("scheme_download", assessed.scheme.code))
    assert response["Content-Disposition"] == f'attachment; filename="{assessed.scheme.code}.json"'
    data = json.loads(response.content)
    assert data == scheme_to_dict(assessed.scheme)
    data.update(code="2026-COPY", name="复制的方案")
    upload = io.BytesIO(json.dumps(data, ensure_ascii=False).encode())
    upload.name = "copy.json"
    response = c.post(url("scheme_upload"), {"file": upload})
    assert response.status_code == 302
    copy = Scheme.objects.get(code="2026-COPY")
    assert scheme_to_dict(copy) == data


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "文件不是有效的 JSON（UTF-8 编码）"),
        (b"[1, 2]", "方案文件应为一个 JSON 对象"),
        (
            json.dumps(
                {
                    "code": "X",
                    "name": "x",
                    "period": "2026",
                    "applies_to": {"kind": "党支部"},
                    "owner": "DW",
                    "dimensions": [],
                    "indicators": [],
                }
            ).encode(),
            "方案至少需要一个指标",
        ),
    ],
)
def test_a_bad_scheme_file_lists_its_problems_and_changes_nothing(world, content, message):
    upload = io.BytesIO(content)
    upload.name = "bad.json"
    response = login(world.company).post(url("scheme_upload"), {"file": upload})
    assert response.status_code == 400
    assert message in text(response)
    assert Scheme.objects.count() == 0


def test_the_scheme_list_searches_and_filters(world, assessed):
    c = login(world.admin)
    page = text(c.get(url("scheme_list"), {"q": "另一公司"}))
    assert "DW2-SWD" in page and "2025-SWD" not in page
    page = text(c.get(url("scheme_list"), {"period_kind": "quarter"}))
    assert "没有符合条件的考核方案" in page
    fragment = c.get(url("scheme_list"), {"q": "2025"}, HTTP_HX_REQUEST="true")
    assert "<html" not in text(fragment) and "2025-SWD" in text(fragment)


# --- KPI values ---------------------------------------------------------------------------


def test_a_kpi_set_by_hand_is_a_batch_with_who_and_when(world, assessed):
    c = login(world.company)
    response = c.post(
        url("kpi_set"), {"org": "ZB-A", "period": "2025", "indicator_code": "YW2", "value": 3}
    )
    value = KpiValue.objects.get(org=world.zb_a, period="2025", indicator_code="YW2")
    assert response.status_code == 302
    assert response["Location"] == f"{url('kpi_list')}?batch={value.batch_id}"
    assert (value.value, value.batch.channel, value.batch.created_by) == (
        3.0,
        "form",
        world.company,
    )
    page = text(c.get(url("batch_detail", value.batch_id)))
    assert "页面录入" in page and "company" in page and "ZB-A" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"indicator_code": "NOPE"}, "指标编码 NOPE 不是任何考核方案中的业务指标"),
        ({"period": "2025Q9"}, "期间“2025Q9”格式不正确"),
        ({"value": "abc"}, "输入一个数字。"),
        ({"org": "WB-GOV"}, "组织编码不存在或不在您的管理范围内"),
    ],
)
def test_bad_kpi_input_is_refused_and_nothing_changes(world, assessed, data, message):
    before = list(KpiValue.objects.order_by("pk").values_list("pk", "value", "batch_id"))
    batches = KpiBatch.objects.count()
    post = {"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 1, **data}
    response = login(world.company).post(url("kpi_set"), post)
    assert response.status_code == 400
    assert message in text(response)
    assert list(KpiValue.objects.order_by("pk").values_list("pk", "value", "batch_id")) == before
    assert KpiBatch.objects.count() == batches


def test_the_kpi_list_filters_and_keeps_to_scope(world, assessed):
    page = text(login(world.admin).get(url("kpi_list"), {"indicator_code": "fj1"}))
    assert page.count('data-kpi="') == 2
    page = text(login(world.manager_a).get(url("kpi_list")))
    assert page.count('data-kpi="') == 4 and "ZB-B" not in page
    page = text(login(world.admin).get(url("kpi_list"), {"channel": "form"}))
    assert page.count('data-kpi="') == 1
    page = text(login(world.admin).get(url("kpi_list"), {"batch": assessed.batch_b, "q": "运维"}))
    assert page.count('data-kpi="') == 4
    page = text(login(world.admin).get(url("kpi_list"), {"period": "2026"}))
    assert "没有符合条件的业务指标数据" in page
    assert "?kind=kpis" in page


# --- 我的评议 -------------------------------------------------------------------------------


def test_an_evaluator_sees_only_their_own_scores_and_saves_a_row_with_htmx(world, assessed):
    c = login(world.company)
    listing = text(c.get(url("review_list")))
    assert "已评 2 / 2" in listing
    page = text(c.get(url("review_score", assessed.review.pk)))
    assert 'value="7"' in page and 'value="5"' not in page  # admin's score for ZB-B stays hidden
    response = c.post(
        url("review_score", assessed.review.pk),
        {"org": "ZB-A", "score": 8.5, "comment": "好", "period": "2025"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "已保存" in text(response) and "<html" not in text(response)
    assert (
        ManualScore.objects.get(
            indicator=assessed.review, org=world.zb_a, evaluator=world.company
        ).score
        == 8.5
    )
    assert ManualScore.objects.filter(indicator=assessed.review, org=world.zb_a).count() == 1


def test_a_score_above_the_maximum_is_refused_on_the_row(world, assessed):
    c = login(world.admin)
    response = c.post(
        url("review_score", assessed.review.pk),
        {"org": "ZB-A", "score": 10.5, "period": "2025"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert "评分应在 0 到 10 之间" in text(response)
    assert not ManualScore.objects.filter(
        indicator=assessed.review, org=world.zb_a, evaluator=world.admin
    ).exists()
    page = text(login(world.admin).get(url("review_list")))
    assert "已评 1 / 2" in page


def test_only_unscored_organisations_can_be_listed(world, assessed):
    page = text(login(world.admin).get(url("review_score", assessed.review.pk), {"only": "todo"}))
    assert 'data-org="ZB-A"' in page and 'data-org="ZB-B"' not in page


# --- runs, ranking, breakdown -------------------------------------------------------------


def test_a_manager_runs_a_period_and_gets_a_new_version(world, assessed):
    response = login(world.company).post(
        url("run_list", assessed.scheme.code), {"period": "2025", "note": "第三次"}
    )
    run = AssessmentRun.objects.get(scheme=assessed.scheme, version=3)
    assert response["Location"] == url("run_results", run.pk)
    assert (run.note, run.org_count, run.is_published) == ("第三次", 2, False)
    assert AssessmentRun.objects.get(pk=assessed.run2.pk).is_published


@pytest.mark.parametrize(
    ("period", "message"),
    [("2025Q1", "本方案按年度考核，期间应为年度期间（如 2026）"), ("20X5", "期间“20X5”格式不正确")],
)
def test_a_period_of_another_kind_is_refused(world, assessed, period, message):
    response = login(world.company).post(url("run_list", assessed.scheme.code), {"period": period})
    assert response.status_code == 400
    assert message in text(response)
    assert AssessmentRun.objects.count() == 2  # the fixture's two runs only


def test_publishing_a_version_unpublishes_the_previous_one(world, assessed):
    response = login(world.company).post(url("run_publish", assessed.run1.pk), follow=True)
    assert "已发布2025年第 1 版" in text(response)
    assert list(AssessmentRun.objects.filter(scheme=assessed.scheme, is_published=True)) == [
        assessed.run1
    ]


def test_the_ranking_shows_stars_veto_and_filters(world, assessed):
    c = login(world.company)
    page = text(c.get(url("run_results", assessed.run2.pk)))
    assert page.index('data-org="ZB-A"') < page.index('data-org="ZB-B"')
    assert "否决" in page
    a = assessed.result_a
    assert f"data-total>{a.total:.2f}<" in page
    vetoed = text(
        c.get(url("run_results", assessed.run2.pk), {"stars": "veto"}, HTTP_HX_REQUEST="true")
    )
    assert 'data-org="ZB-B"' in vetoed and 'data-org="ZB-A"' not in vetoed
    assert "营销" in text(c.get(url("run_results", assessed.run2.pk), {"q": "营销"}))
    assert 'data-org="ZB-B"' not in text(c.get(url("run_results", assessed.run2.pk), {"q": "营销"}))
    by_lj = text(c.get(url("run_results", assessed.run2.pk), {"sort": "LJ"}))
    assert by_lj.index('data-org="ZB-B"') < by_lj.index(
        'data-org="ZB-A"'
    )  # ZB-B reached 落地 (8 points)
    # no organisational life and no joint activity in the fixture: both stay under the pass line
    failed = text(c.get(url("run_results", assessed.run2.pk), {"passed": "no"}))
    assert 'data-org="ZB-B"' in failed and 'data-org="ZB-A"' in failed and "不合格" in failed
    assert "没有符合条件的结果" in text(
        c.get(url("run_results", assessed.run2.pk), {"passed": "yes"})
    )


def test_a_branch_sees_its_own_row_with_the_scheme_wide_rank(world, assessed):
    page = text(login(world.manager_b).get(url("run_results", assessed.run2.pk)))
    assert 'data-org="ZB-B"' in page and 'data-org="ZB-A"' not in page
    assert '<td class="text-end fw-bold">2</td>' in page
    assert "导出排名 Excel" not in page and "发布本版本" not in page


def test_the_breakdown_links_every_number_to_its_records(world, assessed):
    page = text(login(world.company).get(url("result_detail", assessed.run2.pk, "ZB-A")))
    kpi = KpiValue.objects.get(org=world.zb_a, period="2025", indicator_code="YW1")
    assert (
        url("batch_detail", kpi.batch_id) + "?q=ZB-A" in page
    )  # the hand correction, not the Excel import
    assert "页面录入 · company" in page
    assert reverse("activities:compliance_org", args=["ZB-A"]) + "?year=2025" in page
    assert "company：9.00 分" in page
    assert "第 2 档（推进）" in page
    assert 'data-evidence="joint_activities"' in page and "本期无联建活动记录" in page
    veto = text(login(world.company).get(url("result_detail", assessed.run2.pk, "ZB-B")))
    assert "已否决：不评星级" in veto and "1 次" in veto
    assert "admin：5.00 分" in veto and "company：7.00 分" in veto


def test_compare_shows_what_moved_between_versions(world, assessed):
    page = text(login(world.company).get(url("run_compare", assessed.run2.pk)))
    assert "<b>1</b> 个组织的得分、名次、星级或指标有变化（共 2 个组织）" in page
    assert "营收完成率：80 → 95" in page
    assert 'data-org="ZB-B"' not in page
    everything = text(
        login(world.company).get(url("run_compare", assessed.run2.pk), {"only": "all"})
    )
    assert 'data-org="ZB-B"' in everything
    first = text(login(world.company).get(url("run_compare", assessed.run1.pk)))
    assert "这是该期间的第一个版本" in first
    chosen = text(
        login(world.company).get(url("run_compare", assessed.run1.pk), {"with": assessed.run2.pk})
    )
    assert "营收完成率：80 → 95" in chosen  # always older → newer
    assert (
        login(world.company).get(url("run_compare", assessed.run2.pk), {"with": 999999}).status_code
        == 404
    )


def test_the_ranking_workbook_downloads(world, assessed):
    response = login(world.company).get(url("run_export", assessed.run2.pk))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(book["考核排名"].iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["ZB-A", "ZB-B"]
    assert rows[2][4] == "否决"


def test_analysis_and_trend_pages_state_figures_from_the_run(world, assessed):
    c = login(world.company)
    page = text(c.get(url("run_analysis", assessed.run2.pk)))
    assert "否决 1" in page and "组织数不足 3 个或得分没有差异" in page
    trend = text(c.get(url("scheme_trend", assessed.scheme.code)))
    assert 'data-period="2025"' in trend and "已发布" in trend
    one = text(c.get(url("scheme_trend", assessed.scheme.code), {"org": "ZB-A"}))
    assert f"{assessed.result_a.total:.2f}" in one
    assert c.get(url("scheme_trend", assessed.scheme.code), {"org": "ZB-X"}).status_code == 404


def test_the_organisation_page_links_to_its_latest_result(world, assessed):
    page = text(login(world.manager_a).get(reverse("orgs:org_detail", args=["ZB-A"])))
    assert url("result_detail", assessed.run2.pk, "ZB-A") in page
    assert "2025年度党支部双维度考核 · 2025" in page and "第 1 名" in page
    company = text(login(world.company).get(reverse("orgs:org_detail", args=["DW"])))
    assert 'id="org-assessment"' not in company  # the 党委 itself is not assessed


def test_a_value_corrected_after_a_run_is_flagged_on_the_old_version(world, assessed):
    page = text(login(world.company).get(url("result_detail", assessed.run1.pk, "ZB-A")))
    corrected = KpiValue.objects.get(org=world.zb_a, period="2025", indicator_code="YW1")
    assert "本版本计算后已更正为 95（" in page and url("batch_detail", corrected.batch_id) in page
    assert "已更正" not in text(
        login(world.company).get(url("result_detail", assessed.run2.pk, "ZB-A"))
    )
