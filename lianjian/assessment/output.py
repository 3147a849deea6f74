"""Outputs of a stored run: the JSON of ``lianjian assess run``, the ranking workbook, and
what moved between two versions.

``run_json`` is shared/docs/assessment.md's ``--format json`` document exactly: ``scheme``,
``period`` and one result per organisation (``org``, ``total``, ``stars``, ``vetoed``,
``rank``, ``dimensions``, ``indicators`` ``{code: {"value", "points"}}``) ordered by rank,
then organisation code. Numbers are the stored full-precision values (rounding is for
display); the API's results rows are the same rows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

from django.db import connection
from django.db.models.expressions import RawSQL

from lianjian.assessment.models import AssessmentResult, AssessmentRun
from lianjian.assessment.periods import parse_period
from lianjian.assessment.scoring import RULE_LABELS, VETO
from lianjian.core.excel import CellStyle, Styled, WorkbookWriter

SOURCE_LABELS = {
    "kpi": "业务指标（导入）",
    "compliance_rate": "组织生活完成率",
    "joint_activities": "联建活动次数",
    "joint_person_times": "联建活动参与人次",
    "manual": "评议打分",
    "key_task_rate": "关键任务按期验收率",
    "key_task_progress": "关键任务进度（对序时进度）",
    "decision_post_evaluated": "三重一大后评估完成率",
    "carrier_count": "在册岗区队数",
    "carrier_review": "岗区队复核平均分",
    "project_awards": "揭榜项目获奖（按级别加权）",
    "rectification_on_time": "问题整改按期销号率",
    "member_points": "党员平均积分",
}
CHUNK = 2000


class Row(NamedTuple):
    """One stored result as read for output (no model instances: a run has 37,000)."""

    org: str
    name: str
    total: float
    stars: int | None
    vetoed: bool
    passed: bool
    rank: int
    dimensions: dict[str, float]
    indicators: dict[str, dict[str, Any]]


# On PostgreSQL the database keeps of each indicator only value, points and missing: one pass
# over the row's jsonb (it is stored compressed; extracting keys one by one would decompress
# it sixty times), so that reading 37,000 results does not decode 120 MB of evidence JSON.
_PG_SLIM = RawSQL(
    "(SELECT jsonb_object_agg(key, jsonb_build_array(value->'value', value->'points', value->'missing'))"
    " FROM jsonb_each(assessment_assessmentresult.indicators))",
    (),
)


def _results(run: AssessmentRun) -> Iterator[Row]:
    """The run's results in rank then code order, read in chunks (flat memory), with each
    indicator's ``value``, ``points`` and ``missing`` but not its evidence. Dimensions and
    indicators come in the scheme's order (PostgreSQL's jsonb keeps keys in its own order)."""
    snapshot = run.scheme_snapshot
    dim_codes = [d["code"] for d in snapshot.get("dimensions", [])]
    codes = [i["code"] for i in snapshot.get("indicators", [])]
    qs = AssessmentResult.objects.filter(run=run).order_by("rank", "org__code")
    fields = ("org__code", "org__name", "total", "stars", "vetoed", "passed", "rank", "dimensions")
    if connection.vendor == "postgresql":
        for *head, dims, slim in qs.values_list(*fields, _PG_SLIM).iterator(chunk_size=CHUNK):
            found = json.loads(slim) if isinstance(slim, str) else (slim or {})
            indicators = {
                c: {"value": found[c][0], "points": found[c][1], "missing": bool(found[c][2])}
                for c in codes
                if c in found
            }
            yield Row(*head, {c: dims[c] for c in dim_codes if c in dims}, indicators)
        return
    for *head, dims, full in qs.values_list(*fields, "indicators").iterator(chunk_size=CHUNK):
        indicators = {
            c: {
                "value": full[c].get("value"),
                "points": full[c].get("points"),
                "missing": bool(full[c].get("missing")),
            }
            for c in codes
            if c in full
        }
        yield Row(*head, {c: dims[c] for c in dim_codes if c in dims}, indicators)


def result_row(result: Row) -> dict[str, Any]:
    """One result as assessment.md's JSON row."""
    return {
        "org": result.org,
        "total": result.total,
        "stars": result.stars,
        "vetoed": result.vetoed,
        "rank": result.rank,
        "dimensions": result.dimensions,
        "indicators": {
            k: {"value": v.get("value"), "points": v.get("points")}
            for k, v in result.indicators.items()
        },
    }


