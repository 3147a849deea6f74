"""Reads of the assessment screens: correlation stated as a correlation, distribution,
leaders and laggards, the trend's choice of versions, and query counts that stay flat as
the number of organisations grows."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from lianjian.assessment import selectors, services
from lianjian.assessment.models import AssessmentResult, Indicator
from lianjian.orgs.services import org_create
from tests.assessment_engine_helpers import example, with_manual
from tests.assessment_screens_helpers import make_assessed


def row(
    code: str, dj: float, yw: float, *, stars: int | None = 3, vetoed: bool = False
) -> selectors.Row:
    return selectors.Row(
        result_id=hash(code) % 1000,
        code=code,
        name=f"{code}支部",
        total=dj + yw,
        stars=stars,
        vetoed=vetoed,
        passed=not vetoed,
        rank=1,
        dimensions={"DJ": dj, "YW": yw},
    )


DIMS = [
    {"code": "DJ", "name": "党建引领", "max": 50},
    {"code": "YW", "name": "业务提升", "max": 50},
]


def test_pearson_matches_the_textbook_values():
    assert selectors.pearson([1, 2, 3, 4], [2, 4, 6, 8]) == pytest.approx(1.0)
    assert selectors.pearson([1, 2, 3, 4], [8, 6, 4, 2]) == pytest.approx(-1.0)
    assert selectors.pearson([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    assert selectors.pearson([1, 2], [1, 2]) is None
    assert selectors.pearson([1, 2, 3], [5, 5, 5]) is None


@given(st.lists(st.tuples(st.floats(0, 50), st.floats(0, 50)), min_size=3, max_size=40))
def test_pearson_is_bounded_and_symmetric(pairs):
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    r = selectors.pearson(xs, ys)
    if r is None:
        assert np.std(xs) == 0 or np.std(ys) == 0
        return
    assert -1 - 1e-9 <= r <= 1 + 1e-9
    assert r == pytest.approx(selectors.pearson(ys, xs))


@pytest.mark.parametrize(
    ("r", "words"),
    [
        (0.66, "r = 0.66：两个维度的得分呈较强正相关"),
        (-0.2, "r = -0.20：两个维度的得分呈弱负相关"),
        (0.05, "r = 0.05：两个维度的得分几乎不相关"),
        (0.85, "呈强正相关"),
        (0.4, "呈中等程度正相关"),
    ],
)
def test_the_correlation_is_stated_plainly_and_never_as_a_cause(r, words):
    text = selectors.correlation_words(r)
    assert words in text
    assert text.endswith("这只是相关关系，不说明一个维度的得分导致了另一个维度的得分。")


def test_distribution_puts_every_organisation_in_one_bucket():
    rows = [
        row("A", 40, 50, stars=5),
        row("B", 30, 40, stars=3),
        row("C", 30, 40, stars=3),
        row("D", 10, 10, stars=None),
        row("E", 45, 45, stars=None, vetoed=True),
    ]
    assert selectors.distribution(rows) == [
        ("5", "五星", 1),
        ("4", "四星", 0),
        ("3", "三星", 2),
        ("2", "二星", 0),
        ("1", "一星", 0),
        ("0", "无星级", 1),
        ("veto", "否决", 1),
    ]


def test_leaders_and_laggards_never_overlap_and_ties_go_by_code():
    rows = [
        row(c, dj, 10)
        for c, dj in (("A", 30), ("B", 40), ("C", 40), ("D", 10), ("E", 20), ("F", 35), ("G", 5))
    ]
    dj = selectors.leaders_and_laggards(rows, DIMS, n=3)[0]
    assert [r.code for _, r in dj["leaders"]] == ["B", "C", "F"]
    assert [r.code for _, r in dj["laggards"]] == ["G", "D", "E"]
    assert dj["mean"] == pytest.approx(180 / 7)
    small = selectors.leaders_and_laggards(rows[:4], DIMS, n=3)[0]
    assert [r.code for _, r in small["laggards"]] == ["D"]


def test_the_scatter_axes_are_the_party_and_business_dimensions_unless_chosen():
    dims = [
        {"code": "LJ", "name": "联建共建", "max": 10},
        {"code": "YW", "name": "业务提升", "max": 50},
        {"code": "DJ", "name": "党建引领", "max": 40},
    ]
    assert [d["code"] for d in selectors.pick_axes(dims)] == ["DJ", "YW"]
    assert [d["code"] for d in selectors.pick_axes(dims, "LJ", "DJ")] == ["LJ", "DJ"]
    assert selectors.pick_axes(dims[:1])[1] is None
    points = selectors.scatter(
        [row("A", 10, 20), row("B", 20, 30), row("C", 30, 45)], DIMS[0], DIMS[1]
    )
    assert points["n"] == 3 and math.isclose(
        points["r"], selectors.pearson([10, 20, 30], [20, 30, 45])
    )
    assert [p[2] for p in points["points"]] == ["A", "B", "C"]


def test_the_trend_takes_the_published_version_else_the_latest(world):
    a = make_assessed(world)
    rows = selectors.trend(a.scheme, world.company)["rows"]
    assert [(r["period"], r["run"].pk) for r in rows] == [("2025", a.run2.pk)]
    services.run_publish(None, a.run1)
    rows = selectors.trend(a.scheme, world.company)["rows"]
    assert rows[0]["run"].pk == a.run1.pk
    run3 = services.assessment_run(None, a.scheme, "2025")
    assert selectors.trend(a.scheme, world.company)["rows"][0]["run"].pk == a.run1.pk
    AssessmentResult.objects.filter(run__in=[a.run1, a.run2]).delete()
    a.run1.delete(), a.run2.delete()
    assert selectors.trend(a.scheme, world.company)["rows"][0]["run"].pk == run3.pk


def test_the_trend_and_the_company_picture_keep_to_scope(world):
    a = make_assessed(world)
    mine = selectors.trend(a.scheme, world.manager_a)["rows"][0]
    assert mine["n"] == 1 and mine["mean_total"] == pytest.approx(a.result_a.total)
    rows = selectors.result_rows(a.run2, world.manager_b)
    assert [r.code for r in rows] == ["ZB-B"] and rows[0].rank == 2
    assert selectors.trend(a.scheme, world.outsider)["rows"] == []


# --- query counts -------------------------------------------------------------------------


def _grow(world, n: int) -> tuple:
    """``n`` more 党支部 under DW with KPIs and a score each, the scheme run twice."""
    for i in range(n):
        org_create(
            actor=None, code=f"ZB-N{i:02d}", name=f"新增第{i}党支部", kind="党支部", parent=world.dw
        )
    scheme, _ = services.scheme_import(
        with_manual(example(), ["company", "admin"], top=10), actor=None
    )
    review = Indicator.objects.get(scheme=scheme, code="DJ2")
    orgs = list(services.scheme_orgs(scheme))
    rows = [
        services.KpiRow(o, "2025", code, float(v))
        for k, o in enumerate(orgs)
        for code, v in (("YW1", 80 + k), ("YW2", k % 3), ("LJ2", k % 4), ("FJ1", int(k == 1)))
    ]
    services.kpi_write(None, rows, channel="excel", file_name="kpi.xlsx")
    for o in orgs:
        services.manual_score_set(world.company, indicator=review, org=o, period="2025", score=7)
    run1 = services.assessment_run(None, scheme, "2025")
    run2 = services.assessment_run(None, scheme, "2025")
    return scheme, review, run1, run2


# The exact number of queries of each page (session, user, and the page's own reads).
PAGES = [
    ("scheme_list", lambda s, r, run: [], 7),
    ("scheme_detail", lambda s, r, run: [s.code], 13),
    ("run_list", lambda s, r, run: [s.code], 7),
    ("scheme_trend", lambda s, r, run: [s.code], 7),
    # The owners' first view asks for the "inputs changed" check (services.stale_checks:
    # the check, its audit row); the immediate backend then runs the check inside the
    # request — the sources' fixed reads, the compliance source reading the membership
    # history as of each period. With a task process the view only queues it
    # (tests/test_assessment_stale_check.py).
    ("run_results", lambda s, r, run: [run.pk], 40),
    ("run_analysis", lambda s, r, run: [run.pk], 7),
    ("run_compare", lambda s, r, run: [run.pk], 11),
    ("result_detail", lambda s, r, run: [run.pk, "ZB-A"], 11),
    # queue the report's job and write it (the immediate backend): the 7 reads of the report
    # plus the job's insert, claim, update and audit rows (and their savepoints)
    ("run_report", lambda s, r, run: [run.pk], 20),
    ("run_export", lambda s, r, run: [run.pk], 6),
    (
        "kpi_list",
        lambda s, r, run: [],
        7,
    ),  # + the indicators whose values the user may enter (entry.py)
    ("review_list", lambda s, r, run: [], 10),  # paginated: the count, then the page
    ("review_score", lambda s, r, run: [r.pk], 13),
]


@pytest.mark.parametrize("n", [2, 30])
@pytest.mark.parametrize(("name", "args", "limit"), PAGES, ids=[p[0] for p in PAGES])
def test_page_query_counts_stay_flat(world, django_assert_max_num_queries, n, name, args, limit):
    scheme, review, _, run2 = _grow(world, n)
    client = Client()
    client.force_login(world.company)
    path = reverse(f"assessment:{name}", args=args(scheme, review, run2))
    with django_assert_max_num_queries(limit):
        response = client.get(path)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    # the Word report is written by its job (core.jobs; at once under the immediate backend)
    # and the click answers with the job page: the count covers queuing and writing it
    assert response.status_code == (302 if name == "run_report" else 200)
