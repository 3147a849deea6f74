"""Screens for alliances, their members, agreements, plans, and the network picture.

Same shape as the orgs screens: find through ``Alliance.objects.visible_to`` (else 404),
check ``manageable_by`` for writes (else 403), form → one service → redirect.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.alliances import selectors, services
from lianjian.alliances.forms import (
    AgreementForm,
    AgreementStatusForm,
    AllianceForm,
    LiaisonForm,
    MembershipForm,
    PlanForm,
    RenewForm,
    UploadForm,
)
from lianjian.alliances.models import (
    THEMES,
    Agreement,
    AgreementFile,
    Alliance,
    AllianceMember,
    AllianceType,
    Plan,
    plan_year_problem,
)
from lianjian.alliances.schemas import AllianceFilter
from lianjian.core.masking import form_initial, keep_unrevealed
from lianjian.core.models import AuditLog
from lianjian.core.pages import form_page, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, require
from lianjian.core.validation import ANYTIME, PLANNED
from lianjian.orgs.forms import add_service_errors
from lianjian.orgs.models import Organisation


def _visible(request: HttpRequest, code: str) -> Alliance:
    return get_visible_or_404(
        Alliance.objects.select_related("type", "lead"), request.user, code=code
    )


@login_required
def alliance_list(request: HttpRequest) -> HttpResponse:
    f = AllianceFilter.from_query(request.GET)
    page = paginate(request, selectors.alliance_list(request.user, f))
    ctx = {
        "nav": "alliances",
        "page": page,
        "f": f,
        "q": f.q or "",
        "type": f.type or "",
        "theme": f.theme or "",
        "status": f.status or "",
        "org_code": f.org or "",
        "types": AllianceType.objects.all(),
        "themes": THEMES,
        "statuses": Alliance.Status.values,
        "can_create": manages_any(request.user),
    }
    return render(
        request,
        "alliances/alliance_table.html" if request.htmx else "alliances/alliance_list.html",
        ctx,
    )


@login_required
def alliance_detail(request: HttpRequest, code: str) -> HttpResponse:
    alliance = _visible(request, code)
    members = selectors.current_members(alliance)
    past = selectors.past_members(alliance)
    visible_ids = set(
        Organisation.objects.visible_to(request.user)
        .filter(pk__in=[m.org_id for m in members])
        .values_list("pk", flat=True)
    )
    year = timezone.localdate().year
    plan = Plan.objects.filter(alliance=alliance, year=year).prefetch_related("items").first()
    return render(
        request,
        "alliances/alliance_detail.html",
        {
            "nav": "alliances",
            "alliance": alliance,
            "members": members,
            "past": past,
            "visible_ids": visible_ids,
            "points": selectors.scatter_points(members, alliance.lead_id),
            "agreements": alliance.agreements.prefetch_related("parties").order_by("-start", "-id"),
            "plan": plan,
            "year": year,
            "figures": selectors.alliance_figures(alliance),
            "can_manage": Alliance.objects.manageable_by(request.user)
            .filter(pk=alliance.pk)
            .exists(),
            "history": AuditLog.objects.filter(
                target_type="alliances.alliance", target_id=alliance.code
            )[:20],
        },
    )


@login_required
def alliance_create(request: HttpRequest) -> HttpResponse:
    if not manages_any(request.user):
        raise PermissionDenied
    # ?lead=CODE&members=CODE、CODE fill the form in (发起联建 from the partner finder).
    form = AllianceForm(
        request.POST or None,
        user=request.user,
        initial={
            "status": Alliance.Status.ACTIVE,
            "lead": request.GET.get("lead", ""),
            "members": request.GET.get("members", ""),
        },
    )
    return form_page(
        request,
        form,
        "alliances/alliance_form.html",
        {"nav": "alliances", "alliance": None},
        save=lambda: services.alliance_create(actor=request.user, **form.service_fields()),
        done=lambda alliance: saved(
            request, f"已创建联建“{alliance.name}”", "alliances:alliance_detail", code=alliance.code
        ),
    )


@login_required
def alliance_edit(request: HttpRequest, code: str) -> HttpResponse:
    alliance = _visible(request, code)
    require(request.user, CHANGE, alliance)
    form = AllianceForm(request.POST or None, user=request.user, instance=alliance)
    return form_page(
        request,
        form,
        "alliances/alliance_form.html",
        {"nav": "alliances", "alliance": alliance},
        save=lambda: services.alliance_update(
            actor=request.user, alliance=alliance, **form.service_fields()
        ),
        done=lambda _: saved(request, "已保存", "alliances:alliance_detail", code=alliance.code),
    )


@login_required
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    alliance = _visible(request, code)
    require(request.user, CHANGE, alliance)
    form = MembershipForm(
        request.POST or None, user=request.user, initial={"joined_on": timezone.localdate()}
    )
    return form_page(
        request,
        form,
        "alliances/simple_form.html",
        {
            "nav": "alliances",
            "alliance": alliance,
            "title": "添加成员组织",
            "submit": "加入联建",
        },
        save=lambda: services.alliance_member_add(
            actor=request.user, alliance=alliance, **form.cleaned_data
        ),
        done=lambda _: saved(
            request,
            f"已将“{form.cleaned_data['org'].name}”加入联建",
            "alliances:alliance_detail",
            code=alliance.code,
        ),
    )


@login_required
def member_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    alliance = _visible(request, code)
    require(request.user, CHANGE, alliance)
    membership = get_object_or_404(
        AllianceMember.objects.select_related(*selectors.MEMBERSHIP_RELATED),
        pk=pk,
        alliance=alliance,
    )
    form = LiaisonForm(
        request.POST or None,
        initial={
            "liaison": membership.liaison,
            "liaison_post": membership.liaison_post,
            "left_on": membership.left_on,
            **form_initial(request.user, membership),
        },
    )
    return form_page(
        request,
        form,
        "alliances/simple_form.html",
        {
            "nav": "alliances",
            "alliance": alliance,
            "title": f"{membership.org.name}：联络员与成员状态",
            "submit": "保存",
        },
        save=lambda: services.alliance_member_update(
            actor=request.user,
            membership=membership,
            **keep_unrevealed(request.user, membership, form.cleaned_data),
        ),
        done=lambda _: saved(request, "已保存", "alliances:alliance_detail", code=alliance.code),
    )


def _visible_agreement(request: HttpRequest, pk: int) -> Agreement:
    visible = Alliance.objects.visible_to(request.user).values("pk")
    return get_object_or_404(
        Agreement.objects.select_related("alliance", "alliance__lead", "predecessor").filter(
            alliance__in=visible
        ),
        pk=pk,
    )


@login_required
def agreement_create(request: HttpRequest, code: str) -> HttpResponse:
    alliance = _visible(request, code)
    require(request.user, CHANGE, alliance)
    form = AgreementForm(request.POST or None, alliance=alliance)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            agreement = services.agreement_create(
                actor=request.user, alliance=alliance, parties=list(data.pop("parties")), **data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已创建协议“{agreement.title}”（草拟）")
            return redirect("alliances:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "alliances/simple_form.html",
        {
            "nav": "alliances",
            "form": form,
            "alliance": alliance,
            "title": "新建联建协议",
            "submit": "保存为草拟",
        },
        status=400 if form.errors else 200,
    )


@login_required
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _visible_agreement(request, pk)
    can_manage = (
        Alliance.objects.manageable_by(request.user).filter(pk=agreement.alliance_id).exists()
    )
    next_states = sorted(services.TRANSITIONS.get(agreement.status, set()))
    today = timezone.localdate()
    return render(
        request,
        "alliances/agreement_detail.html",
        {
            "nav": "alliances",
            "agreement": agreement,
            "alliance": agreement.alliance,
            "parties": agreement.parties.order_by("is_partner", "code"),
            "goals": agreement.goals.all(),
            "files": agreement.files.all(),
            "can_manage": can_manage,
            "next_states": next_states,
            "successor": getattr(agreement, "successor", None),
            "days_left": (agreement.end - today).days if agreement.end else None,
            "upload_form": UploadForm(),
            "renew_form": RenewForm(initial=_renew_initial(agreement)),
            "status_form": AgreementStatusForm(initial={"on": today}),
            "history": AuditLog.objects.filter(
                target_type="alliances.agreement", target_id=str(agreement.pk)
            )[:20],
        },
    )


def _renew_initial(agreement: Agreement) -> dict:
    """The renewal form's suggestion: the day after the end, for as long again; only dates
    a renewal may take (the planning window), so that a stored end far away (entered
    before dates had windows) proposes nothing instead of breaking the page."""
    if agreement.end is None or ANYTIME.problem(agreement.end):
        return {}
    start = agreement.end + datetime.timedelta(days=1)
    span = (
        (agreement.end - agreement.start).days
        if agreement.start and not ANYTIME.problem(agreement.start)
        else 365 * 3
    )
    suggestion = {"start": start, "end": start + datetime.timedelta(days=max(span, 0))}
    return {name: day for name, day in suggestion.items() if not PLANNED.problem(day)}


@login_required
@require_POST
def agreement_status(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _visible_agreement(request, pk)
    require(request.user, CHANGE, agreement.alliance)
    form = AgreementStatusForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_set_status(
                actor=request.user,
                agreement=agreement,
                status=form.cleaned_data["status"],
                on=form.cleaned_data["on"],
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"协议状态已改为“{agreement.status}”")
    else:
        messages.error(request, "状态不正确")
    return redirect("alliances:agreement_detail", pk=agreement.pk)


@login_required
@require_POST
def agreement_renew(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _visible_agreement(request, pk)
    require(request.user, CHANGE, agreement.alliance)
    form = RenewForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "续签日期不正确：" + "；".join(e for errs in form.errors.values() for e in errs),
        )
        return redirect("alliances:agreement_detail", pk=agreement.pk)
    try:
        new = services.agreement_renew(actor=request.user, agreement=agreement, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("alliances:agreement_detail", pk=agreement.pk)
    messages.success(request, "已创建续签协议（草拟），签署后生效")
    return redirect("alliances:agreement_detail", pk=new.pk)


@login_required
@require_POST
def agreement_upload(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _visible_agreement(request, pk)
    require(request.user, CHANGE, agreement.alliance)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的文件")
    else:
        try:
            services.agreement_attach(
                actor=request.user, agreement=agreement, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "附件已上传")
    return redirect("alliances:agreement_detail", pk=agreement.pk)


@login_required
def agreement_file(request: HttpRequest, pk: int, file_id: int) -> FileResponse:
    agreement = _visible_agreement(request, pk)
    f = get_object_or_404(AgreementFile, pk=file_id, agreement=agreement)
    response = FileResponse(
        f.file.open("rb"), content_type=f.content_type, as_attachment=False, filename=f.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; plugin-types application/pdf"
    )
    return response


@login_required
def plan_edit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    alliance = _visible(request, code)
    require(request.user, CHANGE, alliance)
    if plan_year_problem(year):
        raise Http404
    plan = Plan.objects.filter(alliance=alliance, year=year).prefetch_related("items").first()
    initial = {}
    if plan:
        initial = {
            "summary": plan.summary,
            "items": "\n".join(
                f"{i.quarter}｜{i.title}｜{i.planned_activities}｜{i.goal}"
                for i in plan.items.all()
            ),
        }
    form = PlanForm(request.POST or None, initial=initial)
    return form_page(
        request,
        form,
        "alliances/simple_form.html",
        {
            "nav": "alliances",
            "alliance": alliance,
            "title": f"{year}年度实施方案",
            "submit": "保存方案",
        },
        save=lambda: services.plan_save(
            actor=request.user, alliance=alliance, year=year, **form.cleaned_data
        ),
        done=lambda _: saved(
            request, f"{year}年实施方案已保存", "alliances:alliance_detail", code=alliance.code
        ),
    )


@login_required
def network(request: HttpRequest) -> HttpResponse:
    """The network picture: organisations and alliances as an ECharts graph."""
    p = request.GET
    type_id, theme = p.get("type", ""), p.get("theme", "")
    qs = Alliance.objects.visible_to(request.user).exclude(status=Alliance.Status.ENDED)
    if type_id.isdigit():
        qs = qs.filter(type_id=int(type_id))
    if theme:
        qs = qs.filter(theme=theme)
    visible = (
        None
        if request.user.is_admin
        else set(Organisation.objects.visible_to(request.user).values_list("pk", flat=True))
    )
    graph = selectors.network_graph(qs, visible_org_ids=visible)
    return render(
        request,
        "alliances/network.html",
        {
            "nav": "network",
            "graph": graph,
            "n_alliances": sum(1 for n in graph["nodes"] if n["category"] == 0),
            "n_orgs": sum(1 for n in graph["nodes"] if n["category"] != 0),
            "types": AllianceType.objects.all(),
            "themes": THEMES,
            "type": type_id,
            "theme": theme,
        },
    )
