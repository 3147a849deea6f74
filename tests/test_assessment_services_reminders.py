"""Evaluator reminders (lianjian/assessment/reminders.py, provider ``双维度考核``)."""

from __future__ import annotations

import datetime

from lianjian.assessment.reminders import review_reminders
from lianjian.assessment.services import manual_score_set, scheme_import
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import providers, run
from tests.assessment_engine_helpers import example, with_manual


def scheme(period: str = "2025"):
    return scheme_import(with_manual(example(period=period), ["company", "manager_a"]), actor=None)[
        0
    ]


def test_the_provider_is_registered():
    assert providers()["双维度考核"] is review_reminders


def test_evaluators_with_organisations_left_get_one_task_per_period(world):
    s = scheme()
    dj2 = s.indicators.get(code="DJ2")
    manual_score_set(world.company, indicator=dj2, org=world.zb_a, period="2025", score=8)
    reminders = list(review_reminders(datetime.date(2025, 12, 10)))
    # company sees ZB-A and ZB-B and scored one; manager_a sees only ZB-A, their own
    # organisation, which an evaluator never scores: nothing to remind them of
    assert sorted((r.user_ids, r.title) for r in reminders) == [
        ((world.company.pk,), "书记述职评议：2025年还有 1 个组织待评议"),
    ]
    first = reminders[0]
    assert first.link == f"/assessment/reviews/{dj2.pk}/?period=2025"
    assert first.due == datetime.date(2025, 12, 31) and first.level == "yellow"
    assert run(datetime.date(2025, 12, 10))["双维度考核"] == 1
    assert run(datetime.date(2025, 12, 11))["双维度考核"] == 0  # once per period
    assert (
        Notification.objects.filter(
            user=world.company, key__startswith="assessment:review:"
        ).count()
        == 1
    )


def test_nothing_outside_the_window_or_when_all_are_scored(world):
    s = scheme()
    dj2 = s.indicators.get(code="DJ2")
    assert list(review_reminders(datetime.date(2025, 11, 30))) == []  # 31 days before the end
    assert len(list(review_reminders(datetime.date(2026, 3, 1)))) == 1  # 60 days after the end
    assert list(review_reminders(datetime.date(2026, 3, 2))) == []
    for org in (world.zb_a, world.zb_b):
        manual_score_set(world.company, indicator=dj2, org=org, period="2025", score=8)
    assert list(review_reminders(datetime.date(2025, 12, 20))) == []


def test_quarterly_schemes_remind_for_the_quarter_that_ends(world):
    s = scheme("2026Q1")
    reminders = list(review_reminders(datetime.date(2026, 4, 15)))
    assert {r.key.split(":")[3] for r in reminders} == {"2026Q1"}
    assert reminders[0].title == "书记述职评议：2026年第1季度还有 2 个组织待评议"
    assert s.indicators.get(code="DJ2").pk == int(reminders[0].key.split(":")[2])
