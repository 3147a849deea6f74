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


# An appraisal of ZB-A in a given state (made once, e.g. inside a request's savepoint). Each
# state has its own year (one appraisal per branch and year); M-A9 is a second 正式党员 so
# that member_a has someone to rate.
_APPRAISAL_YEARS = {"准备": 2021, "已决定": 2022, "测评结束": 2023, "测评中": 2024}


def appraisal_in(w: Any, state: str) -> Any:
    from lianjian.activities.selectors import TZ
    from lianjian.appraisals import services as appraisal_services
    from lianjian.appraisals.models import Appraisal
    from lianjian.orgs.models import Member
    from lianjian.orgs.services import member_create

    year = _APPRAISAL_YEARS[state]
    found = Appraisal.objects.filter(branch=w.zb_a, year=year).first()
    if found is not None:
        return found
    if not Member.objects.filter(number="M-A9").exists():
        member_create(
            actor=None,
            number="M-A9",
            name="评议九",
            org=w.zb_a,
            category="正式党员",
            joined_on=datetime.date(2010, 1, 1),
        )
    a = appraisal_services.appraisal_create(
        actor=w.admin, branch=w.zb_a, year=year, held_on=datetime.date(year, 6, 1)
    )
    if state == "准备":
        return a
    a = appraisal_services.appraisal_start(actor=w.admin, appraisal=a)
    if state == "测评中":
        return a
    a = appraisal_services.appraisal_close_rating(actor=w.admin, appraisal=a)
    for p in a.participants.all():
        appraisal_services.decide(actor=w.admin, appraisal=a, participant=p, grade="合格")
    if state == "测评结束":
        return a
    return appraisal_services.record_meeting(
        actor=w.admin, appraisal=a, start=datetime.datetime(year, 12, 1, 10, tzinfo=TZ)
    )
