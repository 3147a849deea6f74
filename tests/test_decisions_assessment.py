"""The assessment source ``decision_post_evaluated`` (docs/assessment.md): the share of an
organisation's 三重一大 decisions due for post-evaluation in the period that were evaluated
by its last counted day, with the decisions as evidence; no decision due → missing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.assessment.services import assessment_run, scheme_import, scheme_orgs
from lianjian.assessment.sources import collect
from lianjian.decisions import services
from lianjian.decisions.models import DecisionItem
from lianjian.decisions.selectors import assessment_figures
from tests.assessment_engine_helpers import example
from tests.decisions_helpers import board_user, decide, study

D = datetime.date


@pytest.fixture
def scheme(world):
    data = example(code="JC", period="2026")
    data["indicators"].append(
        {
            "code": "HP1",
            "name": "三重一大后评估完成率",
            "dimension": "DJ",
            "max": 10,
            "rule": "ratio",
            "target": 1.0,
            "floor": 0.0,
            "direction": "higher",
            "source": "decision_post_evaluated",
        }
    )
    return scheme_import(data, actor=None)[0]


def _decided(board, ml, number, day):
    item = services.item_create(
        actor=board,
        matter_list=ml,
        number=number,
        title=f"事项{number}",
        category="大额度资金运作",
        amount=Decimal("2000"),
        department="财务部",
        sponsor="王总",
    )
    services.item_submit(actor=board, item=item)
    study(board, DecisionItem.objects.get(pk=item.pk), day=day)
    decide(board, DecisionItem.objects.get(pk=item.pk), day=day)
    return DecisionItem.objects.get(pk=item.pk)


@pytest.fixture
def decided(world):
    """ZB-A's decisions of 2025: due for post-evaluation in 2026 on 03-10 (evaluated 02-01),
    06-10 (evaluated 2027 — after the period) and 11-10 (never); one due in 2027."""
    board = board_user(world)
    ml = services.matter_list_create(actor=board, organisation=world.zb_a, year=2025, title="清单")
    services.line_add(
        actor=board,
        matter_list=ml,
        category="大额度资金运作",
        matter="大额资金",
        threshold=Decimal("1000"),
        needs_prior_study=True,
        body="董事会",
    )
    items = {
        "EARLY": _decided(board, ml, "HP-1", D(2025, 3, 10)),
        "LATE": _decided(board, ml, "HP-2", D(2025, 6, 10)),
        "NEVER": _decided(board, ml, "HP-3", D(2025, 11, 10)),
    }
    services.evaluation_record(
        actor=board,
        item=items["EARLY"],
        evaluator="审计部",
        evaluated_on=D(2026, 2, 1),
        conclusion="达到预期",
        action="继续",
    )
    services.evaluation_record(
        actor=board,
        item=items["LATE"],
        evaluator="审计部",
        evaluated_on=D(2026, 11, 30),
        conclusion="部分达到",
        action="继续",
    )
    return items


def test_the_figures_count_due_and_evaluated_by_the_last_counted_day(world, decided):
    f = assessment_figures([world.zb_a.pk], D(2026, 1, 1), D(2026, 12, 31), D(2026, 12, 6))
    assert f[world.zb_a.pk].due == ["HP-1", "HP-2", "HP-3"]
    assert f[world.zb_a.pk].evaluated == ["HP-1", "HP-2"]
    # as of 2026-07-01 only two were due, one evaluated (HP-2 was evaluated in November)
    f = assessment_figures([world.zb_a.pk], D(2026, 1, 1), D(2026, 12, 31), D(2026, 7, 1))
    assert (f[world.zb_a.pk].due, f[world.zb_a.pk].evaluated) == (["HP-1", "HP-2"], ["HP-1"])
    assert world.zb_b.pk not in f


def test_collect_gives_the_share_with_evidence_and_missing_without_due(world, scheme, decided):
    values = collect(scheme, "2026", scheme_orgs(scheme, "2026"), today=D(2026, 12, 6))
    assert values[world.zb_a.pk]["HP1"] == (
        2 / 3,
        {"due": ["HP-1", "HP-2", "HP-3"], "evaluated": ["HP-1", "HP-2"]},
    )
    assert "HP1" not in values[world.zb_b.pk]


def test_the_breakdown_links_each_decision(world, scheme, decided):
    run = assessment_run(None, scheme, "2026", today=D(2026, 12, 6))
    client = Client()
    client.force_login(world.company)
    html = client.get(reverse("assessment:result_detail", args=[run.pk, "ZB-A"])).content.decode()
    assert "66.7%" in html and "已后评估 2 / 应后评估 3 项三重一大决策" in html
    for number in ("HP-1", "HP-2", "HP-3"):
        assert f'href="{reverse("decisions:item_detail", args=[number])}"' in html
