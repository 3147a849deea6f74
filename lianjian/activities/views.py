"""Screens for activities: list, detail, forms, attendance, review and QR check-in.

Each view: find the activity through ``Activity.objects.visible_to(user)`` (else 404),
check ``core.scope.may`` for writes (else 403), validate, call one service, redirect.
Compliance, calendar and statistics screens live in ``views_reports``.
"""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from lianjian.activities import services
from lianjian.activities.forms import ActivityForm, AddMemberForm, MarkForm, ReturnForm, VoidForm
from lianjian.activities.models import (
    YEARLY_TYPES,
    Activity,
    ActivityStatus,
    ActivityType,
    Attendance,
    AttendanceStatus,
)
from lianjian.activities.schemas import ActivityFilter
from lianjian.activities.selectors import ACTIVITY_LIST_KEY, activity_scope_org, checkin_activity
from lianjian.activities.selectors import activity_list as activity_list_rows
from lianjian.core.models import AuditLog
from lianjian.core.pages import form_page, int_param, post_action, saved
from lianjian.core.paging import paginate_keyset
from lianjian.core.scope import APPROVE, CHANGE, get_visible_or_404, manages_any, may, require
from lianjian.orgs.models import Member, Organisation


def _visible(request: HttpRequest, code: str) -> Activity:
    return get_visible_or_404(
        Activity.objects.select_related("host", "alliance"), request.user, code=code
    )


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    """Visible activities, newest first, with search, filters and pagination (the one filter
    of ``selectors.activity_list``, as the API); htmx gets the table. An organisation out of
    scope answers 404."""
    f = ActivityFilter.from_query(request.GET)
    try:
        scope_org = activity_scope_org(request.user, f.org)
        qs = activity_list_rows(request.user, f)
    except Organisation.DoesNotExist:
        raise Http404 from None
    page = paginate_keyset(request, qs, key=ACTIVITY_LIST_KEY)
    ctx = {
        "nav": "activities",
        "page": page,
        "types": ActivityType.values,
        "statuses": ActivityStatus.values,
        "can_create": manages_any(request.user),
        "years": range(timezone.localdate().year + 1, 2019, -1),
        "scope_org": scope_org,
        "q": f.q or "",
        "org_code": f.org or "",
        "type": f.type or "",
        "status": f.status or "",
        "alliance_code": f.alliance or "",
        "year": f.year,
        "month": f.month,
    }
    template = "activities/activity_table.html" if request.htmx else "activities/activity_list.html"
    return render(request, template, ctx)


@login_required
def activity_detail(request: HttpRequest, code: str) -> HttpResponse:
    activity = _visible(request, code)
    links = list(activity.org_links.select_related("org").order_by("position"))
    attendance = list(
        activity.attendances.select_related("member", "member__org").order_by(
            "member__org__path", "member__number"
        )
    )
    manage = may(request.user, CHANGE, activity)
    checkin_url = checkin_qr = ""
    if manage and activity.is_editable and attendance:
        checkin_url = request.build_absolute_uri(
            reverse("activities:checkin", args=[services.checkin_token(activity)])
        )
        # segno writes the SVG itself from the URL we built, so it is safe to embed as markup.
        checkin_qr = mark_safe(  # noqa: S308
            segno.make(checkin_url, error="m").svg_inline(scale=5, title="签到二维码")
        )
    own = next(
        (a for a in attendance if request.user.member_id and a.member_id == request.user.member_id),
        None,
    )
    return render(
        request,
        "activities/activity_detail.html",
        {
            "nav": "activities",
            "activity": activity,
            "links": links,
            "attendance": attendance,
            "can_manage": manage,
            "can_review": may(request.user, APPROVE, activity),
            "checkin_url": checkin_url,
            "checkin_qr": checkin_qr,
            "checkin_hours": services.CHECKIN_MAX_AGE // 3600,
            "own": own,
            "statuses": AttendanceStatus.values,
            "mark_form": MarkForm(),
            "return_form": ReturnForm(),
            "yearly_types": YEARLY_TYPES,
            "history": AuditLog.objects.filter(
                target_type="activities.activity", target_id=activity.code
            )[:30],
            "present": sum(1 for a in attendance if a.status == AttendanceStatus.PRESENT),
            "on_leave": sum(1 for a in attendance if a.status == AttendanceStatus.LEAVE),
        },
    )


@login_required
def activity_create(request: HttpRequest) -> HttpResponse:
    if not manages_any(request.user):
        raise PermissionDenied
    initial = {
        "host": request.GET.get("org", "") or (request.user.org.code if request.user.org_id else "")
    }
    if request.GET.get("type") in ActivityType.values:
        initial["type"] = request.GET["type"]
    form = ActivityForm(request.POST or None, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        "activities/activity_form.html",
        {"nav": "activities", "activity": None, "yearly_types": YEARLY_TYPES},
        save=lambda: services.activity_record(actor=request.user, **form.service_fields()),
        done=lambda activity: saved(
            request,
            f"已登记活动“{activity.topic}”（{activity.code}）",
            "activities:activity_detail",
            code=activity.code,
        ),
    )


@login_required
def activity_edit(request: HttpRequest, code: str) -> HttpResponse:
    activity = _visible(request, code)
    require(request.user, CHANGE, activity)
    if not activity.is_editable:
        messages.error(request, services.NOT_EDITABLE)
        return redirect("activities:activity_detail", code=activity.code)
    form = ActivityForm(request.POST or None, user=request.user, instance=activity)
    return form_page(
        request,
        form,
        "activities/activity_form.html",
        {"nav": "activities", "activity": activity, "yearly_types": YEARLY_TYPES},
        save=lambda: services.activity_update(
            actor=request.user, activity=activity, **form.service_fields()
        ),
        done=lambda _: saved(request, "已保存", "activities:activity_detail", code=activity.code),
    )


