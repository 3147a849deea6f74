"""Demo 双维度考核 for the Benxi company: a yearly and a quarterly scheme, KPIs, evaluators'
scores, and stored runs — one of them published.

Call after the organisations, accounts, alliances and activities of the demo exist (the
``lianjian demo`` command does). Deterministic (``random.Random(2026)``, never the clock;
runs are computed as of :data:`REFERENCE_DAY`, the demo's "today") and idempotent: nothing
is done once the yearly scheme exists.

* ``2026-SWD`` 2026年度党支部双维度考核 (assessment.md's example, adapted): 党建引领 40
  (组织生活完成率 from the compliance engine, 书记述职评议 scored by ``dangwei`` and
  ``admin``), 业务提升 50 (营收完成率, 线损率 — lower is better, 客户投诉 deducted),
  联建共建 10 (联建活动 per item from the activities, 联建成效 stepped; together they can
  exceed 10 and are capped), and the veto 重大安全责任事故.
* ``2026-SWD-Q`` 2026年季度党支部双维度考核, run for 2026Q1–Q3 (the trend).
* KPIs for every branch, from two Excel deliveries by the 党建工作部 (``dangwei``); one
  branch reports a safety accident (veto, yearly and in Q3), two have not reported 线损率 and
  one not Q3's 营收完成率 (missing values). ``admin`` has not finished scoring (38 of 41), so
  我的评议 shows open work.
* The yearly scheme is run, then one branch's 营收完成率 is corrected by hand and it is run
  again: version 2 is published, and comparing it with version 1 shows what moved.
* Q3 of the quarterly scheme is re-run by mistake and that version is voided (作废, with a
  reason). ``zhibu2`` (secretary of BX-ZB18) objects to the branch's 客户投诉 — accepted, the
  value corrected through the owner's entry, so the published yearly ranking says that its
  inputs changed — and to the published result — rejected with a reason.
"""

from __future__ import annotations

import datetime
import random
from typing import Any, Protocol

from django.db import transaction

from lianjian.accounts.models import User
from lianjian.assessment import objections, services, versions
from lianjian.assessment.models import (
    AssessmentResult,
    AssessmentRun,
    Indicator,
    KpiBatch,
    KpiValue,
    Scheme,
)
from lianjian.orgs.models import Organisation

REFERENCE_DAY = datetime.date(2026, 11, 21)
YEARLY, QUARTERLY = "2026-SWD", "2026-SWD-Q"
QUARTERS = ("2026Q1", "2026Q2", "2026Q3")
VETO_BRANCH = "BX-ZB31"
NO_LINE_LOSS = ("BX-ZB36", "BX-ZB40")
NO_Q3_REVENUE = "BX-ZB22"
CORRECTED = ("BX-ZB07", 78.4, 96.8)
OBJECTING_USER = "zhibu2"  # secretary of BX-ZB18: objects to a KPI value and to the published result  # (branch, revenue completion as first delivered, corrected)
ADMIN_SCORES = 38


def _branch_scheme(
    code: str,
    name: str,
    period: str,
    description: str,
    dimensions: dict[str, int],
    compliance: dict[str, Any],
) -> dict[str, Any]:
    """A scheme of BXDW for its 党支部 (``dimensions``: name → max of 党建引领, 业务提升 …),
    opening with the 组织生活完成率 indicator (``compliance``: its max and description);
    the caller appends the other indicators."""
    codes = {"党建引领": "DJ", "业务提升": "YW", "联建共建": "LJ"}
    return {
        "code": code,
        "name": name,
        "period": period,
        "owner": "BXDW",
        "applies_to": {"kind": "党支部"},
        "description": description,
        "dimensions": [
            {"code": codes[dim], "name": dim, "max": top} for dim, top in dimensions.items()
        ],
        "indicators": [
            {
                "code": "DJ1",
                "name": "组织生活完成率",
                "dimension": "DJ",
                "rule": "ratio",
                "target": 1.0,
                "floor": 0.6,
                "direction": "higher",
                "source": "compliance_rate",
                **compliance,
            }
        ],
        "stars": [[95, 5], [90, 4], [80, 3], [70, 2], [60, 1]],
    }


