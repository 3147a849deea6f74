"""The demo 三重一大 register of 国网本溪供电公司 (BXDW), kept by the demo board office
``juece``: the 2025 and 2026 事项清单 and four items —

* 城区配网智能化改造 (重大项目安排, 2800万): re-studied (建议修改后复议, then 建议同意),
  decided by the 董事会, executed by 营销服务中心党支部 (BX-ZB19) with two linked key tasks;
* 收购光伏电站股权 (重大决策): the prior study advised 建议不予提交 — the item ended;
* 营销服务中心综合楼改造 (大额度资金运作, 1200万): decided 2025-09-18, executed, its
  post-evaluation due 2026-09-18 and overdue (red) on the demo's day;
* 办公设备集中采购 (大额度资金运作, 350万): no prior study, decided by the 经理层.

Idempotent: nothing is created when the 2026 list exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction

from lianjian.accounts.models import User
from lianjian.decisions import services
from lianjian.decisions.models import DecisionItem, MatterList
from lianjian.orgs.models import Organisation

D = datetime.date
ROOT = "BXDW"
EXECUTOR = "BX-ZB19"
LIST_CODE = "SXQD-BXDW-2026"
LINES: tuple[tuple[str, str, Decimal | None, bool, str], ...] = (
    ("重大决策", "发展战略、投资计划、股权收购与重大改革事项", None, True, "董事会"),
    ("重要人事任免", "中层及以上管理人员任免", None, True, "党委会"),
    ("重大项目安排", "技改、基建等重大项目", Decimal("500"), True, "董事会"),
    ("大额度资金运作", "大额资金调度与使用", Decimal("1000"), True, "董事会"),
    ("大额度资金运作", "一般大额资金使用", Decimal("200"), False, "经理层"),
)


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


def _list(board: User, org: Organisation, year: int) -> MatterList:
    ml = services.matter_list_create(
        actor=board,
        organisation=org,
        year=year,
        title=f"国网本溪供电公司{year}年“三重一大”事项清单",
        code=f"SXQD-{ROOT}-{year}",
        reviewed_on=D(year, 1, 10),
    )
    for category, matter, threshold, prior, body in LINES:
        services.line_add(
            actor=board,
            matter_list=ml,
            category=category,
            matter=matter,
            threshold=threshold,
            needs_prior_study=prior,
            body=body,
        )
    return ml


def _item(
    board: User,
    ml: MatterList,
    number: str,
    title: str,
    category: str,
    amount: str | None,
    department: str,
    sponsor: str,
) -> DecisionItem:
    item = services.item_create(
        actor=board,
        matter_list=ml,
        number=number,
        title=title,
        category=category,
        amount=Decimal(amount) if amount else None,
        department=department,
        sponsor=sponsor,
        materials={
            "feasibility": "可行性研究报告（OA 文号 本供发展〔2026〕12号）",
            "legal": "法律事务部审核意见",
            "risk": "风险评估报告",
        },
    )
    services.item_submit(actor=board, item=item)
    return DecisionItem.objects.get(pk=item.pk)


def _study(
    board: User, item: DecisionItem, day: datetime.date, outcome: str, note: str = ""
) -> None:
    services.study_record(
        actor=board,
        item=item,
        meeting=f"{day.year}年第{day.month}次党委会",
        meeting_date=day,
        members=9,
        present=8,
        recusals=["刘明"] if outcome != "建议同意" else [],
        opinions=[
            {"name": "王建国", "opinion": "同意" if outcome == "建议同意" else "建议进一步论证"},
            {"name": "陈立", "opinion": "关注投资回报与安全风险"},
        ],
        outcome=outcome,
        note=note,
    )


def _decide(board: User, item: DecisionItem, day: datetime.date) -> None:
    services.decision_record(
        actor=board,
        item=DecisionItem.objects.get(pk=item.pk),
        meeting=f"{day.year}年第{day.month}次{item.body}会议",
        meeting_date=day,
        resolution="同意实施，按计划推进",
        conditions="严格控制投资规模，按季度报告执行情况",
        opinions="与会人员一致同意",
        result="通过",
    )


@transaction.atomic
def demo_decisions(stdout: Writer | None = None) -> int:
    """Create the demo register when missing; returns the number of items created."""
    if MatterList.objects.filter(code=LIST_CODE).exists():
        return 0
    board = User.objects.filter(username="juece", role=User.Role.BOARD).first()
    root = Organisation.objects.filter(code=ROOT).first()
    executor = Organisation.objects.filter(code=EXECUTOR).first() or root
    if board is None or root is None or executor is None:
        return 0
    previous, current = _list(board, root, 2025), _list(board, root, 2026)

    restudied = _item(
        board,
        current,
        "JC-2026-001",
        "城区配网智能化改造项目",
        "重大项目安排",
        "2800",
        "发展策划部",
        "张副总经理",
    )
    _study(
        board, restudied, D(2026, 5, 12), "建议修改后复议", "补充分年度投资计划和停电影响评估后复议"
    )
    services.item_submit(actor=board, item=DecisionItem.objects.get(pk=restudied.pk))
    _study(board, DecisionItem.objects.get(pk=restudied.pk), D(2026, 6, 9), "建议同意")
    _decide(board, restudied, D(2026, 6, 20))
    from lianjian.keytasks.models import KeyTask

    tasks = list(
        KeyTask.objects.filter(code__in=["GJ-01", "GJ-02-05"]).values_list("code", flat=True)
    )
    services.execution_start(
        actor=board,
        item=DecisionItem.objects.get(pk=restudied.pk),
        owner_org=executor,
        owner_name="营销服务中心主任",
        started_on=D(2026, 7, 1),
        key_tasks=tasks,
    )

    refused = _item(
        board,
        current,
        "JC-2026-002",
        "收购某光伏电站股权",
        "重大决策",
        "6500",
        "产业发展部",
        "李副总经理",
    )
    _study(board, refused, D(2026, 8, 18), "建议不予提交", "与主业关联度低，投资风险较大")

    overdue = _item(
        board,
        previous,
        "JC-2025-001",
        "营销服务中心综合楼改造",
        "大额度资金运作",
        "1200",
        "营销部",
        "王副总经理",
    )
    _study(board, overdue, D(2025, 8, 20), "建议同意")
    _decide(board, overdue, D(2025, 9, 18))
    services.execution_start(
        actor=board,
        item=DecisionItem.objects.get(pk=overdue.pk),
        owner_org=executor,
        owner_name="营销服务中心主任",
        started_on=D(2025, 10, 8),
        deviations="施工工期较计划延后约一个月",
    )
    services.execution_finish(actor=board, item=DecisionItem.objects.get(pk=overdue.pk))

    direct = _item(
        board,
        current,
        "JC-2026-003",
        "办公设备集中采购",
        "大额度资金运作",
        "350",
        "物资部",
        "赵总会计师",
    )
    _decide(board, direct, D(2026, 9, 3))
    if stdout is not None:
        stdout.write(
            "三重一大：事项清单 2 份、事项 4 项（复议 1 项、不予提交 1 项、后评估逾期 1 项）。\n"
        )
    return 4
