"""The demo company's organisations: 国网本溪供电公司, its 党总支, 41 党支部, 党小组 and partners.

Fixed tables (``BRANCHES``, ``PARTNERS``, ``GENERAL_BRANCH``) and :func:`org_specs`, which
turns them into model field values. The term dates are fixed and chosen for
``REFERENCE_DATE``; ``DELIBERATE_WARNINGS`` lists the rule breaches built in on purpose.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from lianjian.orgs.models import OrgKind, PartnerKind

REFERENCE_DATE = datetime.date(2026, 11, 21)
ROOT_CODE = "BXDW"
COMPANY = "国网本溪供电公司"
HQ_ADDRESS = "辽宁省本溪市平山区胜利路（公司本部）"
THEMES = ("提质增效", "安全生产", "设备管理", "营销服务", "基建工作", "科技创新", "班组建设")

# The shared vocabulary of strengths (优势资源) and needs (需求).
VOCABULARY = (
    "专家团队",
    "活动阵地",
    "技术攻关",
    "带电作业",
    "应急抢修",
    "客户服务",
    "数字化",
    "安全培训",
    "党建品牌",
    "青年人才",
    "培训师资",
    "无人机巡检",
    "志愿服务",
    "红色教育",
    "政企协调",
    "工程管理",
    "物资保障",
    "财务管理",
    "电网规划",
    "宣传报道",
    "实践基地",
)

# Branch code → the one warning code it carries on purpose (with today = REFERENCE_DATE).
DELIBERATE_WARNINGS: dict[str, str] = {
    "BX-ZB04": "no_committee",  # 物资供应中心: 10 full members, only a 书记
    "BX-ZB09": "term_due",  # 调度控制中心: term ends 2027-01-15
    "BX-ZB14": "too_many",  # 运维检修部: 56 members
    "BX-ZB23": "few_full",  # 二棚甸子供电所: 2 full members
    "BX-ZB29": "term_overdue",  # 田师付供电所: term ended 2026-09-30
}
NO_COMMITTEE = {"BX-ZB04"}


@dataclass(frozen=True)
class Branch:
    """One 党支部 of the demo company (a row of ``BRANCHES``)."""

    no: int
    name: str
    unit: str
    category: str  # county / dept / workshop / station / project / functional
    professions: tuple[str, ...]
    lat: float
    lon: float
    address: str
    strengths: tuple[str, ...]
    needs: tuple[str, ...]
    founded: datetime.date
    term_start: datetime.date | None
    size: int
    region: str  # the 6-digit area code most of its members' ID numbers start with
    parent: str = ROOT_CODE
    groups: tuple[str, ...] = ()
    is_temporary: bool = False
    is_functional: bool = False

    @property
    def code(self) -> str:
        return f"BX-ZB{self.no:02d}"


def _d(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


_ORG_REFORM = _d("2008-03-12")  # departments' branches were set up with the 2008 reorganisation
_STATIONS = _d("2014-07-01")

# fmt: off
BRANCHES: tuple[Branch, ...] = (
    # 党建+提质增效 — led by 平山区供电公司
    Branch(1, "平山区供电公司党支部", "国网本溪市平山区供电公司", "county", ("提质增效", "营销服务", "配电运维"),
           41.2990, 123.7686, "辽宁省本溪市平山区人民路", ("客户服务", "活动阵地", "党建品牌"), ("技术攻关", "数字化"),
           _d("2002-06-18"), _d("2025-06-20"), 26, "210502", groups=("机关党小组", "供电所党小组")),
    Branch(2, "财务资产部党支部", f"{COMPANY}财务资产部", "dept", ("提质增效", "财务管理"),
           41.2958, 123.7662, HQ_ADDRESS, ("财务管理", "数字化"), ("活动阵地", "青年人才"),
           _ORG_REFORM, _d("2024-05-10"), 9, "210502"),
    Branch(3, "发展策划部党支部", f"{COMPANY}发展策划部", "dept", ("提质增效", "电网规划"),
           41.2961, 123.7655, HQ_ADDRESS, ("电网规划", "专家团队"), ("政企协调", "宣传报道"),
           _ORG_REFORM, _d("2024-05-10"), 8, "210503"),
    Branch(4, "物资供应中心党支部", f"{COMPANY}物资供应中心", "workshop", ("提质增效", "物资管理"),
           41.3105, 123.7402, "辽宁省本溪市平山区北台物资仓储基地", ("物资保障", "工程管理"), ("数字化", "党建品牌"),
           _d("2010-09-01"), _d("2025-03-15"), 11, "210502"),
    Branch(5, "办公室党支部", f"{COMPANY}办公室", "dept", ("提质增效", "综合管理"),
           41.2955, 123.7668, HQ_ADDRESS, ("宣传报道", "活动阵地"), ("专家团队", "培训师资"),
           _ORG_REFORM, _d("2024-05-10"), 12, "210502"),
    Branch(6, "人力资源部党支部", f"{COMPANY}人力资源部", "dept", ("提质增效", "人力资源"),
           41.2953, 123.7659, HQ_ADDRESS, ("培训师资", "青年人才"), ("技术攻关", "客户服务"),
           _ORG_REFORM, _d("2024-05-10"), 8, "210504"),
    # 党建+安全生产 — led by 溪湖区供电公司
    Branch(7, "溪湖区供电公司党支部", "国网本溪市溪湖区供电公司", "county", ("安全生产", "配电运维", "营销服务"),
           41.3290, 123.7676, "辽宁省本溪市溪湖区河沿街", ("应急抢修", "客户服务", "活动阵地"), ("无人机巡检", "专家团队"),
           _d("2002-06-18"), _d("2025-04-18"), 24, "210503"),
    Branch(8, "安全监察部党支部", f"{COMPANY}安全监察部", "dept", ("安全生产", "安全监督"),
           41.2963, 123.7671, HQ_ADDRESS, ("安全培训", "专家团队"), ("宣传报道", "数字化"),
           _ORG_REFORM, _d("2024-05-10"), 8, "210503"),
    Branch(9, "调度控制中心党支部", f"{COMPANY}调度控制中心", "workshop", ("安全生产", "电力调度"),
           41.2972, 123.7690, HQ_ADDRESS, ("数字化", "应急抢修"), ("安全培训", "青年人才"),
           _d("2006-11-20"), _d("2024-01-16"), 16, "210502"),
    Branch(10, "输电运检室党支部", f"{COMPANY}输电运检室", "workshop", ("安全生产", "输电运检"),
           41.3180, 123.7850, "辽宁省本溪市明山区金山路输电运检基地", ("无人机巡检", "带电作业"), ("政企协调", "活动阵地"),
           _d("2012-05-08"), _d("2025-09-12"), 24, "210504"),
    Branch(11, "带电作业中心党支部", f"{COMPANY}带电作业中心", "workshop", ("安全生产", "带电作业"),
           41.3120, 123.7980, "辽宁省本溪市明山区带电作业实训基地", ("带电作业", "技术攻关"), ("客户服务", "党建品牌"),
           _d("2015-03-20"), _d("2024-10-25"), 10, "210504"),
    Branch(12, "应急保障中心党支部", f"{COMPANY}应急保障中心", "workshop", ("安全生产", "应急管理"),
           41.2890, 123.7580, "辽宁省本溪市平山区应急物资库", ("应急抢修", "物资保障"), ("培训师资", "数字化"),
           _d("2016-07-01"), _d("2025-07-08"), 12, "210502"),
    # 党建+设备管理 — led by 明山区供电公司
    Branch(13, "明山区供电公司党支部", "国网本溪市明山区供电公司", "county", ("设备管理", "配电运维", "营销服务"),
           41.3030, 123.8170, "辽宁省本溪市明山区明山路", ("带电作业", "青年人才", "党建品牌"), ("专家团队", "数字化"),
           _d("2002-06-18"), _d("2025-05-16"), 20, "210504"),
    Branch(14, "运维检修部党支部", f"{COMPANY}运维检修部", "dept", ("设备管理", "运维检修"),
           41.2966, 123.7664, HQ_ADDRESS, ("专家团队", "技术攻关", "培训师资"), ("青年人才", "宣传报道"),
           _ORG_REFORM, _d("2024-06-21"), 56, "210504", groups=("检修计划党小组", "技术管理党小组", "设备监控党小组")),
    Branch(15, "变电运维室党支部", f"{COMPANY}变电运检中心变电运维室", "workshop", ("设备管理", "变电运维"),
           41.2838, 123.7472, "辽宁省本溪市平山区220千伏本溪变电站", ("数字化", "安全培训"), ("技术攻关", "活动阵地"),
           _d("2012-05-08"), _d("2025-08-22"), 22, "210502", parent="BX-ZZ01"),
    Branch(16, "变电检修室党支部", f"{COMPANY}变电运检中心变电检修室", "workshop", ("设备管理", "变电检修"),
           41.2847, 123.7490, "辽宁省本溪市平山区变电检修基地", ("技术攻关", "专家团队"), ("青年人才", "党建品牌"),
           _d("2012-05-08"), _d("2025-08-22"), 18, "210502", parent="BX-ZZ01"),
    Branch(17, "配电运检室党支部", f"{COMPANY}配电运检室", "workshop", ("设备管理", "配电运检"),
           41.3068, 123.7745, "辽宁省本溪市平山区配电运检中心", ("带电作业", "应急抢修"), ("数字化", "培训师资"),
           _d("2012-05-08"), _d("2024-11-29"), 21, "210502"),
    # 党建+营销服务 — led by 桓仁县供电公司
    Branch(18, "桓仁县供电公司党支部", "国网桓仁县供电公司", "county", ("营销服务", "配电运维", "农网改造"),
           41.2673, 125.3608, "辽宁省本溪市桓仁满族自治县桓仁镇", ("客户服务", "安全培训", "活动阵地", "红色教育"), ("技术攻关", "专家团队"),
           _d("2003-04-10"), _d("2025-06-13"), 30, "210522", groups=("机关党小组", "运检党小组", "营销党小组")),
    Branch(19, "营销服务中心党支部", f"{COMPANY}营销服务中心", "workshop", ("营销服务", "客户服务", "电费管理"),
           41.3002, 123.7712, "辽宁省本溪市平山区营业大厅", ("客户服务", "数字化"), ("带电作业", "安全培训"),
           _d("2009-12-18"), _d("2024-12-20"), 27, "210502", groups=("客户经理党小组", "电费账务党小组")),
    Branch(20, "客户服务中心党支部", f"{COMPANY}客户服务中心", "workshop", ("营销服务", "客户服务"),
           41.2985, 123.7640, "辽宁省本溪市平山区客户服务中心", ("客户服务", "宣传报道"), ("技术攻关", "应急抢修"),
           _d("2009-12-18"), _d("2024-12-20"), 14, "210503"),
    Branch(21, "电能计量中心党支部", f"{COMPANY}电能计量中心", "workshop", ("营销服务", "电能计量"),
           41.3150, 123.7600, "辽宁省本溪市溪湖区计量检定中心", ("技术攻关", "数字化"), ("客户服务", "活动阵地"),
           _d("2011-06-30"), _d("2025-10-17"), 10, "210503"),
    Branch(22, "桓仁镇供电所党支部", "国网桓仁县供电公司桓仁镇供电所", "station", ("营销服务", "配电运维"),
           41.2742, 125.3521, "辽宁省本溪市桓仁满族自治县桓仁镇", ("客户服务", "应急抢修"), ("培训师资", "数字化"),
           _STATIONS, _d("2025-06-27"), 9, "210522"),
    Branch(23, "二棚甸子供电所党支部", "国网桓仁县供电公司二棚甸子供电所", "station", ("营销服务", "配电运维"),
           41.0600, 125.5200, "辽宁省本溪市桓仁满族自治县二棚甸子镇", ("应急抢修", "志愿服务"), ("活动阵地", "青年人才", "安全培训"),
           _STATIONS, _d("2025-06-27"), 3, "210522"),
    # 党建+基建工作 — led by 本溪县供电公司
    Branch(24, "本溪县供电公司党支部", "国网本溪县供电公司", "county", ("基建工作", "配电运维", "营销服务"),
           41.3017, 124.1263, "辽宁省本溪市本溪满族自治县小市镇", ("工程管理", "活动阵地", "政企协调"), ("专家团队", "数字化"),
           _d("2003-04-10"), _d("2025-04-25"), 29, "210521", groups=("机关党小组", "运检党小组", "营销党小组")),
    Branch(25, "建设部党支部", f"{COMPANY}建设部", "dept", ("基建工作", "工程管理"),
           41.2959, 123.7673, HQ_ADDRESS, ("工程管理", "专家团队"), ("政企协调", "志愿服务"),
           _ORG_REFORM, _d("2024-05-10"), 10, "210502"),
    Branch(26, "项目管理中心党支部", f"{COMPANY}项目管理中心", "workshop", ("基建工作", "项目管理"),
           41.3202, 123.7950, "辽宁省本溪市明山区项目管理中心", ("工程管理", "安全培训"), ("青年人才", "活动阵地"),
           _d("2017-08-08"), _d("2025-01-10"), 9, "210504"),
    Branch(27, "220千伏输变电工程基建项目临时党支部", f"{COMPANY}项目管理中心", "project", ("基建工作", "工程管理"),
           40.9600, 123.7800, "辽宁省本溪市本溪满族自治县连山关镇（项目部）", ("工程管理", "安全培训"), ("活动阵地", "政企协调"),
           _d("2025-09-01"), None, 6, "210521", is_temporary=True),
    Branch(28, "草河口供电所党支部", "国网本溪县供电公司草河口供电所", "station", ("基建工作", "配电运维", "营销服务"),
           40.8733, 123.8999, "辽宁省本溪市本溪满族自治县草河口镇", ("客户服务", "应急抢修"), ("工程管理", "培训师资"),
           _STATIONS, _d("2025-05-30"), 8, "210521"),
    Branch(29, "田师付供电所党支部", "国网本溪县供电公司田师付供电所", "station", ("基建工作", "配电运维"),
           41.4108, 124.4325, "辽宁省本溪市本溪满族自治县田师付镇", ("志愿服务", "活动阵地"), ("技术攻关", "安全培训"),
           _STATIONS, _d("2023-10-01"), 9, "210521"),
    # 党建+科技创新 — led by 高新区供电公司
    Branch(30, "高新区供电公司党支部", "国网本溪高新技术产业开发区供电公司", "county", ("科技创新", "配电运维", "营销服务"),
           41.3720, 123.6050, "辽宁省本溪市高新技术产业开发区石桥子", ("客户服务", "党建品牌", "宣传报道", "活动阵地"), ("专家团队", "带电作业"),
           _d("2013-11-08"), _d("2025-11-14"), 19, "210503"),
    Branch(31, "信息通信分公司党支部", f"{COMPANY}信息通信分公司", "workshop", ("科技创新", "信息通信"),
           41.2966, 123.7701, HQ_ADDRESS, ("数字化", "技术攻关"), ("党建品牌", "志愿服务"),
           _d("2010-09-01"), _d("2024-09-27"), 15, "210502"),
    Branch(32, "科技数字化部党支部", f"{COMPANY}科技数字化部", "dept", ("科技创新", "数字化管理"),
           41.2957, 123.7676, HQ_ADDRESS, ("数字化", "专家团队"), ("活动阵地", "客户服务"),
           _d("2021-03-18"), _d("2024-04-12"), 8, "210504"),
    Branch(33, "劳模创新工作室功能型党支部", f"{COMPANY}劳模创新工作室", "functional", ("科技创新", "技术攻关"),
           41.3012, 123.7730, "辽宁省本溪市平山区劳模创新工作室", ("技术攻关", "青年人才", "专家团队"), ("宣传报道", "物资保障"),
           _d("2024-03-01"), _d("2024-06-14"), 6, "210502", is_functional=True),
    Branch(34, "供电服务指挥中心党支部", f"{COMPANY}供电服务指挥中心", "workshop", ("科技创新", "供电服务指挥"),
           41.2978, 123.7672, HQ_ADDRESS, ("数字化", "应急抢修"), ("带电作业", "青年人才"),
           _d("2018-06-15"), _d("2025-02-21"), 11, "210502"),
    Branch(35, "经济技术研究所党支部", f"{COMPANY}经济技术研究所", "workshop", ("科技创新", "电网规划", "技术经济"),
           41.2950, 123.7620, "辽宁省本溪市平山区经研所", ("专家团队", "电网规划"), ("数字化", "活动阵地"),
           _d("2012-05-08"), _d("2024-07-19"), 9, "210504"),
    # 党建+班组建设 — led by 南芬区供电公司
    Branch(36, "南芬区供电公司党支部", "国网本溪市南芬区供电公司", "county", ("班组建设", "配电运维", "营销服务"),
           41.1009, 123.7450, "辽宁省本溪市南芬区南芬街道", ("活动阵地", "志愿服务", "红色教育"), ("培训师资", "数字化"),
           _d("2002-06-18"), _d("2025-07-18"), 22, "210505"),
    Branch(37, "党委党建部党支部", f"{COMPANY}党委党建部", "dept", ("班组建设", "党建工作"),
           41.2954, 123.7665, HQ_ADDRESS, ("党建品牌", "宣传报道", "培训师资"), ("技术攻关", "应急抢修"),
           _ORG_REFORM, _d("2024-05-10"), 9, "210502"),
    Branch(38, "工会党支部", f"{COMPANY}工会", "dept", ("班组建设", "群团工作"),
           41.2952, 123.7670, HQ_ADDRESS, ("志愿服务", "青年人才"), ("专家团队", "活动阵地"),
           _ORG_REFORM, _d("2024-05-10"), 7, "210502"),
    Branch(39, "技能培训中心党支部", f"{COMPANY}技能培训中心", "workshop", ("班组建设", "技能培训"),
           41.3250, 123.7820, "辽宁省本溪市溪湖区技能培训基地", ("培训师资", "活动阵地", "安全培训"), ("党建品牌", "数字化"),
           _d("2011-06-30"), _d("2025-03-28"), 10, "210503"),
    Branch(40, "思山岭供电所党支部", "国网本溪市南芬区供电公司思山岭供电所", "station", ("班组建设", "配电运维"),
           41.1780, 123.7260, "辽宁省本溪市南芬区思山岭街道", ("应急抢修", "志愿服务"), ("培训师资", "技术攻关"),
           _STATIONS, _d("2025-07-18"), 8, "210505"),
    Branch(41, "连山关供电所党支部", "国网本溪县供电公司连山关供电所", "station", ("班组建设", "配电运维", "营销服务"),
           40.9450, 123.7950, "辽宁省本溪市本溪满族自治县连山关镇", ("客户服务", "活动阵地"), ("数字化", "青年人才"),
           _STATIONS, _d("2025-05-30"), 7, "210521"),
)

# (code, name, partner kind, unit, lat, lon, address, strengths, needs)
PARTNERS: tuple[tuple[str, str, str, str, float, float, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("WB-BXXZF", "本溪满族自治县人民政府机关党委", PartnerKind.GOVERNMENT, "本溪满族自治县人民政府",
     41.3035, 124.1240, "辽宁省本溪市本溪满族自治县小市镇", ("政企协调", "活动阵地", "红色教育"), ("客户服务", "安全培训")),
    ("WB-HRXZF", "桓仁满族自治县人民政府机关党委", PartnerKind.GOVERNMENT, "桓仁满族自治县人民政府",
     41.2680, 125.3625, "辽宁省本溪市桓仁满族自治县桓仁镇", ("政企协调", "红色教育", "志愿服务"), ("应急抢修", "客户服务")),
    ("WB-LNKJXY", "辽宁科技学院党委", PartnerKind.UNIVERSITY, "辽宁科技学院",
     41.3660, 123.6220, "辽宁省本溪市高新技术产业开发区香槐路", ("专家团队", "培训师资", "青年人才", "技术攻关"), ("实践基地", "党建品牌")),
    ("WB-ZQSQ", "平山区站前街道站前社区党委", PartnerKind.COMMUNITY, "平山区站前街道站前社区",
     41.2930, 123.7610, "辽宁省本溪市平山区站前街道", ("志愿服务", "活动阵地"), ("客户服务", "安全培训")),
    ("WB-BXRD", "本溪热电有限公司党委", PartnerKind.ENTERPRISE, "本溪热电有限公司",
     41.3380, 123.7520, "辽宁省本溪市溪湖区热电厂路", ("技术攻关", "物资保障", "安全培训"), ("数字化", "客户服务")),
)
# fmt: on

GENERAL_BRANCH: dict[str, Any] = {
    "code": "BX-ZZ01",
    "name": "变电运检党总支",
    "unit": f"{COMPANY}变电运检中心",
    "professions": ["设备管理", "变电运检"],
    "lat": 41.2842,
    "lon": 123.7480,
    "address": "辽宁省本溪市平山区变电运检中心",
    "strengths": ["专家团队", "技术攻关"],
    "needs": ["青年人才", "党建品牌"],
    "founded": _d("2012-05-08"),
    "term_start": _d("2025-08-22"),
}


def _years_later(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def term_end(start: datetime.date | None, years: int) -> datetime.date | None:
    """The last day of a term of ``years`` starting on ``start``."""
    if start is None:
        return None
    return _years_later(start, years) - datetime.timedelta(days=1)


def org_specs() -> list[dict[str, Any]]:
    """Every demo organisation as model field values, parents before children.

    ``parent`` holds the parent's code. Committees have 5-year terms, the 党总支 and the
    branches 3-year ones; the temporary branch has none (it lasts as long as its project).
    """
    root: dict[str, Any] = {
        "code": ROOT_CODE,
        "name": f"{COMPANY}党委",
        "kind": OrgKind.COMMITTEE,
        "parent": None,
        "unit": COMPANY,
        "professions": ["党建引领", *THEMES],
        "lat": 41.29,
        "lon": 123.77,
        "address": "辽宁省本溪市平山区胜利路",
        "strengths": ["党建品牌", "专家团队", "活动阵地"],
        "needs": ["政企协调", "实践基地"],
        "founded": _d("1978-06-01"),
        "term_start": _d("2024-04-19"),
        "term_end": term_end(_d("2024-04-19"), 5),
    }
    general = {
        **GENERAL_BRANCH,
        "kind": OrgKind.GENERAL_BRANCH,
        "parent": ROOT_CODE,
        "term_end": term_end(GENERAL_BRANCH["term_start"], 3),
    }
    specs = [root, general]
    for b in BRANCHES:
        specs.append(
            {
                "code": b.code,
                "name": b.name,
                "kind": OrgKind.BRANCH,
                "parent": b.parent,
                "unit": b.unit,
                "professions": list(b.professions),
                "lat": b.lat,
                "lon": b.lon,
                "address": b.address,
                "strengths": list(b.strengths),
                "needs": list(b.needs),
                "founded": b.founded,
                "term_start": b.term_start,
                "term_end": term_end(b.term_start, 3),
                "is_temporary": b.is_temporary,
                "is_functional": b.is_functional,
            }
        )
    for b in BRANCHES:
        for k, group in enumerate(b.groups, start=1):
            specs.append(
                {
                    "code": f"{b.code}-XZ{k}",
                    "name": f"{b.name.removesuffix('党支部')}{group}",
                    "kind": OrgKind.GROUP,
                    "parent": b.code,
                    "unit": b.unit,
                    "professions": list(b.professions),
                    "lat": b.lat,
                    "lon": b.lon,
                    "address": b.address,
                    "founded": max(b.founded, _STATIONS),
                }
            )
    for code, name, pkind, unit, lat, lon, address, strengths, needs in PARTNERS:
        specs.append(
            {
                "code": code,
                "name": name,
                "kind": OrgKind.COMMITTEE,
                "parent": ROOT_CODE,
                "is_partner": True,
                "partner_kind": pkind,
                "unit": unit,
                "lat": lat,
                "lon": lon,
                "address": address,
                "strengths": list(strengths),
                "needs": list(needs),
            }
        )
    return specs
