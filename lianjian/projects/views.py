"""Screens of 揭榜挂帅: the project board (figures by award level and the projects as
cards), the calls (新建, 发布, 截止, the bids the user may see, 揭榜), a bid (入围, 答辩,
中榜, 未中 by the issuing side; 撤回 by the bidder) and a project (its key task's progress,
stages, outcome metrics, awards and certificates).

A row is found through ``visible_to`` (else 404: another bidder's bid, another issuer's
draft); an action is checked by the service (403 when the user may not take it) and a
refusal shows the page again with the reason and status 400, nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from lianjian.core.pages import add_service_errors, form_page, post_action, require_manager, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, may, require
from lianjian.orgs.models import Organisation
from lianjian.projects import rules, selectors, services
from lianjian.projects.forms import (
    AdvanceForm,
    AwardForm,
    BidForm,
    CallForm,
    CertificateForm,
    DefenceForm,
    MetricForm,
    ReasonForm,
    VoidForm,
)
from lianjian.projects.models import Award, Bid, Call, Certificate, Project
from lianjian.projects.schemas import BidFilter, CallFilter, InnovationProjectFilter

NAV = "projects"


def _call(request: HttpRequest, code: str) -> Call:
    return get_visible_or_404(
        Call.objects.select_related("issuer").prefetch_related(
            "eligible_orgs", "eligible_alliances"
        ),
        request.user,
        code=code,
    )


def _bid(request: HttpRequest, code: str) -> Bid:
    return get_visible_or_404(selectors.bid_rows(Bid.objects.all()), request.user, code=code)


def _project(request: HttpRequest, code: str) -> Project:
    return get_visible_or_404(
        selectors.project_rows(Project.objects.all()), request.user, code=code
    )


def _list(
    request: HttpRequest,
    template: str,
    table: str,
    selector: Callable[..., Any],
    f: Any,
    extra: dict[str, Any],
) -> HttpResponse:
    page = paginate(request, selector(request.user, f))
    ctx = {"nav": NAV, "page": page, "f": f, **extra}
    if getattr(request, "htmx", False) and request.headers.get("HX-Target", "").endswith(
        "-results"
    ):
        return render(request, table, ctx)
    return render(request, template, ctx)


# --- the project board ---------------------------------------------------------------------


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    """The project board: projects by award level (a project counts once, at its highest
    award), by kind and stage, and the projects as cards with their key task's progress."""
    f = InnovationProjectFilter.from_query(request.GET)
    day = timezone.localdate()
    page = paginate(request, selectors.project_list(request.user, f))
    rows = list(page.object_list)
    status = selectors.statuses(rows, day)
    best = selectors.best_levels(rows)
    ctx = {
        "nav": NAV,
        "page": page,
        "f": f,
        "cards": [(p, status.get(p.pk), best.get(p.pk)) for p in rows],
        "board": selectors.dashboard(request.user, day),
        "levels": rules.LEVELS,
        "stages": rules.STAGES,
        "kinds": rules.KINDS,
    }
    if (
        getattr(request, "htmx", False)
        and request.headers.get("HX-Target", "") == "project-results"
    ):
        return render(request, "projects/project_cards.html", ctx)
    return render(request, "projects/project_list.html", ctx)


@login_required
def project_detail(
    request: HttpRequest, code: str, forms: dict[str, Any] | None = None
) -> HttpResponse:
    project = _project(request, code)
    manager = may(request.user, CHANGE, project)
    status = selectors.statuses([project], timezone.localdate()).get(project.pk)
    forms = forms or {}
    ctx = {
        "nav": NAV,
        "project": project,
        "status": status,
        "manager": manager,
        "next_stage": rules.stage_next(project.stage),
        "records": list(project.stage_records.all()),
        "advance_form": forms.get("advance") or (AdvanceForm() if manager else None),
        "metric_form": forms.get("metric") or (MetricForm() if manager else None),
        "award_form": forms.get("award") or (AwardForm() if manager else None),
        "can_report": may(request.user, "report", project.task),
    }
    status_code = 400 if any(f.errors for f in forms.values()) else 200
    return render(request, "projects/project_detail.html", ctx, status=status_code)


def _project_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    project = _project(request, code)
    require(request.user, CHANGE, project, "只有发榜组织的管理员可以办理")
    form_class: Any = {"advance": AdvanceForm, "metric": MetricForm, "award": AwardForm}[action]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        try:
            if action == "advance":
                services.project_advance(
                    request.user, project, note=d["note"], grade=d["grade"], on=d["on"]
                )
                message = f"项目已进入“{project.stage}”"
            elif action == "metric":
                services.metric_save(
                    request.user, project, name=d["name"], unit=d["unit"], value=d["value"]
                )
                message = f"已登记成果指标“{d['name']}”"
            else:
                services.award_add(
                    request.user,
                    project,
                    level=d["level"],
                    name=d["name"],
                    issued_by=d["issued_by"],
                    awarded_on=d["awarded_on"],
                    upload=d["upload"],
                )
                message = f"已登记获奖“{d['name']}”"
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return saved(request, message, "projects:project_detail", code=project.code)
    return project_detail(request, code, forms={action: form})


