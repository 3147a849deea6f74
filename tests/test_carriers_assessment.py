"""The assessment sources read from 岗区队 (docs/assessment.md): ``carrier_count`` (active
carriers on the period's last day, from the history) and ``carrier_review`` (mean review
score in the period), each linked to its carriers; a closed period never changes."""

from __future__ import annotations

import datetime

from lianjian.carriers import rules, services
from lianjian.carriers.models import CarrierReview, CarrierStep
from lianjian.carriers.selectors import assessment_figures
from lianjian.core.validation import today
from tests.carrier_helpers import named_post

D = datetime.date


def test_active_carriers_and_reviews_of_a_period(world):
    a = named_post(world, name="甲岗")
    b = named_post(world, name="乙岗")
    scores = dict.fromkeys(rules.PRESETS["半年复核"].items, 90.0)
    services.record_review(None, a, preset="半年复核", period="H", scores=scores)
    services.record_review(
        None, b, preset="半年复核", period="H", scores=dict.fromkeys(scores, 60.0)
    )
    year = today().year
    figs = assessment_figures(
        [world.zb_a.pk, world.zb_b.pk], D(year, 1, 1), D(year, 12, 31), today()
    )
    f = figs[world.zb_a.pk]
    assert f.active == [a.code]  # b withdrawn by its review
    assert sorted(s for _c, _p, s in f.reviews) == [60.0, 90.0]
    assert world.zb_b.pk not in figs


def test_a_closed_period_keeps_its_count(world):
    a = named_post(world)
    CarrierStep.objects.filter(carrier=a).update(day=D(2025, 3, 1))
    services.record_veto(None, a, kind=rules.DISCIPLINE, description="违纪")
    closed = assessment_figures([world.zb_a.pk], D(2025, 1, 1), D(2025, 12, 31), today())
    assert closed[world.zb_a.pk].active == [a.code]
    now = assessment_figures(
        [world.zb_a.pk], D(today().year, 1, 1), D(today().year, 12, 31), today()
    )
    assert now[world.zb_a.pk].active == []
    assert not CarrierReview.objects.exists()


def _scheme():
    from lianjian.assessment.services import scheme_import
    from tests.assessment_engine_helpers import example

    data = example(code="GQD", period=str(today().year))
    for code, name, source in (
        ("GQ1", "在册岗区队", "carrier_count"),
        ("GQ2", "岗区队复核", "carrier_review"),
    ):
        data["indicators"].append(
            {"code": code, "name": name, "dimension": "DJ", "max": 10, "rule": "ratio",
             "target": 100.0 if source == "carrier_review" else 3.0, "floor": 0.0,
             "direction": "higher", "source": source}
        )  # fmt: skip
    return scheme_import(data, actor=None)[0]


def test_collect_gives_the_count_and_the_mean_with_their_carriers(world):
    from lianjian.assessment.services import scheme_orgs
    from lianjian.assessment.sources import collect

    scheme = _scheme()
    a = named_post(world)
    services.record_review(None, a, preset="半年复核", period="H",
                           scores=dict.fromkeys(rules.PRESETS["半年复核"].items, 88.0))  # fmt: skip
    period = str(today().year)
    values = collect(scheme, period, scheme_orgs(scheme, period))
    count, evidence = values[world.zb_a.pk]["GQ1"]
    assert count == 1 and evidence["carriers"] == [a.code]
    mean, evidence = values[world.zb_a.pk]["GQ2"]
    assert mean == 88.0 and evidence["reviews"] == [[a.code, "H", 88.0]]
    assert values[world.zb_b.pk]["GQ1"][0] == 0
    assert "GQ2" not in values[world.zb_b.pk]  # no review: missing
