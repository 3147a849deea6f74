"""Word reports as background tasks (lianjian.core.jobs): the click queues the report, the
job page polls, then offers the kept file; a retry writes nothing twice; only the requester
sees the job, and the download checks again that the requester still sees the report's
object (404 otherwise)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.assessment import versions
from lianjian.core import jobs
from lianjian.core.models import AuditLog, ReportJob
from tests import matrix
from tests.assessment_screens_helpers import make_assessed
from tests.report_helpers import report_download, report_job
from tests.supervision_helpers import PERSONAS, make_ledger


@pytest.fixture(autouse=True)
def _data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the kept files of this test only


@pytest.fixture
def assessed(world):
    return make_assessed(world)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_url(job: ReportJob) -> str:
    return reverse("core:report_job", args=[job.pk])


def download_url(job: ReportJob) -> str:
    return reverse("core:report_job_download", args=[job.pk])


def poll(client: Client, job: ReportJob):
    return client.get(page_url(job), {"poll": "1"}, HTTP_HX_REQUEST="true")


def test_a_report_is_written_by_a_queued_task_while_its_page_polls(
    world, assessed, queued, django_capture_on_commit_callbacks
):
    client = login(world.company)
    url = reverse("assessment:run_report", args=[assessed.run2.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    job = ReportJob.objects.get()
    assert response["Location"] == page_url(job)
    assert [(r.task.name, list(r.args)) for r in queued.results] == [
        ("write_report_task", [job.pk])
    ]
    assert (job.status, job.kind, job.target) == ("排队", "assessment_run", str(assessed.run2.pk))
    assert not jobs.report_file(job).exists()  # nothing written in the request
    html = client.get(page_url(job)).content.decode()
    assert 'hx-trigger="every 2s"' in html and "后台正在生成报告" in html
    assert "HX-Redirect" not in poll(client, job)
    assert client.get(download_url(job)).status_code == 404  # not written yet

    assert jobs.write_report_task.call(job.pk) == "完成"  # the worker
    written = jobs.report_file(job).stat().st_mtime_ns
    assert jobs.write_report_task.call(job.pk) == "skipped"  # a retry writes nothing
    assert jobs.report_file(job).stat().st_mtime_ns == written
    assert poll(client, job)["HX-Redirect"] == page_url(job)
    html = client.get(page_url(job)).content.decode()
    assert "data-report-download" in html and "考核情况报告.docx" in html
    response = client.get(download_url(job))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content)[:2] == b"PK"  # a .docx (zip)
    notes = list(
        AuditLog.objects.filter(target_type="core.reportjob")
        .order_by("id")
        .values_list("actor_name", "note")
    )
    assert notes == [
        ("company", f"生成报告：{job.title}"),
        ("系统", f"报告生成完成：{job.title}"),
    ]


def test_a_double_click_queues_one_report(world, assessed, queued):
    client = login(world.company)
    url = reverse("assessment:run_report", args=[assessed.run2.pk])
    first, second = client.post(url), client.get(url)  # the old GET link answers the same
    assert first["Location"] == second["Location"]
    assert ReportJob.objects.count() == 1
    # another user's click is a job of their own
    login(world.manager_a).post(url)
    assert ReportJob.objects.count() == 2


def test_a_report_job_is_its_requesters_alone(world, assessed):
    client = login(world.company)
    job = report_job(client, reverse("assessment:run_report", args=[assessed.run2.pk]))
    assert client.get(download_url(job)).status_code == 200
    for someone in (world.admin, world.manager_a, world.member_a, world.outsider):
        other = login(someone)
        assert other.get(page_url(job)).status_code == 404, someone
        assert poll(other, job).status_code == 404
        assert other.get(download_url(job)).status_code == 404
    assert client.get(reverse("core:report_job", args=[job.pk + 1])).status_code == 404
    anonymous = Client().get(download_url(job))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_the_download_checks_the_scope_again(world, assessed):
    client = login(world.manager_a)
    job = report_job(client, reverse("assessment:run_report", args=[assessed.run2.pk]))
    assert client.get(download_url(job)).status_code == 200
    versions.run_void(actor=world.company, run=assessed.run2, reason="数据有误")
    # the kept file is no longer offered: the version is voided
    assert client.get(download_url(job)).status_code == 404
    assert "data-report-download" in client.get(page_url(job)).content.decode()


def test_an_object_gone_before_the_worker_ends_the_job_as_failed(world, assessed, queued):
    client = login(world.manager_a)
    client.post(reverse("assessment:run_report", args=[assessed.run2.pk]))
    job = ReportJob.objects.get()
    versions.run_void(actor=world.company, run=assessed.run2, reason="数据有误")
    assert jobs.write_report_task.call(job.pk) == "失败"
    job.refresh_from_db()
    assert job.errors == ["报告对象不存在或已无权查看"] and not jobs.report_file(job).exists()
    html = client.get(page_url(job)).content.decode()
    assert "未能生成报告" in html and "报告对象不存在或已无权查看" in html
    assert client.get(download_url(job)).status_code == 404


# who may ask for the supervision batch report (the batch's scope), and that each gets the
# report of the items they see
#                      admin company a    member b    outsider xuncha jijian shenji
BATCH_REPORT = [302, 302, 302, 404, 302, 404, 302, 404, 404]


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_batch_report_answers_by_scope(world, persona):
    ledger = make_ledger(world)
    url = reverse("supervision:batch_report", args=[ledger.batch.code])
    client = matrix.client_for(world, persona)
    expected = BATCH_REPORT[PERSONAS.index(persona)]
    assert client.post(url).status_code == expected
    assert ReportJob.objects.count() == (1 if expected == 302 else 0)
    if expected == 302:
        job = ReportJob.objects.get()
        assert (job.status, job.target) == ("完成", ledger.batch.code)
        assert client.get(download_url(job)).status_code == 200


def test_the_batch_report_downloads_from_its_job(world):
    ledger = make_ledger(world)
    doc = report_download(
        matrix.client_for(world, "xuncha"),
        reverse("supervision:batch_report", args=[ledger.batch.code]),
    )
    assert "整改情况报告" in "\n".join(p.text for p in doc.paragraphs)


def test_the_report_job_page_costs_the_same_for_any_report(
    world, assessed, django_assert_num_queries
):
    client = login(world.company)
    job = report_job(client, reverse("assessment:run_report", args=[assessed.run2.pk]))
    # session, user, the job, the scope's organisations, the run (for the back link) and
    # the unread count of the page's header
    with django_assert_num_queries(6):
        assert client.get(page_url(job)).status_code == 200
    # the poll: the same without the run (the context processors still read the header's)
    with django_assert_num_queries(5):
        assert poll(client, job).status_code == 200
