"""The home page's members pie: drawn only when there are members in the user's scope (a pie
of 0 and 0 draws two equal halves, as it did for a scope without members)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import User
from tests.conftest import PASSWORD


def _home(username: str) -> str:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client.get(reverse("home:home")).content.decode()


def test_the_pie_is_drawn_for_a_scope_with_members(world):
    html = _home(world.admin.username)
    assert 'id="member-chart"' in html
    assert "data-no-members" not in html


def test_no_pie_of_nothing_for_a_scope_without_members(world):
    # A manager of the partner unit, which has no members (a body's home is its ledger).
    user = User(username="partner-t", role=User.Role.MANAGER, org=world.partner, first_name="联建")
    user.set_password(PASSWORD)
    user.save()
    html = _home(user.username)
    assert "正式党员 0 名，预备党员 0 名" in html
    assert 'id="member-chart"' not in html
    assert "data-no-members" in html
