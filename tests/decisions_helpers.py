"""The 三重一大 rows of the decisions tests: a board-office account at DW, DW's 事项清单 and
items in several states (one whose execution ZB-A owns)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from lianjian.accounts.models import User
from lianjian.decisions import services
from lianjian.decisions.models import DecisionItem, MatterLine, MatterList
from tests.conftest import PASSWORD


@dataclass
class Register:
    board: User
    ml: MatterList
    big: MatterLine  # 大额度资金运作 ≥ 1000 万: 党委前置, 董事会
    small: MatterLine  # 大额度资金运作 ≥ 100 万: no prior study, 经理层
    draft: DecisionItem
    executing: DecisionItem  # executed by ZB-A


def board_user(world, username: str = "juece_t", org=None) -> User:
    user = User(username=username, role=User.Role.BOARD, org=org or world.dw, first_name="董办")
    user.set_password(PASSWORD)
    user.save()
    return user


def study(board, item, outcome="建议同意", day=datetime.date(2026, 3, 1), **kw):
    return services.study_record(
        actor=board,
        item=item,
        meeting="2026年第3次党委会",
        meeting_date=day,
        members=kw.pop("members", 7),
        present=kw.pop("present", 6),
        outcome=outcome,
        **kw,
    )


def decide(board, item, result="通过", day=datetime.date(2026, 3, 10)):
    return services.decision_record(
        actor=board,
        item=item,
        meeting="2026年第2次董事会",
        meeting_date=day,
        resolution="同意实施",
        result=result,
    )


def make_register(world) -> Register:
    board = board_user(world)
    ml = services.matter_list_create(
        actor=board, organisation=world.dw, year=2026, title="2026年三重一大事项清单", code="QD-DW"
    )
    big = services.line_add(
        actor=board,
        matter_list=ml,
        category="大额度资金运作",
        matter="大额资金调度",
        threshold=Decimal("1000"),
        needs_prior_study=True,
        body="董事会",
    )
    small = services.line_add(
        actor=board,
        matter_list=ml,
        category="大额度资金运作",
        matter="一般资金调度",
        threshold=Decimal("100"),
        needs_prior_study=False,
        body="经理层",
    )
    draft = services.item_create(
        actor=board,
        matter_list=ml,
        number="JC-T-1",
        title="年度融资计划",
        category="大额度资金运作",
        amount=Decimal("1000"),
        department="财务部",
        sponsor="王总会计师",
    )
    executing = services.item_create(
        actor=board,
        matter_list=ml,
        number="JC-T-2",
        title="营销服务中心改造",
        category="大额度资金运作",
        amount=Decimal("150"),
        department="营销部",
        sponsor="李副总",
    )
    services.item_submit(actor=board, item=executing)
    decide(board, executing)
    services.execution_start(
        actor=board,
        item=DecisionItem.objects.get(pk=executing.pk),
        owner_org=world.zb_a,
        owner_name="张三",
        started_on=datetime.date(2026, 3, 15),
    )
    return Register(board, ml, big, small, draft, DecisionItem.objects.get(pk=executing.pk))
