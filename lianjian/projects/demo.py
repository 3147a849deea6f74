"""Demo 揭榜挂帅 of the Benxi company (seed 004): the company committee (BXDW) hands out
innovation projects by 招标 / 揭榜挂帅; 11 projects won awards at provincial (省部) level or
above, one of them national, and 8 approved 课题. One call is open, with two bids, for the
branches to see (zhibu's branch BX-ZB19 may still bid on it).

Each past project is a call (已评审), its winning bid (中榜), a key task in the company's
2026 key-task list (``keytasks.demo.LIST_CODE``, through the keytasks services: claimed,
started, reported, accepted for the finished ones), its stage records and awards.
Deterministic and idempotent: nothing is created when the call ``BX-JB-2026-01`` exists.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction

from lianjian.core.demo import record_demo
from lianjian.core.validation import today
from lianjian.keytasks import services as keytask_services
from lianjian.keytasks.models import KeyTaskList, TaskCategory
from lianjian.orgs.models import Member, Organisation
from lianjian.projects import rules, services
from lianjian.projects.models import Award, Bid, Call, Project, StageRecord

D = datetime.date
FIRST = "BX-JB-2026-01"
OPEN_CALL = "BX-JB-2026-OPEN"
LIST_CODE = "BX-GJRW-2026"


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


S, P, N, G, C = "省部", "省公司", "国家", "地市", "公司"
# fmt: off
# (branch, title, kind, stage, grade, awards as (level, name, issued by, date))
PROJECTS: tuple[tuple[str, str, str, str, str, tuple[tuple[str, str, str, str], ...]], ...] = (
    ("BX-ZB14", "配网设备状态智能诊断", "课题", "推广应用", "优秀", ((N, "全国电力企业管理创新成果二等奖", "中国电力企业联合会", "2026-10-28"), (S, "辽宁省企业管理现代化创新成果一等奖", "辽宁省企业联合会", "2026-06-18"))),
    ("BX-ZB10", "输电线路无人机自主巡检", "课题", "推广应用", "优秀", ((S, "辽宁省青年创新创效大赛金奖", "共青团辽宁省委", "2026-07-22"),)),
    ("BX-ZB19", "电费回收风险预警模型", "揭榜挂帅", "推广应用", "良好", ((S, "辽宁省企业管理现代化创新成果二等奖", "辽宁省企业联合会", "2026-06-18"),)),
    ("BX-ZB09", "调控一体化异常处置助手", "课题", "结项评价", "优秀", ((S, "辽宁省电力行业科技进步三等奖", "辽宁省电力行业协会", "2026-09-15"),)),
    ("BX-ZB11", "带电作业机器人辅助工法", "揭榜挂帅", "结项评价", "良好", ((S, "辽宁省职工技术创新成果二等奖", "辽宁省总工会", "2026-08-30"),)),
    ("BX-ZB07", "城区配网故障快速复电", "揭榜挂帅", "中期评估", "", ((S, "辽宁省优秀党建案例", "辽宁省国资委党委", "2026-07-01"),)),
    ("BX-ZB01", "“红色网格”优化营商环境", "课题", "推广应用", "优秀", ((S, "辽宁省企业文化优秀成果", "辽宁省企业文化促进会", "2026-05-20"),)),
    ("BX-ZB13", "变电站巡视数字孪生", "揭榜挂帅", "中期评估", "", ((S, "辽宁省青年创新创效大赛银奖", "共青团辽宁省委", "2026-07-22"),)),
    ("BX-ZB12", "应急物资智能调配", "课题", "结项评价", "良好", ((S, "辽宁省管理创新成果三等奖", "辽宁省企业联合会", "2026-06-18"), (P, "国网辽宁电力管理创新成果一等奖", "国网辽宁省电力有限公司", "2026-04-10"))),
    ("BX-ZB18", "山区供电所党建+安全生产", "揭榜挂帅", "推广应用", "优秀", ((S, "辽宁省国企党建创新案例", "辽宁省国资委党委", "2026-07-01"),)),
    ("BX-ZB24", "“七星枫情”服务队志愿服务品牌", "课题", "推广应用", "优秀", ((S, "辽宁省学雷锋志愿服务优秀项目", "辽宁省文明办", "2026-03-05"),)),
    ("BX-ZB03", "电网规划协同决策平台", "课题", "中期评估", "", ((P, "国网辽宁电力青创赛铜奖", "国网辽宁省电力有限公司", "2026-09-08"),)),
    ("BX-ZB08", "安全风险管控积分制", "揭榜挂帅", "结项评价", "合格", ((G, "本溪市安全生产创新成果", "本溪市应急管理局", "2026-08-12"),)),
    ("BX-ZB05", "党建工作数字化台账", "课题", "季度督导", "", ((C, "公司管理创新成果一等奖", "国网本溪供电公司", "2026-11-20"),)),
    ("BX-ZB02", "成本精益管控看板", "揭榜挂帅", "季度督导", "", ()),
    ("BX-ZB30", "农网台区线损治理", "揭榜挂帅", "季度督导", "", ()),
    ("BX-ZB36", "供电所综合柜员制改革", "揭榜挂帅", "立项", "", ()),
)
# fmt: on


def _secretary(org: Organisation) -> Member | None:
    members = list(Member.objects.filter(org=org, left_on__isnull=True).order_by("number"))
    for m in members:
        if "书记" in m.post and "副" not in m.post:
            return m
    return members[0] if members else None


def _task_path(stage: str) -> tuple[str, ...]:
    if stage in (rules.STAGE_FINAL, rules.STAGE_PROMOTION):
        return ("start", "request_acceptance", "accept")
    return ("start",)


def _past_project(
    n: int,
    row: tuple[str, str, str, str, str, tuple[tuple[str, str, str, str], ...]],
    ctx: dict[str, Any],
) -> bool:
    branch, title, kind, stage, grade, awards = row
    org = ctx["orgs"].get(branch)
    lead = _secretary(org) if org is not None else None
    if org is None or lead is None:
        return False
    code = f"BX-JB-2026-{n:02d}"
    call = Call.objects.create(
        code=code,
        title=title,
        problem=f"{title}：以“招标”形式调动基层党组织攻关，助力重点工作有成效、重点项目有成果",
        issuer=ctx["root"],
        kind=kind,
        theme="党建+创新",
        budget=Decimal(20 + 5 * (n % 5)),
        deadline=D(2025, 12, 20),
        criteria="问题导向、技术可行、效益明显、可推广",
        state=rules.CALL_REVIEWED,
        published_on=D(2025, 11, 20),
        reviewed_on=D(2026, 1, 10),
    )
    call.eligible_orgs.set([org])
    bid = Bid.objects.create(
        code=f"{code}-B1",
        call=call,
        bidder_org=org,
        lead=lead,
        plan=f"组建党员攻关团队，分三阶段完成{title}并推广应用",
        expected_results="形成可推广的成果和管理办法",
        budget_asked=call.budget,
        planned_end=D(2026, 12, 31),
        state=rules.BID_WON,
        submitted_on=D(2025, 12, 12),
        defence_on=D(2026, 1, 8),
    )
    started = D(2026, 1, 15)
    task = keytask_services.task_create(
        actor=None,
        task_list=ctx["list"],
        code=f"XM2026-{n:03d}",
        name=title,
        category=ctx["category"],
        theme="党建+创新",
        owner_org=org,
        owner=lead,
        planned_start=started,
        planned_end=D(2026, 12, 31),
    )
    keytask_services.task_transition(None, task, "claim", on=started)
    keytask_services.task_transition(None, task, "start", on=D(2026, 2, 1))
    percent = {"立项": 15.0, "季度督导": 55.0, "中期评估": 80.0}.get(stage, 100.0)
    report = keytask_services.report_submit(
        None, task, period="2026-11", percent=percent, text="按计划推进"
    )
    keytask_services.report_confirm(None, report)
    for action in _task_path(stage)[1:]:
        keytask_services.task_transition(None, task, action, on=D(2026, 11, 25))
    project = Project.objects.create(
        code=f"XM2026-{n:03d}",
        call=call,
        bid=bid,
        task=task,
        kind=kind,
        stage=stage,
        grade=grade,
        started_on=started,
    )
    steps = rules.STAGES[: rules.STAGES.index(stage) + 1]
    dates = (started, D(2026, 4, 10), D(2026, 7, 15), D(2026, 10, 20), D(2026, 11, 10))
    StageRecord.objects.bulk_create(
        StageRecord(
            project=project,
            stage=s,
            on=dates[i],
            grade=grade if s == rules.STAGE_FINAL else "",
            note="演示数据",
            recorded_by="系统",
        )
        for i, s in enumerate(steps)
    )
    Award.objects.bulk_create(
        Award(project=project, level=lv, name=name, issued_by=by, awarded_on=D.fromisoformat(day))
        for lv, name, by, day in awards
    )
    return True


def _open_call(root: Organisation, orgs: dict[str, Organisation]) -> int:
    day = today()
    call = services.call_create(
        actor=None,
        issuer=root,
        eligible_orgs=[
            o for c, o in orgs.items() if c in ("BX-ZB13", "BX-ZB18", "BX-ZB19", "BX-ZB24")
        ],
        code=OPEN_CALL,
        title="迎峰度夏重过载台区治理攻关",
        problem="2026年迎峰度夏期间重过载台区 46 个，需提出治理方案并在次年夏季前完成",
        kind=rules.KIND_CHALLENGE,
        theme="党建+提质增效",
        budget=Decimal("60"),
        deadline=day + datetime.timedelta(days=21),
        criteria="治理台区数量、投资效益、可复制性",
    )
    services.call_transition(None, call, "publish")
    made = 0
    for branch in ("BX-ZB18", "BX-ZB24"):
        org = orgs.get(branch)
        lead = _secretary(org) if org is not None else None
        if org is None or lead is None:
            continue
        services.bid_submit(
            actor=None,
            call=call,
            bidder_org=org,
            lead=lead,
            plan="党员突击队分片包干，先治理重载台区，再优化三相不平衡",
            expected_results="重过载台区清零",
            budget_asked=Decimal("25"),
            planned_end=day + datetime.timedelta(days=240),
        )
        made += 1
    return made


@transaction.atomic
def demo_projects(stdout: Writer | None = None) -> int:
    """Create the demo calls, bids and projects when they are missing; returns the number of
    projects created."""
    if Call.objects.filter(code=FIRST).exists():
        return 0
    root = Organisation.objects.filter(code="BXDW").first()
    task_list = KeyTaskList.objects.filter(code=LIST_CODE).first()
    if root is None or task_list is None:
        return 0
    codes = {row[0] for row in PROJECTS} | {"BX-ZB13", "BX-ZB18", "BX-ZB19", "BX-ZB24"}
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    ctx = {
        "root": root,
        "list": task_list,
        "orgs": orgs,
        "category": TaskCategory.objects.get(name=services.AWARD_CATEGORY),
    }
    made = sum(_past_project(n, row, ctx) for n, row in enumerate(PROJECTS, start=1))
    bids = _open_call(root, orgs)
    record_demo("projects.project", "揭榜挂帅", {"projects": made, "open_call_bids": bids})
    if stdout is not None and made:
        stdout.write(f"揭榜挂帅：新建项目 {made} 个，开放榜单 1 个（揭榜 {bids} 个）。")
    return made
