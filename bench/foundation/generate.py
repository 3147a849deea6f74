"""Deterministic State Grid-sized import files for the foundation benchmark.

:func:`plan_orgs` lays out an organisation tree: one root 党委 → ``PROVINCES`` provincial
党委 → city-level 党委 (large units) or 党总支 (small units) → 党支部 → 党小组, plus a few
partner units (外部单位) under each province. The first province (``P01``) holds exactly
``big_branches`` branches in its subtree (2,000 at full scale): the scope of the manager
whose pages are timed. :func:`write_orgs` and :func:`write_members` write the two files
with the exact columns of docs/contracts.md §3 (xlsxwriter, ``constant_memory``), members
only in branches, with log-normally skewed branch sizes, valid 11-digit phones and GB 11643
ID numbers consistent with birth date and gender. Same arguments → byte-identical rows.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

ORG_HEADERS = (
    "组织编码*",
    "组织名称*",
    "组织类型*",
    "上级组织编码",
    "是否外部单位",
    "所属单位",
    "专业",
    "地址",
    "纬度",
    "经度",
    "优势资源",
    "需求",
    "成立日期",
    "撤销日期",
    "本届任期开始",
    "本届任期结束",
)
MEMBER_HEADERS = (
    "人员编号*",
    "姓名*",
    "性别",
    "出生日期",
    "所在组织编码*",
    "党员类别*",
    "入党日期*",
    "转正日期",
    "党内职务",
    "工作岗位",
    "手机号码",
    "身份证号",
)

# (province, capital, lat, lon, ID-number region prefix, cities)
PROVINCES: tuple[tuple[str, str, float, float, str, tuple[str, ...]], ...] = (
    (
        "江苏",
        "南京",
        32.06,
        118.80,
        "3201",
        (
            "南京",
            "苏州",
            "无锡",
            "常州",
            "南通",
            "徐州",
            "扬州",
            "盐城",
            "泰州",
            "镇江",
            "淮安",
            "连云港",
            "宿迁",
        ),
    ),
    (
        "北京",
        "北京",
        39.90,
        116.40,
        "1101",
        ("东城", "西城", "朝阳", "海淀", "丰台", "石景山", "通州", "顺义", "昌平", "大兴"),
    ),
    (
        "天津",
        "天津",
        39.13,
        117.20,
        "1201",
        ("和平", "河西", "南开", "滨海", "武清", "宝坻", "静海", "蓟州"),
    ),
    (
        "河北",
        "石家庄",
        38.04,
        114.51,
        "1301",
        (
            "石家庄",
            "唐山",
            "保定",
            "邯郸",
            "邢台",
            "沧州",
            "廊坊",
            "衡水",
            "张家口",
            "承德",
            "秦皇岛",
        ),
    ),
    (
        "山西",
        "太原",
        37.87,
        112.55,
        "1401",
        ("太原", "大同", "长治", "晋城", "晋中", "运城", "临汾", "吕梁", "忻州", "阳泉", "朔州"),
    ),
    (
        "山东",
        "济南",
        36.65,
        117.12,
        "3701",
        (
            "济南",
            "青岛",
            "淄博",
            "烟台",
            "潍坊",
            "济宁",
            "泰安",
            "威海",
            "日照",
            "临沂",
            "德州",
            "聊城",
            "菏泽",
        ),
    ),
    (
        "浙江",
        "杭州",
        30.27,
        120.15,
        "3301",
        ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水"),
    ),
    (
        "安徽",
        "合肥",
        31.82,
        117.23,
        "3401",
        ("合肥", "芜湖", "蚌埠", "淮南", "马鞍山", "安庆", "黄山", "阜阳", "宿州", "六安", "宣城"),
    ),
    (
        "福建",
        "福州",
        26.07,
        119.30,
        "3501",
        ("福州", "厦门", "泉州", "漳州", "莆田", "三明", "南平", "龙岩", "宁德"),
    ),
    (
        "湖北",
        "武汉",
        30.59,
        114.31,
        "4201",
        ("武汉", "宜昌", "襄阳", "荆州", "黄石", "十堰", "孝感", "黄冈", "咸宁", "随州", "恩施"),
    ),
    (
        "湖南",
        "长沙",
        28.23,
        112.94,
        "4301",
        ("长沙", "株洲", "湘潭", "衡阳", "岳阳", "常德", "益阳", "郴州", "永州", "怀化", "娄底"),
    ),
    (
        "河南",
        "郑州",
        34.75,
        113.63,
        "4101",
        (
            "郑州",
            "开封",
            "洛阳",
            "平顶山",
            "安阳",
            "新乡",
            "焦作",
            "许昌",
            "南阳",
            "商丘",
            "信阳",
            "周口",
        ),
    ),
    (
        "江西",
        "南昌",
        28.68,
        115.86,
        "3601",
        ("南昌", "九江", "赣州", "吉安", "宜春", "抚州", "上饶", "景德镇", "萍乡"),
    ),
    (
        "四川",
        "成都",
        30.57,
        104.07,
        "5101",
        ("成都", "绵阳", "德阳", "宜宾", "泸州", "南充", "乐山", "达州", "内江", "自贡", "攀枝花"),
    ),
    (
        "重庆",
        "重庆",
        29.56,
        106.55,
        "5001",
        ("渝中", "江北", "沙坪坝", "九龙坡", "南岸", "万州", "涪陵", "永川", "綦江"),
    ),
    (
        "辽宁",
        "沈阳",
        41.80,
        123.43,
        "2101",
        ("沈阳", "大连", "鞍山", "抚顺", "本溪", "丹东", "锦州", "营口", "阜新", "辽阳", "铁岭"),
    ),
    (
        "吉林",
        "长春",
        43.82,
        125.32,
        "2201",
        ("长春", "吉林", "四平", "辽源", "通化", "白山", "松原", "白城", "延边"),
    ),
    (
        "黑龙江",
        "哈尔滨",
        45.80,
        126.53,
        "2301",
        (
            "哈尔滨",
            "齐齐哈尔",
            "牡丹江",
            "佳木斯",
            "大庆",
            "鸡西",
            "双鸭山",
            "伊春",
            "绥化",
            "黑河",
        ),
    ),
    (
        "陕西",
        "西安",
        34.34,
        108.94,
        "6101",
        ("西安", "宝鸡", "咸阳", "渭南", "汉中", "安康", "商洛", "延安", "榆林", "铜川"),
    ),
    (
        "甘肃",
        "兰州",
        36.06,
        103.83,
        "6201",
        ("兰州", "天水", "白银", "酒泉", "张掖", "武威", "定西", "陇南", "平凉", "庆阳"),
    ),
)
UNIT_KINDS = (
    "供电公司",
    "检修分公司",
    "营销服务中心",
    "信息通信分公司",
    "经济技术研究院",
    "物资分公司",
    "建设分公司",
    "培训中心",
    "电力科学研究院",
    "综合服务中心",
)
DEPARTMENTS = (
    "办公室",
    "发展策划部",
    "财务资产部",
    "安全监察部",
    "设备管理部",
    "营销部",
    "建设部",
    "人力资源部",
    "党建工作部",
    "调度控制中心",
    "运维检修部",
    "变电运维中心",
    "输电运检中心",
    "配电运检中心",
    "电缆运检中心",
    "客户服务中心",
    "计量中心",
    "信息通信中心",
    "物资供应中心",
    "后勤服务中心",
)
TOWN_SUFFIXES = (
    "城关",
    "东关",
    "西关",
    "南关",
    "北关",
    "新城",
    "开发区",
    "高新区",
    "港区",
    "工业园",
)
STATIONS = ("供电所", "变电站", "运维班", "抢修班", "营业厅")
PROFESSIONS = (
    "营销服务",
    "运维检修",
    "调度控制",
    "科技信息",
    "安全监察",
    "财务资产",
    "人力资源",
    "物资供应",
    "建设管理",
    "综合管理",
    "新能源",
    "配电运维",
    "输电运检",
    "变电运维",
)
STRENGTHS = (
    "党员服务队",
    "技能培训基地",
    "应急抢修力量",
    "红色教育基地",
    "青年突击队",
    "电力科普讲解",
    "志愿服务团队",
    "会议场地",
    "无人机巡检",
    "带电作业班组",
    "专家团队",
    "创新工作室",
)
NEEDS = (
    "乡村振兴帮扶",
    "社区联建共建",
    "校企人才培养",
    "政企协同办电",
    "优化营商环境",
    "网格化服务",
    "安全用电宣传",
    "应急联动",
    "数字化转型",
    "青年人才",
)
PARTNER_NAMES = (
    ("人民政府机关党委", "人民政府"),
    ("街道社区党委", "街道社区"),
    ("职业技术学院党委", "职业技术学院"),
    ("热电有限公司党委", "热电有限公司"),
    ("自来水公司党支部", "自来水公司"),
    ("消防救援支队党委", "消防救援支队"),
)
ROADS = (
    "人民",
    "解放",
    "建设",
    "中山",
    "长江",
    "黄河",
    "胜利",
    "和平",
    "新华",
    "光明",
    "电力",
    "迎宾",
)
SURNAMES = (
    "王",
    "李",
    "张",
    "刘",
    "陈",
    "杨",
    "黄",
    "赵",
    "吴",
    "周",
    "徐",
    "孙",
    "马",
    "朱",
    "胡",
    "郭",
    "何",
    "高",
    "林",
    "罗",
    "郑",
    "梁",
    "谢",
    "宋",
    "唐",
    "许",
    "韩",
    "冯",
    "邓",
    "曹",
    "彭",
    "曾",
    "肖",
    "田",
    "董",
    "袁",
    "潘",
    "于",
    "蒋",
    "蔡",
    "余",
    "杜",
    "叶",
    "程",
    "苏",
    "魏",
    "吕",
    "丁",
    "任",
    "沈",
    "姚",
    "卢",
    "姜",
    "崔",
    "钟",
    "谭",
    "陆",
    "汪",
    "范",
    "金",
    "石",
    "廖",
    "贾",
    "夏",
    "欧阳",
    "司马",
    "诸葛",
)
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "华",
    "建国",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "文",
    "斌",
    "鹏",
    "辉",
    "宇",
    "婷",
    "红",
    "玲",
    "浩",
    "凯",
    "健",
    "波",
    "宁",
    "峰",
    "琳",
    "颖",
    "欣",
    "瑞",
    "晨",
    "博",
    "子涵",
    "思远",
    "雨轩",
    "佳怡",
    "梓萱",
    "嘉怡",
    "俊杰",
    "振华",
    "国庆",
    "卫东",
    "春梅",
    "秋菊",
    "丹",
    "亮",
    "飞",
    "鑫",
    "倩",
    "雪",
    "慧",
    "露",
    "蕾",
    "昊",
    "晶",
    "彬",
    "瑶",
    "翔",
)
JOBS = (
    "变电运维工",
    "输电线路工",
    "配电线路工",
    "电力调度员",
    "用电检查员",
    "抄表核算收费员",
    "装表接电工",
    "继电保护工",
    "电缆运检工",
    "信息通信工程师",
    "安全专责",
    "财务专责",
    "人力资源专责",
    "物资专责",
    "营销专责",
    "项目经理",
    "供电所所长",
    "班长",
    "技术员",
    "综合管理员",
    "客户经理",
    "高级工程师",
)
PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
EXCEL_EPOCH = datetime.date(1899, 12, 30)


def id_number(region: str, birth: datetime.date, seq: int) -> str:
    """A GB 11643 resident ID: 6-digit region, birth date, 3-digit sequence, check character."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + _ID_CHECK[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


