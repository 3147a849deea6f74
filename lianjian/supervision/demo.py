"""Demo 监督台账 for the Benxi company.

- ``BX-XC-2026-01``: the company committee's 2026 round of 巡察 (issued by 巡察办, account
  ``xuncha``) inspecting the company, fed back 75 days before the day the demo is loaded,
  with 12 items in every state (待整改, 整改中, 申请销号, 已销号, 已巩固, 重新整改) and every
  colour (deadlines green, yellow and red as of that day) for zhibu's branch (BX-ZB19) and
  zhibu2's (BX-ZB18); measures in every state; its first rectification report submitted.
- ``BX-NS-2026-01``: an internal audit (审计, ``shenji``) fed back four months earlier, with
  its first report and the monthly reports submitted but the last one due.
- A lead handed from 审计 to 纪委 (``jijian``) from the audit's item, and a 以案促改 rule
  (a revised 物资管理办法) linked to two items.
- ``BX-JJ-2026-01``: the 纪委's own 纪检监督检查 (``jijian``) with two items of zhibu's branch.
- 双重问责: of the audit's item (党内), and of the decision JC-2025-001 (a 较大 loss, both tracks).

Deterministic and idempotent (nothing is created when the batch ``BX-XC-2026-01`` exists);
writes go through the services as the system (audited).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction

from lianjian.core.validation import today
from lianjian.orgs.models import Member, Organisation
from lianjian.supervision import rules, services
from lianjian.supervision.models import Batch, Item

XC = "BX-XC-2026-01"
NS = "BX-NS-2026-01"
JJ = "BX-JJ-2026-01"
ROOT = "BXDW"
BRANCH = "BX-ZB19"  # zhibu's branch
BRANCH2 = "BX-ZB18"  # zhibu2's branch


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


# (number, branch, description, tags, kind, deadline in days from today, state to reach,
#  measure states, flags)
ITEMS: tuple[tuple[str, str, str, str, str, int, str, tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "1",
        BRANCH,
        "“三会一课”记录不完整，部分支部委员会无会议记录",
        "组织建设",
        "限期整改",
        60,
        rules.PENDING,
        (),
        ("重要",),
    ),
    (
        "2",
        BRANCH2,
        "党员发展程序不规范，个别发展对象培养考察材料缺失",
        "组织建设",
        "限期整改",
        5,
        rules.PENDING,
        (),
        (),
    ),
    (
        "3",
        BRANCH,
        "党费收缴不及时，存在补交现象",
        "党费管理",
        "立行立改",
        -10,
        rules.PENDING,
        (),
        (),
    ),
    (
        "4",
        BRANCH,
        "主题党日活动与生产经营结合不紧",
        "党建融合",
        "长期坚持",
        90,
        rules.IN_PROGRESS,
        (rules.ADVANCING, rules.NOT_STARTED),
        (),
    ),
    (
        "5",
        BRANCH2,
        "物资出入库台账不清，账实不符",
        "物资管理",
        "限期整改",
        3,
        rules.IN_PROGRESS,
        (rules.COMPLETED, rules.ADVANCING),
        ("疑似违纪", "需问责"),
    ),
    (
        "6",
        BRANCH,
        "营销服务窗口服务承诺未公开",
        "作风建设",
        "立行立改",
        -20,
        rules.IN_PROGRESS,
        (rules.ADVANCING,),
        (),
    ),
    (
        "7",
        BRANCH2,
        "安全生产责任清单未更新到班组",
        "安全生产",
        "限期整改",
        40,
        rules.APPLIED,
        (rules.VERIFIED,),
        (),
    ),
    (
        "8",
        BRANCH,
        "廉洁风险防控点未覆盖新业务",
        "廉洁建设",
        "限期整改",
        -5,
        rules.APPLIED,
        (rules.VERIFIED, rules.VERIFIED),
        ("重要",),
    ),
    (
        "9",
        BRANCH,
        "学习强国学习积分统计不规范",
        "学习教育",
        "立行立改",
        30,
        rules.CLOSED,
        (rules.VERIFIED,),
        (),
    ),
    (
        "10",
        BRANCH2,
        "党员活动室设施陈旧",
        "阵地建设",
        "限期整改",
        20,
        rules.CONSOLIDATED,
        (rules.VERIFIED,),
        (),
    ),
    (
        "11",
        BRANCH,
        "客户投诉整改闭环不到位",
        "作风建设",
        "限期整改",
        6,
        rules.REOPENED,
        (rules.VERIFIED,),
        (),
    ),
    (
        "12",
        BRANCH2,
        "用车管理不规范，派车单填写不全",
        "廉洁建设",
        "立行立改",
        -30,
        rules.IN_PROGRESS,
        (rules.COMPLETED,),
        ("需问责",),
    ),
)
MEASURE_TEXTS = ("制定整改方案并明确责任人", "逐项整改并留存佐证材料")


def _walk_item(item: Item, state: str, measures: tuple[str, ...], day: datetime.date) -> None:
    """Take ``item`` to ``state`` through the services: its measures, then the 销号 loop."""
    made = [
        services.measure_add(
            actor=None,
            item=item,
            text=MEASURE_TEXTS[i % 2],
            deadline=item.deadline,
            owner="支部书记" if i == 0 else "支部委员",
        )
        for i in range(len(measures))
    ]
    for measure, target in zip(made, measures, strict=True):
        for step in rules.MEASURE_STEPS[1 : rules.MEASURE_STEPS.index(target) + 1]:
            services.measure_step(actor=None, measure=measure, state=step)
    if state in (rules.PENDING, rules.IN_PROGRESS):
        return
    services.item_act(actor=None, item=item, action=rules.APPLY, day=day)
    if state == rules.APPLIED:
        return
    closed = min(day, item.deadline) - datetime.timedelta(days=2)
    services.item_act(actor=None, item=item, action=rules.ACCEPT, day=closed)
    if state == rules.CONSOLIDATED:
        services.item_act(actor=None, item=item, action=rules.CONFIRM, day=day)
    elif state == rules.REOPENED:
        services.item_act(
            actor=None, item=item, action=rules.REOPEN, reason="回头看发现同类投诉再次发生", day=day
        )


@transaction.atomic
def demo_supervision(*, stdout: Writer | None = None) -> int:
    """Create the demo ledger when it is missing; returns how many items were created."""
    if Batch.objects.filter(code=XC).exists():
        return 0
    orgs = Organisation.objects.in_bulk([ROOT, BRANCH, BRANCH2], field_name="code")
    if len(orgs) != 3:
        return 0
    day = today()
    root = orgs[ROOT]
    secretaries = {
        m.org_id: m
        for m in Member.objects.filter(org__in=[orgs[BRANCH], orgs[BRANCH2]], post="书记")
    }
    batch = services.batch_create(
        actor=None,
        code=XC,
        title="2026年公司党委第一轮巡察",
        source=rules.XUNCHA,
        issuing_body="公司党委第一巡察组",
        issuing_org=root,
        inspected_org=root,
        feedback_date=day - datetime.timedelta(days=75),
        plan_meeting="2026年第9次党委会审议整改方案",
    )
    services.report_submit(
        actor=None,
        batch=batch,
        submitted_on=day - datetime.timedelta(days=20),
        title="巡察整改情况报告",
    )
    made: dict[str, Item] = {}
    for number, org, text, tags, kind, days, state, measures, flags in ITEMS:
        branch = orgs[org]
        item = services.item_create(
            actor=None,
            batch=batch,
            number=number,
            description=text,
            tags=tags,
            responsible_org=branch,
            responsible_leader=secretaries.get(branch.pk),
            tracker="巡察办 王敏",
            kind=kind,
            deadline=day + datetime.timedelta(days=days),
            important="重要" in flags,
            suspected_violation="疑似违纪" in flags,
            needs_accountability="需问责" in flags,
        )
        _walk_item(item, state, measures, day)
        made[number] = item
    audit = services.batch_create(
        actor=None,
        code=NS,
        title="2026年物资采购内部审计",
        source=rules.INTERNAL_AUDIT,
        issuing_body="公司审计部",
        issuing_org=root,
        inspected_org=root,
        feedback_date=day - datetime.timedelta(days=120),
    )
    for due in audit.due_dates(day, None)[:-1]:
        services.report_submit(
            actor=None,
            batch=audit,
            submitted_on=due - datetime.timedelta(days=1),
            title=f"{due:%Y年%m月}整改进展报告",
        )
    audit_item = services.item_create(
        actor=None,
        batch=audit,
        number="1",
        description="部分采购合同拆分签订，规避公开招标",
        tags="物资采购",
        responsible_org=orgs[BRANCH2],
        kind="限期整改",
        deadline=day + datetime.timedelta(days=45),
        suspected_violation=True,
        needs_accountability=True,
    )
    services.lead_create(
        actor=None,
        org=root,
        item=audit_item,
        from_body="审计",
        to_body="纪委",
        transferred_on=day - datetime.timedelta(days=100),
        case="内部审计发现某单位2026年3项采购合同拆分签订，涉嫌规避公开招标，移交纪委核查。",
    )
    services.system_change_create(
        actor=None,
        org=root,
        title="国网本溪供电公司物资管理办法（2026年修订）",
        kind="修订",
        adopted_on=day - datetime.timedelta(days=10),
        link="https://example.com/rules/wuzi-2026",
        items=[made["5"], audit_item],
    )
    services.recommendation_create(
        actor=None,
        kind="审计建议",
        issuer_org=root,
        recipient=orgs[BRANCH2],
        text="建立物资出入库月度盘点制度，账实每月核对。",
        reply_due=day + datetime.timedelta(days=15),
        items=[made["5"]],
    )
    services.accountability_create(
        actor=None,
        item=audit_item,
        subject="物资供应中心采购专责",
        responsibility="直接",
        handling="诫勉谈话",
        decided_on=day - datetime.timedelta(days=20),
        party_track=True,
    )
    _decision_accountability(day)
    _discipline_check(root, orgs[BRANCH], secretaries.get(orgs[BRANCH].pk), day)
    count = len(made) + 3
    if stdout is not None:
        stdout.write(f"监督台账：新建批次 3 个、问题 {count} 个、线索 1 条。\n")
    return count


def _decision_accountability(day: datetime.date) -> None:
    """The decision whose post-evaluation is overdue (JC-2025-001 of the decisions demo) caused
    a 较大 loss: both tracks, 经营 and 党内, linked to its prior study (supervision.md §1)."""
    from lianjian.decisions.models import DecisionItem

    decision = DecisionItem.objects.filter(number="JC-2025-001").first()
    if decision is None:
        return
    services.accountability_create(
        actor=None,
        decision=decision,
        subject="项目分管负责人",
        responsibility="主管",
        handling="经济处罚并通报批评；党内诫勉",
        decided_on=day - datetime.timedelta(days=30),
        business_track=True,
        loss=Decimal("8600000"),
        party_track=True,
    )


def _discipline_check(
    root: Organisation, branch: Organisation, secretary: Member | None, day: datetime.date
) -> None:
    """The 纪委's own 纪检监督检查 of 2026 with two items of one branch, so the 纪检 account's
    ledger holds its body's records (one in 整改中, one just issued)."""
    check = services.batch_create(
        actor=None,
        code=JJ,
        title="2026年作风建设专项监督检查",
        source=rules.DISCIPLINE_CHECK,
        issuing_body="公司纪委",
        issuing_org=root,
        inspected_org=root,
        feedback_date=day - datetime.timedelta(days=30),
    )
    first = services.item_create(
        actor=None,
        batch=check,
        number="1",
        description="公务用车使用登记不完整",
        tags="作风建设",
        responsible_org=branch,
        responsible_leader=secretary,
        kind="限期整改",
        deadline=day + datetime.timedelta(days=20),
    )
    services.measure_add(
        actor=None,
        item=first,
        text="逐车补登使用记录并每月核对",
        owner="综合办",
        deadline=day + datetime.timedelta(days=10),
    )
    services.item_create(
        actor=None,
        batch=check,
        number="2",
        description="节日期间廉洁提醒未覆盖全体党员",
        tags="廉洁教育",
        responsible_org=branch,
        kind="立行立改",
        deadline=day + datetime.timedelta(days=5),
        important=True,
    )
