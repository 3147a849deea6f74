"""The appraisal screens: what the manager and the member each see, 我的's card, and query
counts that stay flat however many members take part."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from lianjian.appraisals import services
from lianjian.orgs.services import member_create
from tests import matrix
from tests.appraisal_setup import appraisal, part

pytestmark = pytest.mark.django_db


def _detail(world, persona, a):
    return matrix.client_for(world, persona).get(
        reverse("appraisals:appraisal_detail", args=[a.code])
    )


def test_the_member_writes_rates_and_sees_a_card_per_full_member(world):
    a = appraisal(world)
    client = matrix.client_for(world, "member_a")
    url = reverse("appraisals:appraisal_detail", args=[a.code])
    html = client.get(url).content.decode()
    assert 'id="self-form"' in html and html.count('class="card vote-card"') == 3  # 4 正式 − me
    response = client.post(
        reverse("appraisals:self_assessment", args=[a.code]), {"text": "我的自评"}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("appraisals:vote", args=[a.code]), {"votee": part(a, "M-A3").pk, "grade": "优秀"}
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert 'data-given="优秀"' in html and "还有 2 名未评" in html and "我的自评" in html
    # Twice: refused with the reason, status 400.
    response = client.post(
        reverse("appraisals:vote", args=[a.code]), {"votee": part(a, "M-A3").pk, "grade": "合格"}
    )
    assert response.status_code == 400 and "只能评价一次" in response.content.decode()


def test_the_manager_sees_the_tally_and_steps_but_a_participating_one_not_their_own_form(world):
    a = appraisal(world)
    services.self_assess(actor=world.member_a, appraisal=a, text="带头完成抢修任务")
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    html = _detail(world, "manager_a", a).content.decode()
    assert 'id="tally"' in html and html.count('class="decision-form"') == 4
    # The testimony beside the tally.
    assert "带头完成抢修任务" in html.split('id="tally"')[1].split("</section>")[0]
    html = _detail(world, "committee_a", a).content.decode()
    assert html.count('class="decision-form"') == 3 and "本人等次由其他支委决定" in html
    html = _detail(world, "member_a", a).content.decode()
    assert 'id="tally"' not in html and 'id="steps"' not in html


def test_the_mine_card_offers_the_open_appraisal_then_shows_the_result(world):
    client = matrix.client_for(world, "member_a")
    assert 'id="my-appraisal"' not in client.get(reverse("home:mine")).content.decode()
    a = appraisal(world)
    html = client.get(reverse("home:mine")).content.decode()
    assert 'id="my-appraisal"' in html and "去评议" in html and "还有 3 名党员待评价" in html
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    for number in ("M-A1", "M-A3", "M-A4", "M-A5"):
        services.decide(
            actor=world.manager_a,
            appraisal=a,
            participant=part(a, number),
            grade="合格",
            feedback="望继续努力",
        )
    services.record_meeting(
        actor=world.manager_a,
        appraisal=a,
        start=datetime.datetime(2026, 11, 20, 14, tzinfo=datetime.UTC),
    )
    assert 'id="my-appraisal"' not in client.get(reverse("home:mine")).content.decode()
    services.appraisal_publish(actor=world.manager_a, appraisal=a)
    html = client.get(reverse("home:mine")).content.decode()
    assert 'data-grade="合格"' in html and "望继续努力" in html


def _queries(django_assert_max_num_queries, client, url, n):
    with django_assert_max_num_queries(n):
        assert client.get(url).status_code == 200


def test_the_appraisal_page_and_list_take_as_many_queries_for_more_members(
    world, django_assert_max_num_queries
):
    a = appraisal(world)
    services.vote_cast(actor=world.member_a, appraisal=a, votee=part(a, "M-A3"), grade="优秀")
    detail = reverse("appraisals:appraisal_detail", args=[a.code])
    listing = reverse("appraisals:appraisal_list")
    clients = {p: matrix.client_for(world, p) for p in ("manager_a", "member_a")}
    # Pinned: the page of the member (their part, cards) and of the manager (tally, and the
    # lookup of the 党员积分 scheme whose year totals stand beside the vote).
    pins = {"member_a": 12, "manager_a": 11}
    for persona, client in clients.items():
        _queries(django_assert_max_num_queries, client, detail, pins[persona])
        _queries(django_assert_max_num_queries, client, listing, 6)
    a2 = services.appraisal_create(
        actor=world.manager_b, branch=world.zb_b, year=2026, held_on=datetime.date(2026, 6, 1)
    )
    for i in range(8):
        member_create(
            actor=None,
            number=f"M-Z{i}",
            name=f"多{i}",
            org=world.zb_a,
            category="正式党员",
            joined_on=datetime.date(2011, 1, 1),
        )
    del a2
    b = services.appraisal_create(
        actor=world.manager_a, branch=world.zb_a, year=2025, held_on=datetime.date(2025, 6, 1)
    )
    services.appraisal_start(actor=world.manager_a, appraisal=b)
    detail_b = reverse("appraisals:appraisal_detail", args=[b.code])
    for persona, client in clients.items():
        _queries(django_assert_max_num_queries, client, detail_b, pins[persona])
        _queries(django_assert_max_num_queries, client, listing, 6)
