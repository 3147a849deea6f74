"""The demo 揭榜挂帅 of Benxi (seed 004): the board shows 11 projects with awards at 省部
level or above (1 national) and 8 课题; one call is open with two bids, and zhibu's branch
may still bid on it."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from lianjian.accounts.models import User
from lianjian.projects import selectors
from lianjian.projects.demo import OPEN_CALL, demo_projects
from lianjian.projects.models import Bid, Call, Project
from tests.conftest import module_transaction


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The whole demo, loaded once for the module and rolled back at its end."""
    with module_transaction(django_db_blocker):
        out = StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()


@pytest.fixture
def demo(_demo, db) -> str:
    return _demo


def test_the_board_shows_the_benxi_figures(demo):
    assert "揭榜挂帅：新建项目 17 个" in demo
    dangwei = User.objects.get(username="dangwei")
    board = selectors.dashboard(dangwei, selectors.datetime.date.today())
    assert board.levels["省部及以上"] == 11
    assert board.levels["国家"] == 1
    assert board.kinds["课题"] == 8
    assert board.open_calls == 1
    client = Client()
    client.force_login(dangwei)
    page = client.get("/projects/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-figure="high">11<' in html and 'data-figure="national">1<' in html
    assert 'data-figure="topics">8<' in html


def test_the_open_call_has_two_bids_and_zhibu_may_bid(demo):
    call = Call.objects.get(code=OPEN_CALL)
    assert Bid.objects.filter(call=call).count() == 2
    zhibu = User.objects.get(username="zhibu")
    client = Client()
    client.force_login(zhibu)
    page = client.get(f"/projects/calls/{OPEN_CALL}/")
    assert page.status_code == 200 and page.context["can_bid"] is True
    assert page.context["bids"] == []  # the other branches' bids are not its to see


def test_every_project_is_a_key_task_of_the_company_list(demo):
    assert all(
        p.task.task_list.code == "BX-GJRW-2026"
        for p in Project.objects.select_related("task__task_list")
    )
    assert demo_projects() == 0  # a second run creates nothing
