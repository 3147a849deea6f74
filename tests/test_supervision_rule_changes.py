"""以案促改 rules recorded on the item page by the responsible unit, and 监督建议 proposed by
纪检 (纪检监察建议) or 审计 (审计建议) on their own screen (supervision.md §1)."""

from __future__ import annotations

from lianjian.supervision.models import Recommendation, SystemChange
from tests.supervision_helpers import make_ledger

CHANGE = {"title": "党支部“三会一课”记录规范", "kind": "新建", "adopted_on": "2026-11-20"}


def test_the_responsible_unit_records_a_rule_change_linked_to_the_item(client, world):
    ledger = make_ledger(world)
    item = ledger.item_a  # ZB-A's
    url = f"/supervision/items/{item.pk}/system-changes/"
    client.force_login(ledger.xuncha)  # the issuing body checks, it does not write the unit's rules
    assert (
        'id="system-change-form"'
        not in client.get(f"/supervision/items/{item.pk}/").content.decode()
    )
    assert client.post(url, CHANGE).status_code == 403
    client.force_login(world.manager_b)  # another branch: the item does not exist for it
    assert client.post(url, CHANGE).status_code == 404
    client.force_login(world.manager_a)
    page = client.get(f"/supervision/items/{item.pk}/").content.decode()
    assert 'id="system-change-form"' in page
    assert client.post(url, {**CHANGE, "adopted_on": "1900-01-01"}).status_code == 400
    assert not SystemChange.objects.exists()
    assert client.post(url, CHANGE).status_code == 302
    change = SystemChange.objects.get()
    assert change.org == world.zb_a and list(change.items.all()) == [item]
    assert CHANGE["title"] in client.get(f"/supervision/items/{item.pk}/").content.decode()


def test_discipline_and_audit_propose_their_own_kind_of_recommendation(client, world):
    ledger = make_ledger(world)
    form = {
        "kind": "纪检监察建议",
        "issuer_org": "DW",
        "recipient": "ZB-A",
        "text": "建立党支部记录月度抽查制度",
        "reply_due": "2027-01-31",
    }
    client.force_login(world.manager_a)
    assert client.get("/supervision/recommendations/new/").status_code == 403
    client.force_login(ledger.shenji)  # 审计 may not issue a 纪检监察建议
    refused = client.post("/supervision/recommendations/new/", form)
    assert refused.status_code == 400 and not Recommendation.objects.exists()
    client.force_login(ledger.jijian)
    listing = client.get("/supervision/recommendations/").content.decode()
    assert "/supervision/recommendations/new/" in listing
    answer = client.post("/supervision/recommendations/new/", form)
    assert answer.status_code == 302
    rec = Recommendation.objects.get()
    assert (rec.kind, rec.issuer_org, rec.recipient) == ("纪检监察建议", world.dw, world.zb_a)
    # The recipient's managers see it and may reply.
    client.force_login(world.manager_a)
    assert client.get(f"/supervision/recommendations/{rec.pk}/").status_code == 200
