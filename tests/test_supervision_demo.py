"""The demo ledger: a 巡察 batch with 12 items in every state and colour, an internal audit
with monthly reports, a lead from 审计 to 纪委, a 以案促改 rule; idempotent; the body
accounts see their own."""

from __future__ import annotations

import io

import pytest

from lianjian.accounts.models import User
from lianjian.core.validation import today
from lianjian.supervision import demo, rules, selectors
from lianjian.supervision.models import Batch, Item, Lead, SystemChange
from tests.conftest import module_transaction

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    from lianjian.orgs.demo import demo_load

    with module_transaction(django_db_blocker):
        demo_load(stdout=io.StringIO())
        made = demo.demo_supervision(stdout=io.StringIO())
        yield made


def test_every_state_and_colour(loaded):
    assert loaded == 15
    items = list(Item.objects.filter(batch__code=demo.XC).prefetch_related("measures"))
    assert len(items) == 12
    assert {i.state for i in items} == set(rules.STATES)
    colours = {str(selectors.item_colour(i, today())) for i in items if not i.done}
    assert colours == {"green", "yellow", "red"}
    reopened = next(i for i in items if i.state == rules.REOPENED)
    assert reopened.second_round and reopened.first_closed_on is not None
    assert any(selectors.closable(i) for i in items if i.state == rules.APPLIED)


def test_the_internal_audit_owes_its_last_monthly_report(loaded):
    doc = selectors.status(None, today())
    audit = next(b for b in doc["batches"] if b["code"] == demo.NS)
    assert audit["report_colour"] in ("yellow", "red")
    assert Batch.objects.get(code=demo.NS).reports.count() >= 3


def test_the_lead_and_the_rule_change(loaded):
    lead = Lead.objects.get()
    assert (lead.from_body, lead.to_body) == ("审计", "纪委")
    assert SystemChange.objects.get().items.count() == 2
    users = {
        u.username: u
        for u in User.objects.filter(
            username__in=["xuncha", "jijian", "shenji", "zhibu", "dangwei"]
        )
    }
    assert Lead.objects.visible_to(users["jijian"]).count() == 1
    assert Lead.objects.visible_to(users["shenji"]).count() == 1
    assert not Lead.objects.visible_to(users["xuncha"]).exists()
    assert not Lead.objects.visible_to(users["dangwei"]).exists()
    assert Item.objects.visible_to(users["xuncha"]).count() == 12
    assert set(
        Item.objects.visible_to(users["zhibu"]).values_list("responsible_org__code", flat=True)
    ) == {"BX-ZB19"}


def test_it_is_idempotent(loaded):
    assert demo.demo_supervision() == 0


def test_the_discipline_body_has_its_own_check_in_the_demo(loaded):
    jijian = User.objects.get(username="jijian")
    batches = set(Batch.objects.visible_to(jijian).values_list("code", flat=True))
    assert demo.JJ in batches and demo.XC not in batches
    assert Item.objects.visible_to(jijian).filter(batch__code=demo.JJ).count() == 2
