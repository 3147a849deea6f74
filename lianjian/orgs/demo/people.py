"""The demo company's members: about 600 people from fixed name tables and one seeded generator.

:func:`member_specs` gives every member as model field values; names, phones, birth dates
and GB 11643 ID numbers come from ``random.Random(2026)``, never from the clock.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from lianjian.orgs.demo.company import BRANCHES, NO_COMMITTEE, _d, _years_later
from lianjian.orgs.models import MemberCategory


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = (
    "王王王李李李张张张刘刘刘陈杨杨赵赵黄周吴徐孙孙胡朱高高林何郭马马罗梁宋郑谢韩唐冯于于董程曹袁邓许"
    "沈彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏汪田任姜范方石姚谭邹金陆郝孔白崔康毛秦史顾侯邵孟段雷钱汤常武乔"
    "关关佟那富赫鲍尹闫"
)
MALE_GIVEN = _words(
    "伟 强 磊 军 勇 杰 涛 斌 超 明 刚 平 辉 鹏 华 飞 鑫 波 宇 浩 凯 健 峰 亮 松 岩 林 博 "
    "建国 建华 建军 志强 志刚 志勇 国庆 国华 海涛 海峰 晓东 晓明 立新 立军 文博 文斌 俊杰 浩然 宇航 "
    "子轩 天宇 明轩 嘉豪 家乐 振宇 振华 长春 永刚 永强 春雷 德胜 铁军 洪涛 卫东 卫国 成林 佳明 博文 "
    "一鸣 鹏飞 云飞 广辉 金龙 玉龙 庆林 宝山 国栋 鑫磊 东升 旭东 子豪 思远 泽宇 宏伟 学军 兆辉 少华 "
    "晨阳 昊天 睿哲 长青 福顺 守仁 广森 洪波 明哲 俊峰 立伟 浩宇 世杰 雨泽"
)
FEMALE_GIVEN = _words(
    "丽 静 敏 燕 艳 娟 霞 芳 娜 丹 玲 萍 红 婷 雪 慧 莹 琳 颖 倩 爽 楠 洁 璐 "
    "秀英 桂英 玉兰 丽华 丽娟 晓燕 晓丽 海燕 春梅 冬梅 雪梅 红梅 淑芬 淑华 淑珍 凤霞 艳华 艳红 "
    "婷婷 丹丹 佳琪 欣怡 思雨 雨桐 梓涵 诗涵 子琪 晓雪 美玲 慧敏 秀梅 玉洁 静怡 一诺 若曦 嘉欣 "
    "心怡 明月 冰洁 书瑶 文静 丽丽 晶晶 雅琴 亚楠 春燕 金凤"
)
OTHER_REGIONS = ("210102", "210106", "210302", "210402", "210602", "211002", "211202")
PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "177",
    "182",
    "183",
    "186",
    "187",
    "188",
    "189",
    "199",
)
LEADER_JOBS = {
    "county": "经理",
    "dept": "主任",
    "workshop": "主任",
    "station": "所长",
    "project": "项目经理",
    "functional": "工作室负责人",
}
JOBS = {
    "county": (
        "副经理",
        "配电运维工",
        "客户经理",
        "营销专责",
        "安全专责",
        "综合管理员",
        "调控值班员",
        "台区经理",
        "检修工",
        "技术员",
        "财务专责",
    ),
    "dept": ("副主任", "专责", "高级专责", "管理员", "综合专责"),
    "workshop": ("副主任", "班长", "副班长", "技术员", "运维工", "检修工", "专责", "值班员"),
    "station": ("副所长", "台区经理", "营销员", "配电运维工", "综合柜员", "安全员"),
    "project": ("安全员", "质量员", "技术员", "施工协调专责"),
    "functional": ("高级工程师", "工程师", "技师", "技术员"),
}
FLOATING_JOBS = (
    "外派援疆（新疆）",
    "外派支援（西藏）",
    "借调国网辽宁省电力公司",
    "外派特高压工程建设",
)
FLOATING_BRANCHES = ("BX-ZB07", "BX-ZB18", "BX-ZB24", "BX-ZB28", "BX-ZB36")
COMMITTEE_BY_SIZE = {
    3: ("书记", "组织委员", "宣传委员"),
    4: ("书记", "组织委员", "宣传委员", "纪检委员"),
    5: ("书记", "副书记", "组织委员", "宣传委员", "纪检委员"),
}


def id_number(region: str, birth: datetime.date, seq: int) -> str:
    """A GB 11643 resident ID: area code, birth date, sequence (odd = male) and check digit."""
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


class _People:
    """Deterministic Chinese names, phones and birth dates from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.phones: set[str] = set()

    def name(self, male: bool) -> str:
        given = MALE_GIVEN if male else FEMALE_GIVEN
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(given)
            if name not in self.names:
                self.names.add(name)
                return name

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def day(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=self.rng.randrange((last - first).days + 1))


