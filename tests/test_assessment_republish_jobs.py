"""重新计算并发布 as a background task (a ``RunJob`` with ``republish_of``): the click queues
it, the job page polls, then the new version is published; a double click, a second tab or a
retry publishes once; only the asker sees the job."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from lianjian.assessment import versions
from lianjian.assessment.models import AssessmentRun, RunJob
from lianjian.assessment.services import kpi_set, run_republish_job_create
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


def republish(client: Client, run: AssessmentRun):
    return client.post(reverse("assessment:run_republish", args=[run.pk]))


def published() -> list[int]:
    return list(AssessmentRun.objects.filter(is_published=True).values_list("version", flat=True))


def test_a_republish_is_queued_then_published_once(
    world, assessed, queued, django_capture_on_commit_callbacks
):
    kpi_set(world.company, org=world.zb_b, period="2025", indicator_code="YW1", value=100)
    client = login(world.company)
    with django_capture_on_commit_callbacks(execute=True):
        response = republish(client, assessed.run2)
    job = RunJob.objects.get()
    assert response["Location"] == reverse("assessment:run_job", args=[job.pk])
    assert (job.status, job.republish_of, job.period) == ("排队", assessed.run2, "2025")
    assert [(r.task.name, list(r.args)) for r in queued.results] == [
        ("assessment_run_task", [job.pk])
    ]
    assert AssessmentRun.objects.count() == 2 and published() == [2]  # nothing in the request
    # a double click / a second tab answers the same job
    assert republish(client, assessed.run2)["Location"] == response["Location"]
    assert RunJob.objects.count() == 1
    html = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in html

    assert run_services.assessment_run_task.call(job.pk) == "完成"  # the worker
    assert run_services.assessment_run_task.call(job.pk) == "skipped"  # a retry
    assert AssessmentRun.objects.count() == 3 and published() == [3]
    fresh = AssessmentRun.objects.get(version=3)
    assert fresh.note == "输入数据变化后重新计算（原第 2 版）"
    done = client.get(response["Location"], follow=True)
    assert done.redirect_chain == [(reverse("assessment:run_results", args=[fresh.pk]), 302)]
    assert "已按当前数据重新计算并发布2025年第 3 版" in done.content.decode()
    # asking again after it is done answers the done job: still one new version
    assert republish(client, assessed.run2)["Location"] == response["Location"]
    assert AssessmentRun.objects.count() == 3 and RunJob.objects.count() == 1
    notes = list(
        AuditLog.objects.filter(target_type="assessment.runjob")
        .order_by("id")
        .values_list("actor_name", "note")
    )
    assert notes == [("company", "发起重新计算并发布：原第 2 版"), ("系统", "重新计算并发布完成")]


def test_another_manager_is_told_of_the_waiting_or_done_job(world, assessed, queued):
    republish(login(world.company), assessed.run2)
    job = RunJob.objects.get()
    response = login(world.admin).post(
        reverse("assessment:run_republish", args=[assessed.run2.pk]), follow=True
    )
    assert "该版本正在重新计算，请稍后查看" in response.content.decode()
    assert RunJob.objects.count() == 1
    run_services.assessment_run_task.call(job.pk)
    with pytest.raises(ValidationError, match="已重新计算并发布为第 3 版"):
        run_republish_job_create(actor=world.admin, run=assessed.run2)
    assert RunJob.objects.count() == 1 and published() == [3]


def test_a_failed_republish_publishes_nothing_and_may_be_asked_again(world, assessed, monkeypatch):
    def refuse(*args, **kwargs):
        raise ValidationError(["方案有误：甲"])

    monkeypatch.setattr(run_services, "assessment_run", refuse)
    client = login(world.company)
    response = republish(client, assessed.run2)
    job = RunJob.objects.get()
    assert (job.status, job.errors, job.run) == ("失败", ["方案有误：甲"], None)
    assert published() == [2] and AssessmentRun.objects.count() == 2
    assert "方案有误：甲" in client.get(response["Location"]).content.decode()
    monkeypatch.undo()
    republish(client, assessed.run2)
    assert RunJob.objects.count() == 2 and published() == [3]


def test_a_voided_version_is_not_republished(world, assessed):
    versions.run_void(actor=world.company, run=assessed.run2, reason="数据有误")
    assert republish(login(world.company), assessed.run2).status_code == 404
    with pytest.raises(ValidationError, match="已作废"):
        run_republish_job_create(actor=world.company, run=assessed.run2)
    assert RunJob.objects.count() == 0


def test_a_republish_job_is_its_askers_alone_and_only_owners_ask(world, assessed, queued):
    for someone, status in ((world.manager_a, 403), (world.member_a, 403), (world.outsider, 404)):
        assert republish(login(someone), assessed.run2).status_code == status, someone
    assert RunJob.objects.count() == 0
    republish(login(world.company), assessed.run2)
    job = RunJob.objects.get()
    url = reverse("assessment:run_job", args=[job.pk])
    for someone in (world.admin, world.manager_a, world.member_a, world.outsider):
        assert login(someone).get(url).status_code == 404, someone
