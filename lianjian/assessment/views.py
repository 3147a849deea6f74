"""Screens for schemes (考核方案): list, detail, create and edit with dimensions, indicators,
star bands and evaluators, delete, and the scheme file (JSON) download and upload.

Each view: find the scheme through ``Scheme.objects.visible_to(user)`` (else 404), check
``manageable_by`` for writes (else 403), validate a form, call one service, redirect.
KPI values and evaluators' scores are in ``views_values``, runs and results in
``views_results``.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from lianjian.assessment import selectors, services
from lianjian.assessment.forms import (
    RULE_FIELDS,
    DimensionForm,
    IndicatorForm,
    SchemeForm,
    SchemeUploadForm,
)
from lianjian.assessment.models import AssessmentRun, Dimension, Indicator, PeriodKind, Rule, Scheme
from lianjian.assessment.schemas import SchemeFilter
from lianjian.assessment.scheme_file import scheme_to_dict
from lianjian.core.models import AuditLog
from lianjian.core.pages import form_page, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, manages_any, may

NAV = "assessment"
# Audit rows of a scheme's parts and runs carry target ids "<scheme code>/…" (services.py).
PART_TYPES = ("assessment.dimension", "assessment.indicator", "assessment.assessmentrun")


def visible_scheme(request: HttpRequest, code: str) -> Scheme:
    return get_object_or_404(
        Scheme.objects.visible_to(request.user).select_related("owner"), code=code
    )


def can_manage(user: Any, scheme: Scheme) -> bool:
    return may(user, CHANGE, scheme)


def require_manage(request: HttpRequest, scheme: Scheme) -> None:
    if not can_manage(request.user, scheme):
        raise PermissionDenied


def refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    """Visible schemes, newest period first, with search, a period-kind filter and pagination."""
    f = SchemeFilter.from_query(request.GET)
    q, kind = f.q or "", f.period_kind or ""
    qs = (
        selectors.scheme_list(request.user, f)
        .annotate(
            n_dims=Count("dimensions", distinct=True),
            n_inds=Count("indicators", distinct=True),
            n_runs=Count("runs", distinct=True),
            n_published=Count("runs", filter=Q(runs__is_published=True), distinct=True),
        )
        .order_by("-period", "code")
    )
    page = paginate(request, qs)
    ctx = {
        "nav": NAV,
        "page": page,
        "q": q,
        "kind": kind,
        "owner": f.owner or "",
        "period": f.period or "",
        "kinds": PeriodKind.choices,
        "can_create": manages_any(request.user),
        "reviews": selectors.review_indicators(request.user).count(),
    }
    template = "assessment/scheme_table.html" if request.htmx else "assessment/scheme_list.html"
    return render(request, template, ctx)


@login_required
def scheme_detail(request: HttpRequest, code: str) -> HttpResponse:
    scheme = visible_scheme(request, code)
    dimensions = list(scheme.dimensions.all())
    indicators = list(scheme.indicators.select_related("dimension").prefetch_related("evaluators"))
    groups = [(d, [i for i in indicators if i.dimension_id == d.pk]) for d in dimensions]
    return render(
        request,
        "assessment/scheme_detail.html",
        {
            "nav": NAV,
            "scheme": scheme,
            "groups": groups,
            "loose": [i for i in indicators if i.dimension_id is None],
            "dim_total": sum(d.max for d in dimensions),
            "can_manage": can_manage(request.user, scheme),
            "applies_orgs": list(scheme.applies_orgs.order_by("path"))
            if not scheme.applies_kind
            else [],
            "org_count": services.scheme_orgs(scheme).count(),
            "periods": selectors.runs_by_period(scheme, request.user)[:6],
            "history": AuditLog.objects.filter(
                Q(target_type="assessment.scheme", target_id__in=[scheme.code, str(scheme.pk)])
                | Q(target_type__in=PART_TYPES, target_id__startswith=f"{scheme.code}/")
            ).order_by("-at", "-id")[:20],
            "period_label": selectors.period_label(scheme.period),
        },
    )


def _detail(scheme: Scheme) -> str:
    return reverse("assessment:scheme_detail", args=[scheme.code])


def _part_delete(scheme: Scheme, kind: str, part: Dimension | Indicator | None) -> str:
    """The delete link of an existing dimension or indicator ("" on the create form)."""
    return reverse("assessment:part_delete", args=[scheme.code, kind, part.pk]) if part else ""


@login_required
def scheme_create(request: HttpRequest) -> HttpResponse:
    if not manages_any(request.user):
        raise PermissionDenied
    form = SchemeForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form,
        "assessment/scheme_form.html",
        {"nav": NAV, "scheme": None},
        save=lambda: services.scheme_create(actor=request.user, **form.service_fields()),
        done=lambda scheme: saved(
            request, f"已新建考核方案“{scheme.name}”，请继续添加维度和指标", _detail(scheme)
        ),
    )


@login_required
def scheme_edit(request: HttpRequest, code: str) -> HttpResponse:
    scheme = visible_scheme(request, code)
    require_manage(request, scheme)
    form = SchemeForm(request.POST or None, user=request.user, instance=scheme)
    return form_page(
        request,
        form,
        "assessment/scheme_form.html",
        {"nav": NAV, "scheme": scheme},
        save=lambda: services.scheme_update(
            actor=request.user, scheme=scheme, **form.service_fields()
        ),
        done=lambda _: saved(
            request, "方案已保存；已计算的结果版本不受影响，重新计算后生效", _detail(scheme)
        ),
    )


@login_required
def scheme_delete(request: HttpRequest, code: str) -> HttpResponse:
    """GET asks for confirmation; POST deletes (refused while result versions exist)."""
    scheme = visible_scheme(request, code)
    require_manage(request, scheme)
    if request.method == "POST":
        try:
            services.scheme_delete(actor=request.user, scheme=scheme)
        except ValidationError as exc:
            refused(request, exc)
            return redirect("assessment:scheme_detail", code=scheme.code)
        messages.success(request, f"已删除考核方案“{scheme.name}”")
        return redirect("assessment:scheme_list")
    return render(
        request,
        "assessment/confirm_delete.html",
        {
            "nav": NAV,
            "scheme": scheme,
            "what": f"考核方案“{scheme.name}”（{scheme.code}）及其全部维度和指标",
            "blocked": (
                f"该方案已有 {runs} 个结果版本，不能删除（已计算的排名须能追溯到方案）。可修改方案后重新计算。"
                if (runs := AssessmentRun.objects.filter(scheme=scheme).count())
                else ""
            ),
            "cancel": reverse("assessment:scheme_detail", args=[scheme.code]),
        },
    )


@login_required
def scheme_download(request: HttpRequest, code: str) -> HttpResponse:
    """The scheme file of assessment.md (what ``lianjian assess scheme export`` writes)."""
    scheme = visible_scheme(request, code)
    body = json.dumps(scheme_to_dict(scheme), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{scheme.code}.json"'
    return response


@login_required
def scheme_upload(request: HttpRequest) -> HttpResponse:
    """Upload a scheme file: creates the scheme or replaces its dimensions and indicators.
    Replacing needs the right to manage the existing scheme; every problem is listed and
    nothing changes."""
    if not manages_any(request.user):
        raise PermissionDenied
    form = SchemeUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            # The service checks scope itself: only the file says which scheme it touches.
            scheme, created = services.scheme_import(form.cleaned_data["file"], actor=request.user)
        except ValidationError as exc:
            problems = list(exc.messages)
        else:
            messages.success(request, f"已{'新建' if created else '更新'}考核方案“{scheme.name}”")
            return redirect("assessment:scheme_detail", code=scheme.code)
    return render(
        request,
        "assessment/scheme_upload.html",
        {"nav": NAV, "form": form, "problems": problems},
        status=400 if problems or form.errors else 200,
    )


# --- dimensions and indicators ------------------------------------------------------------


@login_required
def dimension_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    scheme = visible_scheme(request, code)
    dimension = get_object_or_404(Dimension, scheme=scheme, pk=pk) if pk is not None else None
    require_manage(request, scheme)
    form = DimensionForm(request.POST or None, instance=dimension)
    return form_page(
        request,
        form,
        "assessment/part_form.html",
        {
            "nav": NAV,
            "scheme": scheme,
            "title": f"{'编辑' if dimension else '添加'}维度",
            "delete_url": _part_delete(scheme, "dimensions", dimension),
        },
        save=lambda: services.dimension_save(
            actor=request.user, scheme=scheme, dimension=dimension, **form.cleaned_data
        ),
        done=lambda _: saved(request, "维度已保存", _detail(scheme)),
    )


@login_required
def indicator_edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    scheme = visible_scheme(request, code)
    indicator = get_object_or_404(Indicator, scheme=scheme, pk=pk) if pk is not None else None
    require_manage(request, scheme)
    initial = None
    if indicator is None and request.GET.get("dimension", "").isdigit():
        initial = {"dimension": request.GET["dimension"], "rule": Rule.RATIO, "position": 0}
    kwargs = {"initial": initial} if initial else {}
    form = IndicatorForm(
        request.POST or None, scheme=scheme, instance=indicator, user=request.user, **kwargs
    )
    return form_page(
        request,
        form,
        "assessment/indicator_form.html",
        {
            "nav": NAV,
            "scheme": scheme,
            "indicator": indicator,
            "rule_fields": RULE_FIELDS,
            "delete_url": _part_delete(scheme, "indicators", indicator),
        },
        save=lambda: services.indicator_save(
            actor=request.user,
            scheme=scheme,
            indicator=indicator,
            evaluators=form.cleaned_data["evaluators"],
            **form.service_fields(),
        ),
        done=lambda _: saved(request, "指标已保存", _detail(scheme)),
    )


@login_required
def part_delete(request: HttpRequest, code: str, kind: str, pk: int) -> HttpResponse:
    """Delete a dimension (with its indicators) or an indicator, after confirmation."""
    scheme = visible_scheme(request, code)
    part: Dimension | Indicator
    if kind == "dimensions":
        part = get_object_or_404(Dimension, scheme=scheme, pk=pk)
    elif kind == "indicators":
        part = get_object_or_404(Indicator, scheme=scheme, pk=pk)
    else:
        raise Http404
    require_manage(request, scheme)
    cancel = reverse("assessment:scheme_detail", args=[scheme.code])
    if request.method == "POST":
        try:
            if isinstance(part, Dimension):
                services.dimension_delete(actor=request.user, dimension=part)
            else:
                services.indicator_delete(actor=request.user, indicator=part)
        except ValidationError as exc:
            refused(request, exc)
        else:
            messages.success(
                request, f"已删除{'维度' if isinstance(part, Dimension) else '指标'}“{part.name}”"
            )
        return redirect("assessment:scheme_detail", code=scheme.code)
    blocked = ""
    if isinstance(part, Dimension):
        what = f"维度“{part.name}”"
        if part.indicators.exists():
            blocked = f"维度“{part.name}”下还有 {part.indicators.count()} 个指标，请先删除这些指标或将其移到其他维度。"
    else:
        what = f"指标“{part.code} {part.name}”及评议人对它的打分（已计算的结果版本不受影响）"
    return render(
        request,
        "assessment/confirm_delete.html",
        {"nav": NAV, "scheme": scheme, "what": what, "blocked": blocked, "cancel": cancel},
    )
