"""Screens for the values a scheme scores: business KPIs (list, one value by hand, the
batch a value came in), and 我的评议 — an evaluator scores each organisation once.

KPI values and batches are read through ``KpiValue.objects.visible_to``; a value is set
only for an organisation the user manages. An evaluator scores only the organisations of
the scheme they may see, and sees only their own scores (evaluations are independent).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from lianjian.assessment import selectors, services
from lianjian.assessment.entry import KpiEntry
from lianjian.assessment.forms import KpiForm, ManualScoreForm, clean_period
from lianjian.assessment.models import Indicator, KpiBatch, ManualScore, Rule, Scheme
from lianjian.assessment.schemas import KpiFilter, ReviewFilter
from lianjian.assessment.views import NAV
from lianjian.core.paging import paginate, paginate_keyset
from lianjian.orgs.forms import add_service_errors
from lianjian.orgs.models import Organisation


@login_required
def kpi_list(request: HttpRequest) -> HttpResponse:
    """Visible KPI values with search, filters (period, indicator code, channel, batch) and
    pagination; a manager also gets the form to set one value and the Excel import link."""
    f = KpiFilter.from_query(request.GET)
    ctx: dict[str, Any] = {
        "q": f.q or "",
        "period": (f.period or "").upper(),
        "indicator": f.indicator_code or "",
        "channel": f.channel or "",
        "batch": f.batch,
        "org": f.org or "",
    }
    qs = selectors.kpi_values(request.user, f)
    ctx.update(
        nav=NAV,
        page=paginate_keyset(request, qs, key=selectors.KPI_LIST_KEY),
        channels=KpiBatch.Channel.choices,
        can_set=KpiEntry(request.user).any(),
    )
    template = "assessment/kpi_table.html" if request.htmx else "assessment/kpi_list.html"
    return render(request, template, ctx)


@login_required
def kpi_set(request: HttpRequest) -> HttpResponse:
    """Set one KPI value (a batch of channel 页面录入); GET shows the form alone."""
    if not KpiEntry(request.user).any():
        raise PermissionDenied
    form = KpiForm(
        request.POST or None, user=request.user, initial={"period": request.GET.get("period", "")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            kpi = services.kpi_set(
                actor=request.user,
                org=data["org"],
                period=data["period"],
                indicator_code=data["indicator_code"],
                value=data["value"],
                channel="form",
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"已录入 {kpi.org.name} {kpi.period} {kpi.indicator_code} = {kpi.value:g}"
            )
            return redirect(f"{reverse('assessment:kpi_list')}?batch={kpi.batch_id}")
    return render(
        request,
        "assessment/kpi_form.html",
        {"nav": NAV, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Who delivered a batch, when and how, and its values the user may see (``?q=`` narrows
    them to an organisation, as the breakdown's evidence link does): those it still sets,
    and those a later batch has replaced since (what an older result version scored)."""
    batch = selectors.visible_batch(request.user, pk)
    if batch is None:
        raise Http404
    q = request.GET.get("q", "").strip()
    qs = selectors.kpi_values(
        request.user, KpiFilter.model_validate({"batch": batch.pk, "q": q or None})
    )
    replaced, replaced_count = selectors.batch_replaced(request.user, batch, q=q)
    return render(
        request,
        "assessment/batch_detail.html",
        {
            "nav": NAV,
            "batch": batch,
            "q": q,
            "page": paginate_keyset(request, qs, key=selectors.KPI_LIST_KEY, per_page=50),
            "replaced": replaced,
            "replaced_count": replaced_count,
        },
    )


# --- 我的评议 ------------------------------------------------------------------------------


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """The 评议打分 indicators the user evaluates, with how far they are for each period."""
    f = ReviewFilter.from_query(request.GET)
    page = paginate(request, selectors.review_list(request.user, f))
    ctx = {
        "nav": NAV,
        "f": f,
        "page": page,
        "tasks": selectors.review_progress(request.user, list(page.object_list)),
    }
    return render(request, "assessment/review_list.html", ctx)


