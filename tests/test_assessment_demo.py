"""The demo 双维度考核: two schemes on the demo company's 41 branches, KPIs from two Excel
deliveries and a hand correction, evaluators' scores, five stored runs with one published,
a veto and missing values — deterministic and loaded once."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command
from django.db.models import Count

from lianjian.assessment import demo, output, selectors
from lianjian.assessment.models import (
    AssessmentResult,
    AssessmentRun,
    KpiBatch,
    ManualScore,
    Scheme,
)
from lianjian.orgs.models import Organisation
from tests.conftest import module_transaction


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for the module inside a transaction that is rolled back at the
    end (the data migrations' rows stay as they were for the tests that follow)."""
    with module_transaction(django_db_blocker):
        out = io.StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()


pytestmark = pytest.mark.django_db


def test_the_demo_command_loads_the_assessment(loaded):
    assert (
        "双维度考核：新建考核方案 2 个、业务指标 572 条、评议打分 79 条、结果版本 6 个（已发布 1 个）。"
        in loaded
    )
    assert list(Scheme.objects.order_by("code").values_list("code", "period_kind")) == [
        ("2026-SWD", "year"),
        ("2026-SWD-Q", "quarter"),
    ]
    runs = list(
        AssessmentRun.objects.order_by("scheme__code", "period", "version").values_list(
            "scheme__code", "period", "version", "is_published", "org_count"
        )
    )
    assert runs == [
        ("2026-SWD", "2026", 1, False, 41),
        ("2026-SWD", "2026", 2, True, 41),
        ("2026-SWD-Q", "2026Q1", 1, False, 41),
        ("2026-SWD-Q", "2026Q2", 1, False, 41),
        ("2026-SWD-Q", "2026Q3", 1, False, 41),
        ("2026-SWD-Q", "2026Q3", 2, False, 41),
    ]
    assert AssessmentRun.objects.get(
        period="2026Q3", version=2
    ).void_reason  # voided, with a reason
    assert AssessmentResult.objects.count() == 6 * 41


def test_one_branch_is_vetoed_and_missing_values_show_as_missing(loaded):
    published = AssessmentRun.objects.get(is_published=True)
    vetoed = AssessmentResult.objects.filter(run=published, vetoed=True)
    assert [(r.org.code, r.stars, r.rank) for r in vetoed] == [(demo.VETO_BRANCH, None, 41)]
    q3 = AssessmentResult.objects.filter(
        run__period="2026Q3", run__voided_at__isnull=True, vetoed=True
    ).values_list("org__code", flat=True)
    assert list(q3) == [demo.VETO_BRANCH]
    for code in demo.NO_LINE_LOSS:
        row = AssessmentResult.objects.get(run=published, org__code=code).indicators["YW2"]
        assert (row["missing"], row["points"], row["value"]) == (True, 0.0, None)
    row = AssessmentResult.objects.get(
        run__period="2026Q3", run__version=1, org__code=demo.NO_Q3_REVENUE
    ).indicators["YW1"]
    assert row["missing"] is True


def test_evaluators_scores_and_kpi_deliveries_have_who_and_when(loaded):
    counts = dict(ManualScore.objects.values_list("evaluator__username").annotate(n=Count("id")))
    assert counts == {"dangwei": 41, "admin": demo.ADMIN_SCORES}
    batches = list(
        KpiBatch.objects.order_by("pk").values_list("channel", "file_name", "created_by__username")
    )
    assert batches == [
        ("excel", "2026年前三季度业务指标.xlsx", "dangwei"),
        ("excel", "2026年度业务指标（1-10月）.xlsx", "dangwei"),
        ("form", "", "dangwei"),
        ("form", "", "dangwei"),
    ]  # the objection accepted


def test_version_two_moved_only_through_the_corrected_revenue(loaded):
    v1, v2 = AssessmentRun.objects.filter(scheme__code=demo.YEARLY).order_by("version")
    moved = [c for c in output.run_compare(v1, v2) if c["indicators"]]
    code, first, corrected = demo.CORRECTED
    assert [
        (c["org"], [(i["code"], i["value_before"], i["value_after"]) for i in c["indicators"]])
        for c in moved
    ] == [(code, [("YW1", first, corrected)])]


def test_the_demo_reads_well_party_building_and_business_move_together(loaded):
    from lianjian.accounts.models import User

    run = AssessmentRun.objects.get(is_published=True)
    rows = selectors.result_rows(run, User.objects.get(username="dangwei"))
    dx, dy = selectors.pick_axes(selectors.dimensions_of(run))
    assert (dx["code"], dy["code"]) == ("DJ", "YW")
    assert selectors.scatter(rows, dx, dy)["r"] > 0.3
    stars = {key: n for key, _, n in selectors.distribution(rows)}
    assert stars["veto"] == 1 and stars["5"] >= 1 and stars["3"] >= 5


def test_loading_again_changes_nothing(loaded):
    before = (AssessmentRun.objects.count(), KpiBatch.objects.count(), ManualScore.objects.count())
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "双维度考核" not in out.getvalue()
    assert (
        AssessmentRun.objects.count(),
        KpiBatch.objects.count(),
        ManualScore.objects.count(),
    ) == before
    assert demo.demo_assessment() == {"schemes": 0, "kpis": 0, "scores": 0, "runs": 0}


def test_the_values_are_deterministic(loaded):
    branches = list(
        Organisation.objects.filter(kind="党支部", code__startswith="BX-").order_by("path")
    )
    first = demo._kpis(branches, random.Random(2026))
    assert first == demo._kpis(branches, random.Random(2026))


def test_the_demo_shows_an_objection_answered_and_a_voided_version(loaded):
    from lianjian.assessment.models import Objection

    answered = list(
        Objection.objects.order_by("pk").values_list("org__code", "status", "raised_by__username")
    )
    assert answered == [("BX-ZB18", "accepted", "zhibu2"), ("BX-ZB18", "rejected", "zhibu2")]
    voided = AssessmentRun.objects.get(voided_at__isnull=False)
    assert (voided.scheme.code, voided.period, voided.is_published) == (
        "2026-SWD-Q",
        "2026Q3",
        False,
    )
