"""Excel imports of the screens as background tasks (lianjian.core.jobs): the queued flow
with its polling page, the uploader-only job page, and a confirm or a task run twice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianjian.core import jobs
from lianjian.core.models import AuditLog, ImportJob
from lianjian.orgs.models import Organisation
from tests.excel_helpers import make_xlsx

IMPORT_URL = reverse("orgs:import_start")
CONFIRM_URL = reverse("orgs:import_confirm")
ROWS = [["XZ-A2", "营销二组", "党小组", "ZB-A"]]
HEADERS = ["组织编码", "组织名称", "组织类型", "上级组织编码"]


@pytest.fixture(autouse=True)
def data_dir(tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def enqueued(backend) -> list[tuple[str, list]]:
    return [(r.task.name, list(r.args)) for r in backend.results]


def upload(client, tmp_path, rows=ROWS):
    path = make_xlsx(tmp_path / "o.xlsx", HEADERS, rows)
    with path.open("rb") as handle:
        return client.post(IMPORT_URL, {"kind": "orgs", "file": handle})


def poll(client, job):
    return client.get(
        reverse("orgs:import_job", args=[job.pk]), {"poll": "1"}, HTTP_HX_REQUEST="true"
    )


def test_an_upload_is_validated_and_imported_by_queued_tasks_while_the_page_polls(
    client, world, tmp_path, queued, django_capture_on_commit_callbacks
):
    client.force_login(world.manager_a)
    with django_capture_on_commit_callbacks(execute=True):
        posted = upload(client, tmp_path)
    job = ImportJob.objects.get()
    # The upload answers with a redirect to the job's own page, which polls (a reload of
    # the page must never post the file again).
    assert posted["Location"] == reverse("orgs:import_job", args=[job.pk])
    page = client.get(posted["Location"])
    assert (job.status, job.created_by, job.kind, job.file_name) == (
        "校验中",
        world.manager_a,
        "orgs",
        "o.xlsx",
    )
    assert enqueued(queued) == [("validate_import", [job.pk])]
    html = page.content.decode()
    assert page.status_code == 200
    assert 'hx-trigger="every 2s"' in html and "后台正在校验文件" in html
    assert 'name="token"' not in html
    waiting = poll(client, job)
    assert "HX-Redirect" not in waiting and "后台正在校验文件" in waiting.content.decode()

    assert jobs.validate_import.call(job.pk) == "待确认"  # the worker
    assert poll(client, job)["HX-Redirect"] == reverse("orgs:import_job", args=[job.pk])
    preview = client.get(reverse("orgs:import_job", args=[job.pk]))
    assert preview.context["result"].created == 1
    assert 'hx-trigger="every 2s"' not in preview.content.decode()
    assert not Organisation.objects.filter(code="XZ-A2").exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(CONFIRM_URL, {"token": job.token})
    assert done["Location"] == reverse("orgs:import_job", args=[job.pk])
    assert enqueued(queued)[-1] == ("run_import", [job.pk])
    job.refresh_from_db()
    assert job.status == "导入中"
    assert not Organisation.objects.filter(code="XZ-A2").exists()
    assert "后台正在导入" in client.get(done["Location"]).content.decode()

    assert jobs.run_import.call(job.pk) == "已导入"
    # A retry of either task (or a second worker) finds the job past its step: nothing twice.
    assert jobs.run_import.call(job.pk) == "skipped"
    assert jobs.validate_import.call(job.pk) == "skipped"
    assert Organisation.objects.filter(code="XZ-A2").count() == 1
    assert AuditLog.objects.filter(action="import").count() == 1
    result = client.get(done["Location"])
    assert result.status_code == 200 and "导入完成，已写入" in result.content.decode()
    job.refresh_from_db()
    assert job.finished_at is not None and job.confirmed_at is not None
    assert not jobs.job_file(job).exists()
    notes = list(
        AuditLog.objects.filter(target_type="core.importjob")
        .order_by("id")
        .values_list("actor_name", "note")
    )
    assert notes == [
        ("manager_a", "上传导入文件：o.xlsx"),
        ("系统", "导入文件校验完成：待确认"),
        ("manager_a", "确认导入：o.xlsx"),
        ("系统", "导入任务结束：已导入"),
    ]


def test_confirming_twice_queues_one_import(
    client, world, tmp_path, queued, django_capture_on_commit_callbacks
):
    client.force_login(world.company)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, tmp_path)
    job = ImportJob.objects.get()
    jobs.validate_import.call(job.pk)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(CONFIRM_URL, {"token": job.token})
        second = client.post(CONFIRM_URL, {"token": job.token}, follow=True)
    assert first.status_code == 302
    assert [str(m) for m in second.context["messages"]] == [
        "该文件已提交导入，请勿重复提交；如需再次导入，请重新上传"
    ]
    assert [name for name, _ in enqueued(queued)] == ["validate_import", "run_import"]


def test_a_job_page_is_its_uploaders_alone(client, world, tmp_path):
    client.force_login(world.manager_a)
    upload(client, tmp_path)
    job = ImportJob.objects.get()
    url = reverse("orgs:import_job", args=[job.pk])
    assert client.get(url).status_code == 200
    for someone in (world.admin, world.company, world.manager_b, world.outsider):
        client.force_login(someone)
        assert client.get(url).status_code == 404, someone
        assert poll(client, job).status_code == 404
        refused = client.post(CONFIRM_URL, {"token": job.token}, follow=True)
        assert [str(m) for m in refused.context["messages"]] == ["导入文件已失效，请重新上传"]
    client.force_login(world.member_a)
    assert client.get(url).status_code == 404
    assert client.get(reverse("orgs:import_job", args=[job.pk + 100])).status_code == 404
    assert ImportJob.objects.get().status == "待确认"
    assert not Organisation.objects.filter(code="XZ-A2").exists()


def test_a_file_with_errors_keeps_every_error_and_cannot_be_confirmed(client, world, tmp_path):
    client.force_login(world.manager_a)
    page = upload(
        client, tmp_path, rows=[["ZB-B", "改名", "党支部", "DW"], ["", "无编码", "党小组", "ZB-A"]]
    )
    job = ImportJob.objects.get()
    assert page.status_code == 400
    assert job.status == "有错误" and len(job.errors) >= 2
    assert page.context["result"].errors == job.errors
    assert not jobs.job_file(job).exists()
    refused = client.post(CONFIRM_URL, {"token": job.token}, follow=True)
    assert [str(m) for m in refused.context["messages"]] == ["导入文件已失效，请重新上传"]
    assert jobs.run_import.call(job.pk) == "skipped"


def test_the_screen_bound_grew_now_that_tasks_do_the_work_but_stays_a_bound():
    from django.conf import settings

    from lianjian.core.excel import ReadLimits

    assert ReadLimits.screen().max_rows == 200_000 < settings.IMPORT_MAX_ROWS


def test_an_upload_left_unconfirmed_for_a_day_is_cleaned_and_its_confirm_fails_cleanly(
    client, world, tmp_path
):
    import os
    import time

    client.force_login(world.manager_a)
    upload(client, tmp_path)
    job = ImportJob.objects.get()
    old = time.time() - jobs.STALE_SECONDS - 60
    os.utime(jobs.job_file(job), (old, old))
    upload(client, tmp_path)  # the next upload cleans the folder
    assert not jobs.job_file(job).exists()
    client.post(CONFIRM_URL, {"token": job.token})
    job.refresh_from_db()
    assert (job.status, job.errors) == ("导入失败", ["导入文件已失效，请重新上传"])
    assert not Organisation.objects.filter(code="XZ-A2").exists()
