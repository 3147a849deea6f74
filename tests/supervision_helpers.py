"""The supervision ledger's test world: the bodies of the company (巡察办, 纪检, 审计) on top
of the ``world`` fixture, one 巡察 batch of DW with an item of ZB-A and one of ZB-B, an
internal audit, and a lead from 审计 to 纪委."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from lianjian.accounts.models import User
from lianjian.supervision import services
from lianjian.supervision.models import Batch, Item, Lead, Recommendation
from tests.conftest import PASSWORD

# Personas of the ledger's matrices: the world's six and the company's three bodies.
PERSONAS = (
    "admin",
    "company",
    "manager_a",
    "member_a",
    "manager_b",
    "outsider",
    "xuncha",
    "jijian",
    "shenji",
)


@dataclass
class Ledger:
    world: Any
    xuncha: User
    jijian: User
    shenji: User
    batch: Batch
    audit: Batch
    item_a: Item
    item_b: Item
    lead: Lead


def body_user(username: str, role: str, org: Any) -> User:
    user = User(username=username, role=role, org=org, first_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def make_ledger(world: Any, *, recommendation: bool = False) -> Ledger:
    xuncha = body_user("xuncha", "inspection", world.dw)
    jijian = body_user("jijian", "discipline", world.dw)
    shenji = body_user("shenji", "audit", world.dw)
    for name, user in (("xuncha", xuncha), ("jijian", jijian), ("shenji", shenji)):
        setattr(world, name, user)
    batch = services.batch_create(
        actor=xuncha,
        code="XC-2026-01",
        title="2026年第一轮巡察",
        source="巡察",
        issuing_body="公司党委第一巡察组",
        issuing_org=world.dw,
        inspected_org=world.dw,
        feedback_date=datetime.date(2026, 10, 15),
    )
    audit = services.batch_create(
        actor=shenji,
        code="NS-2026-01",
        title="2026年内部审计",
        source="内部审计",
        issuing_body="公司审计部",
        issuing_org=world.dw,
        inspected_org=world.dw,
        feedback_date=datetime.date(2026, 9, 10),
    )
    item_a = services.item_create(
        actor=xuncha,
        batch=batch,
        number="1",
        description="支部“三会一课”记录不规范",
        tags="组织建设",
        responsible_org=world.zb_a,
        responsible_leader=world.m_a1,
        kind="限期整改",
        deadline=datetime.date(2027, 3, 31),
    )
    item_b = services.item_create(
        actor=xuncha,
        batch=batch,
        number="2",
        description="运维检修物资台账不清",
        responsible_org=world.zb_b,
        kind="立行立改",
        deadline=datetime.date(2026, 11, 30),
        suspected_violation=True,
    )
    lead = services.lead_create(
        actor=shenji,
        org=world.dw,
        from_body="审计",
        to_body="纪委",
        transferred_on=datetime.date(2026, 10, 20),
        case="物资采购疑似违规拆分合同",
        item=item_b,
    )
    if recommendation:
        Recommendation.objects.create(
            kind="审计建议",
            issuer_org=world.dw,
            recipient=world.zb_b,
            text="建立物资出入库台账",
            reply_due=datetime.date(2027, 1, 31),
        )
    return Ledger(world, xuncha, jijian, shenji, batch, audit, item_a, item_b, lead)
