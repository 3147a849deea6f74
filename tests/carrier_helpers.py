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