# A full member's probation year ended before the demo's reference date, and well before it
# for those holding a post: a 书记, 委员 or 党小组长 is at least 38 at the reference date and
# has been a party member for more than five years.
FULL_JOINED_BY = _d("2025-06-30")
POST_BORN_BY = _d("1988-12-31")
POST_JOINED_BY = _d("2020-12-31")
JOIN_AGE = (21, 40)  # joined the party between these ages (党章: at least 18)


def _plausible(
    birth: datetime.date, drawn: datetime.date, *, holds_post: bool
) -> tuple[datetime.date, datetime.date]:
    """Birth and 入党 dates for a full member from the ones drawn: a post holder born too
    late is made twelve years older; 入党 lies between ages 21 and 40 and before the
    limit, folded into that window (not clamped, so no date piles up at the limit)."""
    if holds_post and birth > POST_BORN_BY:
        birth = _years_later(birth, -12)
    low = _years_later(birth, JOIN_AGE[0])
    high = min(_years_later(birth, JOIN_AGE[1]), POST_JOINED_BY if holds_post else FULL_JOINED_BY)
    span = (high - low).days + 1
    return birth, low + datetime.timedelta(days=(drawn - low).days % span)


def member_specs() -> list[dict[str, Any]]:
    """About 600 members as model field values (``org`` holds the organisation code).

    Per branch: about a tenth are 预备党员 (joined within the last year, no 转正日期); the
    first full member is the 书记; a branch with ≥ 7 full members gets a committee of 3–5
    (except the one in ``NO_COMMITTEE``); each 党小组 gets a 党小组长; a few members of
    county companies and stations are 流动党员 on secondment.
    """
    rng = random.Random(2026)
    people = _People(rng)
    out: list[dict[str, Any]] = []
    serial = 0
    for b in BRANCHES:
        probationary = 1 if b.size <= 10 else (b.size + 5) // 10
        full = b.size - probationary
        if full >= 7 and b.code not in NO_COMMITTEE:
            committee = COMMITTEE_BY_SIZE[3 if full < 15 else 4 if full < 30 else 5]
        else:
            committee = ("书记",)
        posts = [*committee, *(["党小组长"] * len(b.groups))]
        floating = b.code in FLOATING_BRANCHES
        for i in range(b.size):
            serial += 1
            male = rng.random() < 0.72
            is_full = i < full
            post = posts[i] if is_full and i < len(posts) else ""
            if is_full:
                # The draws are those of every earlier version (so names, phones and all that
                # follows stay as they were); the dates are then made plausible (:func:`_plausible`).
                birth = people.day(_d("1966-01-01"), _d("2000-12-31"))
                drawn = people.day(_years_later(birth, 21), _years_later(birth, 40))
                birth, joined = _plausible(birth, drawn, holds_post=bool(post))
                confirmed: datetime.date | None = _years_later(joined, 1)
            else:
                birth = people.day(_d("1985-01-01"), _d("2003-06-30"))
                joined = people.day(_d("2025-12-01"), _d("2026-10-31"))
                confirmed = None
            # The 联络员 for joint work: the 组织委员 where there is a committee, else the
            # second member.
            if post == "组织委员":
                post = "组织委员、联络员"
            elif committee == ("书记",) and i == 1 and is_full and not b.groups:
                post = "联络员"
            is_floating = floating and is_full and i == full - 1
            if post == "书记":
                job = LEADER_JOBS[b.category]
            elif is_floating:
                job = rng.choice(FLOATING_JOBS)
            else:
                job = rng.choice(JOBS[b.category])
            region = b.region if rng.random() < 0.85 else rng.choice(OTHER_REGIONS)
            seq = rng.randrange(500) * 2 + (1 if male else 0)
            out.append(
                {
                    "number": f"BX{serial:04d}",
                    "name": people.name(male),
                    "gender": "男" if male else "女",
                    "birth_date": birth,
                    "org": b.code,
                    "category": MemberCategory.FULL if is_full else MemberCategory.PROBATIONARY,
                    "joined_on": joined,
                    "confirmed_on": confirmed,
                    "post": post,
                    "job": job,
                    "phone": people.phone(),
                    "id_number": id_number(region, birth, seq),
                    "is_floating": is_floating,
                }
            )
    return out
