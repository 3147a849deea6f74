"""The demo register (lianjian/decisions/demo.py): two 事项清单, one item re-studied, one
not submitted, one with its post-evaluation overdue on 2026-12-06, the board office juece."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.deadlines.engine import Colour
from lianjian.decisions import selectors
from lianjian.decisions.demo import demo_decisions
from lianjian.decisions.models import DecisionItem, MatterList
from lianjian.orgs.demo.load import DEMO_PASSWORD


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_the_demo_register(db):
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "三重一大：事项清单 2 份、事项 4 项" in out.getvalue()
    assert MatterList.objects.count() == 2
    items = {i.number: i for i in DecisionItem.objects.all()}
    restudied = items["JC-2026-001"]
    assert [s.outcome for s in restudied.studies.order_by("round")] == [
        "建议修改后复议",
        "建议同意",
    ]
    assert restudied.state == "执行中" and restudied.execution.key_tasks.count() == 2
    assert items["JC-2026-002"].state == "不予提交"
    overdue = items["JC-2025-001"]
    assert overdue.decided_on < datetime.date(2025, 12, 6)
    assert selectors.evaluation_colour(overdue, datetime.date(2026, 12, 6)) is Colour.RED
    assert items["JC-2026-003"].needs_prior_study is False and items["JC-2026-003"].body == "经理层"
    juece = User.objects.get(username="juece")
    assert juece.role == "board" and juece.org.code == "BXDW"
    client = Client()
    assert client.login(username="juece", password=DEMO_PASSWORD)
    page = client.get(reverse("decisions:register"))
    assert [i.number for i in page.context["view"].overdue] == ["JC-2025-001"]
    assert page.context["view"].restudy_rate == pytest.approx(33.3)
    # zhibu's branch executes two of them and sees those only
    zhibu = Client()
    assert zhibu.login(username="zhibu", password=DEMO_PASSWORD)
    listed = zhibu.get(reverse("decisions:item_list")).context["page"].object_list
    assert sorted(i.number for i in listed) == ["JC-2025-001", "JC-2026-001"]
    assert demo_decisions() == 0  # a second run creates nothing
