"""API endpoints of 双维度考核: ``/api/v1/assessment/schemes``, ``/kpis`` and ``/results``.

Handlers only parse, check scope, call one service or read, and shape the answer. Scope:
schemes through ``Scheme.objects.visible_to`` (out of scope → 404 like a missing scheme);
KPI values and results through the organisation they are about
(``Organisation.visible_to``): a list shows only those, a results page only the rows of
visible organisations (their rank is still the rank among all assessed organisations).
Writing KPI values: every organisation named must be visible (else 400 "…不存在", as if
it did not exist) and managed by the caller (else 403, nothing written); all values of a
request are one batch (who, when, channel ``api``), all or nothing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router
from ninja.errors import HttpError

from lianjian.accounts.models import User
from lianjian.assessment import objections, selectors, services
from lianjian.assessment.entry import KpiEntry
from lianjian.assessment.models import (
    AssessmentResult,
    AssessmentRun,
    KpiBatch,
    KpiValue,
    Objection,
    Scheme,
)
from lianjian.assessment.schemas import (
    AnswerIn,
    KpiListOut,
    KpiListParams,
    KpiWriteIn,
    KpiWriteOut,
    ObjectionIn,
    ObjectionListOut,
    ObjectionListParams,
    ObjectionOut,
    ResultParams,
    ResultsOut,
    ReviewListOut,
    ReviewListParams,
    RunListOut,
    RunListParams,
    SchemeFileOut,
    SchemeListOut,
    SchemeListParams,
    kpi_out,
    local,
    objection_out,
    review_out,
    run_out,
)
from lianjian.assessment.scheme_file import scheme_to_dict
from lianjian.core.api_utils import MAX_ID, READ_ERRORS, WRITE_ERRORS, paginate, paginate_keyset
from lianjian.orgs.models import Organisation

router = Router(tags=["双维度考核"])


def _caller(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _subtree(user: User, code: str) -> Organisation:
    org = Organisation.objects.visible_to(user).filter(code=code).only("path").first()
    if org is None:
        raise Http404
    return org


# ---- schemes -----------------------------------------------------------------------------


ObjectionId = Path(..., ge=1, le=MAX_ID, description="申诉 id")


@router.get("/schemes", response={200: SchemeListOut, **READ_ERRORS}, summary="考核方案列表")
def scheme_list(request: HttpRequest, params: Query[SchemeListParams]) -> dict[str, Any]:
    """Schemes the caller may see, newest period first, then by code."""
    qs = selectors.scheme_list(_caller(request), params)
    qs = qs.annotate(
        dimension_count=Count("dimensions", distinct=True),
        indicator_count=Count("indicators", distinct=True),
    ).order_by("-period", "code")
    items, count = paginate(qs, params)
    orgs: dict[int, list[str]] = {}
    for scheme_id, code in (
        Scheme.applies_orgs.through.objects.filter(scheme_id__in=[s.pk for s in items])
        .order_by("organisation__code")
        .values_list("scheme_id", "organisation__code")
    ):
        orgs.setdefault(scheme_id, []).append(code)
    return {
        "count": count,
        "items": [
            {
                "code": s.code,
                "name": s.name,
                "period": s.period,
                "period_kind": s.period_kind,
                "owner": s.owner.code if s.owner_id else None,
                "applies_kind": s.applies_kind,
                "applies_orgs": orgs.get(s.pk, []),
                "dimension_count": s.dimension_count,
                "indicator_count": s.indicator_count,
                "stars": s.stars,
                "pass_line": s.pass_line,
                "updated_at": local(s.updated_at),
            }
            for s in items
        ],
    }


@router.get(
    "/schemes/{code}",
    response={200: SchemeFileOut, **READ_ERRORS},
    summary="考核方案（方案文件）",
    exclude_none=True,
)
def scheme_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """The scheme as its scheme file (assessment.md), as ``lianjian assess scheme export`` writes it."""
    scheme = (
        Scheme.objects.visible_to(_caller(request))
        .select_related("owner")
        .filter(code=code)
        .first()
    )
    if scheme is None:
        raise Http404
    return scheme_to_dict(scheme)


# ---- KPI values --------------------------------------------------------------------------


@router.get("/kpis", response={200: KpiListOut, **READ_ERRORS}, summary="业务指标数值列表")
def kpi_list(request: HttpRequest, params: Query[KpiListParams]) -> dict[str, Any]:
    """KPI values of the organisations the caller may see, by organisation, period and indicator;
    ``next`` continues the walk (``?after=``)."""
    items, count, following = paginate_keyset(
        selectors.kpi_values(_caller(request), params), params, selectors.KPI_LIST_KEY
    )
    return {"items": [kpi_out(k) for k in items], "count": count, "next": following}


@router.post("/kpis", response={200: KpiWriteOut, **WRITE_ERRORS}, summary="写入业务指标数值")
def kpi_write(request: HttpRequest, payload: KpiWriteIn) -> dict[str, Any]:
    """Create or update one value, or ``items`` as one batch; the batch records who and when."""
    user = _caller(request)
    rows = payload.rows()
    codes = {r.org for r in rows}
    entry = KpiEntry(user)
    visible = {o.code: o for o in Organisation.objects.visible_to(user).filter(code__in=codes)}
    visible.update({o.code: o for o in entry.orgs().filter(code__in=codes)})
    missing = sorted(codes - set(visible))
    if missing:
        raise HttpError(400, "组织不存在：" + "、".join(missing))
    # Who may enter which value is the service's rule (entry.KpiEntry): 403, nothing written.
    write = services.kpi_set_many(
        user,
        [(visible[r.org], r.period, r.indicator_code, r.value) for r in rows],
        channel=KpiBatch.Channel.API,
    )
    return {
        "batch": write.batch.pk if write.batch else None,
        "created": write.created,
        "updated": write.updated,
        "unchanged": write.unchanged,
        "items": [kpi_out(k) for k in write.values],
    }


# ---- results -----------------------------------------------------------------------------


@router.get("/results", response={200: ResultsOut, **READ_ERRORS}, summary="考核结果")
def results(request: HttpRequest, params: Query[ResultParams]) -> dict[str, Any]:
    """The results of a scheme for a period: the published version, else the latest (or the
    ``version`` asked for); rows of the organisations the caller may see, by rank (then as
    stored: by code); ``next`` continues the walk (``?after=``)."""
    user = _caller(request)
    scheme = Scheme.objects.visible_to(user).filter(code=params.scheme).first()
    if scheme is None:
        raise Http404
    # Drafts only for the scheme's owners, voided versions for no one (AssessmentRun.SCOPE).
    runs = AssessmentRun.objects.visible_to(user).filter(scheme=scheme, voided_at__isnull=True)
    period = params.period.upper() if params.period else None
    if period is None:
        latest = runs.order_by("-created_at", "-pk").values_list("period", flat=True).first()
        if latest is None:
            raise HttpError(404, f"方案 {scheme.code} 尚无考核结果")
        period = latest
    runs = runs.filter(period=period)
    if params.version:
        run = runs.filter(version=params.version).first()
    else:
        run = runs.order_by("-is_published", "-version").first()
    if run is None:
        raise HttpError(
            404,
            f"方案 {scheme.code} 在 {period} 期间尚无{'该版本的' if params.version else ''}考核结果",
        )
    under = _subtree(user, params.org).path if params.org else None
    items, count, following = paginate_keyset(
        selectors.result_list(user, run, under=under), params, selectors.RESULT_LIST_KEY
    )
    return {
        "scheme": scheme.code,
        "period": run.period,
        "version": run.version,
        "is_published": run.is_published,
        "created_at": local(run.created_at),
        "org_count": run.org_count,
        "count": count,
        "next": following,
        "items": [
            {
                "org": r.org.code,
                "name": r.org.name,
                "total": r.total,
                "stars": r.stars,
                "vetoed": r.vetoed,
                "passed": r.passed,
                "rank": r.rank,
                "dimensions": r.dimensions,
                "indicators": {
                    k: {
                        "value": v.get("value"),
                        "points": v.get("points"),
                        "missing": v.get("missing"),
                    }
                    for k, v in r.indicators.items()
                },
            }
            for r in items
        ],
    }


@router.get("/runs", response={200: RunListOut, **READ_ERRORS}, summary="考核计算版本列表")
def run_list(request: HttpRequest, params: Query[RunListParams]) -> dict[str, Any]:
    """Versions the caller may see (a scheme's owners: all, voided ones too; the others:
    published ones), by scheme code, newest period and version first."""
    items, count = paginate(selectors.run_list(_caller(request), params), params)
    return {"items": [run_out(r) for r in items], "count": count}


# ---- evaluators' work (我的评议) ------------------------------------------------------------


@router.get("/reviews", response={200: ReviewListOut, **READ_ERRORS}, summary="我的评议指标列表")
def review_list(request: HttpRequest, params: Query[ReviewListParams]) -> dict[str, Any]:
    """The 评议打分 indicators the caller evaluates, with how far they are in each period."""
    user = _caller(request)
    items, count = paginate(selectors.review_list(user, params), params)
    return {
        "items": [review_out(t) for t in selectors.review_progress(user, items)],
        "count": count,
    }


# ---- objections (申诉) ----------------------------------------------------------------------

OBJECTION_RELATED = ("org", "scheme", "result", "result__run")


@router.get("/objections", response={200: ObjectionListOut, **READ_ERRORS}, summary="考核申诉列表")
def objection_list(request: HttpRequest, params: Query[ObjectionListParams]) -> dict[str, Any]:
    """Objections the caller sees (of organisations they see, or that their side answers), newest first."""
    qs = selectors.objections(_caller(request), params)
    items, count = paginate(qs, params)
    return {"items": [objection_out(o) for o in items], "count": count}


@router.post("/objections", response={200: ObjectionOut, **WRITE_ERRORS}, summary="提出考核申诉")
def objection_create(request: HttpRequest, payload: ObjectionIn) -> dict[str, Any]:
    """Object to one KPI value (``indicator_code``) or to the published result of ``org``
    in ``scheme`` (no ``indicator_code``). What the caller cannot see is 404; the answering
    side may not object (403)."""
    user = _caller(request)
    org = Organisation.objects.visible_to(user).filter(code=payload.org).first()
    if org is None:
        raise Http404
    period = payload.period.upper()
    if payload.indicator_code:
        kpi = (
            KpiValue.objects.visible_to(user)
            .filter(org=org, period=period, indicator_code=payload.indicator_code)
            .first()
        )
        if kpi is None:
            raise Http404
        objection = objections.objection_raise(actor=user, kpi=kpi, reason=payload.reason)
    else:
        if not payload.scheme:
            raise HttpError(400, "scheme：对考核结果申诉时请填写考核方案编码")
        result = (
            AssessmentResult.objects.visible_to(user)
            .filter(
                org=org,
                run__scheme__code=payload.scheme,
                run__period=period,
                run__is_published=True,
                run__voided_at__isnull=True,
            )
            .first()
        )
        if result is None:
            raise Http404
        objection = objections.objection_raise(actor=user, result=result, reason=payload.reason)
    return objection_out(Objection.objects.select_related(*OBJECTION_RELATED).get(pk=objection.pk))


@router.post(
    "/objections/{objection_id}/answer",
    response={200: ObjectionOut, **WRITE_ERRORS},
    summary="答复考核申诉",
)
def objection_answer(
    request: HttpRequest, payload: AnswerIn, objection_id: int = ObjectionId
) -> dict[str, Any]:
    """Accept (a KPI objection with ``corrected_value``) or reject (with ``answer``) an open
    objection; only the scheme's owners or the indicator's data provider (403)."""
    user = _caller(request)
    objection = Objection.objects.visible_to(user).filter(pk=objection_id).first()
    if objection is None:
        raise Http404
    objections.objection_answer(
        actor=user,
        objection=objection,
        accept=payload.accept,
        answer=payload.answer,
        corrected_value=payload.corrected_value,
    )
    return objection_out(Objection.objects.select_related(*OBJECTION_RELATED).get(pk=objection.pk))