YEARLY_SCHEME = _branch_scheme(
    YEARLY,
    "2026年度党支部双维度考核",
    "2026",
    "党建工作与经营管理同步考核、双向挂钩，作为星级党支部和先进党支部评选的依据。",
    {"党建引领": 40, "业务提升": 50, "联建共建": 10},
    {
        "max": 20,
        "description": "三会一课等组织生活按期完成的比例（已到期的规定次数中按期完成的占比）",
    },
)
YEARLY_SCHEME["indicators"] += [
    {
        "code": "DJ2",
        "name": "书记述职评议",
        "dimension": "DJ",
        "max": 20,
        "rule": "manual",
        "source": "manual",
        "evaluators": ["admin", "dangwei"],
        "description": "党委对支部书记抓党建述职的评议，评议人各打一次分，取平均",
    },
    {
        "code": "YW1",
        "name": "营收完成率",
        "dimension": "YW",
        "max": 25,
        "rule": "ratio",
        "target": 100,
        "floor": 0.6,
        "direction": "higher",
        "source": "kpi",
        "description": "营业收入完成率（%），由财务部提供",
    },
    {
        "code": "YW2",
        "name": "线损率",
        "dimension": "YW",
        "max": 15,
        "rule": "ratio",
        "target": 5.0,
        "floor": 0.6,
        "direction": "lower",
        "source": "kpi",
        "description": "综合线损率（%），越低越好，由发展部提供",
    },
    {
        "code": "YW3",
        "name": "客户投诉",
        "dimension": "YW",
        "max": 10,
        "rule": "deduct",
        "per": 2,
        "source": "kpi",
        "description": "有效客户投诉件数，每件扣 2 分",
    },
    {
        "code": "LJ1",
        "name": "联建活动",
        "dimension": "LJ",
        "max": 6,
        "rule": "per_item",
        "per": 1.5,
        "source": "joint_activities",
    },
    {
        "code": "LJ2",
        "name": "联建成效",
        "dimension": "LJ",
        "max": 8,
        "rule": "stepped",
        "steps": [["破冰", 2], ["推进", 4], ["落地", 8]],
        "source": "kpi",
        "description": "联建项目进展：1 破冰、2 推进、3 落地见效",
    },
    {"code": "FJ1", "name": "重大安全责任事故", "rule": "veto", "source": "kpi"},
]
QUARTERLY_SCHEME = _branch_scheme(
    QUARTERLY,
    "2026年季度党支部双维度考核",
    "2026Q1",
    "按季度跟踪党建与业务两个维度的得分变化。",
    {"党建引领": 50, "业务提升": 50},
    {"max": 40},
)
QUARTERLY_SCHEME["indicators"] += [
    {
        "code": "DJ3",
        "name": "联建活动参与人次",
        "dimension": "DJ",
        "max": 10,
        "rule": "per_item",
        "per": 0.5,
        "source": "joint_person_times",
    },
    {
        "code": "YW1",
        "name": "营收完成率",
        "dimension": "YW",
        "max": 35,
        "rule": "ratio",
        "target": 100,
        "floor": 0.6,
        "direction": "higher",
        "source": "kpi",
    },
    {
        "code": "YW3",
        "name": "客户投诉",
        "dimension": "YW",
        "max": 15,
        "rule": "deduct",
        "per": 5,
        "source": "kpi",
    },
    {"code": "FJ1", "name": "重大安全责任事故", "rule": "veto", "source": "kpi"},
]


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


def _half(value: float) -> float:
    return round(value * 2) / 2


def _kpis(
    branches: list[Organisation], rng: random.Random
) -> tuple[list[tuple], list[tuple], dict[str, float]]:
    """(quarterly rows, yearly rows, strength by branch code) — rows (org, period, code, value)."""
    strength = {b.code: rng.random() for b in branches}
    quarterly, yearly = [], []
    for b in branches:
        s = strength[b.code]
        for q, period in enumerate(QUARTERS, start=1):
            if not (b.code == NO_Q3_REVENUE and q == 3):
                quarterly.append(
                    (b, period, "YW1", round(82 + 22 * s + q * 1.2 + rng.uniform(-4, 4), 1))
                )
            quarterly.append(
                (b, period, "YW3", max(0, round((1 - s) * 2.2 + rng.uniform(-0.9, 0.9))))
            )
            quarterly.append((b, period, "FJ1", 1 if (b.code == VETO_BRANCH and q == 3) else 0))
        revenue = round(86 + 20 * s + rng.uniform(-3, 3), 1)
        if b.code == CORRECTED[0]:
            revenue = CORRECTED[1]
        yearly.append((b, "2026", "YW1", revenue))
        if b.code not in NO_LINE_LOSS:
            yearly.append((b, "2026", "YW2", round(6.6 - 2.2 * s + rng.uniform(-0.4, 0.4), 2)))
        yearly.append((b, "2026", "YW3", max(0, min(6, round((1 - s) * 4 + rng.uniform(-1, 1))))))
        yearly.append((b, "2026", "LJ2", rng.choices((0, 1, 2, 3), weights=(15, 30, 35, 20))[0]))
        yearly.append((b, "2026", "FJ1", 1 if b.code == VETO_BRANCH else 0))
    return quarterly, yearly, strength


def _write(actor: User, rows: list[tuple], file_name: str) -> int:
    kpi_rows = [
        services.KpiRow(org, period, code, float(value)) for org, period, code, value in rows
    ]
    with transaction.atomic():
        result = services.kpi_write(
            actor,
            kpi_rows,
            channel=KpiBatch.Channel.EXCEL,
            file_name=file_name,
            note=f"（{file_name}）",
            fetch=False,
        )
    return result.created + result.updated


def _objection(
    secretary: User,
    dangwei: User,
    target: dict[str, Any],
    reason: str,
    answer: str,
    *,
    corrected_value: float | None = None,
) -> None:
    """The secretary objects to ``target`` (``kpi`` or ``result``); the 党委 answers:
    accepted with ``corrected_value`` when one is given, else rejected."""
    raised = objections.objection_raise(actor=secretary, reason=reason, **target)
    objections.objection_answer(
        actor=dangwei,
        objection=raised,
        accept=corrected_value is not None,
        corrected_value=corrected_value,
        answer=answer,
    )