def run_json(run: AssessmentRun) -> dict[str, Any]:
    """The ``--format json`` document of ``run`` (module docstring)."""
    return {
        "scheme": run.scheme.code,
        "period": run.period,
        "results": [result_row(r) for r in _results(run)],
    }


# --- the ranking workbook -----------------------------------------------------------------


def _stars_text(stars: int | None, vetoed: bool) -> str:
    if vetoed:
        return "否决"
    return "★" * stars if stars else "无星级"


def _verdict(result: Row) -> str:
    if result.vetoed:
        return "一票否决"
    return "合格" if result.passed else "不合格"


def _round(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) and math.isfinite(value) else value


def run_xlsx(run: AssessmentRun, stream: IO[bytes] | Any) -> None:
    """Write the ranking workbook of ``run`` to ``stream`` (a path or a binary file):
    sheet 考核排名 — 排名, 组织编码, 组织名称, 总分, 星级, 结论, the points of each dimension and
    of each indicator (2 decimals; a veto column says 否决/无/缺数); sheet 指标取值 — per
    organisation the value of each indicator (缺数 when missing); sheet 方案说明 — the scheme
    as run (dimensions, indicators, rules, star bands). Headers in Chinese. Wide sheets keep a
    37,000-organisation run under two million cells (openpyxl writes about 100,000 a second)."""
    snapshot = run.scheme_snapshot
    dims = snapshot.get("dimensions", [])
    inds = snapshot.get("indicators", [])
    workbook = WorkbookWriter()
    title_style = CellStyle(bold=True, wrap=True, vertical="center")
    vetoed_style = CellStyle(fill="FAD4D4")

    def sheet(name: str, titles: list[str], widths: list[int]) -> Any:
        out = workbook.sheet(name, widths=widths, freeze="D2" if len(titles) > 6 else "A2")
        out.header(titles, title_style)
        return out

    titles = ["排名", "组织编码", "组织名称", "总分", "星级", "结论"]
    titles += [f"{d['name']}（{d['max']:g}）" for d in dims]
    titles += [
        f"{i['code']} {i['name']}" + ("" if i["rule"] == VETO else f"（{i['max']:g}）")
        for i in inds
    ]
    ranking = sheet(
        "考核排名", titles, [6, 14, 26, 9, 10, 10] + [12] * len(dims) + [14] * len(inds)
    )
    values = sheet(
        "指标取值",
        ["组织编码", "组织名称"] + [f"{i['code']} {i['name']}" for i in inds],
        [14, 26] + [14] * len(inds),
    )
    codes = [(i["code"], i["rule"] == VETO) for i in inds]
    dim_codes = [d["code"] for d in dims]
    for r in _results(run):
        verdict: Any = _verdict(r)
        if r.vetoed:
            verdict = Styled(verdict, vetoed_style)
        row: list[Any] = [
            r.rank,
            r.org,
            r.name,
            _round(r.total),
            _stars_text(r.stars, r.vetoed),
            verdict,
        ]
        row += [_round(r.dimensions.get(c)) for c in dim_codes]
        shown: list[Any] = [r.org, r.name]
        for code, veto in codes:
            found = r.indicators.get(code) or {}
            value = found.get("value")
            if veto:
                row.append(
                    "缺数" if found.get("missing") else ("否决" if value and value > 0 else "无")
                )
            else:
                row.append(_round(found.get("points")))
            shown.append("缺数" if found.get("missing") else _round(value))
        ranking.append(row)
        values.append(shown)
    info = sheet("方案说明", ["项目", "内容"], [16, 90])
    period_label = parse_period(run.period).label
    published = "已发布" if run.is_published else "未发布"
    for key, value in (
        ("考核方案", f"{snapshot.get('name', '')}（{snapshot.get('code', '')}）"),
        ("考核期间", period_label),
        ("版本", f"第 {run.version} 版（{published}）"),
        ("参评组织数", run.org_count),
        ("说明", run.note),
    ):
        info.append([key, value])
    dim_names = {d["code"]: d["name"] for d in dims}
    for d in dims:
        info.append([f"维度 {d['code']}", f"{d['name']}，满分 {d['max']:g}"])
    for i in inds:
        info.append([f"指标 {i['code']}", _indicator_text(i, dim_names)])
    stars = "；".join(f"≥{t:g} 分 {s} 星" for t, s in snapshot.get("stars", []))
    info.append(["星级划分", stars or "不评星级"])
    info.append(["合格线", f"{snapshot.get('pass_line', 60):g} 分"])
    info.append(
        [
            "说明",
            "分数按完整精度计算，表中保留两位小数；缺数的指标记 0 分（方案另有规定的除外）；"
            "一票否决的组织不评星级，排在其他组织之后。",
        ]
    )
    workbook.save(stream)


