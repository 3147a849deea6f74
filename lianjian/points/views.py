"""Screens of 党员积分: schemes (with the period totals of the members the user sees),
the ledger, the claim review queue, and the member's own 我的积分 with the claim form.

Reads go through the selectors (scoped); writes through the services. A member sees only
their own rows; a claim or scheme out of scope answers 404, a step the user may not take
403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.accounts.models import User
from lianjian.core.jobs import own_job_or_404
from lianjian.core.pages import add_service_errors, form_page, saved
from lianjian.core.paging import paginate, paginate_keyset
from lianjian.core.scope import CHANGE, get_visible_or_404, may, require
from lianjian.orgs.models import Member
from lianjian.points import engine, selectors, services, tasks
from lianjian.points.forms import ClaimForm, EntryForm, StandingForm, StepForm
from lianjian.points.models import (
    ClaimState,
    EntrySource,
    EntryStatus,
    MemberStanding,
    PointsCategory,
    PointsClaim,
    PointsEntry,
    PointsScheme,
    RecomputeJob,
)
from lianjian.points.schemas import ClaimFilter, EntryFilter, PointsSchemeFilter


@login_required
def scheme_list(request: HttpRequest) -> HttpResponse:
    """The schemes the user sees, newest year first."""
    f = PointsSchemeFilter.from_query(request.GET)
    page = paginate(request, selectors.scheme_list(request.user, f))
    return render(request, "points/scheme_list.html", {"nav": "points", "page": page, "f": f})


@login_required
def scheme_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A scheme: its rules and, for ``?period=`` (default the current one), the totals of
    the members the user sees (a member sees only their own: the page 我的积分 is theirs)."""
    scheme = get_visible_or_404(PointsScheme.objects.select_related("org"), request.user, code=code)
    periods = [*scheme.periods(), str(scheme.year)]
    today = timezone.localdate()
    default = engine.period_of(today, scheme.period) if today.year == scheme.year else periods[0]
    period = request.GET.get("period", default)
    if period not in periods:
        period = default
    # Whose points the user may read: the members they manage, and themself; of those, the
    # ones scored in the period (as of the period: selectors.scored_members).
    own = getattr(request.user, "member_id", None)
    managed = Member.objects.restrict(request.user, CHANGE).values("pk")
    members = Member.objects.filter(Q(pk__in=managed) | Q(pk=own))
    rows = selectors.period_totals(scheme, period, members)
    page = paginate(request, rows, per_page=50)
    ctx: dict[str, Any] = {
        "nav": "points",
        "scheme": scheme,
        "rules": scheme.rules.all(),
        "periods": periods,
        "period": period,
        "page": page,
        "can_change": may(request.user, CHANGE, scheme),
        "managed": set(
            Member.objects.restrict(request.user, CHANGE)
            .filter(pk__in=[t.member_id for t in page.object_list])
            .values_list("pk", flat=True)
        ),
    }
    return render(request, "points/scheme_detail.html", ctx)


@login_required
@require_POST
def scheme_recompute(request: HttpRequest, code: str) -> HttpResponse:
    """Ask for the recompute of the scheme's automatic entries (managers of its org): the
    request only queues the job (:func:`tasks.recompute_job_start`) and shows its page."""
    scheme = get_visible_or_404(PointsScheme.objects.select_related("org"), request.user, code=code)
    require(request.user, CHANGE, scheme, tasks.NO_RIGHT)
    job = tasks.recompute_job_start(actor=request.user, scheme=scheme)
    return redirect("points:recompute_job", pk=job.pk)


