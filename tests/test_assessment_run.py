"""Running a scheme (services.assessment_run) and publishing (run_publish): a worked
assessment of the two ``world`` branches traced from the total to the records, versions,
snapshots, and refusals that change nothing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from lianjian.assessment.models import AssessmentResult, AssessmentRun
from lianjian.assessment.output import run_compare, run_json, run_xlsx
from lianjian.assessment.scheme_file import scheme_to_dict
from lianjian.assessment.services import (
    assessment_run,
    indicator_save,
    kpi_set,
    kpi_set_many,
    manual_score_set,
    run_publish,
    scheme_import,
)
from lianjian.core.models import AuditLog
from lianjian.orgs.services import org_create
from tests.assessment_engine_helpers import example, joint_activity, with_manual
from tests.test_assessment_sources import meetings

TODAY = datetime.date(2026, 1, 10)


@pytest.fixture
def scheme(world):
    scheme = scheme_import(with_manual(example(), ["company", "admin"]), actor=None)[0]
    for org, values in ((world.zb_a, (95, 2, 2, 0)), (world.zb_b, (100, 0, 3, 1))):
        for code, value in zip(("YW1", "YW2", "LJ2", "FJ1"), values, strict=True):
            kpi_set(world.admin, org=org, period="2025", indicator_code=code, value=value)
    meetings(world.zb_a)  # 20 of 22 organisational-life rows ok
    joint_activity(world.zb_a, world.zb_b, day=datetime.date(2025, 3, 10))
    joint_activity(world.zb_a, day=datetime.date(2025, 9, 1))
    joint_activity(world.zb_b, world.zb_a, day=datetime.date(2025, 6, 1))
    dj2 = scheme.indicators.get(code="DJ2")
    manual_score_set(world.company, indicator=dj2, org=world.zb_a, period="2025", score=8)
    manual_score_set(world.admin, indicator=dj2, org=world.zb_a, period="2025", score=9)
    return scheme


def test_a_whole_assessment_of_two_branches(scheme, world):
    run = assessment_run(world.company, scheme, "2025", note="年终考核", today=TODAY)
    assert (run.version, run.period, run.org_count, run.note, run.created_by, run.is_published) == (
        1,
        "2025",
        2,
        "年终考核",
        world.company,
        False,
    )
    a = AssessmentResult.objects.get(run=run, org=world.zb_a)
    b = AssessmentResult.objects.get(run=run, org=world.zb_b)
    # ZB-A: DJ = 20 × 20/22 + mean(8, 9); YW = 28.5 + 6; LJ = 3 × 1.5 + 4
    assert a.dimensions == pytest.approx({"DJ": 20 * 20 / 22 + 8.5, "YW": 34.5, "LJ": 8.5})
    assert a.total == pytest.approx(20 * 20 / 22 + 8.5 + 34.5 + 8.5)
    assert (a.stars, a.vetoed, a.passed, a.rank) == (1, False, True, 1)
    # ZB-B: no organisational life, not evaluated, full business marks; 2 joint activities (3) and
    # 落地 (8) capped at LJ's 10; vetoed
    assert b.dimensions == {"DJ": 0.0, "YW": 40.0, "LJ": 10.0}
    assert (b.total, b.stars, b.vetoed, b.passed, b.rank) == (50.0, None, True, False, 2)
    assert b.indicators["DJ2"] == {
        "value": None,
        "points": 0.0,
        "missing": True,
        "evidence": {"scores": []},
    }
    assert b.indicators["FJ1"]["value"] == 1.0 and b.indicators["FJ1"]["evidence"]["kpi"]


def test_every_number_traces_back_to_its_records(scheme, world):
    run = assessment_run(world.company, scheme, "2025", today=TODAY)
    a = AssessmentResult.objects.get(run=run, org=world.zb_a).indicators
    assert a["DJ1"]["evidence"] == {"ok": 20, "closed": 22, "year": 2025}
    assert a["DJ2"]["value"] == 8.5
    assert [s["evaluator"] for s in a["DJ2"]["evidence"]["scores"]] == ["admin", "company"]
    assert len(a["LJ1"]["evidence"]["activities"]) == 3 and a["LJ1"]["points"] == 4.5
    kpi = world.zb_a.kpi_values.get(indicator_code="YW1")
    assert a["YW1"]["evidence"]["kpi"] == kpi.pk and a["YW1"]["evidence"]["batch"] == kpi.batch_id
    assert a["YW1"] == {
        "value": 95.0,
        "points": pytest.approx(28.5),
        "missing": False,
        "evidence": a["YW1"]["evidence"],
    }


def test_each_run_is_a_new_version_with_its_own_snapshot(scheme, world):
    first = assessment_run(world.company, scheme, "2025", today=TODAY)
    indicator_save(world.company, scheme, scheme.indicators.get(code="YW1"), max=25)
    kpi_set(world.admin, org=world.zb_b, period="2025", indicator_code="FJ1", value=0)
    second = assessment_run(world.company, scheme, "2025", today=TODAY)
    assert (first.version, second.version) == (1, 2)
    assert first.scheme_snapshot["indicators"][2]["max"] == 30
    assert (
        second.scheme_snapshot == scheme_to_dict(scheme)
        and second.scheme_snapshot["indicators"][2]["max"] == 25
    )
    old_b = AssessmentResult.objects.get(run=first, org=world.zb_b)
    new_b = AssessmentResult.objects.get(run=second, org=world.zb_b)
    assert (old_b.vetoed, old_b.rank, old_b.total) == (
        True,
        2,
        50.0,
    )  # the stored version never changes
    assert (new_b.vetoed, new_b.total) == (False, 45.0)


def test_publishing_marks_one_version_per_scheme_and_period(scheme, world):
    first = assessment_run(world.company, scheme, "2025", today=TODAY)
    second = assessment_run(world.company, scheme, "2025", today=TODAY)
    run_publish(world.company, first)
    run_publish(world.company, second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_published, second.is_published, second.published_by) == (
        False,
        True,
        world.company,
    )
    log = AuditLog.objects.filter(target_type="assessment.assessmentrun", action="update").latest(
        "id"
    )
    assert (log.target_id, log.before, log.after) == (
        "2025-SWD/2025/v2",
        {"published_version": 1},
        {"published_version": 2},
    )
    count = AuditLog.objects.count()
    run_publish(world.company, second)  # already published: nothing happens
    assert AuditLog.objects.count() == count


def test_a_run_is_audited(scheme, world):
    assessment_run(world.company, scheme, "2025", note="n", today=TODAY)
    log = AuditLog.objects.get(target_type="assessment.assessmentrun")
    assert (log.action, log.actor, log.target_id, log.after, log.note) == (
        "create",
        world.company,
        "2025-SWD/2025/v1",
        {"scheme": "2025-SWD", "period": "2025", "version": 1, "org_count": 2, "vetoed": 1},
        "n",
    )


def runs_state() -> list:
    return [
        list(AssessmentRun.objects.values_list()),
        list(AssessmentResult.objects.values_list()),
        AuditLog.objects.count(),
    ]


@pytest.mark.parametrize(
    "period, message",
    [
        ("2025Q1", {"period": ["该方案为年度考核，期间应为年度期间，如 2026"]}),
        ("2025-13", {"period": ["期间“2025-13”格式不正确，应为 2026、2026H1、2026Q3 或 2026-07"]}),
    ],
)
def test_a_run_needs_a_period_of_the_schemes_kind(scheme, world, period, message):
    before = runs_state()
    with pytest.raises(ValidationError) as info:
        assessment_run(world.company, scheme, period, today=TODAY)
    assert info.value.message_dict == message
    assert runs_state() == before


def test_an_invalid_scheme_is_not_run(world):
    scheme = scheme_import(example(), actor=None)[0]
    scheme.indicators.filter(code="YW1").update(target=None)
    with pytest.raises(ValidationError) as info:
        assessment_run(world.admin, scheme, "2025", today=TODAY)
    assert info.value.messages == ["指标 YW1：比率规则的目标值（target）应为大于 0 的数字"]
    assert AssessmentRun.objects.count() == 0


def test_a_scheme_without_organisations_is_not_run(world):
    data = example()
    data["applies_to"] = {"kind": "党总支"}
    scheme = scheme_import(data, actor=None)[0]
    with pytest.raises(ValidationError) as info:
        assessment_run(world.admin, scheme, "2025", today=TODAY)
    assert info.value.messages == ["方案在2025期间没有适用的组织"]


def test_ties_share_a_rank_and_vetoed_come_last(world):
    scheme = scheme_import(example(), actor=None)[0]
    orgs = [
        org_create(actor=None, code=f"ZB-T{i}", name=f"支部{i}", kind="党支部", parent=world.dw)
        for i in range(3)
    ]
    rows = [(org, "2025", "YW1", 100) for org in orgs] + [
        (world.zb_a, "2025", "YW1", 90),
        (orgs[2], "2025", "FJ1", 2),
    ]
    kpi_set_many(world.admin, rows)
    run = assessment_run(world.admin, scheme, "2025", today=TODAY)
    ranks = dict(AssessmentResult.objects.filter(run=run).values_list("org__code", "rank"))
    assert ranks == {"ZB-T0": 1, "ZB-T1": 1, "ZB-A": 3, "ZB-B": 4, "ZB-T2": 5}


def test_a_run_takes_a_flat_number_of_queries(scheme, world):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assessment_run(world.admin, scheme, "2025", today=TODAY)
        return len(ctx.captured_queries)

    small = count()
    for i in range(12):
        org = org_create(
            actor=None, code=f"ZB-N{i}", name=f"支部{i}", kind="党支部", parent=world.dw
        )
        kpi_set(world.admin, org=org, period="2025", indicator_code="YW1", value=i)
        joint_activity(org, day=datetime.date(2025, 4, 1 + i))
    assert count() == small <= 35


# --- outputs ------------------------------------------------------------------------------


def test_run_json_is_ordered_by_rank_then_code(scheme, world):
    run = assessment_run(world.company, scheme, "2025", today=TODAY)
    document = run_json(run)
    assert [(r["org"], r["rank"]) for r in document["results"]] == [("ZB-A", 1), ("ZB-B", 2)]
    assert document["results"][0]["indicators"]["DJ2"] == {"value": 8.5, "points": 8.5}
    for row in document["results"]:  # the numbers are the stored ones, to the last bit
        stored = AssessmentResult.objects.get(run=run, org__code=row["org"]).indicators
        assert row["indicators"] == {
            k: {"value": v["value"], "points": v["points"]} for k, v in stored.items()
        }
    assert document["results"][0]["indicators"]["DJ1"]["points"] == 20 * (20 / 22)


def test_run_compare_says_what_moved(scheme, world):
    first = assessment_run(world.company, scheme, "2025", today=TODAY)
    kpi_set(world.admin, org=world.zb_b, period="2025", indicator_code="FJ1", value=0)
    kpi_set(world.admin, org=world.zb_b, period="2025", indicator_code="YW1", value=80)
    second = assessment_run(world.company, scheme, "2025", today=TODAY)
    third = assessment_run(world.company, scheme, "2025", today=TODAY)
    b, a = run_compare(first, second)
    assert {
        k: b[k]
        for k in (
            "org",
            "name",
            "total_before",
            "total_after",
            "rank_before",
            "rank_after",
            "stars_before",
            "stars_after",
            "vetoed_before",
            "vetoed_after",
            "changed",
        )
    } == {
        "org": "ZB-B",
        "name": "运维检修党支部",
        "total_before": 50.0,
        "total_after": 44.0,
        "rank_before": 2,
        "rank_after": 2,
        "stars_before": None,
        "stars_after": None,
        "vetoed_before": True,
        "vetoed_after": False,
        "changed": True,
    }
    assert b["indicators"] == [
        {
            "code": "YW1",
            "name": "营收完成率",
            "value_before": 100.0,
            "value_after": 80.0,
            "points_before": 30.0,
            "points_after": 24.0,
        },
        {
            "code": "FJ1",
            "name": "重大安全责任事故",
            "value_before": 1.0,
            "value_after": 0.0,
            "points_before": 0.0,
            "points_after": 0.0,
        },
    ]
    assert (a["org"], a["changed"], a["indicators"]) == ("ZB-A", False, [])
    assert [r["changed"] for r in run_compare(second, third)] == [False, False]


def test_run_xlsx_holds_every_organisation(scheme, world, tmp_path):
    run = assessment_run(world.company, scheme, "2025", today=TODAY)
    run_xlsx(run, tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    ranking = list(book["考核排名"].iter_rows(values_only=True))
    assert ranking[0] == (
        "排名",
        "组织编码",
        "组织名称",
        "总分",
        "星级",
        "结论",
        "党建引领（40）",
        "业务提升（50）",
        "联建共建（10）",
        "DJ1 组织生活完成率（20）",
        "DJ2 书记述职评议（10）",
        "YW1 营收完成率（30）",
        "YW2 客户投诉（10）",
        "LJ1 联建活动（6）",
        "LJ2 联建成效（8）",
        "FJ1 重大安全责任事故",
    )
    assert ranking[1] == (
        1,
        "ZB-A",
        "营销服务党支部",
        round(20 * 20 / 22 + 51.5, 2),
        "★",
        "合格",
        round(20 * 20 / 22 + 8.5, 2),
        34.5,
        8.5,
        18.18,
        8.5,
        28.5,
        6,
        4.5,
        4,
        "无",
    )
    assert ranking[2][:6] == (2, "ZB-B", "运维检修党支部", 50, "否决", "一票否决")
    values = list(book["指标取值"].iter_rows(values_only=True))
    assert values[2] == ("ZB-B", "运维检修党支部", 0, "缺数", 100, 0, 2, 3, 1)
    info = dict(row for row in book["方案说明"].iter_rows(values_only=True))
    assert info["考核期间"] == "2025年" and info["版本"] == "第 1 版（未发布）"
    assert (
        info["指标 DJ2"]
        == "书记述职评议；维度：党建引领；来源：评议打分；规则：评议打分；分值 10；评议人：admin、company"
    )
