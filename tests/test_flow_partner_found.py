"""Point 6 of issue 18: the partner finder offers 发起联建 with both organisations filled in
on the alliance form, only to a user who may found an alliance led by the organisation."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.alliances.models import Alliance, AllianceType
from lianjian.orgs.services import org_create


@pytest.fixture
def tree(world):
    world.zb_c = org_create(
        actor=None,
        code="ZB-C",
        name="客户服务党支部",
        kind="党支部",
        parent=world.dw,
        professions=["营销服务"],
        strengths=["技术攻关"],
        lat=41.31,
        lon=123.71,
    )
    return world


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


FOUND = reverse("alliances:alliance_create") + "?lead=ZB-A&amp;members=ZB-C"


@pytest.mark.django_db
def test_each_partner_row_offers_to_found_an_alliance_with_both_organisations(tree):
    html = login(tree.company).get(reverse("proposals:partners", args=["ZB-A"])).content.decode()
    assert html.count(">发起联建</a>") == 2  # ZB-C, ZB-B
    assert f'href="{FOUND}"' in html


@pytest.mark.django_db
def test_the_alliance_form_arrives_with_the_lead_and_the_partner_filled_in(tree):
    c = login(tree.company)
    form = c.get(reverse("alliances:alliance_create"), {"lead": "ZB-A", "members": "ZB-C"}).context[
        "form"
    ]
    assert (form["lead"].value(), form["members"].value()) == ("ZB-A", "ZB-C")
    response = c.post(
        reverse("alliances:alliance_create") + "?lead=ZB-A&members=ZB-C",
        {
            "code": "LJ-AC",
            "name": "营销客服联建",
            "type": AllianceType.objects.first().pk,
            "lead": "ZB-A",
            "members": "ZB-C",
            "status": "运行",
        },
    )
    assert response.status_code == 302
    assert sorted(m.org.code for m in Alliance.objects.get(code="LJ-AC").memberships.all()) == [
        "ZB-A",
        "ZB-C",
    ]


@pytest.mark.django_db
def test_no_found_button_where_the_user_may_not_found_the_alliance(tree):
    """A manager sees only what they manage, so the button hides for a dissolved
    organisation (it cannot lead an alliance); members never reach the finder."""
    tree.zb_a.dissolved = datetime.date(2026, 1, 1)
    tree.zb_a.save(update_fields=["dissolved"])
    response = login(tree.company).get(reverse("proposals:partners", args=["ZB-A"]))
    assert response.status_code == 200 and response.context["can_found"] is False
    assert "发起联建" not in response.content.decode()
    assert login(tree.member_a).get(reverse("proposals:partners", args=["ZB-A"])).status_code == 403
    assert (
        login(tree.manager_b).get(reverse("proposals:partners", args=["ZB-A"])).status_code == 404
    )
