"""Reminder provider for evaluators (评议提醒), registered as ``双维度考核``.

``lianjian remind`` calls :func:`review_reminders` daily. For every ``manual`` indicator
(书记述职评议 …) and each of its evaluators: when a period of the scheme's kind ends within
``BEFORE`` days or ended at most ``AFTER`` days ago, and organisations the scheme assesses
in that period (and the evaluator can see) still lack the evaluator's score, one yellow
task links to the 我的评议 page of that indicator and period. The key names the indicator,
period and evaluator, so each evaluator is reminded once per period (the daily job is
idempotent through ``notifications.reminders.deliver``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from lianjian.assessment.models import Indicator, ManualScore, PeriodKind, Rule
from lianjian.assessment.periods import Period, parse_period
from lianjian.assessment.services import scheme_orgs
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder
from lianjian.orgs.models import Organisation

BEFORE = 30
AFTER = 60


def _candidates(kind: str, today: datetime.date) -> list[Period]:
    """The periods of ``kind`` around ``today``: this one and the previous one."""
    year, month = today.year, today.month
    if kind == PeriodKind.YEAR:
        labels = [str(year), str(year - 1)]
    elif kind == PeriodKind.HALF:
        half = 1 if month <= 6 else 2
        labels = [f"{year}H{half}", f"{year}H1" if half == 2 else f"{year - 1}H2"]
    elif kind == PeriodKind.QUARTER:
        quarter = (month - 1) // 3 + 1
        labels = [f"{year}Q{quarter}", f"{year}Q{quarter - 1}" if quarter > 1 else f"{year - 1}Q4"]
    else:
        labels = [
            f"{year}-{month:02d}",
            f"{year}-{month - 1:02d}" if month > 1 else f"{year - 1}-12",
        ]
    return [parse_period(label) for label in labels]


def review_reminders(today: datetime.date) -> Iterator[Reminder]:
    """Yellow tasks for evaluators with organisations still to score (module docstring)."""
    indicators = (
        Indicator.objects.filter(rule=Rule.MANUAL, evaluators__isnull=False)
        .distinct()
        .select_related("scheme", "scheme__owner")
        .prefetch_related("evaluators")
    )
    for indicator in indicators:
        scheme = indicator.scheme
        for period in _candidates(scheme.period_kind, today):
            if not -AFTER <= (period.end - today).days <= BEFORE:
                continue
            orgs = scheme_orgs(scheme, period.text)
            for user in indicator.evaluators.all():
                if not user.is_active:
                    continue
                # Never their own organisation: an evaluator does not score it (services.manual_score_set).
                mine = orgs.filter(
                    pk__in=Organisation.objects.visible_to(user).values("pk")
                ).exclude(pk=user.org_id or 0)
                scored = ManualScore.objects.filter(
                    indicator=indicator,
                    period=period.text,
                    evaluator=user,
                    org__in=mine.values("pk"),
                ).count()
                left = mine.count() - scored
                if left <= 0:
                    continue
                yield Reminder(
                    key=f"assessment:review:{indicator.pk}:{period.text}:{user.pk}",
                    user_ids=(user.pk,),
                    title=f"{indicator.name}：{period.label}还有 {left} 个组织待评议",
                    body=f"考核方案“{scheme.name}”的评议打分指标“{indicator.name}”（满分 {indicator.max or 0:g}），"
                    f"期间 {period.label}（{period.end:%Y-%m-%d} 结束）。",
                    link=f"/assessment/reviews/{indicator.pk}/?period={period.text}",
                    due=period.end,
                    level=Notification.Level.YELLOW,
                )
