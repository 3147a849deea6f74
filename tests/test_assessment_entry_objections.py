"""The assessed cannot score themselves (issue #18 point 1): business KPI values are
entered by the scheme's owners or the indicator's data provider, never by the managers of
the organisation assessed — on the screen, the API and the Excel import alike; the
assessed object (申诉) and the owner answers; an evaluator never scores their own
organisation."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from lianjian.assessment import objections
from lianjian.assessment.models import Indicator, KpiBatch, KpiValue, ManualScore, Objection
from lianjian.assessment.services import (
    assessment_run,
    kpi_set,
    manual_score_set,
    run_publish,
    scheme_import,
)
from lianjian.core.models import AuditLog
from lianjian.notifications.models import Notification
from tests.api_helpers import call
from tests.assessment_engine_helpers import example, with_manual
from tests.test_pickers import pick

pytestmark = pytest.mark.django_db


def state() -> tuple:
    return (
        sorted(KpiValue.objects.values_list("org__code", "period", "indicator_code", "value")),
        KpiBatch.objects.count(),
        AuditLog.objects.count(),
        list(Objection.objects.values_list("status", "answer")),
        sorted(ManualScore.objects.values_list("org__code", "score")),
    )


@pytest.fixture
def scheme(world):
    s = scheme_import(example(), actor=None)[0]
    kpi_set(None, org=world.zb_a, period="2025", indicator_code="YW2", value=2)
    kpi_set(None, org=world.zb_b, period="2025", indicator_code="YW2", value=1)
    return s


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- entering values ----------------------------------------------------------------------


def test_a_branch_manager_cannot_reset_their_own_branchs_complaints_on_the_screen(scheme, world):
    before = state()
    response = login(world.manager_a).post(
        reverse("assessment:kpi_set"),
        {"org": "ZB-A", "period": "2025", "indicator_code": "YW2", "value": 0},
    )
    assert response.status_code == 403
    assert state() == before


def test_the_kpi_screen_offers_the_assessed_an_objection_instead_of_the_entry_form(scheme, world):
    page = login(world.manager_a).get(reverse("assessment:kpi_list")).content.decode()
    assert "录入单个数值" not in page and "objections/new/?kpi=" in page
    page = login(world.company).get(reverse("assessment:kpi_list")).content.decode()
    assert "录入单个数值" in page and "objections/new/?kpi=" not in page


def test_a_branch_manager_cannot_reset_the_veto_over_the_api(scheme, world):
    kpi_set(None, org=world.zb_a, period="2025", indicator_code="FJ1", value=1)
    before = state()
    status, data = call(
        "post",
        "/assessment/kpis",
        user=world.manager_a,
        body={"org": "ZB-A", "period": "2025", "indicator_code": "FJ1", "value": 0},
    )
    assert status == 403 and "营销服务党支部是被考核的组织" in data["detail"]
    assert state() == before


def test_the_excel_import_refuses_the_whole_file_when_one_row_is_the_importers_own(
    scheme, world, tmp_path
):
    from tests.test_assessment_excel import load

    before = state()
    result = load(tmp_path, [["ZB-A", "2025", "YW2", 0]], user=world.manager_a)
    assert result.errors == [
        "第2行 组织编码：营销服务党支部是被考核的组织：本组织的业务指标由考核方案的制定单位或该指标的"
        "数据提供部门录入，如有异议请提出申诉"
    ]
    assert state() == before


def test_the_schemes_owner_enters_values_of_the_branches_it_assesses(scheme, world):
    kpi = kpi_set(world.company, org=world.zb_a, period="2025", indicator_code="YW2", value=0)
    assert (kpi.value, kpi.batch.created_by) == (0.0, world.company)


def test_an_ancestor_manager_may_not_enter_the_value_of_their_own_organisation(world):
    scheme_import(example(code="DW-LEVEL", applies_to={"orgs": ["DW", "ZB-A"]}), actor=None)
    assert (
        kpi_set(world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=99).value
        == 99
    )
    before = state()
    with pytest.raises(PermissionDenied, match="本溪供电公司党委是被考核的组织"):
        kpi_set(world.company, org=world.dw, period="2025", indicator_code="YW1", value=100)
    assert state() == before


def test_a_data_provider_enters_its_indicator_only_and_never_for_itself(world):
    data = example()
    for ind in data["indicators"]:
        if ind["code"] == "YW1":
            ind["provider"] = "ZB-B"
    scheme_import(data, actor=None)
    assert Indicator.objects.get(code="YW1").provider == world.zb_b
    assert (
        kpi_set(
            world.manager_b, org=world.zb_a, period="2025", indicator_code="YW1", value=97
        ).value
        == 97
    )
    before = state()
    with pytest.raises(PermissionDenied, match="无权录入 营销服务党支部（ZB-A）的业务指标 YW2"):
        kpi_set(world.manager_b, org=world.zb_a, period="2025", indicator_code="YW2", value=0)
    with pytest.raises(PermissionDenied, match="运维检修党支部是被考核的组织"):
        kpi_set(world.manager_b, org=world.zb_b, period="2025", indicator_code="YW1", value=120)
    assert state() == before


def test_the_scheme_file_keeps_the_data_provider(world):
    from lianjian.assessment.scheme_file import scheme_to_dict

    data = example()
    data["indicators"][1]["provider"] = "ZB-B"
    scheme = scheme_import(data, actor=None)[0]
    code = data["indicators"][1]["code"]
    assert (
        next(i for i in scheme_to_dict(scheme)["indicators"] if i["code"] == code)["provider"]
        == "ZB-B"
    )


# --- evaluators ---------------------------------------------------------------------------


def test_an_evaluator_never_scores_their_own_organisation(world):
    scheme = scheme_import(with_manual(example(), ["company", "manager_a"]), actor=None)[0]
    review = scheme.indicators.get(code="DJ2")
    before = state()
    with pytest.raises(ValidationError) as exc:
        manual_score_set(world.manager_a, indicator=review, org=world.zb_a, period="2025", score=10)
    assert exc.value.messages == ["评议人不能为本人所在的组织（营销服务党支部）打分"]
    assert state() == before
    page = (
        login(world.manager_a)
        .get(reverse("assessment:review_score", args=[review.pk]))
        .content.decode()
    )
    assert "ZB-A" not in page


# --- objections ---------------------------------------------------------------------------


def test_the_assessed_object_and_the_owner_accepts_with_a_corrected_value(scheme, world):
    kpi = KpiValue.objects.get(org=world.zb_a, indicator_code="YW2")
    objection = objections.objection_raise(
        actor=world.manager_a, kpi=kpi, reason="其中 1 起投诉不属本支部"
    )
    assert (objection.status, objection.value, objection.scheme, objection.org) == (
        "open",
        2.0,
        scheme,
        world.zb_a,
    )
    task = Notification.objects.get(
        user=world.company, key=f"assessment:objection:{objection.pk}:answer"
    )
    assert task.done_at is None and task.link == f"/assessment/objections/{objection.pk}/"
    objections.objection_answer(
        actor=world.company, objection=objection, accept=True, corrected_value=1, answer="核实属实"
    )
    kpi.refresh_from_db()
    objection.refresh_from_db()
    assert (kpi.value, kpi.batch.channel, kpi.batch.created_by) == (1.0, "form", world.company)
    assert (objection.status, objection.corrected_value, objection.answered_by) == (
        "accepted",
        1.0,
        world.company,
    )
    assert AuditLog.objects.filter(
        target_type="assessment.kpivalue",
        target_id="ZB-A/2025/YW2",
        action="update",
        before={"value": 2.0},
    ).exists()
    assert AuditLog.objects.filter(target_type="assessment.objection", action="update").count() == 1
    task.refresh_from_db()
    assert task.done_at is not None
    assert Notification.objects.filter(
        user=world.manager_a, key=f"assessment:objection:{objection.pk}:answered"
    ).exists()


def test_a_rejection_needs_a_reason_and_the_assessed_cannot_answer(scheme, world):
    kpi = KpiValue.objects.get(org=world.zb_a, indicator_code="YW2")
    objection = objections.objection_raise(actor=world.manager_a, kpi=kpi, reason="数值有误")
    before = state()
    with pytest.raises(PermissionDenied):
        objections.objection_answer(
            actor=world.manager_a, objection=objection, accept=True, corrected_value=0, answer=""
        )
    with pytest.raises(ValidationError, match="请填写不予采纳的理由"):
        objections.objection_answer(
            actor=world.company, objection=objection, accept=False, answer=" "
        )
    assert state() == before
    objections.objection_answer(
        actor=world.company, objection=objection, accept=False, answer="数据来自营销系统"
    )
    assert Objection.objects.get().status == "rejected"


def test_the_owner_side_does_not_object_and_a_draft_result_cannot_be_objected_to(scheme, world):
    kpi = KpiValue.objects.get(org=world.zb_a, indicator_code="YW2")
    with pytest.raises(PermissionDenied):
        objections.objection_raise(actor=world.company, kpi=kpi, reason="x")
    run = assessment_run(None, scheme, "2025")
    result = run.results.get(org=world.zb_a)
    with pytest.raises(PermissionDenied):  # a draft is not the branch's to see
        objections.objection_raise(actor=world.manager_a, result=result, reason="x")
    run_publish(None, run)
    objection = objections.objection_raise(
        actor=world.manager_a, result=result, reason="组织生活完成率应为满分"
    )
    assert objection.subject == "考核结果（2025）"


def test_objections_over_the_api_and_on_the_screens(scheme, world):
    status, data = call(
        "post",
        "/assessment/objections",
        user=world.manager_a,
        body={"org": "ZB-A", "period": "2025", "indicator_code": "YW2", "reason": "重复统计"},
    )
    assert status == 200 and (data["status"], data["value"], data["org"]) == ("open", 2.0, "ZB-A")
    pk = data["id"]
    assert (
        call(
            "post",
            "/assessment/objections",
            user=world.manager_b,
            body={"org": "ZB-A", "period": "2025", "indicator_code": "YW2", "reason": "x"},
        )[0]
        == 404
    )
    before = state()
    assert (
        call(
            "post",
            f"/assessment/objections/{pk}/answer",
            user=world.manager_a,
            body={"accept": True, "corrected_value": 0},
        )[0]
        == 403
    )
    assert (
        call(
            "post",
            f"/assessment/objections/{pk}/answer",
            user=world.manager_b,
            body={"accept": True, "corrected_value": 0},
        )[0]
        == 404
    )
    assert state() == before
    status, data = call("get", "/assessment/objections?side=answer", user=world.company)
    assert status == 200 and [o["id"] for o in data["items"]] == [pk]
    page = (
        login(world.company).get(reverse("assessment:objection_detail", args=[pk])).content.decode()
    )
    assert "答复申诉" in page and "重复统计" in page
    assert (
        login(world.manager_b).get(reverse("assessment:objection_detail", args=[pk])).status_code
        == 404
    )
    response = login(world.company).post(
        reverse("assessment:objection_detail", args=[pk]),
        {"decision": "accept", "corrected_value": "1", "answer": "已核实"},
    )
    assert response.status_code == 302
    assert KpiValue.objects.get(org=world.zb_a, indicator_code="YW2").value == 1.0
    status, data = call("get", "/assessment/objections", user=world.manager_a)
    assert [(o["status"], o["corrected_value"]) for o in data["items"]] == [("accepted", 1.0)]


def test_the_kpi_form_picks_among_the_organisations_whose_values_the_user_may_enter(scheme, world):
    company = login(world.company)
    page = company.get(reverse("assessment:kpi_list")).content.decode()
    assert 'data-picker-source="assessment.kpi_orgs"' in page or "assessment.kpi_orgs" in page
    offered = set(pick(company, "assessment.kpi_orgs", "ZB"))
    assert {"ZB-A", "ZB-B"} <= offered
    assert "DW" not in set(pick(company, "assessment.kpi_orgs", "DW"))  # never one's own
    # The assessed are offered nothing, not even their own branch by its exact code.
    assert pick(login(world.manager_a), "assessment.kpi_orgs", "ZB-A") == []
