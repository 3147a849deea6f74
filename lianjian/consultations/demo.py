"""Demo joint meetings and problem list of 2026 for the Benxi company (seeds 000 and 001).

Call after the alliances exist (``demo_alliances``); deterministic (no clock, no random) and
idempotent: meetings (``LX-2026-…``) and problems (``WT-2026-…``) are created by code only
when missing. Built for the reference date 2026-11-21 (``orgs.demo.REFERENCE_DATE``).

Every alliance held two joint meetings (March and August); five of them prepare a December
meeting for the problems raised since. The 31 problems — 线路通道清障, 配网改造征地协调,
客户用电报装, 乡村振兴电力保障, 营商环境 … — are in every state: 10 已销号, 4 待确认,
8 办理中 (one sent back once), 4 已分派, 5 待研究; of the twelve being worked on, four are
overdue (red), four due within seven days (yellow) and four on track. zhibu (BX-ZB19) has a
solved problem to confirm; zhibu2 (BX-ZB18) leads the network where BX-ZB19 raises problems.
"""

from __future__ import annotations

import datetime
from typing import Any, Protocol

from django.db import transaction

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.consultations import rules
from lianjian.consultations.models import (
    AgendaItem,
    JointMeeting,
    MeetingAttendee,
    MeetingStatus,
    Problem,
    ProblemEvent,
    ProblemOwner,
)
from lianjian.core.demo import record_demo
from lianjian.orgs.demo import REFERENCE_DATE
from lianjian.orgs.models import Member, Organisation

D = datetime.date
TZ = datetime.timezone(datetime.timedelta(hours=8))
ALLIANCES = (
    "CY-01",
    "JD-01",
    "LJW-01",
    "LJW-02",
    "LJW-03",
    "LJW-04",
    "LJW-05",
    "LJW-06",
    "LJW-07",
    "QY-01",
    "ZQ-01",
    "ZQ-02",
)
DECEMBER = ("LJW-01", "LJW-04", "LJW-06", "QY-01", "ZQ-01")
# Partner units name a department as liaison; at a meeting a person represents them.
PARTNER_PEOPLE = {
    "WB-BXXZF": ("周志远", "县政府机关党委副书记"),
    "WB-HRXZF": ("韩雪松", "县政府机关党委委员"),
    "WB-LNKJXY": ("孙丽娟", "学院党委组织部部长"),
    "WB-ZQSQ": ("杜春梅", "社区党委书记"),
    "WB-BXRD": ("高长青", "公司党群工作部主任"),
}