def _review_target(request: HttpRequest, pk: int) -> Indicator:
    indicator = get_object_or_404(
        Indicator.objects.select_related("scheme", "dimension").filter(
            rule=Rule.MANUAL, scheme__in=Scheme.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    if not indicator.evaluators.filter(pk=request.user.pk).exists():
        raise PermissionDenied
    return indicator


def _review_period(request: HttpRequest, indicator: Indicator) -> tuple[str, str]:
    """(the period to show or score, the problem with the period asked for, if any): a bad
    period shows the scheme's own period with a message, and is refused for a score."""
    raw = request.POST.get("period") if request.method == "POST" else request.GET.get("period")
    try:
        return clean_period(raw or indicator.scheme.period, indicator.scheme.period_kind), ""
    except ValidationError as exc:
        return indicator.scheme.period, "；".join(exc.messages)


def _review_orgs(request: HttpRequest, indicator: Indicator):
    """The organisations the user scores: those of the scheme they see, never their own."""
    return (
        services.scheme_orgs(indicator.scheme)
        .filter(pk__in=Organisation.objects.visible_to(request.user))
        .exclude(pk=getattr(request.user, "org_id", None) or 0)
        .order_by("path")
    )


@login_required
def review_score(request: HttpRequest, pk: int) -> HttpResponse:
    """One indicator for one period: every organisation of the scheme with the user's own
    score and comment; GET lists (search, pagination), POST saves one row (htmx swaps it)."""
    indicator = _review_target(request, pk)
    period, period_problem = _review_period(request, indicator)
    orgs_qs = _review_orgs(request, indicator)
    if request.method == "POST":
        return _save_score(request, indicator, period, orgs_qs, period_problem)
    if period_problem:
        messages.warning(request, f"{period_problem}；已显示{selectors.period_label(period)}")
    q = request.GET.get("q", "").strip()
    if q:
        orgs_qs = orgs_qs.filter(code__icontains=q) | orgs_qs.filter(name__icontains=q)
    only = request.GET.get("only", "")
    listed = orgs_qs
    if only == "todo":
        listed = orgs_qs.exclude(
            pk__in=ManualScore.objects.filter(
                evaluator=request.user, indicator=indicator, period=period
            ).values("org_id")
        )
    page = paginate(request, listed, per_page=50)
    orgs = list(page.object_list)
    scores = selectors.my_scores(request.user, indicator, period, orgs)
    rows = [{"org": o, "score": scores.get(o.pk)} for o in orgs]
    done = selectors.my_score_counts(request.user, [indicator]).get((indicator.pk, period), 0)
    return render(
        request,
        "assessment/review_score.html",
        {
            "nav": NAV,
            "indicator": indicator,
            "scheme": indicator.scheme,
            "period": period,
            "rows": rows,
            "page": page,
            "q": q,
            "only": only,
            "done": done,
            "total": orgs_qs.count() if not q else None,
            "period_label": selectors.period_label(period),
        },
    )


def _save_score(
    request: HttpRequest, indicator: Indicator, period: str, orgs_qs, period_problem: str
) -> HttpResponse:
    """Save the user's score of one organisation; any problem (a bad period included — a
    score must never land silently in another period) changes nothing."""
    org = orgs_qs.filter(code=request.POST.get("org", "").strip()[:32]).first()
    if org is None:
        raise Http404
    form = ManualScoreForm(request.POST)
    problem = ""
    score = None
    if period_problem:
        problem = period_problem
    elif not form.is_valid():
        problem = "请填写 0 到满分之间的分数" if "score" in form.errors else "评语不超过 500 字"
    else:
        try:
            score = services.manual_score_set(
                actor=request.user,
                indicator=indicator,
                org=org,
                period=period,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            problem = "；".join(exc.messages)
    if request.htmx:
        if score is None:
            score = selectors.my_scores(request.user, indicator, period, [org]).get(org.pk)
        done = selectors.my_score_counts(request.user, [indicator]).get((indicator.pk, period), 0)
        return render(
            request,
            "assessment/review_row.html",
            {
                "row": {"org": org, "score": score},
                "indicator": indicator,
                "period": period,
                "problem": problem,
                "saved": not problem,
                "posted": request.POST,
                "oob_done": done,
            },
            status=400 if problem else 200,
        )
    if problem:
        messages.error(request, f"{org.name}：{problem}")
    else:
        messages.success(request, f"已保存对{org.name}的评分")
    return redirect(f"{reverse('assessment:review_score', args=[indicator.pk])}?period={period}")
