"""Screens of the supervision ledger: the dashboard (counts), batches, items with their
measures and the 销号 loop, leads (bodies only; every read recorded) and recommendations.

Each view finds its row through ``get_visible_or_404`` (404 outside the user's sight), and
each write goes through one service, which checks the action's scope (403 on a visible row
the user may not change) and the ledger's rules (a refusal is shown, status 400, nothing
written).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from lianjian.core.dbrouters import reads_from_replica
from lianjian.core.pages import add_service_errors, bound_view, form_page, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import (
    AUDIT,
    CHANGE,
    DISCIPLINE,
    INSPECTION,
    MANAGE,
    VIEW,
    get_visible_or_404,
    may,
    require,
    scope_of,
)
from lianjian.core.validation import today
from lianjian.core.views import report_job_start_view
from lianjian.decisions.models import DecisionItem
from lianjian.supervision import rules, selectors, services
from lianjian.supervision.forms import (
    AccountabilityForm,
    BatchForm,
    FollowUpForm,
    ItemForm,
    LeadForm,
    LeadSettleForm,
    MeasureForm,
    ProgressForm,
    ReasonForm,
    RecommendationForm,
    RecommendationReplyForm,
    ReportForm,
    SystemChangeForm,
)
from lianjian.supervision.models import (
    Accountability,
    Batch,
    Item,
    ItemEvent,
    ItemType,
    Lead,
    Measure,
    Recommendation,
    SystemChange,
)
from lianjian.supervision.report import visible_batch
from lianjian.supervision.schemas import (
    SupervisionBatchFilter,
    SupervisionItemFilter,
    SupervisionLeadFilter,
    SupervisionRecommendationFilter,
)

NAV = "supervision"


@login_required
@reads_from_replica
def dashboard(request: HttpRequest) -> HttpResponse:
    """Counts of the items the user reaches by state, colour and source (no contents)."""
    board = selectors.dashboard(request.user, today())
    return render(
        request,
        "supervision/dashboard.html",
        {"nav": NAV, "board": board, "colours": selectors.COLOURS},
    )


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    f = SupervisionBatchFilter.from_query(request.GET)
    page = paginate(request, selectors.batch_list(request.user, f))
    return render(
        request,
        "supervision/batch_list.html",
        {
            "nav": NAV,
            "page": page,
            "f": f,
            "sources": rules.SOURCES,
            "query": request.GET.urlencode(),
        },
    )


def _may_issue(user: Any) -> bool:
    """Whether ``user`` may issue a batch at all: a supervising body, a manager (专项检查 and
    自查 of their organisations) or the admin; the service checks the source per batch."""
    scope = scope_of(user)
    return scope.everything or bool(
        scope.of(AUDIT) or scope.of(DISCIPLINE) or scope.of(INSPECTION) or scope.of(MANAGE)
    )


@login_required
def batch_create(request: HttpRequest) -> HttpResponse:
    """新建批次: the issuing body (or a manager for 专项检查/自查)."""
    if not _may_issue(request.user):
        raise PermissionDenied
    form = BatchForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form,
        "supervision/batch_form.html",
        {"nav": NAV},
        save=lambda: services.batch_create(actor=request.user, **form.cleaned_data),
        done=lambda batch: saved(
            request, "已新建批次", "supervision:batch_detail", code=batch.code
        ),
        refused="您无权下发此来源的批次",
    )


@login_required
def item_create(request: HttpRequest, code: str) -> HttpResponse:
    """新增问题 of a batch: its issuing body."""
    batch = get_visible_or_404(
        Batch.objects.select_related("inspected_org"), request.user, code=code
    )
    require(request.user, "change", batch, services.DENIED_BODY)
    form = ItemForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form,
        "supervision/item_form.html",
        {"nav": NAV, "batch": batch},
        save=lambda: services.item_create(actor=request.user, batch=batch, **form.cleaned_data),
        done=lambda item: saved(request, "已新增问题", "supervision:item_detail", pk=item.pk),
    )


@login_required
def report_submit(request: HttpRequest, code: str) -> HttpResponse:
    """Record a rectification report submitted for a batch (its issuing body)."""
    batch = get_visible_or_404(Batch.objects.all(), request.user, code=code)
    require(request.user, "change", batch, services.DENIED_BODY)
    form = ReportForm(request.POST or None)
    return form_page(
        request,
        form,
        "supervision/report_form.html",
        {"nav": NAV, "batch": batch},
        save=lambda: services.report_submit(actor=request.user, batch=batch, **form.cleaned_data),
        done=lambda _: saved(
            request, "已登记整改报告", "supervision:batch_detail", code=batch.code
        ),
    )


@login_required
def batch_detail(request: HttpRequest, code: str) -> HttpResponse:
    batch = get_visible_or_404(
        Batch.objects.select_related("issuing_org", "inspected_org"), request.user, code=code
    )
    day = today()
    items = list(
        selectors.item_rows(Item.objects.visible_to(request.user).filter(batch=batch, voided=False))
    )
    reports = list(batch.reports.all())
    all_items = list(
        Item.objects.filter(batch=batch, voided=False).only("state", "closed_on", "voided")
    )
    report = selectors.report_status(batch, all_items, reports, day)
    rows = [(i, selectors.item_colour(i, day), selectors.flags(i, day)) for i in items]
    return render(
        request,
        "supervision/batch_detail.html",
        {
            "nav": NAV,
            "batch": batch,
            "rows": rows,
            "reports": reports,
            "report": report,
            "can_add": may(request.user, "change", batch) and not batch.voided,
        },
    )


@login_required
def batch_report(request: HttpRequest, code: str) -> HttpResponse:
    """The Word 整改情况报告 of a batch over the items the user may see (``report``), written
    by a background task: this queues it (GET keeps the old download links working) and
    shows its job page, which offers the file when it is written."""
    batch = visible_batch(request.user, code)
    if batch is None:
        raise Http404
    return report_job_start_view(request, "supervision_batch", batch, batch.code)


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    day = today()
    f = SupervisionItemFilter.from_query(request.GET)
    page = paginate(request, selectors.item_list(request.user, f, day))
    rows = [(i, selectors.item_colour(i, day), selectors.flags(i, day)) for i in page.object_list]
    return render(
        request,
        "supervision/item_list.html",
        {
            "nav": NAV,
            "page": page,
            "rows": rows,
            "f": f,
            "states": rules.STATES,
            "kinds": ItemType.values,
            "flag_names": ("重要", "疑似违纪", "需问责", "逾期", "二次整改"),
            "colours": selectors.COLOURS,
            "batches": Batch.objects.visible_to(request.user)
            .filter(voided=False)
            .order_by("-feedback_date")
            .only("code", "title"),
            "query": request.GET.urlencode(),
        },
    )


def _item(request: HttpRequest, pk: int) -> Item:
    return get_visible_or_404(selectors.item_rows(Item.objects.all()), request.user, pk=pk)


def _item_page(
    request: HttpRequest,
    item: Item,
    *,
    refusals: list[str] | None = None,
    status: int = 200,
    **forms: Any,
) -> HttpResponse:
    day = today()
    user = request.user
    can_rectify = may(user, "rectify", item) and not item.voided
    can_decide = may(user, "decide", item) and not item.voided
    actions = [
        a
        for a in rules.actions_from(item.state)
        if (a in rules.UNIT_ACTIONS and can_rectify) or (a in rules.BODY_ACTIONS and can_decide)
    ]
    measures = list(item.measures.all())
    ctx = {
        "nav": NAV,
        "item": item,
        "colour": selectors.item_colour(item, day),
        "flags": selectors.flags(item, day),
        "measures": [(m, _measure_steps(user, m, item)) for m in measures],
        "events": ItemEvent.objects.filter(item=item).select_related("actor"),
        "actions": [(a, rules.ACTION_LABELS[a], a in rules.REASON_ACTIONS) for a in actions],
        "closing_problem": rules.closing_problem(m.state for m in measures),
        "can_rectify": can_rectify,
        "measure_form": forms.get("measure_form")
        or (MeasureForm() if can_rectify and item.state in _MEASURE_STATES else None),
        "progress_form": forms.get("progress_form")
        or (
            ProgressForm(
                initial={
                    "progress": item.progress,
                    "results": item.results,
                    "evidence": item.evidence,
                }
            )
            if can_rectify and not item.done
            else None
        ),
        "reason_form": ReasonForm(),
        "refusals": refusals or [],
        "look_back_due": rules.look_back_due(item.first_closed_on)
        if item.first_closed_on
        else None,
        "evidence_links": [line.strip() for line in item.evidence.splitlines() if line.strip()],
        "system_changes": SystemChange.objects.visible_to(user).filter(items=item),
        "accountabilities": Accountability.objects.visible_to(user).filter(item=item),
        "accountability_form": forms.get("accountability_form")
        or (AccountabilityForm() if can_decide else None),
        "system_change_form": forms.get("system_change_form")
        or (SystemChangeForm() if _may_record_change(user, item) else None),
    }
    return render(request, "supervision/item_detail.html", ctx, status=status)


_MEASURE_STATES = (rules.PENDING, rules.IN_PROGRESS, rules.REOPENED)


def _measure_steps(user: Any, measure: Measure, item: Item) -> list[str]:
    """The next states of ``measure`` the user may set (none once the item is closed)."""
    if item.done or item.voided or measure.voided:
        return []
    out = []
    for state in rules.MEASURE_STEPS:
        if not rules.measure_step_allowed(measure.state, state):
            continue
        body = state == rules.VERIFIED or (
            measure.state == rules.COMPLETED and state == rules.ADVANCING
        )
        if may(user, "verify" if body else "change", measure):
            out.append(state)
    return out


@login_required
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_page(request, _item(request, pk))


def _act(request: HttpRequest, action: str, pk: int) -> HttpResponse:
    item = _item(request, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.item_act(actor=request.user, item=item, action=action, reason=reason)
    except ValidationError as exc:
        return _item_page(request, item, refusals=exc.messages, status=400)
    return saved(request, f"已{rules.ACTION_LABELS[action]}", "supervision:item_detail", pk=item.pk)


item_start = bound_view(_act, rules.START, post=True)
item_apply = bound_view(_act, rules.APPLY, post=True)
item_accept = bound_view(_act, rules.ACCEPT, post=True)
item_return = bound_view(_act, rules.RETURN, post=True)
item_confirm = bound_view(_act, rules.CONFIRM, post=True)
item_reopen = bound_view(_act, rules.REOPEN, post=True)
item_resume = bound_view(_act, rules.RESUME, post=True)


def _item_form_post(
    request: HttpRequest,
    pk: int,
    form_class: type[Form],
    form_key: str,
    save: Callable[[Item, dict[str, Any]], object],
    done: str,
    check: Callable[[Item], None] | None = None,
) -> HttpResponse:
    """One form posted from an item's page: ``check`` (a permission, which raises) first,
    then on success the item page with ``done``; on a bad form or a refused service the page
    again (400) with the form and the refusals. A GET goes back to the item page."""
    if request.method != "POST":
        return redirect("supervision:item_detail", pk=pk)
    item = _item(request, pk)
    if check is not None:
        check(item)
    form = form_class(request.POST)
    shown: dict[str, Any] = {form_key: form}
    if form.is_valid():
        try:
            save(item, form.cleaned_data)
        except ValidationError as exc:
            return _item_page(request, item, refusals=exc.messages, status=400, **shown)
        return saved(request, done, "supervision:item_detail", pk=item.pk)
    return _item_page(request, item, status=400, **shown)


@login_required
def measure_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_form_post(
        request,
        pk,
        MeasureForm,
        "measure_form",
        lambda item, data: services.measure_add(actor=request.user, item=item, **data),
        "已新增整改措施",
    )


@login_required
def item_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return _item_form_post(
        request,
        pk,
        ProgressForm,
        "progress_form",
        lambda item, data: services.item_update(actor=request.user, item=item, **data),
        "已报送整改进展",
    )


@login_required
def measure_step(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        raise PermissionDenied
    measure = get_visible_or_404(
        Measure.objects.select_related("item__batch", "item__responsible_org"), request.user, pk=pk
    )
    state = request.POST.get("state", "")
    try:
        services.measure_step(actor=request.user, measure=measure, state=state)
    except ValidationError as exc:
        item = _item(request, measure.item_id)
        return _item_page(request, item, refusals=exc.messages, status=400)
    messages.success(request, f"措施已改为“{state}”")
    return redirect("supervision:item_detail", pk=measure.item_id)


@login_required
def lead_list(request: HttpRequest) -> HttpResponse:
    day = today()
    f = SupervisionLeadFilter.from_query(request.GET)
    page = paginate(request, selectors.lead_list(request.user, f, day))
    rows = [(lead, selectors.lead_colour(lead, day)) for lead in page.object_list]
    return render(
        request,
        "supervision/lead_list.html",
        {
            "nav": NAV,
            "page": page,
            "rows": rows,
            "f": f,
            "query": request.GET.urlencode(),
            "may_create": bool(services.lead_bodies_of(request.user)),
        },
    )


@login_required
def lead_create(request: HttpRequest) -> HttpResponse:
    """移交线索: a body (纪检/审计/巡察办) records a lead it hands to another body."""
    bodies = services.lead_bodies_of(request.user)
    if not bodies:
        raise PermissionDenied("只有纪检、审计或巡察办可以移交线索")
    form = LeadForm(request.POST or None, user=request.user, bodies=bodies)
    return form_page(
        request,
        form,
        "supervision/lead_form.html",
        {"nav": NAV},
        save=lambda: services.lead_create(actor=request.user, **form.cleaned_data),
        done=lambda lead: saved(request, "已移交线索", "supervision:lead_detail", pk=lead.pk),
        refused="您不能以该单位的名义移交线索",
    )


def _lead(request: HttpRequest, pk: int) -> Lead:
    return get_visible_or_404(
        selectors.visible_leads(request.user).select_related("org", "item__batch"),
        request.user,
        pk=pk,
    )


def _lead_page(request: HttpRequest, lead: Lead) -> HttpResponse:
    services.lead_read(reader=request.user, lead=lead, via="screen")
    may_settle = lead.feedback_on is None and lead.to_body in services.lead_bodies_of(request.user)
    return render(
        request,
        "supervision/lead_detail.html",
        {
            "nav": NAV,
            "lead": lead,
            "colour": selectors.lead_colour(lead, today()),
            "reads": lead.reads.select_related("reader")[:20],
            "settle_form": LeadSettleForm() if may_settle else None,
        },
    )


@login_required
def lead_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A lead, for the bodies involved only; the read is recorded before it is shown. The
    receiving body sees the form that records the result (until the lead is settled)."""
    return _lead_page(request, _lead(request, pk))


