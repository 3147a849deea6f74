"""Shared set-up of the appraisal tests: a branch ZB-A of the ``world`` with three more
正式党员 (one of them a committee member who also manages the branch) and its 预备党员."""

from __future__ import annotations

import datetime
from typing import Any

from lianjian.accounts.models import User
from lianjian.appraisals import services
from lianjian.appraisals.models import Appraisal, Participant
from lianjian.orgs.services import member_create
from tests.conftest import PASSWORD

HELD_ON = datetime.date(2026, 6, 1)


def add_members(world: Any) -> None:
    """M-A3 (正式, 组织委员, with the account ``committee_a``: a manager of ZB-A who takes
    part), M-A4 and M-A5 (正式). With M-A1 (正式) and M-A2 (预备): 4 正式 + 1 预备."""
    day = datetime.date(2012, 7, 1)
    world.m_a3 = member_create(
        actor=None,
        number="M-A3",
        name="孙七",
        org=world.zb_a,
        category="正式党员",
        joined_on=day,
        post="组织委员",
    )
    world.m_a4 = member_create(
        actor=None, number="M-A4", name="周八", org=world.zb_a, category="正式党员", joined_on=day
    )
    world.m_a5 = member_create(
        actor=None, number="M-A5", name="吴九", org=world.xz_a1, category="正式党员", joined_on=day
    )
    user = User(
        username="committee_a",
        role="manager",
        org=world.zb_a,
        member=world.m_a3,
        first_name="孙七",
    )
    user.set_password(PASSWORD)
    user.save()
    world.committee_a = user


def appraisal(world: Any, *, start: bool = True) -> Appraisal:
    """The 2026 appraisal of ZB-A (测评中 unless ``start`` is False)."""
    add_members(world)
    a = services.appraisal_create(
        actor=world.manager_a, branch=world.zb_a, year=2026, held_on=HELD_ON
    )
    if start:
        a = services.appraisal_start(actor=world.manager_a, appraisal=a)
    return a


def part(a: Appraisal, number: str) -> Participant:
    return Participant.objects.get(appraisal=a, member__number=number)