def _back(activity: Activity) -> HttpResponse:
    return redirect(f"{reverse('activities:activity_detail', args=[activity.code])}#attendance")


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def attendance_fill(request: HttpRequest, code: str) -> HttpResponse:
    activity = _visible(request, code)
    require(request.user, CHANGE, activity)
    try:
        added = services.attendance_fill(actor=request.user, activity=activity)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request, f"已按名册加入 {added} 人" if added else "名册中的党员均已在应到名单中"
        )
    return _back(activity)


@login_required
@require_POST
def attendance_add(request: HttpRequest, code: str) -> HttpResponse:
    activity = _visible(request, code)
    require(request.user, CHANGE, activity)
    form = AddMemberForm(request.POST)
    member = None
    if form.is_valid():
        member = (
            Member.objects.visible_to(request.user)
            .current()
            .filter(number=form.cleaned_data["number"].strip())
            .first()
        )
    if member is None:
        messages.error(request, "人员编号不存在或不在您的范围内")
        return _back(activity)
    try:
        services.attendance_add(actor=request.user, activity=activity, member=member)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"已将{member.name}加入应到名单")
    return _back(activity)


def _member_ids(request: HttpRequest) -> list[int]:
    ids = []
    for value in request.POST.getlist("member"):
        number = int_param(value, 1, 2**62)
        if number is not None:
            ids.append(number)
    return ids


@login_required
@require_POST
def attendance_mark(request: HttpRequest, code: str) -> HttpResponse:
    """Mark the checked members 出席/请假/缺席 (``action=remove`` takes them off the list)."""
    activity = _visible(request, code)
    require(request.user, CHANGE, activity)
    ids = _member_ids(request)
    try:
        if request.POST.get("action") == "remove":
            removed = services.attendance_remove(
                actor=request.user, activity=activity, member_ids=ids
            )
            messages.success(request, f"已从应到名单移除 {removed} 人")
        else:
            form = MarkForm(request.POST)
            if not form.is_valid():
                raise ValidationError("请选择出勤状态")
            services.attendance_mark(
                actor=request.user, activity=activity, member_ids=ids, **form.cleaned_data
            )
            messages.success(request, f"已将 {len(ids)} 人标记为{form.cleaned_data['status']}")
    except ValidationError as exc:
        _refused(request, exc)
    return _back(activity)


def _transition(request: HttpRequest, code: str, action: str) -> HttpResponse:
    activity = _visible(request, code)
    if action == "submit":
        require(request.user, CHANGE, activity)
    else:
        require(request.user, APPROVE, activity)
    try:
        if action == "submit":
            services.activity_submit(actor=request.user, activity=activity)
            messages.success(request, "已提交上级党组织审核")
        elif action == "approve":
            services.activity_approve(actor=request.user, activity=activity)
            messages.success(request, "已审核通过")
        else:
            form = ReturnForm(request.POST)
            if not form.is_valid():
                raise ValidationError("请填写退回原因（不超过 300 字）")
            services.activity_return(
                actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
            )
            messages.success(request, "已退回修改")
    except ValidationError as exc:
        _refused(request, exc)
    return redirect("activities:activity_detail", code=activity.code)


activity_submit = post_action(_transition, "submit")
activity_approve = post_action(_transition, "approve")
activity_return = post_action(_transition, "return")


@login_required
@require_POST
def activity_void(request: HttpRequest, code: str) -> HttpResponse:
    """作废 a draft or returned record entered by mistake, with a reason (the host's managers,
    as for editing). The record stays, marked 已作废, and counts nowhere."""
    activity = _visible(request, code)
    require(request.user, CHANGE, activity)
    form = VoidForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("请填写作废原因（不超过 300 字）")
        services.activity_void(
            actor=request.user, activity=activity, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已作废该活动记录")
    return redirect("activities:activity_detail", code=activity.code)


@login_required
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """The page a scanned QR code opens: GET shows the activity, POST checks the user in.

    The token is signed and expires; the user must be on the expected list. An activity the
    user may not see (``selectors.checkin_activity``) answers 404 like a missing one, with
    nothing of it on the page; other refusals are shown on the page (400/403) and change
    nothing."""
    try:
        code = services.checkin_activity_code(token)
    except services.CheckinError as exc:
        return render(request, "activities/checkin.html", {"problem": str(exc)}, status=400)
    activity = checkin_activity(request.user, code)
    if activity is None:
        raise Http404
    row = None
    if request.user.member_id:
        row = Attendance.objects.filter(activity=activity, member_id=request.user.member_id).first()
    ctx = {"activity": activity, "row": row, "token": token}
    if request.method == "POST":
        try:
            row = services.attendance_checkin(
                actor=request.user, activity=activity, member=request.user.member
            )
        except services.CheckinError as exc:
            ctx["problem"] = str(exc)
            return render(request, "activities/checkin.html", ctx, status=403)
        ctx.update(row=row, done=True)
    elif row is None:
        ctx["problem"] = (
            "您不在本次活动的应到名单中，请联系记录人"
            if request.user.member_id
            else "当前账户未关联党员信息，无法签到"
        )
        return render(request, "activities/checkin.html", ctx, status=403)
    return render(request, "activities/checkin.html", ctx)