@login_required
def lead_settle(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiving body records the result and the feedback date (the lead is settled)."""
    if request.method != "POST":
        return redirect("supervision:lead_detail", pk=pk)
    lead = _lead(request, pk)
    form = LeadSettleForm(request.POST)
    if form.is_valid():
        try:
            services.lead_settle(actor=request.user, lead=lead, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return saved(request, "已登记处置结果", "supervision:lead_detail", pk=lead.pk)
    # the refused form alone, without the lead's content: nothing is read, nothing recorded
    ctx = {"nav": NAV, "lead": lead, "form": form}
    return render(request, "supervision/lead_settle.html", ctx, status=400)


@login_required
def recommendation_list(request: HttpRequest) -> HttpResponse:
    f = SupervisionRecommendationFilter.from_query(request.GET)
    page = paginate(request, selectors.recommendation_list(request.user, f))
    return render(
        request,
        "supervision/recommendation_list.html",
        {
            "nav": NAV,
            "page": page,
            "f": f,
            "query": request.GET.urlencode(),
            "can_recommend": _may_recommend(request.user),
        },
    )


def _recommendation(request: HttpRequest, pk: int) -> Recommendation:
    return get_visible_or_404(
        Recommendation.objects.select_related("issuer_org", "recipient"), request.user, pk=pk
    )


def _recommendation_page(
    request: HttpRequest,
    rec: Recommendation,
    *,
    reply_form: RecommendationReplyForm | None = None,
    follow_form: FollowUpForm | None = None,
    status: int = 200,
) -> HttpResponse:
    may_reply = rec.replied_on is None and may(request.user, "reply", rec)
    may_follow = may(request.user, CHANGE, rec)
    ctx = {
        "nav": NAV,
        "rec": rec,
        "items": rec.items.select_related("batch").order_by("batch__code", "number"),
        "reply_form": (reply_form or RecommendationReplyForm()) if may_reply else None,
        "follow_form": (follow_form or FollowUpForm()) if may_follow else None,
    }
    return render(request, "supervision/recommendation_detail.html", ctx, status=status)


@login_required
def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A recommendation: the recipient's managers reply (once), the issuing body follows up."""
    return _recommendation_page(request, _recommendation(request, pk))


@login_required
def recommendation_reply(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("supervision:recommendation_detail", pk=pk)
    rec = _recommendation(request, pk)
    require(request.user, "reply", rec, "只有接收组织的管理员可以回复建议")
    form = RecommendationReplyForm(request.POST)
    if form.is_valid():
        try:
            services.recommendation_reply(actor=request.user, rec=rec, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return saved(request, "已回复", "supervision:recommendation_detail", pk=pk)
    return _recommendation_page(request, rec, reply_form=form, status=400)


@login_required
def recommendation_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return redirect("supervision:recommendation_detail", pk=pk)
    rec = _recommendation(request, pk)
    require(request.user, CHANGE, rec, "只有提出建议的单位可以督办")
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.recommendation_follow_up(actor=request.user, rec=rec, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return saved(request, "已记录督办情况", "supervision:recommendation_detail", pk=pk)
    return _recommendation_page(request, rec, follow_form=form, status=400)


@login_required
def accountability_add(request: HttpRequest, pk: int) -> HttpResponse:
    """双重问责 of an item, recorded by its issuing body (a unit never records its own)."""
    return _item_form_post(
        request,
        pk,
        AccountabilityForm,
        "accountability_form",
        lambda item, data: services.accountability_create(actor=request.user, item=item, **data),
        "已登记问责",
    )


@login_required
def decision_accountability(request: HttpRequest, number: str) -> HttpResponse:
    """双重问责 of a 三重一大 decision: its records, and for the board office the form. A 较大
    or 重大 loss needs both tracks; each record links the decision's latest prior study."""
    decision = get_visible_or_404(DecisionItem, request.user, number=number)
    can_record = may(request.user, CHANGE, decision)
    form: AccountabilityForm | None = AccountabilityForm() if can_record else None
    refusals: list[str] = []
    status = 200
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied("只有决策管理部门可以登记决策问责")
        form = AccountabilityForm(request.POST)
        if form.is_valid():
            try:
                services.accountability_create(
                    actor=request.user, decision=decision, **form.cleaned_data
                )
            except ValidationError as exc:
                refusals, status = exc.messages, 400
            else:
                return saved(
                    request, "已登记问责", "supervision:decision_accountability", number=number
                )
        else:
            status = 400
    records = (
        Accountability.objects.restrict(request.user, VIEW)
        .filter(decision=decision)
        .select_related("prior_study")
    )
    ctx = {
        "nav": NAV,
        "decision": decision,
        "records": records,
        "form": form,
        "refusals": refusals,
    }
    return render(request, "supervision/decision_accountability.html", ctx, status=status)


@login_required
def decision_losses(request: HttpRequest) -> HttpResponse:
    """The register's decisions with losses, by band (一般 / 较大 / 重大): for whoever sees the
    decisions' accountability (the board office, the party committee's managers)."""
    bands, rows = selectors.decision_losses(request.user)
    ctx = {"nav": NAV, "bands": bands, "rows": rows}
    return render(request, "supervision/decision_losses.html", ctx)


def _may_record_change(user: Any, item: Item) -> bool:
    """以案促改 rules are made by the item's responsible unit (its managers)."""
    return not item.voided and may(user, CHANGE, SystemChange(org=item.responsible_org))


@login_required
def system_change_add(request: HttpRequest, pk: int) -> HttpResponse:
    """以案促改: the responsible unit records a rule it made or revised because of the item."""

    def check(item: Item) -> None:
        if not _may_record_change(request.user, item):
            raise PermissionDenied("只有责任单位的管理员可以登记以案促改制度")

    return _item_form_post(
        request,
        pk,
        SystemChangeForm,
        "system_change_form",
        lambda item, data: services.system_change_create(
            actor=request.user, org=item.responsible_org, items=[item], **data
        ),
        "已登记以案促改制度",
        check,
    )


def _may_recommend(user: Any) -> bool:
    scope = scope_of(user)
    return scope.everything or bool(scope.of(DISCIPLINE) or scope.of(AUDIT))


@login_required
def recommendation_create(request: HttpRequest) -> HttpResponse:
    """提出建议: 纪检 a 纪检监察建议, 审计 an 审计建议, from an organisation they reach."""
    if not _may_recommend(request.user):
        raise PermissionDenied
    form = RecommendationForm(request.POST or None, user=request.user)
    return form_page(
        request,
        form,
        "supervision/recommendation_form.html",
        {"nav": NAV},
        save=lambda: services.recommendation_create(actor=request.user, **form.cleaned_data),
        done=lambda rec: saved(
            request, "已提出建议", "supervision:recommendation_detail", pk=rec.pk
        ),
        refused="纪检监察建议由纪检提出，审计建议由审计提出",
    )