project_advance = post_action(_project_act, "advance")
project_metric = post_action(_project_act, "metric")
project_award = post_action(_project_act, "award")


def _award_act(request: HttpRequest, code: str, pk: int, action: str) -> HttpResponse:
    project = _project(request, code)
    require(request.user, CHANGE, project, "只有发榜组织的管理员可以办理")
    award = get_object_or_404(Award.objects.filter(project=project), pk=pk)
    form: Any = (
        VoidForm(request.POST) if action == "void" else CertificateForm(request.POST, request.FILES)
    )
    if form.is_valid():
        try:
            if action == "void":
                services.award_void(request.user, award, form.cleaned_data["reason"])
            else:
                services.certificate_attach(request.user, award, form.cleaned_data["upload"])
        except ValidationError as exc:
            for text in exc.messages:
                messages.error(request, text)
            response = project_detail(request, code)
            response.status_code = 400
            return response
        return saved(
            request,
            "已作废" if action == "void" else "已上传证书",
            "projects:project_detail",
            code=code,
        )
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)
    response = project_detail(request, code)
    response.status_code = 400
    return response


award_void = post_action(_award_act, "void")
award_certificate = post_action(_award_act, "certificate")


@login_required
def certificate_file(request: HttpRequest, code: str, pk: int) -> FileResponse:
    """A certificate file, for whoever sees the project (served inline, never as HTML)."""
    project = _project(request, code)
    cert = get_object_or_404(Certificate, pk=pk, award__project=project)
    response = FileResponse(
        cert.file.open("rb"),
        content_type=cert.content_type,
        as_attachment=False,
        filename=cert.name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self'; plugin-types application/pdf"
    )
    return response


# --- calls -------------------------------------------------------------------------------


@login_required
def call_list(request: HttpRequest) -> HttpResponse:
    """The calls the user sees: open calls for branches, the issuer's own drafts."""
    f = CallFilter.from_query(request.GET)
    today = timezone.localdate()
    return _list(
        request,
        "projects/call_list.html",
        "projects/call_table.html",
        lambda user, flt: selectors.call_list(user, flt, today),
        f,
        {
            "today": today,
            "can_create": manages_any(request.user),
            "states": rules.CALL_STATES,
            "kinds": rules.KINDS,
        },
    )


@login_required
def call_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    own = getattr(request.user, "org", None)
    form = CallForm(
        request.POST or None, user=request.user, initial={"issuer": own.code if own else ""}
    )
    return form_page(
        request,
        form,
        "projects/call_form.html",
        {"nav": NAV},
        save=lambda: services.call_create(actor=request.user, **form.cleaned_data),
        done=lambda call: saved(
            request,
            f"已建立榜单“{call.title}”（草拟），发布后可揭榜",
            "projects:call_detail",
            code=call.code,
        ),
    )


@login_required
def call_edit(request: HttpRequest, code: str) -> HttpResponse:
    """修改榜单 while it is a draft or open for bids (the issuer's managers)."""
    call = _call(request, code)
    require(request.user, CHANGE, call, "只有发榜组织的管理员可以修改榜单")
    form = CallForm(request.POST or None, user=request.user, instance=call)
    return form_page(
        request,
        form,
        "projects/call_form.html",
        {"nav": NAV, "call": call},
        save=lambda: services.call_update(request.user, call, **form.cleaned_data),
        done=lambda _: saved(request, "已保存", "projects:call_detail", code=call.code),
    )


def _bid_eligible(request: HttpRequest, call: Call) -> bool:
    """Whether the user manages an organisation that may bid on ``call`` now and has not
    bid on it yet."""
    today = timezone.localdate()
    if rules.bidding_problem(call.state, call.deadline, today):
        return False
    # Organisations with a standing bid on the call have bid already.
    mine = (
        Organisation.objects.active()
        .internal()
        .manageable_by(request.user)
        .exclude(bids__in=Bid.objects.filter(call=call).exclude(state=rules.BID_WITHDRAWN))
        .values_list("path", flat=True)
    )
    who = services.eligibility(call)
    alliances = list((who.alliances or {}).keys())
    return any(who.open_to(path, True, alliances) for path in mine[:500])


