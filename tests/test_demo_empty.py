"""``lianjian demo`` into a database that is empty or holds rows already (the demo loaded
once for many tests is ``tests/test_demo.py``'s)."""

from __future__ import annotations

from lianjian.accounts.models import User
from lianjian.orgs.models import Member, Organisation
from lianjian.orgs.services import org_create
from tests.test_demo import run_demo


def test_if_empty_does_nothing_when_an_organisation_exists(db):
    org_create(actor=None, code="X1", name="已有党委", kind="党委")
    out = run_demo("--if-empty")
    assert Organisation.objects.count() == 1
    assert Member.objects.count() == 0
    assert out == "已有党组织数据，未加载演示数据。\n"


def test_if_empty_loads_into_an_empty_database(db):
    out = run_demo("--if-empty")
    assert Organisation.objects.count() == 61
    assert out.startswith("演示数据已加载")


def test_it_keeps_an_existing_account_and_adds_the_others(db):
    keeper = User(username="admin", role="admin", first_name="原管理员")
    keeper.set_password("Another-pass-1")
    keeper.save()
    run_demo()
    keeper.refresh_from_db()
    assert keeper.check_password("Another-pass-1")
    assert keeper.first_name == "原管理员"
    assert User.objects.count() == 9
