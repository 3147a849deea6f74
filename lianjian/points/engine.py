"""The rules of 党员积分 (docs points.md), without Django: the scheme file, periods, caps and
period totals.

- :func:`parse_scheme` turns a scheme file (the JSON of ``lianjian points scheme import``)
  into a :class:`Scheme`, or raises :class:`SchemeError` listing every problem. It refuses
  unknown sources, missing fields and any rule that would score log-ins, minutes, clicks,
  daily check-ins or 学习强国 figures (the 减负 principle of domain.md: score results, not
  presence on a screen).
- :func:`kept_points` applies each rule's caps (per period and per year; the event that
  reaches a cap keeps only what fits) to the events of one member's year, in order.
- :func:`period_total` is ``base + min(positive, bonus_cap) + negative``, then floor and
  ceiling; a veto event in the period sets the total to the rule's ``veto_total``.

Points are :class:`~decimal.Decimal` so that half points add up exactly.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

PERIOD_KINDS = ("month", "quarter", "year")
CATEGORIES = ("基础扣分", "任务", "奖励", "扣分", "一票否决")
VETO = "一票否决"
MEMBER_CATEGORIES = ("骨干", "普通", "流动", "特殊")
CLAIM = "claim"

# Sources that need the listed activity types.
ACTIVITY_SOURCES = ("attendance", "absence")

# What a rule may never score (domain.md 减负): presence on a screen, not results.
FORMALISM_SOURCES = frozenset(
    {"login", "logins", "log-in", "minutes", "online_minutes", "clicks", "click", "checkin",
     "daily_checkin", "xuexi", "xuexiqiangguo", "study_app"}
)  # fmt: skip
FORMALISM_WORDS = re.compile(
    r"登录|登陆|在线时长|学习时长|时长|分钟|点击|浏览量|阅读量|打卡|每日签到|日签到|学习强国|"
    r"log-?in|minutes|clicks?\b|check-?in",
    re.IGNORECASE,
)
FORMALISM_MESSAGE = "不得按登录、在线时长、点击、打卡或学习强国数据计分（减负：只按已有的工作记录和审核过的申报计分）"

_NUMBER = Decimal | int | float


class SchemeError(ValueError):
    """The scheme file is refused; ``problems`` lists every reason, one line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Rule:
    """One item of a scheme: ``points`` per event (negative for a deduction), capped per
    period and per year; a veto rule sets the period total to ``veto_total``."""

    code: str
    text: str
    category: str
    source: str
    points: Decimal = Decimal(0)
    cap_period: Decimal | None = None
    cap_year: Decimal | None = None
    activity_types: tuple[str, ...] = ()
    veto_total: Decimal | None = None

    @property
    def is_veto(self) -> bool:
        return self.category == VETO


@dataclass(frozen=True)
class Scheme:
    """A 积分办法: who (``org`` subtree), which ``year``, how periods are cut, the numbers."""

    code: str
    name: str
    org: str
    year: int
    period: str = "quarter"
    base: Decimal = Decimal(80)
    bonus_cap: Decimal = Decimal(20)
    floor: Decimal | None = None
    ceiling: Decimal | None = Decimal(100)
    exempt_categories: tuple[str, ...] = ("特殊",)
    ranking: bool = False
    rules: tuple[Rule, ...] = field(default_factory=tuple)

    def rule(self, code: str) -> Rule | None:
        return next((r for r in self.rules if r.code == code), None)

    def periods(self) -> list[str]:
        return periods_of(self.year, self.period)


# --- periods ------------------------------------------------------------------------------


def periods_of(year: int, kind: str) -> list[str]:
    """The period codes of ``year`` (contracts §3: ``2026``, ``2026Q3``, ``2026-07``)."""
    if kind == "year":
        return [str(year)]
    if kind == "quarter":
        return [f"{year}Q{q}" for q in range(1, 5)]
    return [f"{year}-{m:02d}" for m in range(1, 13)]


def period_of(day: datetime.date, kind: str) -> str:
    """The period of ``kind`` that holds ``day``."""
    if kind == "year":
        return str(day.year)
    if kind == "quarter":
        return f"{day.year}Q{(day.month - 1) // 3 + 1}"
    return f"{day.year}-{day.month:02d}"


