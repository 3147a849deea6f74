"""双重问责 (supervision.md §1): the loss bands, the dual rule for decisions (a 较大 or 重大
loss on a decision asks for both tracks and links the decision's prior study), who records
and who sees, on the screens."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.decisions.models import PriorStudy
from lianjian.supervision import services
from lianjian.supervision.models import Accountability
from tests.decisions_helpers import make_register
from tests.supervision_helpers import make_ledger

DAY = datetime.date(2026, 11, 1)


def _record(actor, **kw):
    base = {
        "subject": "分管负责人",
        "responsibility": "主管",
        "handling": "通报批评",
        "decided_on": DAY,
    }
    return services.accountability_create(actor=actor, **{**base, **kw})


@pytest.mark.parametrize(
    ("loss", "band"),
    [(4_999_999, "一般"), (5_000_000, "较大"), (49_999_999, "较大"), (50_000_000, "重大")],
)
def test_a_larger_loss_on_a_decision_needs_both_tracks_and_links_the_prior_study(world, loss, band):
    reg = make_register(world)
    decision = reg.executing
    if band == "一般":
        made = _record(reg.board, decision=decision, business_track=True, loss=Decimal(loss))
        assert made.band == "一般"
        return
    with pytest.raises(ValidationError, match=f"{band}损失，须同时进行经营问责和党内问责"):
        _record(reg.board, decision=decision, business_track=True, loss=Decimal(loss))
    assert not Accountability.objects.exists()
    made = _record(
        reg.board, decision=decision, business_track=True, party_track=True, loss=Decimal(loss)
    )
    assert made.band == band and made.org_handling_due == datetime.date(2026, 12, 1)
    study = PriorStudy.objects.filter(item=decision).order_by("-meeting_date", "-pk").first()
    assert made.prior_study_id == (study.pk if study else None)


def test_the_board_office_records_a_decisions_accountability_others_may_not(world):
    reg = make_register(world)
    with pytest.raises(PermissionDenied):
        _record(world.manager_a, decision=reg.executing, party_track=True)
    with pytest.raises(PermissionDenied):
        _record(world.company, decision=reg.executing, party_track=True)  # sees, never records
    made = _record(reg.board, decision=reg.executing, party_track=True)
    assert made.decision_id == reg.executing.pk and made.item_id is None


def test_an_accountability_is_of_an_item_or_a_decision_never_both_or_neither(world):
    reg = make_register(world)
    ledger = make_ledger(world)
    with pytest.raises(ValidationError):
        _record(None, party_track=True)
    with pytest.raises(ValidationError):
        _record(None, item=ledger.item_a, decision=reg.executing, party_track=True)


def test_the_decision_page_and_the_loss_bands_for_those_who_see_the_register(client, world):
    reg = make_register(world)
    number = reg.executing.number
    url = f"/supervision/decisions/{number}/accountability/"
    client.force_login(reg.board)
    form = {
        "subject": "分管负责人",
        "responsibility": "主管",
        "handling": "经济处罚",
        "decided_on": "2026-11-01",
        "business_track": "on",
        "loss": "8600000",
    }
    refused = client.post(url, form)
    assert refused.status_code == 400
    assert "须同时进行经营问责和党内问责" in refused.content.decode()
    assert client.post(url, {**form, "party_track": "on"}).status_code == 302
    losses = client.get("/supervision/decision-losses/").content.decode()
    assert 'data-band-count="较大">1<' in losses and number in losses
    # The party committee's managers see the records, without the form.
    client.force_login(world.company)
    page = client.get(url)
    assert page.status_code == 200 and "经济处罚" in page.content.decode()
    assert 'id="accountability-form"' not in page.content.decode()
    assert client.post(url, {**form, "party_track": "on"}).status_code == 403
    # Another company's manager: the decision does not exist for them.
    client.force_login(world.outsider)
    assert client.get(url).status_code == 404
    assert "8600000" not in client.get("/supervision/decision-losses/").content.decode()


def test_the_issuing_body_records_an_items_accountability_on_the_item_page(client, world):
    ledger = make_ledger(world)
    item = ledger.item_a
    url = f"/supervision/items/{item.pk}/accountability/"
    form = {
        "subject": "张三",
        "responsibility": "直接",
        "handling": "诫勉谈话",
        "decided_on": "2026-11-01",
        "party_track": "on",
    }
    client.force_login(world.manager_a)  # the unit never records its own accountability
    assert client.post(url, form).status_code in (403, 404)
    client.force_login(ledger.xuncha)
    assert (
        'id="accountability-form"' in client.get(f"/supervision/items/{item.pk}/").content.decode()
    )
    assert client.post(url, form).status_code == 302
    made = Accountability.objects.get(item=item)
    assert made.party_track and made.org_handling_due == datetime.date(2026, 12, 1)