@login_required
def call_detail(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    today = timezone.localdate()
    bids = list(
        selectors.bid_rows(Bid.objects.visible_to(request.user).filter(call=call)).order_by(
            "submitted_on", "id"
        )
    )
    manager = may(request.user, CHANGE, call)
    return render(
        request,
        "projects/call_detail.html",
        {
            "nav": NAV,
            "call": call,
            "shown_state": rules.shown_call_state(call.state, call.deadline, today),
            "bids": bids,
            "manager": manager,
            "can_publish": manager and call.state == rules.CALL_DRAFT,
            "can_edit": manager
            and rules.shown_call_state(call.state, call.deadline, today)
            in (rules.CALL_DRAFT, rules.CALL_OPEN),
            "can_close": manager
            and rules.shown_call_state(call.state, call.deadline, today) == rules.CALL_OPEN,
            "can_bid": _bid_eligible(request, call),
        },
    )


def _call_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    call = _call(request, code)
    try:
        services.call_transition(request.user, call, action)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        response = call_detail(request, code)
        response.status_code = 400
        return response
    return saved(
        request, f"榜单已{rules.CALL_ACTION_LABELS[action]}", "projects:call_detail", code=code
    )


call_publish = post_action(_call_act, "publish")
call_close = post_action(_call_act, "close")


@login_required
def bid_create(request: HttpRequest, code: str) -> HttpResponse:
    call = _call(request, code)
    require_manager(request)
    own = getattr(request.user, "org", None)
    form = BidForm(
        request.POST or None, user=request.user, initial={"owner_org": own.code if own else ""}
    )
    return form_page(
        request,
        form,
        "projects/bid_form.html",
        {"nav": NAV, "call": call},
        save=lambda: services.bid_submit(actor=request.user, call=call, **form.service_fields()),
        done=lambda bid: saved(
            request, "已揭榜，等待发榜组织评审", "projects:bid_detail", code=bid.code
        ),
        refused="无权以该组织的名义揭榜",
    )


# --- bids --------------------------------------------------------------------------------


@login_required
def bid_list(request: HttpRequest) -> HttpResponse:
    """The bids the user sees: their own side's, those on calls they issue, and winners."""
    f = BidFilter.from_query(request.GET)
    return _list(
        request,
        "projects/bid_list.html",
        "projects/bid_table.html",
        selectors.bid_list,
        f,
        {"states": rules.BID_STATES},
    )


@login_required
def bid_detail(request: HttpRequest, code: str) -> HttpResponse:
    bid = _bid(request, code)
    today = timezone.localdate()
    reviewer = may(request.user, "review", bid)
    reviewing = reviewer and not rules.review_problem(bid.call.state, bid.call.deadline, today)
    return render(
        request,
        "projects/bid_detail.html",
        {
            "nav": NAV,
            "bid": bid,
            "call_state": rules.shown_call_state(bid.call.state, bid.call.deadline, today),
            "can_shortlist": reviewing and bid.state == rules.BID_SUBMITTED,
            "can_defence": reviewing and bid.state == rules.BID_SHORTLISTED,
            "can_award": reviewing and bid.state == rules.BID_DEFENCE,
            "can_reject": reviewing and bid.state in rules.BID_OPEN_STATES,
            "can_withdraw": may(request.user, CHANGE, bid)
            and bid.state == rules.BID_SUBMITTED
            and not rules.bidding_problem(bid.call.state, bid.call.deadline, today),
            "defence_form": DefenceForm(),
            "project": getattr(bid, "project", None) if bid.state == rules.BID_WON else None,
        },
    )


def _bid_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    bid = _bid(request, code)
    if action == "withdraw":
        require(request.user, CHANGE, bid, "只有揭榜组织的管理员可以撤回")
    else:
        require(request.user, "review", bid, "只有发榜组织的管理员可以评审")
    form: Any = DefenceForm(request.POST) if action == "defence" else ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError([e for errs in form.errors.values() for e in errs])
        if action == "award":
            project = services.bid_award(request.user, bid, form.cleaned_data["reason"])
            return saved(
                request,
                f"已确定中榜并立项：{project.code}",
                "projects:project_detail",
                code=project.code,
            )
        services.bid_transition(
            request.user,
            bid,
            action,
            form.cleaned_data.get("reason", ""),
            form.cleaned_data.get("on"),
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        response = bid_detail(request, code)
        response.status_code = 400
        return response
    return saved(request, f"已{rules.BID_ACTION_LABELS[action]}", "projects:bid_detail", code=code)


bid_shortlist = post_action(_bid_act, "shortlist")
bid_defence = post_action(_bid_act, "defence")
bid_award = post_action(_bid_act, "award")
bid_reject = post_action(_bid_act, "reject")
bid_withdraw = post_action(_bid_act, "withdraw")