@dataclass
class OrgRow:
    """One organisation to write; ``members`` is the number of members placed in it."""

    code: str
    name: str
    kind: str
    parent: str
    unit: str
    lat: float
    lon: float
    address: str
    province: int
    is_partner: bool = False
    members: int = 0
    posts: list[str] = field(default_factory=list)


@dataclass
class Plan:
    orgs: list[OrgRow]
    branches: list[OrgRow]
    big_code: str
    big_branches: int


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` split over ``weights`` in integers (largest remainders), summing exactly."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: out[i] - raw[i])[:rest]:
        out[i] += 1
    return out


def plan_orgs(
    n_orgs: int, n_members: int, *, big_branches: int | None = None, seed: int = 1
) -> Plan:
    """The tree for ``n_orgs`` organisations (≥ 200) and the member count of every branch.

    About 64% of the organisations are branches, ~1 city-level unit per 25 branches, 0.5%
    partner units, the rest 党小组 under the larger branches. ``big_branches`` (default 5% of
    the organisations: 2,000 of 40,000) branches sit under province ``P01``.
    """
    if n_orgs < 200:
        raise ValueError("n_orgs must be at least 200")
    rng = random.Random(seed)
    n_prov = len(PROVINCES)
    partners_per_prov = max(1, round(n_orgs * 0.005 / n_prov))
    rest = n_orgs - 1 - n_prov - partners_per_prov * n_prov
    n_branches = round(rest * 0.66)
    n_cities = max(n_prov * 2, round(n_branches / 25))
    big = big_branches if big_branches is not None else round(n_orgs * 0.05)
    if not 1 <= big <= n_branches - (n_prov - 1) * 2:
        raise ValueError("big_branches out of range")
    # Branches per province: P01 exactly ``big``, the others by skewed weights.
    prov_branches = [
        big,
        *_split(n_branches - big, [rng.uniform(0.6, 1.6) for _ in range(n_prov - 1)]),
    ]
    prov_cities = _split(n_cities, [float(b) for b in prov_branches])
    prov_cities = [max(2, c) for c in prov_cities]
    n_groups = rest - n_branches - sum(prov_cities)

    orgs: list[OrgRow] = []
    branches: list[OrgRow] = []
    root = OrgRow(
        "LJ",
        "联建能源集团有限公司党委",
        "党委",
        "",
        "联建能源集团有限公司",
        39.91,
        116.39,
        "北京市西城区西长安街86号",
        -1,
    )
    orgs.append(root)
    for p, (prov, capital, plat, plon, _region, cities) in enumerate(PROVINCES):
        pcode = f"P{p + 1:02d}"
        company = f"联建{prov}电力有限公司"
        orgs.append(
            OrgRow(
                pcode,
                f"{company}党委",
                "党委",
                root.code,
                company,
                plat,
                plon,
                f"{prov}省{capital}市{rng.choice(ROADS)}路{rng.randint(1, 300)}号",
                p,
            )
        )
        for k in range(partners_per_prov):
            suffix, unit_kind = PARTNER_NAMES[k % len(PARTNER_NAMES)]
            city = cities[k % len(cities)]
            lat, lon = plat + rng.gauss(0, 0.8), plon + rng.gauss(0, 0.8)
            kind = "党支部" if suffix.endswith("党支部") else "党委"
            orgs.append(
                OrgRow(
                    f"{pcode}W{k + 1:03d}",
                    f"{city}{suffix}",
                    kind,
                    pcode,
                    f"{city}{unit_kind}",
                    lat,
                    lon,
                    f"{prov}省{city}市{rng.choice(ROADS)}路{rng.randint(1, 300)}号",
                    p,
                    is_partner=True,
                )
            )
        n_c = prov_cities[p]
        per_city = _split(prov_branches[p], [rng.lognormvariate(0, 0.5) for _ in range(n_c)])
        for c in range(n_c):
            city = cities[c % len(cities)]
            unit = f"联建{city}{UNIT_KINDS[(c // len(cities)) % len(UNIT_KINDS)]}"
            if c >= len(cities) * len(UNIT_KINDS):
                unit += f"{c // (len(cities) * len(UNIT_KINDS)) + 1}"
            ccode = f"{pcode}C{c + 1:03d}"
            clat, clon = plat + rng.gauss(0, 1.0), plon + rng.gauss(0, 1.0)
            ckind = "党委" if per_city[c] >= 12 else "党总支"
            orgs.append(
                OrgRow(
                    ccode,
                    f"{unit}{ckind}",
                    ckind,
                    pcode,
                    unit,
                    round(clat, 6),
                    round(clon, 6),
                    f"{prov}省{city}市{rng.choice(ROADS)}路{rng.randint(1, 300)}号",
                    p,
                )
            )
            for b in range(per_city[c]):
                if b < len(DEPARTMENTS):
                    bname = f"{unit}{DEPARTMENTS[b]}党支部"
                else:
                    town = TOWN_SUFFIXES[b % len(TOWN_SUFFIXES)]
                    bname = (
                        f"{unit}{city}{town}{STATIONS[(b // len(TOWN_SUFFIXES)) % len(STATIONS)]}"
                        f"{b // (len(TOWN_SUFFIXES) * len(STATIONS)) + 1}党支部"
                    )
                br = OrgRow(
                    f"{ccode}B{b + 1:04d}",
                    bname,
                    "党支部",
                    ccode,
                    unit,
                    round(clat + rng.gauss(0, 0.15), 6),
                    round(clon + rng.gauss(0, 0.15), 6),
                    f"{prov}省{city}市{rng.choice(TOWN_SUFFIXES)}{rng.choice(ROADS)}路"
                    f"{rng.randint(1, 500)}号",
                    p,
                )
                orgs.append(br)
                branches.append(br)

    sizes = _split(n_members, [rng.lognormvariate(0, 0.7) for _ in branches])
    for br, size in zip(branches, sizes, strict=True):
        br.members = size
    # 党小组: under the largest branches first, 2–4 per branch, until the budget is spent.
    left = n_groups
    groups: dict[str, list[OrgRow]] = {}
    for br in sorted(branches, key=lambda b: (-b.members, b.code)):
        if left <= 0:
            break
        k = min(left, 2 + br.members // 30, 4)
        left -= k
        groups[br.code] = [
            OrgRow(
                f"{br.code}G{g + 1}",
                f"{br.name.removesuffix('党支部')}第{'一二三四'[g]}党小组",
                "党小组",
                br.code,
                br.unit,
                br.lat,
                br.lon,
                br.address,
                br.province,
            )
            for g in range(k)
        ]
    out: list[OrgRow] = []
    for org in orgs:
        out.append(org)
        out.extend(groups.get(org.code, ()))
    if left > 0:
        raise ValueError("too few branches for the groups; raise n_orgs")
    assert len(out) == n_orgs, (len(out), n_orgs)
    return Plan(out, branches, "P01", big)


def _excel_date(d: datetime.date) -> int:
    return (d - EXCEL_EPOCH).days


def add_years(d: datetime.date, years: int) -> datetime.date:
    """``d`` moved by whole years; 29 February becomes 1 March in a common year."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return datetime.date(d.year + years, 3, 1)


def _random_date(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _pick(rng: random.Random, pool: tuple[str, ...], lo: int, hi: int) -> str:
    return "、".join(rng.sample(pool, rng.randint(lo, hi)))


def write_orgs(plan: Plan, path: Path, *, seed: int = 1) -> int:
    """Write the organisations file; returns the number of data rows."""
    rng = random.Random(seed * 7919 + 1)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("党组织")
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws.write_row(0, 0, ORG_HEADERS)
    today = datetime.date(2026, 6, 30)
    for r, o in enumerate(plan.orgs, start=1):
        founded = _random_date(rng, datetime.date(1985, 1, 1), datetime.date(2020, 12, 31))
        years = 5 if o.kind == "党委" else 3
        # Most terms run well past today; a few end within 90 days or are overdue (warnings).
        term_start = _random_date(
            rng, max(founded, datetime.date(2021, 1, 1)), datetime.date(2025, 12, 31)
        )
        if rng.random() < 0.04:
            term_start = add_years(today, -years) - datetime.timedelta(days=rng.randint(-80, 200))
        term_end = add_years(term_start, years) - datetime.timedelta(days=1)
        ws.write_string(r, 0, o.code)
        ws.write_string(r, 1, o.name)
        ws.write_string(r, 2, o.kind)
        ws.write_string(r, 3, o.parent)
        ws.write_string(r, 4, "是" if o.is_partner else "否")
        ws.write_string(r, 5, o.unit)
        ws.write_string(r, 6, _pick(rng, PROFESSIONS, 1, 3))
        ws.write_string(r, 7, o.address)
        ws.write_number(r, 8, o.lat)
        ws.write_number(r, 9, o.lon)
        ws.write_string(r, 10, _pick(rng, STRENGTHS, 1, 3))
        ws.write_string(r, 11, _pick(rng, NEEDS, 1, 2))
        ws.write_number(r, 12, _excel_date(founded), date_fmt)
        # 撤销日期 stays empty: dissolving needs an empty organisation.
        if not o.is_partner:
            ws.write_string(r, 14, term_start.isoformat())
            ws.write_string(r, 15, term_end.isoformat())
    wb.close()
    return len(plan.orgs)


def write_members(plan: Plan, path: Path, *, seed: int = 1) -> int:
    """Write the members file (members only in branches); returns the number of data rows."""
    rng = random.Random(seed * 104729 + 2)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("党员")
    ws.write_row(0, 0, MEMBER_HEADERS)
    r = 0
    number = 0
    # Probationary members joined within the last year; full members were confirmed a year after joining.
    prob_start, prob_end = datetime.date(2025, 12, 1), datetime.date(2026, 10, 31)
    committee = ("书记", "副书记", "组织委员", "宣传委员", "纪检委员")
    for br in plan.branches:
        region = PROVINCES[br.province][4]
        for i in range(br.members):
            number += 1
            r += 1
            male = rng.random() < 0.68
            birth = _random_date(rng, datetime.date(1962, 1, 1), datetime.date(2003, 12, 31))
            seq = rng.randrange(0, 999, 2) + (1 if male else 0)
            name = (
                rng.choice(SURNAMES)
                + rng.choice(GIVEN)
                + (rng.choice(GIVEN) if rng.random() < 0.55 else "")
            )
            adult = add_years(birth, 18)
            probationary = rng.random() < 0.03 and adult < prob_start
            if probationary:
                joined = _random_date(rng, prob_start, prob_end)
                confirmed = None
            else:
                joined = (
                    _random_date(
                        rng, max(adult, datetime.date(1980, 1, 1)), datetime.date(2025, 10, 31)
                    )
                    if adult <= datetime.date(2025, 10, 31)
                    else None
                )
                if joined is None:
                    # Too young to be a full member by the cut-off: make them probationary.
                    probationary, joined, confirmed = True, max(adult, prob_start), None
                else:
                    confirmed = add_years(joined, 1)
            if br.members >= 7 and i < len(committee):
                post = committee[i]
            elif br.members < 7 and i == 0:
                post = "书记"
            elif i < len(committee) + 3 and rng.random() < 0.5:
                post = "党小组长"
            else:
                post = ""
            ws.write_string(r, 0, f"M{number:08d}")
            ws.write_string(r, 1, name)
            ws.write_string(r, 2, "男" if male else "女")
            ws.write_string(r, 3, birth.isoformat())
            ws.write_string(r, 4, br.code)
            ws.write_string(r, 5, "预备党员" if probationary else "正式党员")
            ws.write_string(r, 6, joined.isoformat())
            if confirmed is not None:
                ws.write_string(r, 7, confirmed.isoformat())
            if post:
                ws.write_string(r, 8, post)
            ws.write_string(r, 9, rng.choice(JOBS))
            ws.write_string(r, 10, rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}")
            ws.write_string(r, 11, id_number(f"{region}{rng.randint(1, 29):02d}", birth, seq))
    wb.close()
    return r


def generate(
    out_dir: Path, n_orgs: int, n_members: int, *, big_branches: int | None = None, seed: int = 1
) -> tuple[Path, Path, Plan]:
    """Write ``orgs.xlsx`` and ``members.xlsx`` into ``out_dir``; returns their paths and the plan."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_orgs(n_orgs, n_members, big_branches=big_branches, seed=seed)
    orgs, members = out_dir / "orgs.xlsx", out_dir / "members.xlsx"
    write_orgs(plan, orgs, seed=seed)
    write_members(plan, members, seed=seed)
    return orgs, members, plan


def describe(plan: Plan) -> dict[str, int]:
    """Counts by kind, for the report."""
    out: dict[str, int] = {}
    for o in plan.orgs:
        key = "外部单位" if o.is_partner else o.kind
        out[key] = out.get(key, 0) + 1
    out["党员"] = sum(b.members for b in plan.branches)
    out["P01 下党支部"] = plan.big_branches
    out["最大支部人数"] = max(b.members for b in plan.branches)
    out["支部平均人数"] = math.floor(out["党员"] / max(1, len(plan.branches)))
    return out
