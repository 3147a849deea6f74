"""The scheme page's 重新计算自动积分 as a background task (docs/tasks.md): the click records a
job and queues it (nothing is recomputed in the request), the job page polls, then shows
the entries written and withdrawn; a retry or a second click applies nothing twice; only
the requester sees the job; a failure rolls the recompute back, shows its reason and may be
asked again."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.activities.models import Activity
from lianjian.core.models import AuditLog
from lianjian.points import services, tasks
from lianjian.points.models import EntryStatus, PointsEntry, RecomputeJob
from tests import matrix
from tests.points_helpers import YEAR, held_meeting, make_scheme

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def pts(world):
    world.scheme = make_scheme()
    held_meeting(world.zb_a, D(YEAR, 2, 10), present=[world.m_a1], absent=[world.m_a2])
    held_meeting(world.zb_b, D(YEAR, 2, 12), present=[world.m_b1])
    # the activities' own tasks wait for a commit that never comes here: the ledger is
    # empty, as for records those tasks missed (the repair the button is for)
    assert not PointsEntry.objects.exists()
    return world


def recompute_url() -> str:
    return reverse("points:scheme_recompute", args=["2026-JF"])


def page_url(job: RecomputeJob) -> str:
    return reverse("points:recompute_job", args=[job.pk])


def poll(client: Client, job: RecomputeJob):
    return client.get(page_url(job), {"poll": "1"}, HTTP_HX_REQUEST="true")


def active() -> int:
    return PointsEntry.objects.filter(status=EntryStatus.ACTIVE).count()


def test_the_click_queues_a_job_and_the_task_recomputes(
    pts, queued, django_capture_on_commit_callbacks
):
    client = matrix.client_for(pts, "company")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(recompute_url())
    job = RecomputeJob.objects.get()
    assert response.status_code == 302 and response["Location"] == page_url(job)
    assert [(r.task.name, list(r.args)) for r in queued.results] == [("recompute_task", [job.pk])]
    assert job.status == "排队" and active() == 0  # nothing recomputed in the request
    html = client.get(page_url(job)).content.decode()
    assert 'hx-trigger="every 2s"' in html and "后台正在重新计算" in html
    assert "HX-Redirect" not in poll(client, job)

    assert tasks.recompute_task.call(job.pk) == "完成"  # the worker
    assert active() == 3  # A1 for M-A1 and M-B1, C1 for M-A2's absence
    assert tasks.recompute_task.call(job.pk) == "skipped"  # a retry applies nothing
    assert active() == 3
    job.refresh_from_db()
    assert (job.status, job.written, job.withdrawn, job.errors) == ("完成", 3, 0, [])
    assert poll(client, job)["HX-Redirect"] == page_url(job)
    html = client.get(page_url(job)).content.decode()
    assert "已重新计算：新增自动积分 3 条，撤回 0 条" in html
    notes = list(
        AuditLog.objects.filter(target_type="points.recomputejob")
        .order_by("id")
        .values_list("actor__username", "note")
    )
    assert notes == [
        ("company", "发起重新计算自动积分：2026年党员积分办法"),
        (None, "自动积分重新计算完成：新增 3 条，撤回 0 条"),
    ]
    # the recompute itself is audited under the requester, as before
    assert AuditLog.objects.filter(
        target_type="points.pointsscheme", note="自动积分重新计算", actor=pts.company
    ).exists()


def test_a_second_click_while_queued_answers_the_same_job(
    pts, queued, django_capture_on_commit_callbacks
):
    client = matrix.client_for(pts, "company")
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(recompute_url())
        second = client.post(recompute_url())
    assert first["Location"] == second["Location"]
    job = RecomputeJob.objects.get()
    assert len(queued.results) == 1
    assert tasks.recompute_task.call(job.pk) == "完成"
    # finished: asking again is a new job, and the idempotent recompute changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        third = client.post(recompute_url())
    again = RecomputeJob.objects.exclude(pk=job.pk).get()
    assert third["Location"] == page_url(again)
    assert tasks.recompute_task.call(again.pk) == "完成"
    again.refresh_from_db()
    assert (again.written, again.withdrawn) == (0, 0) and active() == 3


def test_the_recompute_withdraws_what_went_away(pts):
    client = matrix.client_for(pts, "company")
    client.post(recompute_url())  # the immediate backend: the task runs at once
    assert active() == 3
    entry = PointsEntry.objects.get(member=pts.m_b1)
    Activity.objects.filter(pk=entry.attendance.activity_id).update(status="已退回")
    response = client.post(recompute_url())
    job = RecomputeJob.objects.order_by("-pk").first()
    assert response["Location"] == page_url(job)
    assert (job.status, job.written, job.withdrawn) == ("完成", 0, 1)
    assert "撤回 1 条" in client.get(page_url(job)).content.decode()


JOB_PAGE = {persona: 404 for persona in matrix.PERSONAS} | {"company": 200}


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_only_the_requester_sees_the_job(pts, queued, persona):
    job = tasks.recompute_job_start(actor=pts.company, scheme=pts.scheme)
    client = matrix.client_for(pts, persona)
    assert client.get(page_url(job)).status_code == JOB_PAGE[persona]
    assert poll(client, job).status_code == JOB_PAGE[persona]


def test_who_may_ask(pts, queued):
    assert matrix.client_for(pts, "manager_a").post(recompute_url()).status_code == 403
    assert matrix.client_for(pts, "member_a").post(recompute_url()).status_code == 403
    assert matrix.client_for(pts, "outsider").post(recompute_url()).status_code == 404
    assert not RecomputeJob.objects.exists() and len(queued.results) == 0
    assert matrix.client_for(pts, "company").get(recompute_url()).status_code == 405


def test_a_failure_is_rolled_back_shown_and_may_be_asked_again(pts, queued, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("connection reset")

    # the recompute fails after writing its entries: they are rolled back with it
    monkeypatch.setattr(services, "audit_record", broken)
    job = tasks.recompute_job_start(actor=pts.company, scheme=pts.scheme)
    assert tasks.recompute_task.call(job.pk) == "失败"
    assert active() == 0 and not PointsEntry.objects.exists()
    job.refresh_from_db()
    assert job.errors == [tasks.BROKE] and job.written is None
    client = matrix.client_for(pts, "company")
    html = client.get(page_url(job)).content.decode()
    assert "未能重新计算" in html and tasks.BROKE in html and "connection reset" not in html
    assert recompute_url() in html  # the button to ask again
    monkeypatch.undo()
    client.post(recompute_url())
    again = RecomputeJob.objects.exclude(pk=job.pk).get()
    assert tasks.recompute_task.call(again.pk) == "完成" and active() == 3


def test_a_requester_who_lost_the_right_gets_a_reason(pts, queued):
    job = tasks.recompute_job_start(actor=pts.company, scheme=pts.scheme)
    pts.company.org = pts.zb_b  # now manages a branch only, not the scheme's organisation
    pts.company.save()
    assert tasks.recompute_task.call(job.pk) == "失败"
    job.refresh_from_db()
    assert job.errors == [tasks.NO_RIGHT] and active() == 0
