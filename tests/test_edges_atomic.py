"""Writes are all-or-nothing per request (issue #16 item 3b): a request that answers 500,
or whose view raises, leaves nothing behind — on the screens and in the API, where
django-ninja turns the exception into a 500 answer itself."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import HttpResponse, HttpResponseServerError
from django.test import Client, RequestFactory

from lianjian.activities.models import Activity, ActivityOrg
from lianjian.core.middleware import AtomicWritesMiddleware
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Organisation
from tests.api_helpers import call

NEW_ORG = {"code": "XZ-A7", "name": "营销七组", "kind": "党小组", "parent": "ZB-A"}
NEW_ACTIVITY = {
    "type": "主题党日",
    "orgs": ["ZB-A"],
    "start": "2026-11-20T09:00:00",
    "topic": "学习会",
}


def _counts() -> tuple[int, int, int, int]:
    return (
        Organisation.objects.count(),
        Activity.objects.count(),
        ActivityOrg.objects.count(),
        AuditLog.objects.count(),
    )


def _screen(world) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(world.manager_a)
    return client


def test_a_screen_whose_view_fails_after_the_service_wrote_keeps_nothing(world, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("after the write")

    monkeypatch.setattr("lianjian.core.pages.redirect", boom)
    before = _counts()
    response = _screen(world).post("/orgs/new/", NEW_ORG)
    assert response.status_code == 500
    assert _counts() == before
    assert not Organisation.objects.filter(code="XZ-A7").exists()
    monkeypatch.undo()  # the same request without the failure keeps its write
    assert _screen(world).post("/orgs/new/", NEW_ORG).status_code == 302
    assert _counts() == (before[0] + 1, before[1], before[2], before[3] + 1)


def test_a_screen_that_answers_500_after_the_service_wrote_keeps_nothing(world, monkeypatch):
    monkeypatch.setattr(
        "lianjian.core.pages.redirect", lambda *a, **k: HttpResponseServerError("失败")
    )
    before = _counts()
    assert _screen(world).post("/orgs/new/", NEW_ORG).status_code == 500
    assert _counts() == before


def test_an_api_write_whose_answer_fails_after_the_service_wrote_keeps_nothing(world, monkeypatch):
    # The defect of issue #16 item 3: the activity was stored, then shaping the answer
    # failed (a year-10000 time) and the client got 500 for a write that had committed.
    def boom(*args, **kwargs):
        raise OverflowError("date value out of range")

    monkeypatch.setattr("lianjian.activities.api.activity_detail_out", boom)
    before = _counts()
    status, body = call("post", "/activities", user=world.manager_a, body=NEW_ACTIVITY)
    assert (status, body) == (500, {"detail": "服务器内部错误"})
    assert _counts() == before
    monkeypatch.undo()  # the same request without the failure keeps its write
    status, body = call("post", "/activities", user=world.manager_a, body=NEW_ACTIVITY)
    assert status == 201, body
    assert _counts() == (before[0], before[1] + 1, before[2] + 1, before[3] + 1)


def _depth() -> int:
    # Transactions opened around the current code: the test's own one, plus one savepoint
    # per nested atomic block (so the middleware's shows as one more).
    return len(connection.savepoint_ids)


def test_reads_run_outside_any_transaction_and_writes_inside_one(db):
    seen: dict[str, int] = {}

    def view(request):
        seen[request.method] = _depth()
        return HttpResponse("ok")

    middleware = AtomicWritesMiddleware(lambda request: HttpResponse())
    factory = RequestFactory()
    outside = _depth()
    assert middleware.process_view(factory.get("/"), view, (), {}) is None
    assert middleware.process_view(factory.head("/"), view, (), {}) is None
    view(factory.get("/"))  # what Django then does with a read: no transaction around it
    response = middleware.process_view(factory.post("/"), view, (), {})
    assert response is not None and response.status_code == 200
    assert seen == {"GET": outside, "POST": outside + 1}


def test_views_that_manage_their_own_transaction_are_left_alone():
    from lianjian.orgs import views_excel

    middleware = AtomicWritesMiddleware(lambda request: HttpResponse())
    request = RequestFactory().post("/orgs/excel/")
    # An Excel import is all-or-nothing by itself and must not hold SQLite's write lock
    # while it only validates (the preview), nor skip its statistics refresh.
    for view in (views_excel.import_start, views_excel.import_confirm):
        assert middleware.process_view(request, view, (), {}) is None


@pytest.mark.parametrize("method", ["patch", "delete", "put"])
def test_every_unsafe_method_is_wrapped_and_a_500_rolls_back(db, method):
    def view(request):
        Organisation.objects.create(code="XZ-R", name="回滚", kind="党小组", path="/XZ-R/")
        return HttpResponseServerError()

    middleware = AtomicWritesMiddleware(lambda request: HttpResponse())
    response = middleware.process_view(getattr(RequestFactory(), method)("/"), view, (), {})
    assert response.status_code == 500
    assert not Organisation.objects.filter(code="XZ-R").exists()
