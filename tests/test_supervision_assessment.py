"""The assessment source ``rectification_on_time`` (docs/assessment.md): items of the
organisation due in the period, closed (first 销号) by their deadline, linked to the items."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.assessment.services import assessment_run, scheme_import, scheme_orgs
from lianjian.assessment.sources import collect
from lianjian.supervision import rules, services
from lianjian.supervision.selectors import assessment_figures
from tests.assessment_engine_helpers import example

D = datetime.date
TODAY = D(2026, 12, 1)


def _scheme():
    data = example(code="ZG", period="2026")
    data["indicators"].append(
        {
            "code": "ZG1",
            "name": "问题整改按期销号率",
            "dimension": "DJ",
            "max": 10,
            "rule": "ratio",
            "target": 1.0,
            "floor": 0.0,
            "direction": "higher",
            "source": "rectification_on_time",
        }
    )
    return scheme_import(data, actor=None)[0]


def _item(world, batch, number, deadline, closed=None, reopen=False):
    item = services.item_create(
        actor=None,
        batch=batch,
        number=number,
        description=f"问题{number}",
        responsible_org=world.zb_a,
        kind="限期整改",
        deadline=deadline,
    )
    if closed is not None:
        m = services.measure_add(actor=None, item=item, text="措施", deadline=deadline)
        for step in rules.MEASURE_STEPS[1:]:
            services.measure_step(actor=None, measure=m, state=step)
        services.item_act(actor=None, item=item, action=rules.APPLY, day=closed)
        services.item_act(actor=None, item=item, action=rules.ACCEPT, day=closed)
        if reopen:
            services.item_act(actor=None, item=item, action=rules.REOPEN, reason="反弹", day=closed)
    return item


@pytest.fixture
def items(world):
    batch = services.batch_create(
        actor=None,
        code="XC-A",
        title="巡察",
        source="巡察",
        issuing_body="巡察组",
        issuing_org=world.dw,
        inspected_org=world.dw,
        feedback_date=D(2026, 1, 10),
    )
    return {
        "on": _item(world, batch, "1", D(2026, 6, 30), closed=D(2026, 6, 20)),
        "late": _item(world, batch, "2", D(2026, 5, 31), closed=D(2026, 6, 10)),
        "open": _item(world, batch, "3", D(2026, 4, 30)),
        "reopened": _item(world, batch, "4", D(2026, 7, 31), closed=D(2026, 7, 1), reopen=True),
        "not_yet": _item(world, batch, "5", D(2026, 12, 20)),
        "next_year": _item(world, batch, "6", D(2027, 3, 1)),
    }


def test_due_items_closed_by_their_deadline(world, items):
    f = assessment_figures([world.zb_a.pk], D(2026, 1, 1), D(2026, 12, 31), TODAY)[world.zb_a.pk]
    assert [k for k, _ in f.due] == ["XC-A/3", "XC-A/2", "XC-A/1", "XC-A/4"]
    # the reopened item keeps its first, on-time closing
    assert f.on_time == ["XC-A/1", "XC-A/4"]


def test_the_source_feeds_a_run_with_links_to_the_items(world, items):
    scheme = _scheme()
    values = collect(scheme, "2026", scheme_orgs(scheme, "2026"), today=TODAY)
    value, evidence = values[world.zb_a.pk]["ZG1"]
    assert value == 0.5 and evidence["on_time"] == ["XC-A/1", "XC-A/4"]
    assert "ZG1" not in values[world.zb_b.pk]  # no due item: missing
    run = assessment_run(None, scheme, "2026", today=TODAY)
    client = Client()
    client.force_login(world.company)
    page = client.get(reverse("assessment:result_detail", args=[run.pk, "ZB-A"])).content.decode()
    assert "按期销号 2 / 到期 4 个监督问题" in page
    assert reverse("supervision:item_detail", args=[items["late"].pk]) in page