# (alliance, raiser, owners, title, category, urgency, state, raised, deadline, solved, reopened, description, resolution)
# Network roles: L the lead, A/B/C its other branches by code.
# fmt: off
PROBLEMS: tuple[tuple[Any, ...], ...] = (
    ("ZQ-01", "BX-ZB24", ("WB-BXXZF", "BX-ZB24"), "10kV线路通道树障清理协调", "安全生产", "紧急", "已销号", D(2026, 2, 20), D(2026, 5, 31), D(2026, 5, 18), False, "小市镇、草河口镇段10kV线路通道内速生杨树超高，部分林地权属不清，清障需乡镇协调林权人。", "县政府牵头召开林权人协调会，清理通道树障 1,260 棵，签订通道维护协议 36 份。"),
    ("ZQ-01", "BX-ZB24", ("WB-BXXZF",), "配网改造工程征地与青苗补偿协调", "生产经营难点", "较急", "办理中", D(2026, 7, 10), D(2026, 11, 10), None, False, "2026年农网改造工程有 14 基杆塔涉及征地，青苗补偿标准争议导致施工停滞。", ""),
    ("ZQ-01", "WB-BXXZF", ("BX-ZB24",), "工业园区企业用电报装提速", "营商环境", "较急", "待确认", D(2026, 7, 22), D(2026, 10, 31), D(2026, 11, 12), False, "园区新入驻企业反映高压报装环节多、时间长，影响项目投产。", "推行“先接入、后改造”和联合踏勘，高压报装平均时长由 38 天压缩至 21 天。"),
    ("ZQ-01", "WB-BXXZF", (), "小市镇老旧台区低电压治理", "民生服务", "一般", "待研究", D(2026, 11, 5), None, None, False, "镇区北片 3 个老旧台区晚高峰电压偏低，居民反映电器无法正常使用。", ""),
    ("ZQ-02", "WB-HRXZF", ("BX-ZB18",), "乡村振兴示范村电力保障", "乡村振兴", "较急", "已销号", D(2026, 2, 26), D(2026, 6, 30), D(2026, 6, 12), False, "5 个乡村振兴示范村发展民宿和农产品加工，现有配变容量不足。", "新增和增容配变 7 台，示范村户均容量提升至 3.2 千伏安。"),
    ("ZQ-02", "BX-ZB18", ("WB-HRXZF",), "农网改造施工占地协调", "生产经营难点", "较急", "办理中", D(2026, 7, 15), D(2026, 11, 25), None, True, "八里甸子镇农网改造线路路径涉及基本农田，需县自然资源部门协调。", ""),
    ("ZQ-02", "WB-HRXZF", ("BX-ZB18",), "五女山景区充电桩布点", "营商环境", "一般", "已分派", D(2026, 7, 28), D(2026, 12, 31), None, False, "旅游旺季自驾游客充电需求集中，景区周边缺少公共充电设施。", ""),
    ("ZQ-02", "BX-ZB18", ("WB-HRXZF", "BX-ZB18"), "汛期山区线路巡护联动", "安全生产", "紧急", "已销号", D(2026, 3, 2), D(2026, 6, 15), D(2026, 6, 10), False, "山区线路汛期易受山洪、滑坡影响，巡护力量不足，需与乡镇应急力量联动。", "建立“供电所+乡镇应急队”汛期联巡机制，组织联合演练 2 次。"),
    ("JD-01", "BX-ZB32", ("WB-LNKJXY", "BX-ZB32"), "配网故障精准定位技术联合攻关", "生产经营难点", "一般", "办理中", D(2026, 3, 1), D(2026, 12, 20), None, False, "配网单相接地故障定位依赖人工巡线，平均查找时间超过 2 小时。", ""),
    ("JD-01", "WB-LNKJXY", ("BX-ZB32",), "实践基地学生入场安全培训", "安全生产", "一般", "已销号", D(2026, 3, 3), D(2026, 4, 30), D(2026, 4, 20), False, "学生进入变电站、生产现场实践前需系统的安全培训和考核。", "编制实践基地安全培训教材，完成 3 批 96 名学生培训考核。"),
    ("QY-01", "BX-ZB19", ("WB-ZQSQ",), "老旧小区表箱改造入户协调", "民生服务", "较急", "待确认", D(2026, 7, 20), D(2026, 10, 31), D(2026, 11, 16), False, "站前街道 6 个老旧小区表箱锈蚀，改造需逐户入户，居民配合度不高。", "社区网格员逐户动员，完成 6 个小区 1,128 户表箱改造。"),
    ("QY-01", "WB-ZQSQ", ("BX-ZB19", "BX-ZB20"), "独居老人家庭用电安全检查", "民生服务", "一般", "办理中", D(2026, 8, 1), D(2026, 11, 27), None, False, "社区登记独居老人 86 户，室内线路老化，存在用电安全隐患。", ""),
    ("QY-01", "BX-ZB20", ("WB-ZQSQ",), "社区网格协助电费政策宣传", "基层治理", "一般", "已销号", D(2026, 2, 27), D(2026, 5, 31), D(2026, 5, 8), False, "阶梯电价和线上缴费政策知晓率低，老年居民缴费不便。", "依托社区网格开展政策宣传 12 场，代办线上缴费绑定 430 户。"),
    ("QY-01", "BX-ZB19", (), "站前街道充电车位私拉乱接治理", "安全生产", "较急", "待研究", D(2026, 11, 12), None, None, False, "部分小区居民从楼道私拉电线为电动车充电，存在火灾隐患。", ""),
    ("CY-01", "WB-BXRD", ("BX-ZB04", "BX-ZB07"), "迎峰度冬热电联供保障", "安全生产", "紧急", "已分派", D(2026, 8, 3), D(2026, 11, 20), None, False, "供暖期热电机组满负荷运行，厂用电和外送线路需重点保障。", ""),
    ("CY-01", "BX-ZB04", ("WB-BXRD",), "热电厂并网线路检修窗口协调", "生产经营难点", "较急", "已销号", D(2026, 2, 25), D(2026, 4, 15), D(2026, 4, 10), False, "并网线路春检需热电厂配合降出力，检修窗口难以协调。", "双方联合编制春检计划，利用 4 月上旬负荷低谷完成检修。"),
    ("LJW-01", "A", ("L", "A"), "跨区段线路巡视责任划分", "安全生产", "一般", "已销号", D(2026, 2, 24), D(2026, 4, 30), D(2026, 4, 22), False, "相邻供电区域交界处线路巡视责任不清，存在巡视盲区。", "明确 17 处交界线路巡视责任，纳入联建网巡视计划。"),
    ("LJW-01", "B", ("L", "B"), "台区线损率居高不下攻坚", "生产经营难点", "较急", "办理中", D(2026, 7, 20), D(2026, 10, 31), None, False, "9 个台区线损率连续 3 个月超过 8%，疑似存在窃电和计量异常。", ""),
    ("LJW-01", "C", (), "营业厅服务标准不统一", "营销服务", "一般", "待研究", D(2026, 10, 20), None, None, False, "各营业厅业务受理资料要求不一致，客户多次往返。", ""),
    ("LJW-02", "A", ("L",), "带电作业人员紧缺互助", "生产经营难点", "较急", "待确认", D(2026, 7, 18), D(2026, 11, 30), D(2026, 11, 18), False, "带电作业持证人员不足，不停电作业计划无法按期完成。", "联建网内组建带电作业党员突击队，跨单位调配作业人员 24 人次。"),
    ("LJW-02", "B", ("A", "B"), "变电站防汛物资共享调配", "安全生产", "一般", "已销号", D(2026, 3, 4), D(2026, 6, 1), D(2026, 5, 26), False, "部分变电站防汛物资储备不足，相邻单位物资分散。", "建立联建网防汛物资共享清单，统一调配点 3 处。"),
    ("LJW-03", "A", ("L",), "无人机巡检数据共享", "生产经营难点", "一般", "办理中", D(2026, 7, 25), D(2027, 1, 31), None, False, "各单位无人机巡检数据分散存储，缺陷识别成果不能共享。", ""),
    ("LJW-03", "L", ("B",), "设备缺陷闭环管理超期", "安全生产", "较急", "已分派", D(2026, 7, 30), D(2026, 11, 24), None, False, "一般缺陷消缺超期 23 项，需明确责任单位集中消缺。", ""),
    ("LJW-04", "A", ("L", "A"), "分布式光伏并网服务提速", "营销服务", "较急", "办理中", D(2026, 7, 21), D(2026, 11, 15), None, False, "分布式光伏并网申请集中，现场勘查和计量装表排队时间长。", ""),
    ("LJW-04", "B", (), "电费回收难点用户联合走访", "营销服务", "一般", "待研究", D(2026, 11, 10), None, None, False, "部分小微企业电费欠费时间长，需联合走访了解经营困难。", ""),
    ("LJW-05", "A", ("L", "A", "B"), "基建项目施工安全交叉检查", "安全生产", "紧急", "已销号", D(2026, 3, 5), D(2026, 5, 31), D(2026, 5, 29), False, "同期开工基建项目多，安全管理人员不足。", "组织交叉检查 4 轮，发现并整改隐患 57 项。"),
    ("LJW-05", "B", ("A",), "施工现场临时用电规范", "安全生产", "一般", "待确认", D(2026, 8, 2), D(2026, 11, 30), D(2026, 11, 19), False, "施工现场临时用电配电箱设置不规范，存在触电风险。", "统一临时用电配电箱配置标准，完成 11 个现场整改。"),
    ("LJW-06", "A", ("L",), "青年员工技能培训师资不足", "其他", "一般", "已分派", D(2026, 8, 4), D(2026, 12, 15), None, False, "青年员工新技术培训需求大，内训师资力量不足。", ""),
    ("LJW-06", "B", (), "科技项目成果转化难", "生产经营难点", "一般", "待研究", D(2026, 11, 2), None, None, False, "职工创新成果停留在样机阶段，缺少推广应用渠道。", ""),
    ("LJW-07", "A", ("L", "A"), "偏远站所党员活动阵地共用", "其他", "一般", "已销号", D(2026, 3, 6), D(2026, 6, 30), D(2026, 6, 20), False, "偏远供电所党员少、活动场地简陋，组织生活难以开展。", "共建共用党员活动室 3 处，制定阵地共用预约办法。"),
    ("LJW-07", "B", ("L",), "配网抢修复电时间压缩", "生产经营难点", "较急", "办理中", D(2026, 7, 27), D(2026, 11, 28), None, False, "农村地区配网故障抢修平均复电时间超过 3 小时。", ""),
)
# fmt: on
NOTES = (
    "已召开专题推进会，明确分工和时间节点。",
    "已完成现场踏勘，制定实施方案。",
    "已完成 60% 工作量，剩余部分按计划推进。",
    "与相关单位对接，协调解决了施工中的具体困难。",
)


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _meeting_days(index: int) -> list[tuple[datetime.date, bool]]:
    return [(D(2026, 3, 10 + index), True), (D(2026, 8, 10 + index), True)]


