"""The sidebar's sections (core.context_processors.group_navigation and base.html): every menu
item stays, once, under a heading; the administration links fold away unless one is open."""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from lianjian.core.context_processors import group_navigation, navigation
from tests.conftest import PASSWORD


def _context(user):
    request = RequestFactory().get("/")
    request.user = user
    return navigation(request)


@pytest.mark.parametrize("who", ["admin", "company", "manager_a", "member_a", "outsider"])
def test_every_menu_item_is_in_exactly_one_section_in_its_order(world, who):
    context = _context(getattr(world, who))
    grouped = [item for section in context["nav_groups"] for item in section["items"]]
    assert sorted(grouped) == sorted(context["nav_items"])
    assert all(section["items"] for section in context["nav_groups"])
    for section in context["nav_groups"]:
        order = [context["nav_items"].index(item) for item in section["items"]]
        assert order == sorted(order)


def test_an_item_of_no_section_goes_to_the_last_one():
    sections = group_navigation([("home:home", "首页", "home"), ("x:y", "新模块", "unknown")])
    assert sections[-1]["items"] == [("x:y", "新模块", "unknown")]


def _fold(html: str) -> str:
    match = re.search(r'<details class="nav-section nav-section-fold"[^>]*>', html)
    assert match, "the administration links are folded in a <details>"
    return match.group(0)


def test_the_admin_tools_fold_away_except_on_their_own_pages(world):
    client = Client()
    assert client.login(username=world.admin.username, password=PASSWORD)
    home = client.get("/").content.decode()
    assert " open" not in _fold(home)
    assert home.count('class="nav-link ') == len(_context(world.admin)["nav_items"])
    audit = client.get("/audit/").content.decode()
    assert " open" in _fold(audit)
    assert re.search(r'class="nav-link active" href="/audit/"', audit)


def test_a_member_has_no_administration_section(world):
    client = Client()
    assert client.login(username=world.member_a.username, password=PASSWORD)
    html = client.get("/").content.decode()
    assert "nav-section-fold" not in html
    assert "系统管理" not in html


@pytest.mark.parametrize(
    ("role", "keys", "home"),
    [
        ("inspection", ["supervision", "inbox", "account"], "/supervision/"),
        ("discipline", ["supervision", "inbox", "account"], "/supervision/"),
        ("audit", ["supervision", "inbox", "account"], "/supervision/"),
        ("board", ["decisions", "inbox", "account"], "/decisions/"),
    ],
)
def test_a_body_is_offered_its_ledger_or_register_not_the_organisations_modules(
    world, role, keys, home
):
    from tests.conftest import _user

    body = _user(f"body_{role}", role, world.dw)
    assert [key for _, _, key in _context(body)["nav_items"]] == keys
    client = Client()
    client.force_login(body)
    answer = client.get("/")
    assert answer.status_code == 302 and answer["Location"] == home
    assert client.get(home).status_code == 200


def test_a_manager_keeps_the_home_page_and_the_organisations_modules(world):
    client = Client()
    client.force_login(world.manager_a)
    assert client.get("/").status_code == 200
    keys = [key for _, _, key in _context(world.manager_a)["nav_items"]]
    assert {"home", "orgs", "members", "supervision", "decisions"} <= set(keys)