def period_bounds(period: str) -> tuple[datetime.date, datetime.date]:
    """First and last day of a period code; ValueError for anything else."""
    m = re.fullmatch(r"(\d{4})(?:Q([1-4])|-(0[1-9]|1[0-2]))?", period)
    if not m:
        raise ValueError(f"期间格式应为 2026、2026Q3 或 2026-07：{period}")
    year = int(m.group(1))
    if not 2000 <= year <= 2200:
        raise ValueError(f"年份应在 2000 到 2200 之间：{period}")
    if m.group(2):
        q = int(m.group(2))
        first = datetime.date(year, 3 * q - 2, 1)
        last_month = 3 * q
    elif m.group(3):
        first = datetime.date(year, int(m.group(3)), 1)
        last_month = first.month
    else:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    nxt = datetime.date(year + (last_month == 12), last_month % 12 + 1, 1)
    return first, nxt - datetime.timedelta(days=1)


# --- the scheme file ----------------------------------------------------------------------


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_scheme(
    data: Any, *, sources: Collection[str], activity_types: Collection[str] = ()
) -> Scheme:
    """The scheme in ``data`` (the scheme file), or SchemeError with every problem.

    ``sources`` are the sources the system can compute (the registry, ``claim`` included);
    ``activity_types`` the known activity types (an attendance rule names some of them).
    """
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise SchemeError(["积分办法文件应为一个 JSON 对象"])

    def text(key: str, where: Mapping[str, Any], label: str, required: bool = True) -> str:
        value = where.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                problems.append(f"{label}缺少 {key}")
            return ""
        if not isinstance(value, str):
            problems.append(f"{label}{key} 应为文本")
            return ""
        return value.strip()

    def number(
        key: str, where: Mapping[str, Any], label: str, default: Decimal | None
    ) -> Decimal | None:
        if key not in where or where[key] is None:
            return default
        value = _number(where[key])
        if value is None:
            problems.append(f"{label}{key} 应为数字：{where[key]!r}")
        return value

    code = text("code", data, "")
    name = text("name", data, "")
    org = text("org", data, "")
    year_value = data.get("year")
    year = 0
    if year_value is None:
        problems.append("缺少 year")
    elif isinstance(year_value, bool) or not isinstance(year_value, int):
        problems.append(f"year 应为整数年份：{year_value!r}")
    elif not 2000 <= year_value <= 2200:
        problems.append(f"year 应在 2000 到 2200 之间：{year_value}")
    else:
        year = year_value
    period = data.get("period", "quarter")
    if period not in PERIOD_KINDS:
        problems.append(f"period 应为 month、quarter 或 year：{period!r}")
    base = number("base", data, "", Decimal(80))
    bonus_cap = number("bonus_cap", data, "", Decimal(20))
    floor = number("floor", data, "", None)
    ceiling = number("ceiling", data, "", Decimal(100))
    if bonus_cap is not None and bonus_cap < 0:
        problems.append("bonus_cap 不能为负数")
    if floor is not None and ceiling is not None and floor > ceiling:
        problems.append("floor 不能高于 ceiling")
    exempt = data.get("exempt_categories", ["特殊"])
    if not isinstance(exempt, list) or any(c not in MEMBER_CATEGORIES for c in exempt):
        problems.append(f"exempt_categories 只能包含 {'、'.join(MEMBER_CATEGORIES)}：{exempt!r}")
        exempt = []
    ranking = data.get("ranking", False)
    if not isinstance(ranking, bool):
        problems.append("ranking 应为 true 或 false")
        ranking = False
    if FORMALISM_WORDS.search(name):
        problems.append(f"办法名称：{FORMALISM_MESSAGE}")

    rules: list[Rule] = []
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("缺少 rules（至少一条积分规则）")
        raw_rules = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_rules, start=1):
        if not isinstance(raw, Mapping):
            problems.append(f"第{i}条规则应为一个对象")
            continue
        label = f"第{i}条规则"
        rcode = text("code", raw, label + " ")
        if rcode:
            label = f"规则 {rcode}"
            if rcode in seen:
                problems.append(f"{label}：编码重复")
            seen.add(rcode)
        rtext = text("text", raw, label + " ")
        category = text("category", raw, label + " ")
        if category and category not in CATEGORIES:
            problems.append(f"{label}：category 应为 {'、'.join(CATEGORIES)} 之一：{category}")
        source = text("source", raw, label + " ")
        wording = " ".join(str(raw.get(k, "")) for k in ("code", "text", "source"))
        if source.lower() in FORMALISM_SOURCES or FORMALISM_WORDS.search(wording):
            problems.append(f"{label}：{FORMALISM_MESSAGE}")
        elif source and source not in sources:
            problems.append(f"{label}：未知的来源 {source}（可用：{'、'.join(sorted(sources))}）")
        veto_total: Decimal | None = None
        points = Decimal(0)
        if category == VETO:
            veto_total = number("veto_total", raw, label + " ", None)
            if "veto_total" not in raw:
                problems.append(f"{label}：一票否决规则缺少 veto_total")
        else:
            if "points" not in raw:
                problems.append(f"{label}：缺少 points")
            points = number("points", raw, label + " ", Decimal(0)) or Decimal(0)
            if category in ("基础扣分", "扣分") and points > 0:
                problems.append(f"{label}：扣分规则的 points 应为负数")
            if category in ("任务", "奖励") and points < 0:
                problems.append(f"{label}：加分规则的 points 应为正数")
        cap_period = number("cap_period", raw, label + " ", None)
        cap_year = number("cap_year", raw, label + " ", None)
        for key, cap in (("cap_period", cap_period), ("cap_year", cap_year)):
            if cap is not None and cap <= 0:
                problems.append(f"{label}：{key} 应大于 0")
        types = raw.get("activity_types", [])
        if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
            problems.append(f"{label}：activity_types 应为活动类型的列表")
            types = []
        unknown = [t for t in types if activity_types and t not in activity_types]
        if unknown:
            problems.append(f"{label}：未知的活动类型 {'、'.join(unknown)}")
        if source == "attendance" and not types:
            problems.append(f"{label}：出勤来源须列出 activity_types")
        if types and source not in ACTIVITY_SOURCES:
            problems.append(f"{label}：只有 attendance、absence 来源可列 activity_types")
        rules.append(
            Rule(
                code=rcode,
                text=rtext,
                category=category,
                source=source,
                points=points,
                cap_period=cap_period,
                cap_year=cap_year,
                activity_types=tuple(types),
                veto_total=veto_total,
            )
        )
    if problems:
        raise SchemeError(problems)
    return Scheme(
        code=code,
        name=name,
        org=org,
        year=year,
        period=str(period),
        base=base if base is not None else Decimal(80),
        bonus_cap=bonus_cap if bonus_cap is not None else Decimal(20),
        floor=floor,
        ceiling=ceiling,
        exempt_categories=tuple(exempt),
        ranking=ranking,
        rules=tuple(rules),
    )