@transaction.atomic
def demo_consultations(*, stdout: Writer | None = None) -> dict[str, int]:
    """Create the missing demo meetings and problems; returns how many were created."""
    created = {"meetings": 0, "problems": 0}
    alliances = {
        a.code: a for a in Alliance.objects.filter(code__in=ALLIANCES).select_related("lead")
    }
    if len(alliances) != len(ALLIANCES):
        return created
    memberships: dict[int, list[AllianceMember]] = {}
    for m in (
        AllianceMember.objects.filter(alliance__in=alliances.values(), left_on__isnull=True)
        .select_related("org")
        .order_by("org__code")
    ):
        memberships.setdefault(m.alliance_id, []).append(m)
    orgs = {m.org.code: m.org for ms in memberships.values() for m in ms}
    people: dict[tuple[int, str], Member] = {}
    for member in Member.objects.current().filter(org__in=list(orgs.values())):
        people[(member.org_id, member.name)] = member

    def role(alliance: Alliance, key: str) -> Organisation:
        if key == "L":
            return alliance.lead
        if key in ("A", "B", "C"):
            others = [
                m.org
                for m in memberships[alliance.pk]
                if m.org_id != alliance.lead_id and not m.org.is_partner
            ]
            return others["ABC".index(key)]
        return orgs[key]

    def liaison(alliance: Alliance, org: Organisation) -> tuple[str, str]:
        if org.is_partner:
            return PARTNER_PEOPLE.get(org.code, ("党建联络人", "联络员"))
        m = next((m for m in memberships[alliance.pk] if m.org_id == org.pk), None)
        return (m.liaison or "联络员", m.liaison_post or "联络员") if m else ("联络员", "联络员")

    # Meetings in date order get LX-2026-001 … (two held per alliance, a December one for five).
    specs = []
    for i, code in enumerate(ALLIANCES):
        for day, held in _meeting_days(i):
            specs.append((day, code, held))
        if code in DECEMBER:
            specs.append((D(2026, 12, 2 + i % 10), code, False))
    specs.sort(key=lambda s: (s[0], s[1]))
    meetings: dict[tuple[str, int], JointMeeting] = {}
    existing_meetings = {
        m.code: m for m in JointMeeting.objects.filter(code__startswith="LX-2026-")
    }
    fresh_meetings: list[JointMeeting] = []
    ordinal: dict[str, int] = {}
    for n, (day, code, held) in enumerate(specs, start=1):
        alliance = alliances[code]
        ordinal[code] = ordinal.get(code, 0) + 1
        mcode = f"LX-2026-{n:03d}"
        meeting = existing_meetings.get(mcode)
        if meeting is None:
            host, _ = liaison(alliance, alliance.lead)
            meeting = JointMeeting.objects.create(
                code=mcode,
                alliance=alliance,
                title=f"{alliance.name}2026年第{ordinal[code]}次联席会议",
                start=_at(day, 14, 30),
                place=f"{alliance.lead.name.removesuffix('党支部')}党员活动室",
                convener=alliance.lead,
                host_person=host,
                recorder="组织委员",
                status=MeetingStatus.HELD if held else MeetingStatus.PREPARING,
            )
            fresh_meetings.append(meeting)
        meetings[(code, ordinal[code])] = meeting

    existing_problems = set(
        Problem.objects.filter(code__startswith="WT-2026-").values_list("code", flat=True)
    )
    new_problems: list[tuple[Problem, Alliance, list[Organisation]]] = []
    for n, spec in enumerate(PROBLEMS, start=1):
        (
            acode,
            raiser,
            owner_keys,
            title,
            category,
            urgency,
            state,
            raised,
            deadline,
            solved,
            reopened,
            description,
            resolution,
        ) = spec
        pcode = f"WT-2026-{n:03d}"
        if pcode in existing_problems:
            continue
        alliance = alliances[acode]
        owners = [role(alliance, k) for k in owner_keys]
        meeting = None
        if state != rules.PENDING:
            meeting = meetings[(acode, 1 if raised < D(2026, 3, 10) else 2)]
        problem = Problem(
            code=pcode,
            title=title,
            category=category,
            urgency=urgency,
            description=description,
            alliance=alliance,
            raised_by=role(alliance, raiser),
            raised_on=raised,
            responsible=liaison(alliance, owners[0])[0] if owners else "",
            deadline=deadline,
            meeting=meeting,
            state=state,
            assigned_on=meeting.start.date() if meeting else None,
            solved_on=solved,
            resolution=resolution,
            reopened=1 if reopened else 0,
            closed_on=min(solved + datetime.timedelta(days=5), REFERENCE_DATE)
            if state == rules.CLOSED
            else None,
        )
        problem.full_clean(exclude=["code"])
        problem.save()
        ProblemOwner.objects.bulk_create(
            [ProblemOwner(problem=problem, org=o, position=i) for i, o in enumerate(owners)]
        )
        new_problems.append((problem, alliance, owners))
    events: list[ProblemEvent] = []
    for problem, alliance, owners in new_problems:
        events += _timeline(problem, alliance, owners, liaison)

    ProblemEvent.objects.bulk_create(events)
    by_meeting: dict[int, list[Problem]] = {}
    for problem in Problem.objects.filter(meeting__in=fresh_meetings).order_by("code"):
        by_meeting.setdefault(problem.meeting_id, []).append(problem)
    waiting: dict[int, list[Problem]] = {}
    for problem in Problem.objects.filter(
        state=rules.PENDING, alliance__code__in=DECEMBER, code__startswith="WT-2026-"
    ).order_by("code"):
        waiting.setdefault(problem.alliance_id, []).append(problem)
    for meeting in fresh_meetings:
        alliance = meeting.alliance
        studied = (
            by_meeting.get(meeting.pk, [])
            if meeting.status == MeetingStatus.HELD
            else waiting.get(alliance.pk, [])
        )
        items = [
            AgendaItem(meeting=meeting, position=1, title="通报上阶段联建工作和问题清单办理情况")
        ]
        items += [
            AgendaItem(meeting=meeting, position=i, title=f"研究：{p.title}", problem=p)
            for i, p in enumerate(studied, start=2)
        ]
        items.append(
            AgendaItem(meeting=meeting, position=len(items) + 1, title="研究下阶段联建重点任务")
        )
        AgendaItem.objects.bulk_create(items)
        attendees = []
        for i, m in enumerate(memberships[alliance.pk], start=1):
            name, post = liaison(alliance, m.org)
            attendees.append(
                MeetingAttendee(
                    meeting=meeting,
                    position=i,
                    org=m.org,
                    name=name,
                    post=post,
                    member=people.get((m.org_id, name)) if not m.org.is_partner else None,
                )
            )
        MeetingAttendee.objects.bulk_create(attendees)
        if meeting.status == MeetingStatus.HELD:
            names = "、".join(p.title for p in studied) or "无新增问题"
            meeting.minutes = (
                f"会议由{meeting.convener.name}召集，{meeting.host_person}主持，各成员单位联络员参加。"
                f"会议通报了联建工作开展情况和问题清单办理进度，逐项研究了成员单位提出的问题：{names}。"
            )
            decisions = [
                f"{i}. “{p.title}”由{'、'.join(link.org.name for link in p.owner_links.select_related('org'))}"
                f"负责办理，{p.deadline:%Y年%m月%d日}前办结。"
                for i, p in enumerate(studied, start=1)
            ]
            meeting.decisions = "\n".join(decisions) or "继续推进上次会议议定事项。"
            meeting.save(update_fields=["minutes", "decisions"])
    created = {"meetings": len(fresh_meetings), "problems": len(new_problems)}
    record_demo("consultations.problem", "事务共商", created)
    if stdout is not None and any(created.values()):
        stdout.write(
            f"事务共商：新建联席会议 {created['meetings']} 次、问题 {created['problems']} 个。"
        )
    return created


