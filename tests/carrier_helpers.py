"""Shared set-up of the 岗区队 tests: a carrier of ZB-A taken to a given state."""

from __future__ import annotations

import datetime

from lianjian.carriers import rules, services
from lianjian.carriers.models import Carrier
from lianjian.core.validation import today

PATH = ("submit", "branch_pass", "approve", "name")


def named_post(
    world, *, name: str = "抄表服务党员示范岗", upto: str = "name", org=None, leader=None
) -> Carrier:
    """A 示范岗 of ZB-A held by M-A1, declared by the system and taken through the lifecycle up
    to ``upto`` (its 公示 opened ten days ago, so naming is allowed)."""
    carrier = services.declare(
        None,
        kind=rules.POST,
        org=org or world.zb_a,
        fields={
            "name": name,
            "leader": leader or world.m_a1,
            "post_name": "抄表服务",
            "commitments": "服务零投诉",
            "lat": 41.3,
            "lon": 123.7,
        },
        day=today() - datetime.timedelta(days=20),
    )
    if upto == "declare":
        return carrier
    for action in PATH:
        day = today() - datetime.timedelta(days=10) if action != "name" else None
        carrier = services.transition(None, carrier, action, day=day)
        if action == upto:
            break
    return carrier


def carrier_code(world, upto: str, *, withdrawn_last_year: bool = False) -> str:
    """A fresh ZB-A 示范岗 taken to ``upto`` (the hostile-forms test: made inside the
    request's savepoint); with ``withdrawn_last_year`` vetoed and its 摘牌 dated last year."""
    from lianjian.carriers.models import CarrierStep

    name = f"边界测试示范岗{upto}{'-摘牌' if withdrawn_last_year else ''}"
    found = Carrier.objects.filter(name=name).first()
    if found is not None:  # the page scraped and the URL posted to are the same carrier
        return found.code
    carrier = named_post(world, upto=upto, name=name)
    if withdrawn_last_year:
        services.record_veto(None, carrier, kind=rules.DISCIPLINE, description="违纪")
        CarrierStep.objects.filter(carrier=carrier).update(
            day=datetime.date(today().year - 1, 6, 1)
        )
    return carrier.code


def member_row(world) -> str:
    """The URL of a member's 退出 on a fresh named carrier."""
    carrier = named_post(world, name="边界测试示范岗")
    row = services.add_member(None, carrier, kind=rules.LEAGUE, name="孙小")
    return f"/carriers/c/{carrier.code}/members/{row.pk}/leave/"
