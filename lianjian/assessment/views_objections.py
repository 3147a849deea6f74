"""Screens for objections (申诉): the list (both sides), one objection with the answer
form for the side that answers, and raising one on a KPI value or a published result.

Objections are read through ``Objection.objects.visible_to`` (else 404); the value or
result objected to through ``KpiValue``/``AssessmentResult.objects.visible_to`` (drafts
and voided versions are 404). Who may raise or answer is the service's rule
(``objections``); a refusal is shown as a message, nothing changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from lianjian.assessment import objections, selectors
from lianjian.assessment.forms import AnswerForm, ObjectionForm
from lianjian.assessment.models import AssessmentResult, KpiValue, Objection
from lianjian.assessment.schemas import ObjectionFilter
from lianjian.assessment.views import NAV
from lianjian.core.pages import form_page, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import may


@login_required
def objection_list(request: HttpRequest) -> HttpResponse:
    """The objections the user sees: ``side`` (待我方答复 / 我提出的), status, search."""
    f = ObjectionFilter.from_query(request.GET)
    qs = selectors.objections(request.user, f)
    ctx: dict[str, Any] = {
        "q": f.q or "",
        "status": f.status or "",
        "side": f.side or "",
        "nav": NAV,
        "page": paginate(request, qs),
        "statuses": selectors.OBJECTION_STATUSES,
    }
    return render(request, "assessment/objection_list.html", ctx)


def _can_answer(request: HttpRequest, objection: Objection) -> bool:
    return (
        objection.status == Objection.Status.OPEN
        and may(request.user, objections.ANSWER, objection)
        and getattr(request.user, "org_id", None) != objection.org_id
    )


@login_required
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One objection; the answering side answers it here (POST)."""
    objection = get_object_or_404(
        Objection.objects.visible_to(request.user).select_related(
            "org",
            "scheme",
            "scheme__owner",
            "provider",
            "kpi",
            "result",
            "result__run",
            "raised_by",
            "answered_by",
        ),
        pk=pk,
    )
    can_answer = _can_answer(request, objection)
    if request.method == "POST" and not can_answer:
        raise PermissionDenied
    form = AnswerForm(request.POST or None)
    return form_page(
        request,
        form,
        "assessment/objection_detail.html",
        {"nav": NAV, "objection": objection, "can_answer": can_answer},
        save=lambda: objections.objection_answer(
            actor=request.user,
            objection=objection,
            accept=form.cleaned_data["decision"] == "accept",
            answer=form.cleaned_data["answer"],
            corrected_value=form.cleaned_data["corrected_value"],
        ),
        done=lambda _: saved(request, "已答复申诉", _detail(objection)),
        refused="无权答复该申诉",
    )


def _detail(objection: Objection) -> str:
    return reverse("assessment:objection_detail", args=[objection.pk])


@login_required
def objection_raise(request: HttpRequest) -> HttpResponse:
    """Raise an objection on ``?kpi=<id>`` or ``?result=<id>`` (visible, else 404)."""
    source = request.POST if request.method == "POST" else request.GET
    kpi = result = None
    kpi_id, result_id = source.get("kpi", ""), source.get("result", "")
    if kpi_id.isdigit() and len(kpi_id) < 12:
        kpi = get_object_or_404(
            KpiValue.objects.visible_to(request.user).select_related("org", "batch"), pk=int(kpi_id)
        )
        org, back = kpi.org, f"{reverse('assessment:kpi_list')}?q={kpi.org.code}"
    elif result_id.isdigit() and len(result_id) < 12:
        result = get_object_or_404(
            AssessmentResult.objects.visible_to(request.user)
            .filter(run__is_published=True, run__voided_at__isnull=True)
            .select_related("org", "run"),
            pk=int(result_id),
        )
        org, back = (
            result.org,
            reverse("assessment:result_detail", args=[result.run_id, result.org.code]),
        )
    else:
        return redirect("assessment:objection_list")
    form = ObjectionForm(request.POST or None)
    hidden = {"kpi": kpi.pk} if kpi else {"result": result.pk if result else ""}
    return form_page(
        request,
        form,
        "assessment/objection_form.html",
        {
            "nav": NAV,
            "kpi": kpi,
            "result": result,
            "org": org,
            "back": back,
            "hidden": hidden,
        },
        save=lambda: objections.objection_raise(
            actor=request.user, kpi=kpi, result=result, reason=form.cleaned_data["reason"]
        ),
        done=lambda objection: saved(request, "申诉已提交，答复后会通知您", _detail(objection)),
        refused="无权提出申诉",
    )