def _timeline(
    problem: Problem, alliance: Alliance, owners: list[Organisation], liaison: Any
) -> list[ProblemEvent]:
    """The events a problem in its state went through, on plausible dates."""
    out: list[ProblemEvent] = []

    def add(
        kind: str,
        at: datetime.datetime,
        who: Organisation,
        *,
        before: str = "",
        after: str = "",
        text: str = "",
    ) -> None:
        if before == after:
            before = after = ""
        out.append(
            ProblemEvent(
                problem=problem,
                at=at,
                kind=kind,
                actor_name=liaison(alliance, who)[0],
                org=who,
                from_state=before,
                to_state=after,
                text=text,
            )
        )

    add(
        ProblemEvent.Kind.RAISED,
        _at(problem.raised_on, 9),
        problem.raised_by,
        after=rules.PENDING,
        text=problem.description,
    )
    if problem.state == rules.PENDING:
        return out
    assigned = problem.assigned_on
    summary = f"责任组织：{'、'.join(o.name for o in owners)}；办理期限 {problem.deadline:%Y-%m-%d}；责任人 {problem.responsible}"
    meeting = problem.meeting
    add(
        ProblemEvent.Kind.ASSIGNED,
        _at(assigned, 16),
        alliance.lead,
        before=rules.PENDING,
        after=rules.ASSIGNED,
        text=f"{summary}；经{meeting.title}研究" if meeting else summary,
    )
    if problem.state == rules.ASSIGNED:
        return out
    end = problem.solved_on or REFERENCE_DATE
    state = rules.ASSIGNED
    for k, offset in enumerate((14, 45, 80)):
        day = assigned + datetime.timedelta(days=offset)
        if day >= end:
            break
        add(
            ProblemEvent.Kind.PROGRESS,
            _at(day, 10),
            owners[k % len(owners)],
            before=state,
            after=rules.IN_PROGRESS,
            text=NOTES[(int(problem.code[-3:]) + k) % len(NOTES)],
        )
        state = rules.IN_PROGRESS
        if problem.reopened and k == 0:
            first = day + datetime.timedelta(days=10)
            add(
                ProblemEvent.Kind.SOLVED,
                _at(first, 17),
                owners[0],
                before=state,
                after=rules.SOLVED,
                text="已完成主要协调工作，申请提出单位确认。",
            )
            add(
                ProblemEvent.Kind.REOPENED,
                _at(first + datetime.timedelta(days=4), 9),
                problem.raised_by,
                before=rules.SOLVED,
                after=rules.IN_PROGRESS,
                text="现场核实仍有 3 基杆塔占地未落实，请继续协调。",
            )
    if problem.solved_on is None:
        return out
    add(
        ProblemEvent.Kind.SOLVED,
        _at(problem.solved_on, 17),
        owners[0],
        before=state,
        after=rules.SOLVED,
        text=problem.resolution,
    )
    if problem.state == rules.CLOSED:
        add(
            ProblemEvent.Kind.CONFIRMED,
            _at(problem.closed_on, 10),
            problem.raised_by,
            before=rules.SOLVED,
            after=rules.CLOSED,
            text="经核实，问题已解决，同意销号。",
        )
    return out
