"""The assessment source ``member_points`` (docs/assessment.md): the mean period score of
an organisation's scored members under the 党员积分 scheme covering it; the result page
links to the ledger."""

from __future__ import annotations

import datetime

import pytest

from lianjian.assessment.services import scheme_import, scheme_orgs
from lianjian.assessment.sources import collect
from lianjian.points import services
from lianjian.points.selectors import org_means
from tests.assessment_engine_helpers import example
from tests.points_helpers import YEAR, make_scheme

D = datetime.date
pytestmark = pytest.mark.django_db


def _indicator(data):
    data["indicators"].append(
        {
            "code": "JF1", "name": "党员平均积分", "dimension": "DJ", "max": 10, "rule": "ratio",
            "target": 100, "floor": 0.0, "direction": "higher", "source": "member_points",
        }
    )  # fmt: skip
    return data


def test_the_mean_period_score_of_scored_members(world):
    scheme = make_scheme()
    c1 = scheme.rules.get(code="C1")
    services.add_manual_entry(
        actor=None, member=world.m_a1, rule=c1, happened_on=D(YEAR, 1, 5), reason="缺席"
    )
    services.set_standing(
        actor=None, member=world.m_b1, year=YEAR, category="普通", exempt=True, reason="长期病休"
    )
    rows = [(o.pk, o.path) for o in (world.zb_a, world.zb_b, world.dw, world.zb_x)]
    means = org_means(rows, f"{YEAR}Q1", YEAR)
    assert means[world.zb_a.pk][0] == 79  # (78 + 80) / 2
    assert means[world.zb_a.pk][1] == {
        "scheme": "2026-JF",
        "period": f"{YEAR}Q1",
        "scored": 2,
        "exempt": 0,
    }
    assert world.zb_b.pk not in means  # its only member is exempt
    assert means[world.dw.pk][1]["exempt"] == 1
    assert world.zb_x.pk not in means  # another company: no scheme
    assert org_means(rows, f"{YEAR}H1", YEAR) == {}  # not a period of the scheme


def test_collect_reads_member_points_and_the_result_links_the_ledger(world):
    make_scheme()
    assessment = scheme_import(_indicator(example(code="Q", period=f"{YEAR}Q1")), actor=None)[0]
    values = collect(assessment, f"{YEAR}Q1", scheme_orgs(assessment), today=D(YEAR, 4, 2))
    value, evidence = values[world.zb_a.pk]["JF1"]
    assert value == 80.0 and evidence["scheme"] == "2026-JF"