def _void_and_objections(dangwei: User, yearly: Scheme, quarterly: Scheme) -> int:
    """A voided version (a quarter re-run by mistake) and two answered objections of
    zhibu2's branch: one on a KPI value, accepted (the published ranking then says its
    inputs changed), one on the published result, rejected. Returns the runs made."""
    mistaken = services.assessment_run(
        dangwei, quarterly, QUARTERS[-1], note="误将未审核的10月数据计入", today=REFERENCE_DAY
    )
    versions.run_void(
        actor=dangwei, run=mistaken, reason="误将未审核的10月数据计入第3季度，以第1版为准"
    )
    secretary = User.objects.filter(username=OBJECTING_USER).select_related("org").first()
    if secretary is None or secretary.org is None:
        return 1
    kpi = KpiValue.objects.filter(org=secretary.org, period="2026", indicator_code="YW3").first()
    if kpi is not None:
        _objection(
            secretary,
            dangwei,
            {"kpi": kpi},
            "1-10月客户投诉中有 2 起经营销部核实为供电公司主网故障所致，不属本支部责任，请予扣除。",
            "经与营销部核实，2 起投诉属主网故障，予以扣除。",
            corrected_value=max(0.0, kpi.value - 2),
        )
    result = AssessmentResult.objects.filter(
        org=secretary.org, run__scheme=yearly, run__is_published=True
    ).first()
    if result is not None:
        _objection(
            secretary,
            dangwei,
            {"result": result},
            "本支部全年按期开展组织生活，组织生活完成率应为满分。",
            "合规监测显示11月主题党日未按期开展，组织生活完成率按实际计算，维持原结果。",
        )
    return 1


def demo_assessment(*, stdout: Writer | None = None) -> dict[str, int]:
    """Create the demo schemes, values and runs unless the yearly scheme exists; returns counts."""
    made = {"schemes": 0, "kpis": 0, "scores": 0, "runs": 0}
    if Scheme.objects.filter(code=YEARLY).exists():
        return made
    users = {u.username: u for u in User.objects.filter(username__in=("dangwei", "admin"))}
    if len(users) < 2 or not Organisation.objects.filter(code="BXDW").exists():
        return made
    dangwei, admin = users["dangwei"], users["admin"]
    yearly, _ = services.scheme_import(YEARLY_SCHEME, actor=dangwei)
    quarterly, _ = services.scheme_import(QUARTERLY_SCHEME, actor=dangwei)
    made["schemes"] = 2
    branches = list(services.scheme_orgs(yearly))
    rng = random.Random(2026)
    q_rows, y_rows, strength = _kpis(branches, rng)
    made["kpis"] += _write(dangwei, q_rows, "2026年前三季度业务指标.xlsx")
    made["kpis"] += _write(dangwei, y_rows, "2026年度业务指标（1-10月）.xlsx")

    review = Indicator.objects.get(scheme=yearly, code="DJ2")
    for n, b in enumerate(branches):
        s = strength[b.code]
        services.manual_score_set(
            dangwei,
            indicator=review,
            org=b,
            period="2026",
            score=min(20.0, _half(13.5 + 5.5 * s + rng.uniform(-1.2, 1.2))),
            comment="述职内容翔实，重点突出" if s > 0.6 else "",
        )
        made["scores"] += 1
        if n < ADMIN_SCORES:
            services.manual_score_set(
                admin,
                indicator=review,
                org=b,
                period="2026",
                score=min(20.0, _half(14 + 5 * s + rng.uniform(-1.5, 1.5))),
            )
            made["scores"] += 1

    for period in QUARTERS:
        services.assessment_run(dangwei, quarterly, period, note="季度跟踪", today=REFERENCE_DAY)
        made["runs"] += 1
    services.assessment_run(dangwei, yearly, "2026", note="1-10月数据初算", today=REFERENCE_DAY)
    code, _, corrected = CORRECTED
    services.kpi_set(
        dangwei,
        org=next(b for b in branches if b.code == code),
        period="2026",
        indicator_code="YW1",
        value=corrected,
    )
    made["kpis"] += 1
    second = services.assessment_run(
        dangwei, yearly, "2026", note=f"更正 {code} 营收完成率后重算", today=REFERENCE_DAY
    )
    services.run_publish(dangwei, second)
    made["runs"] += 2
    made["runs"] += _void_and_objections(dangwei, yearly, quarterly)
    if stdout is not None:
        published = AssessmentRun.objects.filter(
            scheme__in=[yearly, quarterly], is_published=True
        ).count()
        stdout.write(
            f"双维度考核：新建考核方案 {made['schemes']} 个、业务指标 {made['kpis']} 条、"
            f"评议打分 {made['scores']} 条、结果版本 {made['runs']} 个（已发布 {published} 个）。\n"
        )
    return made