@login_required
def recompute_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A recompute asked for by this user (404 for anyone else): progress while the task
    works (the page polls every 2 s), then the entries written and withdrawn, or why it
    failed (with the button to ask again)."""
    job = own_job_or_404(RecomputeJob.objects.select_related("scheme__org"), request, pk)
    if getattr(request, "htmx", False) and request.GET.get("poll"):
        response = render(request, "points/recompute_job_progress.html", {"job": job})
        if job.status != RecomputeJob.Status.QUEUED:
            response["HX-Redirect"] = reverse("points:recompute_job", args=[job.pk])
        return response
    ctx = {
        "nav": "points",
        "job": job,
        "scheme": job.scheme,
        "can_change": may(request.user, CHANGE, job.scheme),
    }
    return render(request, "points/recompute_job.html", ctx)


@login_required
def entry_list(request: HttpRequest) -> HttpResponse:
    """积分台账: the entries the user sees, with filters."""
    f = EntryFilter.from_query(request.GET)
    page = paginate_keyset(
        request, selectors.entry_list(request.user, f), key=selectors.ENTRY_LIST_KEY, per_page=50
    )
    ctx = {
        "nav": "points",
        "page": page,
        "f": f,
        "sources": EntrySource.choices,
        "statuses": EntryStatus.values,
        "schemes": selectors.scheme_list(request.user, PointsSchemeFilter.model_validate({})),
    }
    return render(request, "points/entry_list.html", ctx)


@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """The claims the user sees; for reviewers each open claim offers its next steps."""
    f = ClaimFilter.from_query(request.GET)
    page = paginate(request, selectors.claim_list(request.user, f))
    own = getattr(request.user, "member_id", None)
    rows = [
        (
            c,
            services.next_steps(c) if may(request.user, "review", c) and c.member_id != own else [],
        )
        for c in page.object_list
    ]
    ctx = {
        "nav": "points",
        "page": page,
        "rows": rows,
        "f": f,
        "states": ClaimState.values,
        "needs_reason": services.NEEDS_REASON,
        "today": timezone.localdate(),
    }
    return render(request, "points/claim_list.html", ctx)


@login_required
@require_POST
def claim_step(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One review step of a claim (out of scope 404, not the user's to review 403)."""
    claim = get_visible_or_404(PointsClaim, request.user, pk=pk)
    if action not in services.STEPS:
        raise Http404
    require(request.user, "review", claim, "无权审核该申报")
    form = StepForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.claim_step(actor=request.user, claim=claim, action=action, reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已{services.STEPS[action][2]}")
    back = request.POST.get("next", "")
    return redirect(back if back.startswith("/points/") else "points:claim_list")


def _member(request: HttpRequest) -> Member:
    user = request.user
    assert isinstance(user, User)  # login_required
    if user.member_id is None:
        raise Http404
    return Member.objects.select_related("org").get(pk=user.member_id)


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    today = timezone.localdate()
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= today.year else today.year


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """我的积分: the member's period and year totals, every entry with its source, their
    claims and where each stands. 404 for an account without a member record."""
    member = _member(request)
    year = _year(request)
    data = selectors.my_points(member, year, timezone.localdate())
    ctx = {"nav": "mine", "member": member, "year": year, "data": data}
    return render(request, "points/mine.html", ctx)


@login_required
def claim_create(request: HttpRequest) -> HttpResponse:
    """The member's claim form (rules: the claimable ones of the scheme scoring them)."""
    member = _member(request)
    scheme = selectors.scheme_for(member, timezone.localdate().year)
    if scheme is None:
        raise Http404
    form = ClaimForm(request.POST or None, scheme=scheme)
    return form_page(
        request,
        form,
        "points/claim_form.html",
        {"nav": "mine", "scheme": scheme},
        save=lambda: services.file_claim(
            actor=request.user,
            member=member,
            rule=form.cleaned_data["rule"],
            happened_on=form.cleaned_data["happened_on"],
            text=form.cleaned_data["text"],
            evidence=form.cleaned_data["evidence"] or "",
        ),
        done=lambda _: saved(request, "已申报，等待党小组初核", "points:mine"),
    )


def _scheme_member(request: HttpRequest, code: str, number: str) -> tuple[PointsScheme, Member]:
    """The scheme (visible) and a member of its subtree whose points the user manages;
    404 for anything else (a member's points are their managers' business)."""
    scheme = get_visible_or_404(PointsScheme.objects.select_related("org"), request.user, code=code)
    member = (
        Member.objects.restrict(request.user, CHANGE)
        .select_related("org")
        .filter(number=number, org__path__under=scheme.org.path)
        .first()
    )
    if member is None:
        raise Http404
    return scheme, member


def _member_page(
    request: HttpRequest,
    scheme: PointsScheme,
    member: Member,
    entry_form: EntryForm | None = None,
    standing_form: StandingForm | None = None,
) -> HttpResponse:
    standing = MemberStanding.objects.filter(member=member, year=scheme.year).first()
    entries = (
        PointsEntry.objects.filter(scheme=scheme, member=member)
        .select_related(
            "rule",
            "attendance__activity",
            "milestone__task",
            "problem",
            "carrier_review__carrier",
            "claim",
        )
        .order_by("-happened_on", "-id")
    )
    initial = {
        "category": standing.category if standing else PointsCategory.ORDINARY,
        "exempt": standing.exempt if standing else False,
        "reason": standing.reason if standing else "",
    }
    ctx = {
        "nav": "points",
        "scheme": scheme,
        "member": member,
        "entries": entries,
        "standing": standing,
        "entry_form": entry_form or EntryForm(scheme=scheme),
        "standing_form": standing_form or StandingForm(initial=initial),
    }
    status = (
        400
        if (entry_form and entry_form.errors) or (standing_form and standing_form.errors)
        else 200
    )
    return render(request, "points/member_detail.html", ctx, status=status)


@login_required
def member_detail(request: HttpRequest, code: str, number: str) -> HttpResponse:
    """A member's ledger in a scheme, for their managers: manual entries, withdrawal,
    category and exemption."""
    scheme, member = _scheme_member(request, code, number)
    return _member_page(request, scheme, member)


@login_required
@require_POST
def entry_add(request: HttpRequest, code: str, number: str) -> HttpResponse:
    scheme, member = _scheme_member(request, code, number)
    form = EntryForm(request.POST, scheme=scheme)
    if form.is_valid():
        try:
            services.add_manual_entry(
                actor=request.user,
                member=member,
                rule=form.cleaned_data["rule"],
                happened_on=form.cleaned_data["happened_on"],
                reason=form.cleaned_data["reason"],
                points=form.cleaned_data["points"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return saved(request, "已录入", "points:member_detail", code=code, number=number)
    return _member_page(request, scheme, member, entry_form=form)


@login_required
@require_POST
def standing_set(request: HttpRequest, code: str, number: str) -> HttpResponse:
    scheme, member = _scheme_member(request, code, number)
    form = StandingForm(request.POST)
    if form.is_valid():
        try:
            services.set_standing(
                actor=request.user,
                member=member,
                year=scheme.year,
                category=form.cleaned_data["category"],
                exempt=form.cleaned_data["exempt"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return saved(
                request, "已保存积分类别", "points:member_detail", code=code, number=number
            )
    return _member_page(request, scheme, member, standing_form=form)


@login_required
@require_POST
def entry_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a manual or claimed entry with a reason (it stays in the ledger)."""
    entry = get_visible_or_404(
        PointsEntry.objects.select_related("scheme", "member"), request.user, pk=pk
    )
    require(request.user, CHANGE, entry, "无权撤回该积分")
    form = StepForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.withdraw_entry(actor=request.user, entry=entry, reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, "已撤回")
    return redirect("points:member_detail", code=entry.scheme.code, number=entry.member.number)
