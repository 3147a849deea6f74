"""A 揭榜挂帅 scene on the shared world (conftest): the company (DW) key-task list of the
year (tests/keytask_helpers), a call of DW open to ZB-A and ZB-B, and a bid of each."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from lianjian.core.validation import today
from lianjian.projects import services
from lianjian.projects.models import Bid, Call, Project
from tests.keytask_helpers import Tasks, make_tasks


@dataclass
class Scene:
    tasks: Tasks
    call: Call
    bid_a: Bid
    bid_b: Bid


def make_call(world, *, publish: bool = True, code: str = "JB-T1", **extra) -> Call:
    fields = {
        "title": "配网故障快速定位攻关",
        "problem": "配网故障定位平均耗时过长",
        "theme": "党建+安全生产",
        "budget": Decimal("50"),
        "deadline": today() + datetime.timedelta(days=10),
        "criteria": "技术可行、效益明显",
        **extra,
    }
    call = services.call_create(
        actor=world.company,
        issuer=world.dw,
        eligible_orgs=[world.zb_a, world.zb_b],
        code=code,
        **fields,
    )
    if publish:
        services.call_transition(world.company, call, "publish")
    return call


def bid(world, call: Call, *, side: str = "a", code: str = "") -> Bid:
    org, lead, actor = (
        (world.zb_a, world.m_a1, world.manager_a)
        if side == "a"
        else (world.zb_b, world.m_b1, world.manager_b)
    )
    return services.bid_submit(
        actor=actor,
        call=call,
        bidder_org=org,
        lead=lead,
        code=code or f"{call.code}-{side.upper()}",
        plan="三个月完成样机，半年推广",
        expected_results="定位时间缩短一半",
        budget_asked=Decimal("30"),
        planned_end=today() + datetime.timedelta(days=200),
    )


def make_scene(world) -> Scene:
    tasks = make_tasks(world)
    call = make_call(world)
    return Scene(tasks, call, bid(world, call, side="a"), bid(world, call, side="b"))


def award_a(world, scene: Scene) -> Project:
    """Close the call, take ZB-A's bid through 入围 and 答辩, and award it."""
    services.call_transition(world.company, scene.call, "close")
    services.bid_transition(world.company, scene.bid_a, "shortlist")
    services.bid_transition(world.company, scene.bid_a, "defence", on=today())
    return services.bid_award(world.company, scene.bid_a)
