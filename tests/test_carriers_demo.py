"""The demo 岗区队 (fusion.md §3): Benxi's 119 示范岗, 82 责任区 and 8 服务队; the 2026H1 review
withdraws 3 示范岗 → 116 active, 119 ever named, 3 withdrawn, 206 active carriers in all;
dangyuan holds a post that 我的 shows."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.carriers import rules, selectors
from lianjian.carriers.demo import demo_carriers
from lianjian.carriers.models import Carrier, CarrierReview
from lianjian.core.validation import today
from lianjian.orgs.demo import demo_load


@pytest.fixture
def demo(db):
    demo_load(stdout=io.StringIO())
    demo_carriers()
    return User.objects.get(username="dangwei")


def test_the_seed_figures_and_the_review_example(demo):
    figs = selectors.figures(demo, today())
    assert figs[rules.POST] == rules.Figures(ever_named=119, active=116, withdrawn=3)
    assert figs[rules.AREA].active == 82 and figs[rules.SERVICE_TEAM].active == 8
    assert figs["全部"].active == 206 and figs["全部"].ever_named == 209
    before = selectors.figures(demo, rules_day(2026, 7, 14))
    assert before[rules.POST].active == 119  # the day before the review
    withdrawn = CarrierReview.objects.filter(state_after=rules.WITHDRAWN)
    assert withdrawn.count() == 3 and all(r.score < 70 for r in withdrawn)


def rules_day(*ymd):
    import datetime

    return datetime.date(*ymd)


def test_the_registry_shows_the_figures(demo):
    client = Client()
    client.force_login(demo)
    response = client.get(reverse("carriers:carrier_list"))
    total = response.context["total"]
    assert (total.active, total.ever_named, total.withdrawn) == (206, 209, 3)
    posts = dict((k, f) for k, _label, f in response.context["kinds"])[rules.POST]
    assert (posts.active, posts.ever_named, posts.withdrawn) == (116, 119, 3)


def test_dangyuan_sees_the_post_on_my_page(demo):
    user = User.objects.get(username="dangyuan")
    mine = selectors.my_carriers(user)
    assert [c.kind for c in mine] == [rules.POST]
    client = Client()
    client.force_login(user)
    assert mine[0].name in client.get(reverse("home:mine")).content.decode()


def test_the_demo_is_idempotent_and_leaves_work_for_the_committee(demo):
    assert demo_carriers() == 0
    home = Carrier.objects.filter(org__code="BX-ZB19")
    assert (
        home.filter(state=rules.COMMITTEE).exists() and home.filter(state=rules.PUBLICITY).exists()
    )
    assert any(row.gap_names for row in selectors.coverage(demo))
