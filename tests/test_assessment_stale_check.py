"""The results screen's "inputs changed" check as a background task (#15 items 2–3): a full
view of the version that counts only asks for a check (queued after commit) and shows the
latest stored one; the task collects and stores the changes; the notice polls while a check
waits; a retry changes nothing; only the scheme's owners see the check."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianjian.assessment import sources, versions
from lianjian.assessment.models import StaleCheck
from lianjian.assessment.services import STALE_CHECK_EVERY, kpi_set, stale_check_task
from lianjian.assessment.services import stale_checks as checks
from lianjian.assessment.stale import changes_from_json, changes_to_json, staleness
from lianjian.core.audit import target_type
from lianjian.core.models import AuditLog
from tests.assessment_screens_helpers import make_assessed

pytestmark = pytest.mark.django_db

TARGET = target_type(StaleCheck)


@pytest.fixture
def assessed(world):
    return make_assessed(world)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, run) -> str:
    response = client.get(reverse("assessment:run_results", args=[run.pk]))
    assert response.status_code == 200
    return response.content.decode()


def fragment_url(run) -> str:
    return reverse("assessment:run_stale", args=[run.pk])


def no_collecting(*args, **kwargs):
    raise AssertionError("a web request collected the sources")


def age(check: StaleCheck, by: datetime.timedelta) -> None:
    StaleCheck.objects.filter(pk=check.pk).update(
        finished_at=timezone.now() - by, created_at=timezone.now() - by
    )


def test_the_page_only_queues_the_check_and_the_task_stores_the_changes(
    world, assessed, queued, monkeypatch, django_capture_on_commit_callbacks
):
    run = assessed.run2
    kpi_set(world.company, org=world.zb_b, period="2025", indicator_code="YW1", value=90)
    client = login(world.company)
    with monkeypatch.context() as patched:
        patched.setattr(sources, "collect", no_collecting)
        with django_capture_on_commit_callbacks(execute=True):
            html = page(client, run)
        check = StaleCheck.objects.get()
        assert (check.run, check.status, check.created_by) == (run, "排队", world.company)
        assert [(r.task.name, list(r.args)) for r in queued.results] == [
            ("stale_check_task", [check.pk])
        ]
        assert f'hx-get="{fragment_url(run)}"' in html and 'hx-trigger="every 2s"' in html
        assert "正在后台核对输入数据是否有变化" in html and "输入数据已有变化" not in html
        # a second view (another tab, a refresh) while it waits asks for nothing more
        page(client, run)
        fragment = client.get(fragment_url(run), HTTP_HX_REQUEST="true").content.decode()
        assert 'hx-trigger="every 2s"' in fragment
        assert StaleCheck.objects.count() == 1 and len(queued.results) == 1

    assert stale_check_task.call(check.pk) == "完成"  # the task process
    check.refresh_from_db()
    assert check.status == "完成" and check.started_at and check.finished_at
    assert check.changes == changes_to_json(staleness(run))
    stored = changes_from_json(check.changes)
    assert [(c.code, [(i.code, i.old, i.new) for i in c.inputs]) for c in stored] == [
        ("ZB-B", [("YW1", 102.0, 90.0)])
    ]
    audited = AuditLog.objects.filter(target_type=TARGET).count()
    # a retry (or a second worker) changes nothing
    assert stale_check_task.call(check.pk) == "skipped"
    check.refresh_from_db()
    assert check.changes == changes_to_json(stored)
    assert AuditLog.objects.filter(target_type=TARGET).count() == audited

    with monkeypatch.context() as patched:
        patched.setattr(sources, "collect", no_collecting)
        fragment = client.get(fragment_url(run), HTTP_HX_REQUEST="true").content.decode()
        assert "hx-trigger" not in fragment  # done: the polling stops
        assert "输入数据已有变化" in fragment and "核对于" in fragment
        html = page(client, run)
    assert "输入数据已有变化" in html and "102 → 90" in html and "核对于" in html
    assert f'action="{reverse("assessment:run_republish", args=[run.pk])}"' in html
    assert "正在后台核对" not in html
    assert StaleCheck.objects.count() == 1  # a fresh reading is shown as it is


def test_an_older_reading_is_shown_while_a_new_check_waits(world, assessed, queued):
    run = assessed.run2
    kpi_set(world.company, org=world.zb_b, period="2025", indicator_code="YW1", value=90)
    client = login(world.company)
    page(client, run)
    first = StaleCheck.objects.get()
    stale_check_task.call(first.pk)
    age(first, STALE_CHECK_EVERY + datetime.timedelta(seconds=1))
    html = page(client, run)
    second = StaleCheck.objects.exclude(pk=first.pk).get()
    assert second.status == "排队"
    assert "输入数据已有变化" in html and "正在后台核对输入数据是否有变化" in html
    assert 'hx-trigger="every 2s"' in html
    # the inputs are put back meanwhile: the new reading has no change and the notice goes
    kpi_set(world.company, org=world.zb_b, period="2025", indicator_code="YW1", value=102)
    stale_check_task.call(second.pk)
    fragment = login(world.company).get(fragment_url(run)).content.decode()
    assert "输入数据已有变化" not in fragment and "hx-trigger" not in fragment
    assert "输入数据已有变化" not in page(client, run)


def test_only_the_owners_of_the_counting_version_see_or_ask_for_a_check(world, assessed, queued):
    run = assessed.run2
    for someone in (world.manager_a, world.member_a):
        page(login(someone), run)
    assert StaleCheck.objects.count() == 0  # a reader asks for nothing
    for someone in (world.manager_a, world.member_a, world.outsider):
        assert login(someone).get(fragment_url(run)).status_code == 404, someone
    # the superseded draft before the published version is not checked either
    assert login(world.company).get(fragment_url(assessed.run1)).status_code == 404
    page(login(world.company), assessed.run1)
    assert StaleCheck.objects.count() == 0
    # the results table alone (htmx filter, sort, next page) asks for nothing
    login(world.company).get(
        reverse("assessment:run_results", args=[run.pk]), HTTP_HX_REQUEST="true"
    )
    assert StaleCheck.objects.count() == 0
    assert login(world.company).get(fragment_url(run)).status_code == 200
    versions.run_void(actor=world.company, run=run, reason="数据有误")
    assert login(world.company).get(fragment_url(run)).status_code == 404
    page(login(world.company), run)
    assert StaleCheck.objects.count() == 0


def test_a_failed_or_lost_check_keeps_nothing_and_is_asked_for_again(
    world, assessed, queued, monkeypatch
):
    run = assessed.run2
    client = login(world.company)
    page(client, run)
    check = StaleCheck.objects.get()
    with monkeypatch.context() as patched:
        patched.setattr(checks, "staleness", lambda run: 1 / 0)
        assert stale_check_task.call(check.pk) == "失败"
    check.refresh_from_db()
    assert (check.status, check.changes, check.error) == (
        "失败",
        [],
        "核对未完成：ZeroDivisionError",
    )
    # a failed check is not a reading: the next view asks again
    page(client, run)
    waiting = StaleCheck.objects.get(status="排队")
    # a check nobody worked (no task process) is replaced after STALE_CHECK_LOST
    age(waiting, checks.STALE_CHECK_LOST)
    html = page(client, run)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.error) == ("失败", checks.LOST_REASON)
    assert StaleCheck.objects.filter(status="排队").count() == 1
    assert "正在后台核对" in html


def test_with_the_immediate_backend_the_first_view_shows_the_reading(world, assessed):
    kpi_set(world.company, org=world.zb_a, period="2025", indicator_code="YW1", value=60)
    html = page(login(world.company), assessed.run2)
    assert "输入数据已有变化" in html and "95 → 60" in html and 'hx-trigger="every 2s"' not in html
    assert StaleCheck.objects.get().status == "完成"
