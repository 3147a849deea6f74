"""The 岗区队 source of 党员积分 (points.md ``carrier``): a review that kept the title earns the
rule's points for each 党员 of the carrier on the review day, its holder included; a review
that withdrew the title earns nothing. One record (the review), used twice."""

from __future__ import annotations

from lianjian.carriers import rules as carrier_rules
from lianjian.carriers import services as carrier_services
from lianjian.core.validation import today
from lianjian.points import services
from lianjian.points.models import EntryStatus, PointsEntry
from tests.carrier_helpers import named_post
from tests.points_helpers import make_scheme, scheme_file

SCORES = {"履职尽责": 95.0, "承诺兑现": 92.0, "关键任务成效": 90.0, "群众满意度": 93.0}
PERIOD = f"{today().year}H2"
CARRIER_RULE = {
    "code": "D1", "text": "岗区队复核保持称号", "category": "奖励", "points": 3,
    "source": "carrier",
}  # fmt: skip


def _scheme():
    # The year of the reviews, which are dated today (named_post names the carrier lately).
    return make_scheme(year=today().year, rules=[*scheme_file()["rules"], CARRIER_RULE])


def _entries():
    return {
        (e.member.number, e.points)
        for e in PointsEntry.objects.filter(rule__code="D1", status=EntryStatus.ACTIVE)
    }


def test_a_review_that_keeps_the_title_earns_points_for_holder_and_members(world):
    carrier = named_post(world)  # held by M-A1
    carrier_services.add_member(None, carrier, kind=carrier_rules.PARTY, member=world.m_a2)
    carrier_services.add_member(None, carrier, kind=carrier_rules.LEAGUE, name="团员甲")
    review = carrier_services.record_review(
        world.company, carrier, preset="半年复核", period=PERIOD, scores=SCORES
    )
    scheme = _scheme()
    services.recompute(actor=None, scheme=scheme)
    assert _entries() == {("M-A1", 3), ("M-A2", 3)}
    entry = PointsEntry.objects.get(rule__code="D1", member=world.m_a1)
    assert entry.carrier_review_id == review.pk
    services.recompute(actor=None, scheme=scheme)  # idempotent
    assert PointsEntry.objects.filter(rule__code="D1").count() == 2


def test_a_review_that_withdraws_the_title_earns_nothing(world):
    carrier = named_post(world)
    carrier_services.record_review(
        world.company,
        carrier,
        preset="半年复核",
        period=PERIOD,
        scores=dict.fromkeys(SCORES, 60.0),
    )
    services.recompute(actor=None, scheme=_scheme())
    assert _entries() == set()


def test_the_ledger_links_the_entry_to_the_carrier(client, world):
    carrier = named_post(world)
    carrier_services.record_review(
        world.company, carrier, preset="半年复核", period=PERIOD, scores=SCORES
    )
    services.recompute(actor=None, scheme=_scheme())
    client.force_login(world.member_a)
    page = client.get("/points/mine/").content.decode()
    assert f"/carriers/c/{carrier.code}/" in page and f"{PERIOD}复核优秀" in page