def _indicator_text(ind: dict[str, Any], dim_names: dict[str, str]) -> str:
    rule = ind["rule"]
    parts = [
        ind["name"],
        f"维度：{dim_names.get(ind.get('dimension'), '—')}",
        f"来源：{SOURCE_LABELS.get(ind.get('source'), ind.get('source'))}",
        f"规则：{RULE_LABELS.get(rule, rule)}",
    ]
    if rule != VETO:
        parts.append(f"分值 {ind['max']:g}")
    if rule == "ratio":
        parts.append(
            f"目标值 {ind['target']:g}，最低比率 {ind.get('floor', 0):g}，"
            f"{'越低越好' if ind.get('direction') == 'lower' else '越高越好'}"
        )
    elif rule == "per_item":
        parts.append(f"每项 {ind['per']:g} 分")
    elif rule == "deduct":
        parts.append(f"每次扣 {ind['per']:g} 分")
    elif rule == "stepped":
        parts.append(
            "档位：" + "、".join(f"{label} {points:g} 分" for label, points in ind["steps"])
        )
    elif rule == "manual":
        parts.append("评议人：" + "、".join(ind.get("evaluators", [])))
    return "；".join(parts)


# --- what moved ---------------------------------------------------------------------------


def _summary(result: Row | None) -> dict[str, Any]:
    if result is None:
        return {"total": None, "rank": None, "stars": None, "vetoed": None}
    return {
        "total": result.total,
        "rank": result.rank,
        "stars": result.stars,
        "vetoed": result.vetoed,
    }


def run_compare(old_run: AssessmentRun, new_run: AssessmentRun) -> list[dict[str, Any]]:
    """Per organisation of either run: ``org`` (code), ``name``, ``total``/``rank``/``stars``/
    ``vetoed`` ``_before`` and ``_after`` (None where the organisation was not in that run),
    ``indicators`` — the indicators whose value or points changed, each ``{"code", "name",
    "value_before", "value_after", "points_before", "points_after"}`` — and ``changed``
    (anything moved, totals compared at 9 decimals). Changed organisations come first, by
    the size of the total's move, then the new rank and code."""
    names = {
        i["code"]: i["name"]
        for i in [
            *old_run.scheme_snapshot.get("indicators", []),
            *new_run.scheme_snapshot.get("indicators", []),
        ]
    }
    old = {r.org: r for r in _results(old_run)}
    new = {r.org: r for r in _results(new_run)}
    rows = []
    for code in dict.fromkeys([*new, *old]):
        after, before = new.get(code), old.get(code)
        changes = []
        for ind in dict.fromkeys(
            [*(after.indicators if after else {}), *(before.indicators if before else {})]
        ):
            a = after.indicators.get(ind, {}) if after else {}
            b = before.indicators.get(ind, {}) if before else {}
            if a.get("value") != b.get("value") or _differs(a.get("points"), b.get("points")):
                changes.append(
                    {
                        "code": ind,
                        "name": names.get(ind, ind),
                        "value_before": b.get("value"),
                        "value_after": a.get("value"),
                        "points_before": b.get("points"),
                        "points_after": a.get("points"),
                    }
                )
        row: dict[str, Any] = {"org": code, "name": (after or before).name}  # type: ignore[union-attr]
        for key, value in _summary(before).items():
            row[f"{key}_before"] = value
        for key, value in _summary(after).items():
            row[f"{key}_after"] = value
        row["indicators"] = changes
        row["changed"] = (
            bool(changes)
            or _differs(row["total_before"], row["total_after"])
            or any(row[f"{k}_before"] != row[f"{k}_after"] for k in ("rank", "stars", "vetoed"))
        )
        rows.append(row)

    def order(row: dict[str, Any]) -> tuple[Any, ...]:
        delta = abs((row["total_after"] or 0) - (row["total_before"] or 0))
        return (not row["changed"], -round(delta, 9), row["rank_after"] or math.inf, row["org"])

    return sorted(rows, key=order)


def _differs(a: Any, b: Any) -> bool:
    if a == b:
        return False
    if isinstance(a, int | float) and isinstance(b, int | float):
        return round(a, 9) != round(b, 9)
    return a != b
