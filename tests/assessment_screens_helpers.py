"""Data for the assessment screen tests: the assessment.md example scheme on the ``world``
tree (owned by DW, applied to its 党支部 ZB-A and ZB-B) with KPIs, evaluator scores and two
runs of 2025 (version 2 published), plus a scheme of the other company DW2."""

from __future__ import annotations

from dataclasses import dataclass

from lianjian.assessment import services
from lianjian.assessment.models import AssessmentResult, AssessmentRun, Indicator, KpiValue, Scheme
from tests.assessment_engine_helpers import example, with_manual


@dataclass
class Assessed:
    scheme: Scheme
    other: Scheme
    review: Indicator
    run1: AssessmentRun
    run2: AssessmentRun
    result_a: AssessmentResult
    result_b: AssessmentResult
    batch_a: int
    batch_b: int


def make_assessed(world) -> Assessed:
    """ZB-A: all KPIs, scored 9 by company; ZB-B: a veto (FJ1 = 1), scored 7 by company and
    5 by admin. Run 1, then ZB-A's 营收完成率 is corrected (80 → 95) and run 2 is published."""
    scheme, _ = services.scheme_import(
        with_manual(example(), ["company", "admin"], top=10), actor=None
    )
    review = Indicator.objects.get(scheme=scheme, code="DJ2")
    for org, values in (
        (world.zb_a, {"YW1": 80, "YW2": 1, "LJ2": 2, "FJ1": 0}),
        (world.zb_b, {"YW1": 102, "YW2": 0, "LJ2": 3, "FJ1": 1}),
    ):
        rows = [services.KpiRow(org, "2025", code, float(v)) for code, v in values.items()]
        services.kpi_write(None, rows, channel="excel", file_name=f"{org.code}.xlsx")
    services.manual_score_set(
        world.company, indicator=review, org=world.zb_a, period="2025", score=9
    )
    services.manual_score_set(
        world.company, indicator=review, org=world.zb_b, period="2025", score=7
    )
    services.manual_score_set(world.admin, indicator=review, org=world.zb_b, period="2025", score=5)
    run1 = services.assessment_run(None, scheme, "2025", note="初算")
    services.kpi_set(world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=95)
    run2 = services.assessment_run(None, scheme, "2025", note="更正后")
    services.run_publish(None, run2)
    other, _ = services.scheme_import(
        example(code="DW2-SWD", name="另一公司考核", owner="DW2"), actor=None
    )
    batch = dict(KpiValue.objects.filter(indicator_code="YW2").values_list("org__code", "batch_id"))
    return Assessed(
        scheme=scheme,
        other=other,
        review=review,
        run1=AssessmentRun.objects.get(pk=run1.pk),
        run2=AssessmentRun.objects.get(pk=run2.pk),
        result_a=AssessmentResult.objects.get(run=run2, org=world.zb_a),
        result_b=AssessmentResult.objects.get(run=run2, org=world.zb_b),
        batch_a=batch["ZB-A"],
        batch_b=batch["ZB-B"],
    )
