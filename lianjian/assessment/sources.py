"""Where indicator values come from (docs/assessment.md §来源): one call collects them all.

:func:`collect` reads, for a scheme, a period and its organisations, every indicator's
value and the evidence behind it, in a fixed number of queries whatever the number of
organisations (about ten; pinned in tests):

* ``kpi`` — the imported :class:`KpiValue` of (organisation, period, indicator code);
  evidence ``{"kpi": id, "batch": id, "channel", "by", "at"}``.
* ``compliance_rate`` — ok ÷ closed among the organisation's organisational-life rows
  (contracts §4, the compliance engine of ``activities``) whose period lies inside the
  assessed period; closed = ``ok`` or ``missing`` (an ``open`` row is still running and
  counts neither way). No closed row → missing. Evidence ``{"ok", "closed", "year"}``.
* ``joint_activities`` — the number of 联建活动 the organisation is listed on (host or
  co-organiser), 已提交 or 已通过, started in the period (Asia/Shanghai dates) and not after
  today; ``joint_person_times`` — the sum of those activities' 实到人数 (a joint activity's
  person-times count for each organisation listed, as its activities do for compliance).
  Evidence ``{"activities": [ids]}``; zero activities is the value 0, not missing.
* ``manual`` — the scores of the indicator's current evaluators for the organisation and
  period (a score by someone no longer an evaluator does not count); the value is the list
  of scores, which the engine averages. Evidence ``{"scores": [{"id", "evaluator", "name",
  "score"}]}``.

* ``key_task_rate`` — on time ÷ due among the organisation's key tasks (责任组织) due in the
  period (:func:`lianjian.keytasks.selectors.assessment_figures`); no due task → missing.
  Evidence ``{"due": [codes], "on_time": [codes]}``.
* ``decision_post_evaluated`` — evaluated ÷ due among the organisation's 三重一大 decisions
  whose post-evaluation fell due in the period, up to its last counted day (evaluated by
  that day counts; :func:`lianjian.decisions.selectors.assessment_figures`); no decision
  due → missing. Evidence ``{"due": [numbers], "evaluated": [numbers]}``.
* ``key_task_progress`` — Σ progress ÷ Σ 序时进度 of its key tasks running in the period,
  both as of the period's last day (or today while it runs); no 序时进度 → missing.
  Evidence ``{"tasks": [[code, progress, expected]], "as_of": ISO date}``.
* ``project_awards`` — Σ level weights (公司 1, 地市 2, 省公司 3, 省部 5, 国家 8;
  :data:`lianjian.projects.rules.LEVEL_WEIGHTS`) of the standing awards won in the period
  by the 揭榜挂帅 projects the organisation won as bidder
  (:func:`lianjian.projects.selectors.awards_in_period`); no award is the value 0.
  Evidence ``{"awards": [[project code, level, name, date]]}``.

* ``carrier_count`` — the number of the organisation's 岗区队 (所属党组织) holding a title
  (已命名, 复核, 警示) on the period's last day (or today while it runs), from their history
  (:func:`lianjian.carriers.selectors.assessment_figures`); none is the value 0.
  Evidence ``{"carriers": [codes], "as_of": ISO date}``.
* ``carrier_review`` — the mean score of the reviews (复核) of its 岗区队 dated in the period;
  no review → missing. Evidence ``{"reviews": [[code, review period, score]]}``.

* ``rectification_on_time`` — closed on time ÷ due among the organisation's own items of
  the supervision ledger (责任组织) due in the period
  (:func:`lianjian.supervision.selectors.assessment_figures`); no due item → missing.
  Evidence ``{"due": [[batch/number, item id]], "on_time": [batch/number]}``.

* ``member_points`` — the mean period score of the organisation's scored members (those
  whose organisation on the period's last day lay in its subtree — as of the period, not
  today: :func:`lianjian.points.selectors.scored_members` —, exempt members left out) under
  the 党员积分 scheme of the run's year that covers it
  (:func:`lianjian.points.selectors.org_means`); the run period must be a period of that
  scheme or its year; no scheme or no scored member → missing. Evidence ``{"scheme",
  "period", "scored", "exempt"}`` (the result page links to the ledger).

A veto indicator reads its source like any other.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from lianjian.activities import compliance
from lianjian.activities.models import COUNTED_STATUSES, ActivityOrg, ActivityType
from lianjian.activities.selectors import (
    IN_LIST_LIMIT,
    TZ,
    held_counts,
    local_start,
    org_infos,
    rule_infos,
)
from lianjian.assessment.models import Indicator, KpiBatch, KpiValue, ManualScore, Scheme, Source
from lianjian.assessment.periods import Period, parse_period
from lianjian.assessment.scheme_file import spec_from_model
from lianjian.assessment.scoring import SchemeSpec
from lianjian.carriers.selectors import assessment_figures as carrier_figures
from lianjian.decisions.selectors import assessment_figures as decision_figures
from lianjian.keytasks.selectors import assessment_figures
from lianjian.orgs.models import Organisation
from lianjian.points.selectors import org_means
from lianjian.projects.rules import award_score
from lianjian.projects.selectors import awards_in_period
from lianjian.supervision.selectors import assessment_figures as rectification_figures

Values = dict[int, dict[str, tuple[Any, dict[str, Any]]]]
"""org id → indicator code → (value, evidence)."""


def _org_filter(orgs: QuerySet[Organisation] | list[int]) -> Any:
    """A filter value for ``org__in``: a list of ids while short (PostgreSQL walks the index),
    else a subquery (SQLite caps the number of parameters)."""
    if isinstance(orgs, list):
        return (
            orgs
            if len(orgs) <= IN_LIST_LIMIT
            else Organisation.objects.filter(pk__in=orgs).values("pk")
        )
    return orgs.values("pk")


def _kpis(codes: list[str], period: str, orgs: Any, out: Values) -> None:
    rows = list(
        KpiValue.objects.filter(org__in=orgs, period=period, indicator_code__in=codes)
        .values_list("org_id", "indicator_code", "value", "id", "batch_id")
        .order_by()
    )
    # A few batches carry hundreds of thousands of values: describe each batch once.
    batches = {
        pk: {"channel": channel, "by": by, "at": timezone.localtime(at, TZ).isoformat()}
        for pk, channel, by, at in KpiBatch.objects.filter(pk__in={r[4] for r in rows}).values_list(
            "pk", "channel", "created_by_name", "created_at"
        )
    }
    for org_id, code, value, kpi_id, batch_id in rows:
        out[org_id][code] = (value, {"kpi": kpi_id, "batch": batch_id, **batches[batch_id]})


def compliance_counts(
    period: Period, orgs: QuerySet[Organisation], today: datetime.date
) -> dict[int, tuple[int, int]]:
    """(ok, closed) per organisation among its organisational-life rows whose period lies
    inside ``period``: exactly the rows of ``compliance.evaluate`` (same rules, the same
    "existed through the period" test, the same held counts), counted instead of built,
    since a State Grid-scale year is 1.3 million rows of which only two numbers are kept.
    A row is ``ok`` when held ≥ required, else closed (``missing``) only when its period
    ended before ``today``. Six queries."""
    year = period.start.year
    rules = rule_infos()
    orgs = orgs.filter(is_partner=False, kind__in={r.org_kind for r in rules})
    infos = org_infos(orgs, year=year)
    ids: QuerySet[Organisation] | list[int] = (
        [i.id for i in infos] if len(infos) <= IN_LIST_LIMIT else orgs
    )
    held = held_counts(ids, year=year, today=today, activity_types={r.activity_type for r in rules})
    plans = []
    for rule in rules:
        spans = [
            (p, p.months[0] - 1, p.months[-1], p.last < today)
            for p in compliance.periods(year, rule.frequency)
            if p.first >= period.start and p.last <= period.end
        ]
        if spans:
            plans.append((rule, spans))
    none = ((0,) * 12, (0,) * 12)
    out: dict[int, tuple[int, int]] = {}
    for org in infos:
        ok = closed = 0
        for rule, spans in plans:
            if not compliance.rule_applies(rule, org):
                continue
            entry = held.get((org.id, rule.activity_type), none)
            for p, _lo, _hi, over in spans:
                if not compliance.existed_through(org, p) or not compliance.rule_applies(
                    rule, org, p
                ):
                    continue
                if compliance.held_in(entry, p)[0] >= rule.required:
                    ok += 1
                    closed += 1
                elif over:
                    closed += 1
        if closed:
            out[org.id] = (ok, closed)
    return out


def _compliance(
    codes: list[str],
    period: Period,
    orgs: QuerySet[Organisation],
    today: datetime.date,
    out: Values,
) -> None:
    for org_id, (ok, closed) in compliance_counts(period, orgs, today).items():
        if org_id not in out:
            continue
        evidence = {"ok": ok, "closed": closed, "year": period.start.year}
        for code in codes:
            out[org_id][code] = (ok / closed, evidence)


def _joint(
    by_source: dict[str, list[str]], period: Period, orgs: Any, today: datetime.date, out: Values
) -> None:
    end = min(
        local_start(period.end + datetime.timedelta(days=1)),
        local_start(today + datetime.timedelta(days=1)),
    )
    rows = (
        ActivityOrg.objects.filter(
            org__in=orgs,
            type=ActivityType.JOINT,
            status__in=COUNTED_STATUSES,
            start__gte=local_start(period.start),
            start__lt=end,
        )
        .values_list("org_id", "activity_id", "activity__present_count")
        .order_by("org_id", "start", "activity_id")
    )
    activities: dict[int, list[int]] = defaultdict(list)
    people: dict[int, int] = defaultdict(int)
    for org_id, activity_id, present in rows:
        activities[org_id].append(activity_id)
        people[org_id] += present or 0
    for org_id, found in out.items():
        evidence = {"activities": activities.get(org_id, [])}
        for code in by_source.get(Source.JOINT_ACTIVITIES, ()):
            found[code] = (len(evidence["activities"]), evidence)
        for code in by_source.get(Source.JOINT_PERSON_TIMES, ()):
            found[code] = (people.get(org_id, 0), evidence)


def _manual(scheme: Scheme, codes: list[str], period: str, orgs: Any, out: Values) -> None:
    allowed = set(
        Indicator.evaluators.through.objects.filter(
            indicator__scheme=scheme, indicator__code__in=codes
        ).values_list("indicator__code", "user_id")
    )
    rows = (
        ManualScore.objects.filter(
            indicator__scheme=scheme, indicator__code__in=codes, period=period, org__in=orgs
        )
        .values_list(
            "org_id",
            "indicator__code",
            "id",
            "evaluator_id",
            "evaluator__username",
            "evaluator__first_name",
            "score",
        )
        .order_by("org_id", "indicator__code", "evaluator__username")
    )
    scores: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for org_id, code, score_id, user_id, username, first_name, score in rows:
        if (code, user_id) in allowed:
            scores[(org_id, code)].append(
                {
                    "id": score_id,
                    "evaluator": username,
                    "name": first_name or username,
                    "score": score,
                }
            )
    for org_id, found in out.items():
        for code in codes:
            items = scores.get((org_id, code), [])
            found[code] = ([s["score"] for s in items], {"scores": items})


def _key_tasks(
    by_source: dict[str, list[str]], period: Period, orgs: Any, today: datetime.date, out: Values
) -> None:
    figures = assessment_figures(orgs, period.start, period.end, today)
    as_of = min(period.end, today).isoformat()
    for org_id, found in out.items():
        f = figures.get(org_id)
        if f is not None and f.due:
            evidence: dict[str, Any] = {"due": f.due, "on_time": f.on_time}
            for code in by_source.get(Source.KEY_TASK_RATE, ()):
                found[code] = (len(f.on_time) / len(f.due), evidence)
        expected = sum(e for _c, _p, e in f.progress) if f is not None else 0.0
        if f is not None and expected > 0:
            done = sum(p for _c, p, _e in f.progress)
            evidence = {"tasks": [list(t) for t in f.progress], "as_of": as_of}
            for code in by_source.get(Source.KEY_TASK_PROGRESS, ()):
                found[code] = (done / expected, evidence)


def _decisions(
    codes: list[str], period: Period, orgs: Any, today: datetime.date, out: Values
) -> None:
    figures = decision_figures(orgs, period.start, period.end, today)
    for org_id, found in out.items():
        f = figures.get(org_id)
        if f is None or not f.due:
            continue
        evidence: dict[str, Any] = {"due": f.due, "evaluated": f.evaluated}
        for code in codes:
            found[code] = (len(f.evaluated) / len(f.due), evidence)


def _carriers(
    by_source: dict[str, list[str]], period: Period, orgs: Any, today: datetime.date, out: Values
) -> None:
    figures = carrier_figures(orgs, period.start, period.end, today)
    as_of = min(period.end, today).isoformat()
    for org_id, found in out.items():
        f = figures.get(org_id)
        active = f.active if f is not None else []
        for code in by_source.get(Source.CARRIER_COUNT, ()):
            found[code] = (len(active), {"carriers": active, "as_of": as_of})
        if f is not None and f.reviews:
            evidence: dict[str, Any] = {"reviews": [list(r) for r in f.reviews]}
            mean = sum(score for _c, _p, score in f.reviews) / len(f.reviews)
            for code in by_source.get(Source.CARRIER_REVIEW, ()):
                found[code] = (round(mean, 2), evidence)


def _project_awards(codes: list[str], period: Period, orgs: Any, out: Values) -> None:
    awards = awards_in_period(orgs, period.start, period.end)
    for org_id, found in out.items():
        items = awards.get(org_id, [])
        evidence = {"awards": [list(a) for a in items]}
        for code in codes:
            found[code] = (award_score(level for _c, level, _n, _d in items), evidence)


def _rectification(
    codes: list[str], period: Period, orgs: Any, today: datetime.date, out: Values
) -> None:
    figures = rectification_figures(orgs, period.start, period.end, today)
    for org_id, found in out.items():
        f = figures.get(org_id)
        if f is not None and f.due:
            evidence = {"due": [list(d) for d in f.due], "on_time": f.on_time}
            for code in codes:
                found[code] = (len(f.on_time) / len(f.due), evidence)


def collect(
    scheme: Scheme,
    period: str,
    orgs: QuerySet[Organisation],
    *,
    spec: SchemeSpec | None = None,
    today: datetime.date | None = None,
) -> Values:
    """Every indicator value of ``scheme`` for ``period`` and each organisation of ``orgs``
    (normally :func:`services.scheme_orgs`), with its evidence; an indicator with no value
    for an organisation is absent from that organisation's dict (the engine scores it as
    missing). ``spec`` saves re-reading the scheme; ``today`` (default: the local date)
    decides which meetings have been held and which compliance periods are closed."""
    spec = spec or spec_from_model(scheme)
    p = parse_period(period)
    today = today or timezone.localdate()
    ids = list(orgs.values_list("pk", flat=True))
    out: Values = {org_id: {} for org_id in ids}
    if not ids:
        return out
    org_filter = _org_filter(ids)
    by_source: dict[str, list[str]] = defaultdict(list)
    for ind in spec.indicators:
        by_source[ind.source].append(ind.code)
    if by_source.get(Source.KPI):
        _kpis(by_source[Source.KPI], p.text, org_filter, out)
    if by_source.get(Source.COMPLIANCE_RATE):
        compliance_orgs = (
            Organisation.objects.filter(pk__in=ids) if len(ids) <= IN_LIST_LIMIT else orgs
        )
        _compliance(by_source[Source.COMPLIANCE_RATE], p, compliance_orgs, today, out)
    if by_source.get(Source.JOINT_ACTIVITIES) or by_source.get(Source.JOINT_PERSON_TIMES):
        _joint(by_source, p, org_filter, today, out)
    if by_source.get(Source.KEY_TASK_RATE) or by_source.get(Source.KEY_TASK_PROGRESS):
        _key_tasks(by_source, p, org_filter, today, out)
    if by_source.get(Source.DECISION_POST_EVALUATED):
        _decisions(by_source[Source.DECISION_POST_EVALUATED], p, org_filter, today, out)
    if by_source.get(Source.CARRIER_COUNT) or by_source.get(Source.CARRIER_REVIEW):
        _carriers(by_source, p, org_filter, today, out)
    if by_source.get(Source.PROJECT_AWARDS):
        _project_awards(by_source[Source.PROJECT_AWARDS], p, org_filter, out)
    if by_source.get(Source.RECTIFICATION_ON_TIME):
        _rectification(by_source[Source.RECTIFICATION_ON_TIME], p, org_filter, today, out)
    if by_source.get(Source.MANUAL):
        _manual(scheme, by_source[Source.MANUAL], p.text, org_filter, out)
    if by_source.get(Source.MEMBER_POINTS):
        _member_points(by_source[Source.MEMBER_POINTS], p, ids, out)
    return out


def _member_points(codes: list[str], period: Period, ids: list[int], out: Values) -> None:
    rows = Organisation.objects.filter(pk__in=_org_filter(ids)).values_list("pk", "path")
    means = org_means(rows, period.text, period.start.year)
    for org_id, (mean, evidence) in means.items():
        for code in codes:
            out[org_id][code] = (float(mean), evidence)
