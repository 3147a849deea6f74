"""Demo 党建+关键任务 of 2026 for the Benxi company (seed 002's four categories).

The company committee (BXDW) issued its 2026 key-task list after the 2026年第2次党委会;
each of the four categories (技改项目, 生产任务指标, 设备运维, 安全环保) is a company task
decomposed to the seven county companies and some branches, each sub-task with a 党员 owner,
a sponsor leader, milestones or KPI values and monthly reports — in every state and every
colour (green, yellow, red as of the day the demo is looked at, late 2026). zhibu (BX-ZB19)
and its member dangyuan own the 电费回收 task (a report waiting for the company to confirm);
zhibu2 (BX-ZB18) owns a county sub-task; BX-ZB19 has a December 重点任务包.

Deterministic and idempotent: nothing is created when the list ``BX-GJRW-2026`` exists.
Writes go through the services as the system (audited).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction

from lianjian.accounts.models import User
from lianjian.core.validation import today
from lianjian.keytasks import rules, services
from lianjian.keytasks.models import KeyTask, KeyTaskList, TaskCategory
from lianjian.orgs.models import Member, Organisation

D = datetime.date
LIST_CODE = "BX-GJRW-2026"
YEAR = 2026
COUNTIES = ("BX-ZB01", "BX-ZB07", "BX-ZB13", "BX-ZB18", "BX-ZB24", "BX-ZB30", "BX-ZB36")


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


@dataclass
class Spec:
    """One demo task: where it hangs, what it measures, how far it got."""

    code: str
    name: str
    org: str
    category: str
    theme: str
    mode: str = rules.MANUAL
    parent: str | None = None
    weight: float = 1.0
    excluded: bool = False
    start: datetime.date = D(YEAR, 1, 1)
    end: datetime.date = D(YEAR, 12, 31)
    state: str = rules.IN_PROGRESS  # the state to reach
    reason: str = ""
    reports: tuple[tuple[str, float, float | None, bool], ...] = ()  # (period, %, kpi, confirmed)
    milestones: tuple[
        tuple[str, float, datetime.date, datetime.date | None, datetime.date | None], ...
    ] = ()
    kpi: tuple[str, float, float, str] | None = None  # unit, baseline, target, direction
    owner: str | None = None  # a member number; default the organisation's secretary
    preset: str = ""
    started: datetime.date = D(YEAR, 2, 10)
    extra: dict[str, Any] = field(default_factory=dict)


def _ms(
    plan: str, done: str | None, accepted: str | None, name: str, weight: float
) -> tuple[str, float, datetime.date, datetime.date | None, datetime.date | None]:
    return (
        name,
        weight,
        D.fromisoformat(plan),
        D.fromisoformat(done) if done else None,
        D.fromisoformat(accepted) if accepted else None,
    )


def _county_upgrade(i: int, code: str) -> Spec:
    """配网自动化改造 of one county: three milestones, accepted further or less far."""
    stage = (3, 3, 2, 2, 1, 2, 0)[i]  # milestones accepted
    plan = (
        ("2026-03-31", "设计方案批复", 2.0),
        ("2026-07-31", "终端设备安装调试", 5.0),
        ("2026-11-30", "主站联调投运", 3.0),
    )
    ms = []
    for n, (day, name, weight) in enumerate(plan):
        done = accepted = None
        if n < stage:
            done = (
                D.fromisoformat(day) + datetime.timedelta(days=(0, 5, 12, 3, 20, 9, 0)[i])
            ).isoformat()
            accepted = (D.fromisoformat(done) + datetime.timedelta(days=7)).isoformat()
        ms.append(_ms(day, done, accepted, name, weight))
    state = (
        rules.ACCEPTANCE
        if stage == 3 and i == 1
        else (rules.ACCEPTED if stage == 3 else rules.IN_PROGRESS)
    )
    if i == 6:
        state = rules.CLAIMED
    return Spec(
        code=f"GJ-01-{i + 1:02d}",
        name=f"{('平山区', '溪湖区', '明山区', '桓仁县', '本溪县', '高新区', '南芬区')[i]}配网自动化改造",
        org=code,
        category="技改项目",
        theme="党建+技改",
        mode=rules.MILESTONES,
        parent="GJ-01",
        weight=(380, 260, 300, 520, 450, 210, 180)[i],
        state=state,
        milestones=tuple(ms),
    )


def specs() -> list[Spec]:
    out: list[Spec] = [
        Spec(
            "GJ-01", "配网自动化改造工程（七县区）", "BXDW", "技改项目", "党建+技改", rules.CHILDREN
        ),
        Spec(
            "GJ-02",
            "供电可靠性与电费回收指标",
            "BXDW",
            "生产任务指标",
            "党建+提质增效",
            rules.CHILDREN,
        ),
        Spec(
            "GJ-03", "变电设备隐患排查与消缺", "BXDW", "设备运维", "党建+设备管理", rules.CHILDREN
        ),
        Spec(
            "GJ-04", "安全生产专项整治三年行动", "BXDW", "安全环保", "党建+安全生产", rules.CHILDREN
        ),
    ]
    out += [_county_upgrade(i, code) for i, code in enumerate(COUNTIES)]
    # 生产任务指标: reliability of four counties (KPI), 电费回收 of the marketing centre
    for i, (code, current, name) in enumerate(
        (
            ("BX-ZB01", 99.952, "平山区"),
            ("BX-ZB07", 99.935, "溪湖区"),
            ("BX-ZB18", 99.905, "桓仁县"),
            ("BX-ZB24", 99.918, "本溪县"),
        )
    ):
        out.append(
            Spec(
                f"GJ-02-{i + 1:02d}",
                f"{name}城网供电可靠率提升至 99.95%",
                code,
                "生产任务指标",
                "党建+提质增效",
                rules.KPI,
                parent="GJ-02",
                kpi=("%", 99.90, 99.95, rules.HIGHER),
                reports=(
                    ("2026Q2", 40.0, round(99.90 + (current - 99.90) * 0.5, 3), True),
                    ("2026Q3", 80.0, current, True),
                ),
            )
        )
    out.append(
        Spec(
            "GJ-02-05",
            "电费回收率 100%、陈欠电费清零",
            "BX-ZB19",
            "生产任务指标",
            "党建+营销服务",
            rules.MANUAL,
            parent="GJ-02",
            owner="dangyuan",
            reports=(
                ("2026-09", 70.0, None, True),
                ("2026-10", 78.0, None, True),
                ("2026-11", 86.0, None, False),
            ),
        )
    )
    # 设备运维: the substation and distribution workshops
    for code, name, reached, state in (
        ("BX-ZB15", "220千伏变电站主变缺陷消缺", (60.0, 72.0, 80.0), rules.IN_PROGRESS),
        ("BX-ZB16", "老旧开关柜隐患治理", (35.0, 45.0, 52.0), rules.IN_PROGRESS),
        ("BX-ZB17", "配网线路通道清障与防外破", (88.0, 95.0, 100.0), rules.ACCEPTANCE),
    ):
        out.append(
            Spec(
                f"GJ-03-{code[-2:]}",
                name,
                code,
                "设备运维",
                "党建+设备管理",
                parent="GJ-03",
                state=state,
                reports=tuple(
                    (p, v, None, True)
                    for p, v in zip(("2026-09", "2026-10", "2026-11"), reached, strict=True)
                ),
            )
        )
    # 安全环保: counties and the safety department; one 暂缓, one 不计入, one returned, one not claimed
    out += [
        Spec(
            "GJ-04-01",
            "反违章专项治理",
            "BX-ZB08",
            "安全环保",
            "党建+安全生产",
            parent="GJ-04",
            reports=(("2026-10", 85.0, None, True), ("2026-11", 92.0, None, True)),
        ),
        Spec(
            "GJ-04-02",
            "农网作业现场安全管控",
            "BX-ZB18",
            "安全环保",
            "党建+安全生产",
            parent="GJ-04",
            state=rules.RETURNED,
            reason="现场管控台账不全，请补充作业票和到岗到位记录后重新申请验收",
            reports=(("2026-10", 90.0, None, True),),
        ),
        Spec(
            "GJ-04-03",
            "有限空间作业专项整治",
            "BX-ZB24",
            "安全环保",
            "党建+安全生产",
            parent="GJ-04",
            state=rules.SUSPENDED,
            reason="配合市应急局统一部署，顺延至 2027 年一季度",
        ),
        Spec(
            "GJ-04-04",
            "危化品库房标准化（试点）",
            "BX-ZB30",
            "安全环保",
            "党建+安全生产",
            parent="GJ-04",
            excluded=True,
            reports=(("2026-10", 30.0, None, True),),
        ),
        Spec(
            "GJ-04-05",
            "防汛隐患排查治理",
            "BX-ZB36",
            "安全环保",
            "党建+安全生产",
            parent="GJ-04",
            state=rules.ISSUED,
            start=D(YEAR, 5, 1),
            end=D(YEAR, 12, 15),
        ),
    ]
    return out


def _owner(org: Organisation, spec: Spec) -> Member | None:
    if spec.owner == "dangyuan":
        user = User.objects.filter(username="dangyuan").select_related("member").first()
        if user is not None and user.member is not None:
            return user.member
    members = list(Member.objects.filter(org=org, left_on__isnull=True).order_by("number"))
    for m in members:
        if "书记" in m.post and "副" not in m.post:
            return m
    return members[0] if members else None


def _sponsor() -> Member | None:
    return (
        Member.objects.filter(org__code="BX-ZB05", left_on__isnull=True, post__contains="书记")
        .order_by("number")
        .first()
    )


# The department whose secretary owns each company task.
LEADS = {"GJ-01": "BX-ZB03", "GJ-02": "BX-ZB02", "GJ-03": "BX-ZB14", "GJ-04": "BX-ZB08"}

PATH_TO = {
    rules.CLAIMED: ("claim",),
    rules.IN_PROGRESS: ("claim", "start"),
    rules.ACCEPTANCE: ("claim", "start", "request_acceptance"),
    rules.ACCEPTED: ("claim", "start", "request_acceptance", "accept"),
    rules.RETURNED: ("claim", "start", "request_acceptance", "return"),
    rules.SUSPENDED: ("claim", "start", "suspend"),
    rules.ISSUED: (),
}


@transaction.atomic
def demo_keytasks(stdout: Writer | None = None) -> int:
    """Create the demo list when it is missing; returns the number of tasks created."""
    if KeyTaskList.objects.filter(code=LIST_CODE).exists():
        return 0
    root = Organisation.objects.filter(code="BXDW").first()
    if root is None:
        return 0
    day = today()
    task_list = services.list_create(
        actor=None,
        organisation=root,
        year=YEAR,
        name="国网本溪供电公司 2026 年党建+关键任务清单",
        code=LIST_CODE,
        approval_ref="2026年第2次党委会（审议通过）",
        approved_on=D(YEAR, 1, 16),
    )
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(
            code__in={s.org for s in specs()} | set(LEADS.values())
        )
    }
    categories = {c.name: c for c in TaskCategory.objects.all()}
    sponsor = _sponsor()
    made: dict[str, KeyTask] = {}
    for position, spec in enumerate(specs()):
        org = orgs.get(spec.org)
        if org is None:
            continue
        fields: dict[str, Any] = {
            "name": spec.name,
            "category": categories[spec.category],
            "theme": spec.theme,
            "owner_org": org,
            "owner": _owner(orgs.get(LEADS.get(spec.code, ""), org), spec),
            "sponsor": sponsor,
            "planned_start": spec.start,
            "planned_end": spec.end,
            "progress_mode": spec.mode,
            "weight": spec.weight,
            "excluded": spec.excluded,
            "preset": spec.preset,
            "position": position,
            "parent": made.get(spec.parent) if spec.parent else None,
        }
        if spec.kpi is not None:
            unit, baseline, target, direction = spec.kpi
            fields.update(
                kpi_unit=unit, kpi_baseline=baseline, kpi_target=target, kpi_direction=direction
            )
        made[spec.code] = services.task_create(
            actor=None, task_list=task_list, code=spec.code, **fields
        )
        for n, (name, weight, planned, _, _) in enumerate(spec.milestones):
            services.milestone_save(
                None, made[spec.code], name=name, weight=weight, planned_on=planned
            )
            del n
    services.list_transition(None, task_list, "issue")
    services.list_transition(None, task_list, "start")
    for spec in specs():
        task = made.get(spec.code)
        if task is None:
            continue
        task.refresh_from_db()
        if spec.parent is None:
            services.task_transition(None, task, "claim", on=spec.started)
            services.task_transition(None, task, "start", on=spec.started)
            continue
        for action in PATH_TO[spec.state]:
            if action in ("return", "suspend") or action == "accept":
                continue
            services.task_transition(None, task, action, on=spec.started)
            if action == "start":
                _progress(task, spec, day)
        if spec.state == rules.ACCEPTED:
            services.task_transition(None, task, "accept", on=D(YEAR, 11, 28))
        elif spec.state in (rules.RETURNED, rules.SUSPENDED):
            action = "return" if spec.state == rules.RETURNED else "suspend"
            services.task_transition(None, task, action, reason=spec.reason)
    package = services.package_create(
        None,
        organisation=orgs.get("BX-ZB19") or root,
        month="2026-12",
        name="12月重点任务包：电费回收攻坚",
        items=[
            ("陈欠电费用户走访（平山片区）", made.get("GJ-02-05")),
            ("高压客户电费风险排查", made.get("GJ-02-05")),
            ("“网上国网”交费推广进社区", None),
        ],
    )
    services.package_publish(None, package)
    owner = made["GJ-02-05"].owner if "GJ-02-05" in made else None
    first = package.items.order_by("id").first()
    if owner is not None and first is not None:
        services.package_item_claim(None, first, owner)
    if stdout is not None:
        stdout.write(f"党建+关键任务：新建清单 1 个、任务 {len(made)} 项、任务包 1 个。")
    return len(made)


def _progress(task: KeyTask, spec: Spec, day: datetime.date) -> None:
    """Milestones done and accepted, reports submitted and confirmed, as the spec says."""
    for name, _, _, done, accepted in spec.milestones:
        m = task.milestones.get(name=name)
        if done is not None and done <= day:
            services.milestone_done(None, m, done)
            if accepted is not None and accepted <= day:
                services.milestone_accept(None, m, accepted)
    for period, percent, kpi, confirmed in spec.reports:
        if rules.period_problem(period, YEAR, day):
            continue
        report = services.report_submit(
            None,
            task,
            period=period,
            percent=percent,
            kpi_value=kpi,
            text=f"{period} 进展：按计划推进，完成 {percent:g}%。",
        )
        if confirmed:
            services.report_confirm(None, report)
