"""Demo alliances of the Benxi company (seeds 000 and 004), created idempotently.

Seven "党建+X" 联建网 networks: the branches grouped by their first profession, each led by
its county/district company and 包保 by a company leader; and the company's joint building
with partner units: two 政企联建 with the county governments, a 校企 pair with 辽宁科技学院,
a 区域联建 with a community and an 产业链联建 with an upstream enterprise. Agreements are in
every lifecycle state, one close to expiry, and 2026 plans exist for the networks.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from lianjian.alliances.models import (
    Agreement,
    AgreementGoal,
    Alliance,
    AllianceMember,
    AllianceType,
    Plan,
    PlanItem,
)
from lianjian.core.demo import record_demo
from lianjian.orgs.demo import BRANCHES, ROOT_CODE
from lianjian.orgs.models import Member, Organisation

D = datetime.date
SPONSORS = {
    "提质增效": ("刘振东", "总会计师"),
    "安全生产": ("孙立新", "副总经理（安全总监）"),
    "设备管理": ("赵永刚", "副总经理"),
    "营销服务": ("陈海波", "总经理、党委副书记"),
    "基建工作": ("郑国梁", "副总经理"),
    "科技创新": ("李卫华", "总工程师"),
    "班组建设": ("王建华", "党委书记、董事长"),
}
NETWORK_PLAN = (
    (1, "联建网启动会暨党课互讲", 1, "签订年度联建任务书"),
    (2, "“岗区队”创建交流", 2, "每个支部至少 1 个示范岗"),
    (3, "党日交流·攻坚现场观摩", 2, "解决 1 项生产经营难题"),
    (4, "年度联建成效述评", 1, "形成联建成果清单"),
)
# (code, name, type, theme, lead code, partner code, extra member codes, sponsor)
PARTNER_ALLIANCES = (
    (
        "ZQ-01",
        "本溪县政企党建联建",
        "政企联建",
        "党建+优化营商环境",
        "BX-ZB24",
        "WB-BXXZF",
        (),
        ("陈海波", "总经理、党委副书记"),
    ),
    (
        "ZQ-02",
        "桓仁县政企党建联建",
        "政企联建",
        "党建+乡村振兴",
        "BX-ZB18",
        "WB-HRXZF",
        (),
        ("陈海波", "总经理、党委副书记"),
    ),
    (
        "JD-01",
        "校企党建结对共建",
        "结对共建",
        "党建+科技创新",
        "BX-ZB32",
        "WB-LNKJXY",
        (),
        ("李卫华", "总工程师"),
    ),
    (
        "QY-01",
        "站前社区区域党建联建",
        "区域联建",
        "党建+营销服务",
        "BX-ZB19",
        "WB-ZQSQ",
        ("BX-ZB20",),
        ("王建华", "党委书记、董事长"),
    ),
    (
        "CY-01",
        "热电保供产业链党建联建",
        "产业链联建",
        "党建+安全生产",
        "BX-ZB04",
        "WB-BXRD",
        ("BX-ZB07",),
        ("孙立新", "副总经理（安全总监）"),
    ),
)
# (alliance code, title, status, signed, start, end, goals)
AGREEMENTS = (
    (
        "ZQ-01",
        "本溪县政企党建联建协议",
        "生效",
        D(2024, 3, 18),
        D(2024, 4, 1),
        D(2026, 12, 15),
        (("联合开展主题党日", 4, "次/年"), ("共建党员服务站", 3, "个"), ("办电时间压缩", 20, "%")),
    ),
    (
        "ZQ-02",
        "桓仁县政企党建联建协议",
        "生效",
        D(2025, 5, 8),
        D(2025, 6, 1),
        D(2028, 5, 31),
        (("乡村振兴电力保障项目", 5, "项"), ("联合党课", 2, "次/年")),
    ),
    (
        "JD-01",
        "校企党建结对共建协议（2023—2026）",
        "到期",
        D(2023, 9, 1),
        D(2023, 9, 1),
        D(2026, 8, 31),
        (("共建实践基地", 1, "个"), ("联合技术攻关", 2, "项")),
    ),
    (
        "QY-01",
        "站前社区党建联建协议",
        "生效",
        D(2025, 1, 10),
        D(2025, 1, 10),
        D(2026, 11, 28),
        (("社区用电服务日", 12, "次/年"),),
    ),
    (
        "CY-01",
        "热电保供产业链党建联建协议（草案）",
        "草拟",
        None,
        D(2027, 1, 1),
        D(2029, 12, 31),
        (("迎峰度冬联合保供演练", 2, "次/年"), ("联合安全检查", 4, "次/年")),
    ),
)


def _liaisons(org_ids: list[int]) -> dict[int, Member]:
    """Per organisation, the member whose post names them 联络员, else the 书记."""
    out: dict[int, Member] = {}
    for m in Member.objects.filter(org_id__in=org_ids).current().order_by("number"):
        # A 联络员 always wins; a 书记 only while the organisation has nobody yet.
        if "联络员" in m.post or ("书记" in m.posts and m.org_id not in out):
            out[m.org_id] = m
    return out


def _members(alliance: Alliance, orgs: list[Organisation], founded: datetime.date) -> None:
    liaisons = _liaisons([o.pk for o in orgs])
    rows = []
    for o in orgs:
        person = liaisons.get(o.pk)
        rows.append(
            AllianceMember(
                alliance=alliance,
                org=o,
                joined_on=founded,
                liaison=person.name if person else ("党群工作部" if o.is_partner else ""),
                liaison_phone=person.phone if person else "",
                liaison_member=person,
                liaison_post=(
                    person.post.split("、")[0] if person else ("党建联络人" if o.is_partner else "")
                ),
            )
        )
    AllianceMember.objects.bulk_create(rows)


@transaction.atomic
def demo_alliances() -> dict[str, int]:
    """Create the demo alliances, agreements and plans that do not exist yet."""
    created = {"alliances": 0, "agreements": 0, "plans": 0}
    if not Organisation.objects.filter(code=ROOT_CODE).exists():
        return created
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(code__startswith="BX-")
        | Organisation.objects.filter(code__startswith="WB-")
    }
    types = {t.name: t for t in AllianceType.objects.all()}
    existing = set(Alliance.objects.values_list("code", flat=True))
    themes: dict[str, list[Any]] = {}
    for b in BRANCHES:
        themes.setdefault(b.professions[0], []).append(b)
    for i, (theme, branches) in enumerate(themes.items(), start=1):
        code = f"LJW-{i:02d}"
        if code in existing:
            continue
        lead = next(b for b in branches if b.category == "county")
        sponsor, title = SPONSORS[theme]
        alliance = Alliance.objects.create(
            code=code,
            name=f"“党建+{theme}”联建网",
            type=types["联建网"],
            theme=f"党建+{theme}",
            lead=orgs[lead.code],
            sponsor=sponsor,
            sponsor_title=title,
            founded=D(2023, 3, 1),
            guidance=["党委党建部", "专业管理部门"],
            description=f"按照专业相近、地域相邻、优势互补原则组建，由{lead.name.removesuffix('党支部')}牵头。",
        )
        _members(alliance, [orgs[b.code] for b in branches], D(2023, 3, 1))
        plan = Plan.objects.create(
            alliance=alliance,
            year=2026,
            summary=f"围绕“党建+{theme}”开展联建共创，推动党建与生产经营深度融合。",
        )
        PlanItem.objects.bulk_create(
            [
                PlanItem(plan=plan, quarter=q, title=t, planned_activities=n, goal=g)
                for q, t, n, g in NETWORK_PLAN
            ]
        )
        created["alliances"] += 1
        created["plans"] += 1
    for code, name, type_name, theme, lead, partner, extra, (sponsor, title) in PARTNER_ALLIANCES:
        if code in existing:
            continue
        alliance = Alliance.objects.create(
            code=code,
            name=name,
            type=types[type_name],
            theme=theme,
            lead=orgs[lead],
            sponsor=sponsor,
            sponsor_title=title,
            founded=D(2024, 3, 18),
        )
        _members(alliance, [orgs[lead], orgs[partner], *(orgs[c] for c in extra)], D(2024, 3, 18))
        created["alliances"] += 1
    alliances = {a.code: a for a in Alliance.objects.filter(code__in=[a[0] for a in AGREEMENTS])}
    for code, title, status, signed, start, end, goals in AGREEMENTS:
        alliance = alliances[code]
        if alliance.agreements.filter(title=title).exists():
            continue
        ag = Agreement.objects.create(
            alliance=alliance,
            title=title,
            status=status,
            signed_on=signed,
            start=start,
            end=end,
            terms="组织共建、资源共享、活动共办、事务共商；双方各明确一名联络员，每季度至少沟通一次。",
        )
        ag.parties.set(
            list(
                Organisation.objects.filter(
                    alliance_memberships__alliance=alliance,
                    alliance_memberships__left_on__isnull=True,
                )
            )
        )
        AgreementGoal.objects.bulk_create(
            [AgreementGoal(agreement=ag, text=t, target=Decimal(v), unit=u) for t, v, u in goals]
        )
        created["agreements"] += 1
    record_demo("alliances.alliance", "联建", created)
    return created