def _plain(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def scheme_to_data(scheme: Scheme) -> dict[str, Any]:
    """The scheme file of ``scheme`` (export: the form :func:`parse_scheme` reads)."""
    rules: list[dict[str, Any]] = []
    for r in scheme.rules:
        item: dict[str, Any] = {"code": r.code, "text": r.text, "category": r.category}
        if r.is_veto:
            item["veto_total"] = _plain(r.veto_total)
        else:
            item["points"] = _plain(r.points)
        if r.cap_period is not None:
            item["cap_period"] = _plain(r.cap_period)
        if r.cap_year is not None:
            item["cap_year"] = _plain(r.cap_year)
        item["source"] = r.source
        if r.activity_types:
            item["activity_types"] = list(r.activity_types)
        rules.append(item)
    return {
        "code": scheme.code,
        "name": scheme.name,
        "org": scheme.org,
        "year": scheme.year,
        "period": scheme.period,
        "base": _plain(scheme.base),
        "bonus_cap": _plain(scheme.bonus_cap),
        "floor": _plain(scheme.floor),
        "ceiling": _plain(scheme.ceiling),
        "exempt_categories": list(scheme.exempt_categories),
        "ranking": scheme.ranking,
        "rules": rules,
    }


# --- caps and totals ----------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One counted (生效) ledger entry of a member: its rule, period and points, with a
    sort key (date, id) that orders the year so that caps keep the earliest events."""

    rule: str
    period: str
    points: Decimal
    order: tuple[Any, ...] = ()


def kept_points(scheme: Scheme, events: Iterable[Event]) -> list[tuple[Event, Decimal]]:
    """Each event with the points it keeps after its rule's caps, in order.

    A cap bounds the size of a rule's points (deductions by their size): ``cap_period``
    within one period, ``cap_year`` within the year; the event that reaches a cap keeps
    only what fits and later ones keep 0. Events of a rule the scheme no longer has keep 0.
    """
    year_used: dict[str, Decimal] = {}
    period_used: dict[tuple[str, str], Decimal] = {}
    out: list[tuple[Event, Decimal]] = []
    for event in sorted(events, key=lambda e: e.order):
        rule = scheme.rule(event.rule)
        if rule is None:
            out.append((event, Decimal(0)))
            continue
        size = abs(event.points)
        if rule.cap_period is not None:
            used = period_used.get((rule.code, event.period), Decimal(0))
            size = max(Decimal(0), min(size, rule.cap_period - used))
        if rule.cap_year is not None:
            used = year_used.get(rule.code, Decimal(0))
            size = max(Decimal(0), min(size, rule.cap_year - used))
        period_used[(rule.code, event.period)] = (
            period_used.get((rule.code, event.period), Decimal(0)) + size
        )
        year_used[rule.code] = year_used.get(rule.code, Decimal(0)) + size
        out.append((event, size if event.points >= 0 else -size))
    return out


@dataclass(frozen=True)
class Total:
    """A member's score for one period: ``total`` is None when the member is exempt.
    ``bonus`` is the positive points counted (after ``bonus_cap``), ``deductions`` the size
    of the negative points, ``raw_bonus`` the positive points before ``bonus_cap``."""

    total: Decimal | None
    bonus: Decimal
    deductions: Decimal
    vetoed: bool
    exempt: bool
    raw_bonus: Decimal = Decimal(0)

    def as_json(self) -> dict[str, Any]:
        return {
            "total": _plain(self.total),
            "bonus": _plain(self.bonus),
            "deductions": _plain(self.deductions),
            "vetoed": self.vetoed,
            "exempt": self.exempt,
        }


def combine(
    scheme: Scheme, kept: Iterable[tuple[Event, Decimal]], *, exempt: bool = False
) -> Total:
    """The total of the kept points ``kept`` (one period's, or the year's)."""
    positive = Decimal(0)
    negative = Decimal(0)
    veto: Decimal | None = None
    vetoed = False
    for event, points in kept:
        rule = scheme.rule(event.rule)
        if rule is not None and rule.is_veto:
            vetoed = True
            value = rule.veto_total if rule.veto_total is not None else Decimal(0)
            veto = value if veto is None else min(veto, value)
            continue
        if points >= 0:
            positive += points
        else:
            negative += points
    bonus = min(positive, scheme.bonus_cap)
    if exempt:
        return Total(None, bonus, -negative, vetoed, True, positive)
    total = scheme.base + bonus + negative
    if scheme.floor is not None:
        total = max(total, scheme.floor)
    if scheme.ceiling is not None:
        total = min(total, scheme.ceiling)
    if veto is not None:
        total = veto
    return Total(total, bonus, -negative, vetoed, False, positive)


def period_total(
    scheme: Scheme, period: str, events: Iterable[Event], *, exempt: bool = False
) -> Total:
    """The member's total for ``period`` (a period of the scheme, or its year ``"2026"``):
    the caps are applied over the whole year first, so an earlier period's use of a year
    cap limits this one."""
    kept = kept_points(scheme, events)
    if period != str(scheme.year):
        kept = [(e, p) for e, p in kept if e.period == period]
    return combine(scheme, kept, exempt=exempt)
