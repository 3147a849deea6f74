"""Assessment runs of the screen as background tasks: queued → the job page polls → the
new version; a retry never stores a second version; only the asker sees the job."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from lianjian.assessment.models import AssessmentRun, RunJob
from lianjian.assessment.services import runs as run_services
from lianjian.core.models import AuditLog
from tests.assessment_screens_helpers import make_assessed


@pytest.fixture
def assessed(world):
    return make_assessed(world)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def poll(client, job):
    return client.get(
        reverse("assessment:run_job", args=[job.pk]), {"poll": "1"}, HTTP_HX_REQUEST="true"
    )


def test_a_run_is_computed_by_a_queued_task_while_its_page_polls(
    world, assessed, queued, django_capture_on_commit_callbacks
):
    client = login(world.company)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessment:run_list", args=[assessed.scheme.code]),
            {"period": "2025", "note": "第三次"},
        )
    job = RunJob.objects.get()
    assert response["Location"] == reverse("assessment:run_job", args=[job.pk])
    assert [(r.task.name, list(r.args)) for r in queued.results] == [
        ("assessment_run_task", [job.pk])
    ]
    assert AssessmentRun.objects.count() == 2  # nothing computed in the request
    page = client.get(response["Location"])
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert "HX-Redirect" not in poll(client, job)

    assert run_services.assessment_run_task.call(job.pk) == "完成"  # the worker
    assert run_services.assessment_run_task.call(job.pk) == "skipped"  # a retry
    run = AssessmentRun.objects.get(scheme=assessed.scheme, version=3)
    assert AssessmentRun.objects.count() == 3
    assert (run.note, run.org_count) == ("第三次", 2)
    assert poll(client, job)["HX-Redirect"] == reverse("assessment:run_job", args=[job.pk])
    done = client.get(response["Location"], follow=True)
    assert done.redirect_chain == [(reverse("assessment:run_results", args=[run.pk]), 302)]
    assert "已计算2025年第 3 版" in done.content.decode()
    notes = list(
        AuditLog.objects.filter(target_type="assessment.runjob")
        .order_by("id")
        .values_list("actor_name", "note")
    )
    assert notes == [
        ("company", f"发起考核计算：{assessed.scheme.name} 2025"),
        ("系统", "考核计算完成"),
    ]


def test_a_refused_run_keeps_every_reason_and_stores_no_version(world, assessed, monkeypatch):
    def refuse(*args, **kwargs):
        raise ValidationError(["方案有误：甲", "方案有误：乙"])

    monkeypatch.setattr(run_services, "assessment_run", refuse)
    client = login(world.company)
    response = client.post(
        reverse("assessment:run_list", args=[assessed.scheme.code]), {"period": "2025"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "方案有误：甲" in html and "方案有误：乙" in html
    job = RunJob.objects.get()
    assert (job.status, job.errors) == ("失败", ["方案有误：甲", "方案有误：乙"])
    assert AssessmentRun.objects.count() == 2
    page = client.get(reverse("assessment:run_job", args=[job.pk]))
    assert "未能计算" in page.content.decode() and "方案有误：乙" in page.content.decode()


def test_a_run_job_is_its_askers_alone(world, assessed, queued):
    login(world.company).post(
        reverse("assessment:run_list", args=[assessed.scheme.code]), {"period": "2025"}
    )
    job = RunJob.objects.get()
    url = reverse("assessment:run_job", args=[job.pk])
    assert login(world.company).get(url).status_code == 200
    for someone in (world.admin, world.manager_a, world.member_a, world.outsider):
        assert login(someone).get(url).status_code == 404, someone
        assert poll(login(someone), job).status_code == 404
    assert (
        login(world.company).get(reverse("assessment:run_job", args=[job.pk + 1])).status_code
        == 404
    )
