"""Versions and periods (issue #18 point 2): a run's period is one of the scheme's and has
begun; a version is voided with a reason and leaves every history; drafts are for the
scheme's owners only; a published version says when its inputs changed since."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianjian.assessment import selectors, versions
from lianjian.assessment.models import AssessmentResult, AssessmentRun, StaleCheck
from lianjian.assessment.services import (
    STALE_CHECK_EVERY,
    assessment_run,
    kpi_set,
    run_publish,
    scheme_import,
)
from lianjian.assessment.stale import staleness
from lianjian.core.models import AuditLog
from tests.api_helpers import call
from tests.assessment_engine_helpers import example
from tests.excel_helpers import run as command

pytestmark = pytest.mark.django_db


def runs() -> list:
    return list(
        AssessmentRun.objects.order_by("pk").values_list(
            "period", "version", "is_published", "voided_at", "void_reason"
        )
    )


@pytest.fixture
def scheme(world):
    s = scheme_import(example(), actor=None)[0]
    kpi_set(None, org=world.zb_a, period="2025", indicator_code="YW1", value=100)
    kpi_set(None, org=world.zb_b, period="2025", indicator_code="YW1", value=80)
    return s


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- periods ------------------------------------------------------------------------------


def test_a_yearly_scheme_runs_for_its_own_year_only_on_every_edge(scheme, world):
    with pytest.raises(ValidationError) as exc:
        assessment_run(None, scheme, "2024")
    assert exc.value.message_dict == {
        "period": ["期间“2024”不是该方案的考核期间，该方案的考核期间为：2025"]
    }
    response = login(world.company).post(
        reverse("assessment:run_list", args=[scheme.code]), {"period": "2024"}
    )
    assert response.status_code == 200 and "不是该方案的考核期间" in response.content.decode()
    code, out, err = command("assess", "run", "--scheme", scheme.code, "--period", "2024")
    assert code != 0 and "不是该方案的考核期间" in err
    code, out, err = command("assess", "run", "--scheme", scheme.code, "--period", "2030")
    assert code != 0 and "期间“2030”尚未开始" in err
    assert runs() == []


def test_a_period_not_yet_begun_is_refused(world):
    scheme = scheme_import(example(code="LATER", period="2030"), actor=None)[0]
    with pytest.raises(ValidationError, match="期间“2030”尚未开始"):
        assessment_run(None, scheme, "2030")
    assert runs() == []


def test_a_quarterly_scheme_runs_for_the_quarters_of_its_year():
    from lianjian.assessment.models import Scheme
    from lianjian.assessment.services import scheme_periods

    assert scheme_periods(Scheme(period="2025Q1", period_kind="quarter")) == [
        "2025Q1",
        "2025Q2",
        "2025Q3",
        "2025Q4",
    ]
    assert scheme_periods(Scheme(period="2025", period_kind="year")) == ["2025"]


# --- voiding ------------------------------------------------------------------------------


def test_a_voided_version_is_kept_audited_and_leaves_every_history(scheme, world):
    run = assessment_run(None, scheme, "2025")
    run_publish(None, run)
    versions.run_void(actor=world.company, run=run, reason="目标值录入错误")
    assert runs() == [("2025", 1, False, run.__class__.objects.get().voided_at, "目标值录入错误")]
    log = AuditLog.objects.get(target_type="assessment.assessmentrun", note="作废：目标值录入错误")
    assert log.after["voided"] is True and log.before["is_published"] is True
    assert AssessmentResult.objects.filter(run=run).count() == 2  # never deleted
    for user in (world.company, world.manager_a, world.admin):
        assert selectors.trend(scheme, user)["rows"] == []
    assert call("get", "/assessment/results?scheme=2025-SWD", user=world.company)[0] == 404
    page = login(world.company).get(reverse("orgs:org_detail", args=["ZB-A"])).content.decode()
    assert f"/assessment/r/{run.pk}/" not in page
    assert (
        login(world.manager_a).get(reverse("assessment:run_results", args=[run.pk])).status_code
        == 404
    )
    owner_page = (
        login(world.company).get(reverse("assessment:run_results", args=[run.pk])).content.decode()
    )
    assert "本版本已作废" in owner_page and "目标值录入错误" in owner_page
    assert (
        login(world.company).get(reverse("assessment:run_export", args=[run.pk])).status_code == 404
    )


def test_voiding_needs_a_reason_and_the_owner(scheme, world):
    run = assessment_run(None, scheme, "2025")
    run_publish(None, run)
    before = runs()
    with pytest.raises(ValidationError, match="请填写作废原因"):
        versions.run_void(actor=world.company, run=run, reason="  ")
    response = login(world.manager_a).post(
        reverse("assessment:run_void", args=[run.pk]), {"reason": "不服"}
    )
    assert (
        response.status_code == 403
    )  # a branch manager sees the published version, does not manage it
    response = login(world.company).post(
        reverse("assessment:run_void", args=[run.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    assert runs() == before
    response = login(world.company).post(
        reverse("assessment:run_void", args=[run.pk]), {"reason": "期间有误"}
    )
    assert response.status_code == 302 and runs()[0][4] == "期间有误"


# --- drafts -------------------------------------------------------------------------------


def test_drafts_are_for_the_schemes_owners_only(scheme, world):
    draft = assessment_run(None, scheme, "2025")
    for user in (world.manager_a, world.member_a):
        client = login(user)
        for name, args in (
            ("run_results", [draft.pk]),
            ("result_detail", [draft.pk, "ZB-A"]),
            ("run_report", [draft.pk]),
            ("run_analysis", [draft.pk]),
        ):
            assert client.get(reverse(f"assessment:{name}", args=args)).status_code == 404, (
                user,
                name,
            )
        assert call("get", "/assessment/results?scheme=2025-SWD", user=user)[0] == 404
        assert selectors.trend(scheme, user)["rows"] == []
    assert (
        login(world.company).get(reverse("assessment:run_results", args=[draft.pk])).status_code
        == 200
    )
    run_publish(None, draft)
    assert (
        login(world.member_a).get(reverse("assessment:run_results", args=[draft.pk])).status_code
        == 200
    )
    newer = assessment_run(None, scheme, "2025")
    status, data = call("get", "/assessment/results?scheme=2025-SWD", user=world.manager_a)
    assert (status, data["version"]) == (200, 1)
    assert (
        call(
            "get",
            f"/assessment/results?scheme=2025-SWD&period=2025&version={newer.version}",
            user=world.manager_a,
        )[0]
        == 404
    )


# --- stale results ------------------------------------------------------------------------


def test_a_published_version_says_which_inputs_changed_and_the_owner_republishes(scheme, world):
    run = assessment_run(None, scheme, "2025")
    run_publish(None, run)
    assert staleness(run) == []
    page = (
        login(world.company).get(reverse("assessment:run_results", args=[run.pk])).content.decode()
    )
    assert "输入数据已有变化" not in page
    kpi_set(world.company, org=world.zb_b, period="2025", indicator_code="YW1", value=100)
    changes = staleness(run)
    assert [(c.code, [(i.code, i.old, i.new) for i in c.inputs]) for c in changes] == [
        ("ZB-B", [("YW1", 80.0, 100.0)])
    ]
    assert changes[0].new_total > changes[0].old_total
    # The screen shows the background check's stored reading; the one of the first view is
    # kept for STALE_CHECK_EVERY, so it is made older here and the next view checks again.
    StaleCheck.objects.filter(run=run).update(
        finished_at=timezone.now() - STALE_CHECK_EVERY - datetime.timedelta(seconds=1)
    )
    page = (
        login(world.company).get(reverse("assessment:run_results", args=[run.pk])).content.decode()
    )
    assert (
        "输入数据已有变化" in page and "运维检修党支部" in page and "80 → 100" in page
    )  # as the breakdown shows values
    response = login(world.company).post(reverse("assessment:run_republish", args=[run.pk]))
    fresh = AssessmentRun.objects.get(version=2)
    assert (
        response.status_code == 302
        and fresh.is_published
        and not AssessmentRun.objects.get(version=1).is_published
    )
    assert staleness(fresh) == []
