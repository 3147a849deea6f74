"""Screens of resources and bookings: the resource list, detail with calendar and booking
form, create/edit, photos; the booking lists (我的预约, 待我审批), detail and decisions.

Each view: find the row through a ``visible_to`` queryset (else 404), check
``core.scope.may`` for a write (else 403), validate, call one service, redirect. Needs,
projects, matches and utilisation live in ``views_lists``.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.core.models import AuditLog
from lianjian.core.pages import form_page, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, may, require
from lianjian.orgs.forms import add_service_errors
from lianjian.orgs.models import Organisation
from lianjian.sharing import selectors, services
from lianjian.sharing.expiry import expire_due
from lianjian.sharing.forms import BookingForm, PhotoForm, ReasonForm, ResourceForm
from lianjian.sharing.models import (
    Booking,
    BookingStatus,
    Resource,
    ResourceKind,
    ResourcePhoto,
    SharingLevel,
)
from lianjian.sharing.schemas import BookingFilter, ResourceFilter


def _visible_resource(request: HttpRequest, code: str) -> Resource:
    resources = Resource.objects.select_related("owner", "member__org")
    return get_visible_or_404(resources, request.user, code=code)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _month(value: str) -> tuple[int, int]:
    """``YYYY-MM`` from a query string, else the current month."""
    try:
        year, month = (int(p) for p in value.split("-", 1))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except (ValueError, AttributeError):
        pass
    today = timezone.localdate()
    return today.year, today.month


def _shift(year: int, month: int, delta: int) -> str:
    index = year * 12 + month - 1 + delta
    return f"{index // 12}-{index % 12 + 1:02d}"


def _scope_org(request: HttpRequest, code: str | None) -> Organisation | None:
    """The organisation a list is narrowed to, for its heading (None if unseen or not given)."""
    return Organisation.objects.visible_to(request.user).filter(code=code).first() if code else None


@login_required
def resource_list(request: HttpRequest) -> HttpResponse:
    """Visible resources with search, filters (kind, sharing level, organisation, tag) and
    pagination; htmx requests get only the table."""
    f = ResourceFilter.from_query(request.GET)
    page = paginate(request, selectors.resource_list(request.user, f))
    ctx = {
        "nav": "sharing",
        "page": page,
        "f": f,
        "q": f.q or "",
        "kind": f.kind or "",
        "sharing": f.sharing or "",
        "org_code": f.org or "",
        "tag": f.tag or "",
        "only_active": f.active is True,
        "scope_org": _scope_org(request, f.org),
        "kinds": ResourceKind.values,
        "levels": SharingLevel.values,
        "can_create": manages_any(request.user),
    }
    template = "sharing/resource_table.html" if request.htmx else "sharing/resource_list.html"
    return render(request, template, ctx)


def _detail_context(
    request: HttpRequest, resource: Resource, form: BookingForm | None = None
) -> dict:
    expire_due()
    year, month = _month(request.GET.get("month", ""))
    manage = may(request.user, CHANGE, resource)
    requester = manages_any(request.user)
    if form is None and requester:
        initial = {"org": request.user.org.code if request.user.org_id else ""}
        form = BookingForm(user=request.user, initial=initial)
    upcoming = (
        Booking.objects.visible_to(request.user)
        .filter(resource=resource, end__gt=timezone.now())
        .select_related("org")
        .order_by("start")[:20]
        if manage
        else []
    )
    return {
        "nav": "sharing",
        "resource": resource,
        "can_manage": manage,
        "can_request": requester,
        "form": form,
        "weeks": selectors.resource_month(resource, year=year, month=month, user=request.user),
        "year": year,
        "month": month,
        "prev": _shift(year, month, -1),
        "next": _shift(year, month, 1),
        "today": timezone.localdate(),
        "weekdays": selectors.WEEKDAYS,
        "photos": list(resource.photos.all()),
        "photo_form": PhotoForm() if manage else None,
        "upcoming": upcoming,
        "history": AuditLog.objects.filter(target_type="sharing.resource", target_id=resource.code)[
            :20
        ]
        if manage
        else [],
    }


@login_required
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A resource: its facts, photos, the month calendar (``?month=YYYY-MM``) and, for
    those who may request, the booking form."""
    resource = _visible_resource(request, code)
    return render(request, "sharing/resource_detail.html", _detail_context(request, resource))


@login_required
def resource_create(request: HttpRequest) -> HttpResponse:
    _require(manages_any(request.user))
    initial = {
        "owner": request.GET.get("org", "")
        or (request.user.org.code if request.user.org_id else "")
    }
    if request.GET.get("kind") in ResourceKind.values:
        initial["kind"] = request.GET["kind"]
    form = ResourceForm(request.POST or None, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        "sharing/resource_form.html",
        {"nav": "sharing", "resource": None},
        save=lambda: services.resource_create(actor=request.user, **form.service_fields()),
        done=lambda resource: saved(
            request,
            f"已登记资源“{resource.name}”（{resource.code}）",
            "sharing:resource_detail",
            code=resource.code,
        ),
    )


@login_required
def resource_edit(request: HttpRequest, code: str) -> HttpResponse:
    resource = _visible_resource(request, code)
    require(request.user, CHANGE, resource)
    form = ResourceForm(request.POST or None, user=request.user, instance=resource)
    return form_page(
        request,
        form,
        "sharing/resource_form.html",
        {"nav": "sharing", "resource": resource},
        save=lambda: services.resource_update(
            actor=request.user, resource=resource, **form.service_fields()
        ),
        done=lambda _: saved(request, "已保存", "sharing:resource_detail", code=resource.code),
    )


@login_required
def booking_create(request: HttpRequest, code: str) -> HttpResponse:
    """POST the booking form of a resource; errors re-render the resource page (400)."""
    resource = _visible_resource(request, code)
    _require(manages_any(request.user))
    if request.method != "POST":
        return redirect(f"{reverse('sharing:resource_detail', args=[resource.code])}#book")
    form = BookingForm(request.POST, user=request.user)
    if form.is_valid():
        data = form.cleaned_data
        try:
            booking = services.booking_request(actor=request.user, resource=resource, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "预约申请已提交，等待资源所属组织审批")
            return redirect("sharing:booking_detail", pk=booking.pk)
    ctx = _detail_context(request, resource, form)
    start = form.cleaned_data.get("start") if hasattr(form, "cleaned_data") else None
    if isinstance(start, datetime.datetime):
        ctx["weeks"] = selectors.resource_month(
            resource, year=start.year, month=start.month, user=request.user
        )
        ctx.update(
            year=start.year,
            month=start.month,
            prev=_shift(start.year, start.month, -1),
            next=_shift(start.year, start.month, 1),
        )
    return render(request, "sharing/resource_detail.html", ctx, status=400)


@login_required
@require_POST
def photo_upload(request: HttpRequest, code: str) -> HttpResponse:
    resource = _visible_resource(request, code)
    require(request.user, CHANGE, resource)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择要上传的照片")
    else:
        try:
            services.photo_add(
                actor=request.user, resource=resource, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "照片已上传")
    return redirect(f"{reverse('sharing:resource_detail', args=[resource.code])}#photos")


@login_required
def photo(request: HttpRequest, code: str, pk: int) -> FileResponse:
    resource = _visible_resource(request, code)
    p = get_object_or_404(ResourcePhoto, pk=pk, resource=resource)
    response = FileResponse(
        p.file.open("rb"), content_type=p.content_type, as_attachment=False, filename=p.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response


@login_required
def photo_delete(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """GET asks for confirmation; POST removes the photo."""
    resource = _visible_resource(request, code)
    p = get_object_or_404(ResourcePhoto, pk=pk, resource=resource)
    require(request.user, CHANGE, resource)
    if request.method == "POST":
        services.photo_delete(actor=request.user, photo=p)
        messages.success(request, "照片已删除")
        return redirect(f"{reverse('sharing:resource_detail', args=[resource.code])}#photos")
    return render(
        request,
        "sharing/confirm.html",
        {
            "nav": "sharing",
            "title": f"删除照片“{p.name}”",
            "back": reverse("sharing:resource_detail", args=[resource.code]),
            "text": f"将从资源“{resource.name}”中删除这张照片，删除后不可恢复。",
            "button": "确认删除",
            "danger": True,
            "image": reverse("sharing:photo", args=[resource.code, p.pk]),
            "form": None,
        },
    )


# --- bookings -------------------------------------------------------------------------------

BOOKING_TABS = (("mine", "我的预约"), ("approve", "待我审批"), ("all", "全部可见"))


@login_required
def booking_list(request: HttpRequest) -> HttpResponse:
    """我的预约 (requested by the user's organisations), 待我审批 (pending requests for
    resources the user manages) and every visible booking; status, month and text filters.
    The screen opens on 我的预约; ``?tab=`` of older links still names the view."""
    expire_due()
    query = request.GET.copy()
    if "view" not in query and query.get("tab"):
        query.setlist("view", query.getlist("tab"))
    f = BookingFilter.from_query(query)
    if f.view is None:
        f = f.model_copy(update={"view": "mine"})
    page = paginate(request, selectors.booking_list(request.user, f))
    pending = (
        Booking.objects.restrict(request.user, "decide")
        .filter(status=BookingStatus.PENDING)
        .count()
        if manages_any(request.user)
        else 0
    )
    ctx = {
        "nav": "sharing",
        "page": page,
        "f": f,
        "tab": f.view,
        "tabs": BOOKING_TABS,
        "status": f.status or "",
        "statuses": BookingStatus.values,
        "q": f.q or "",
        "month": f.month or "",
        "pending": pending,
    }
    template = "sharing/booking_table.html" if request.htmx else "sharing/booking_list.html"
    return render(request, template, ctx)


def _visible_booking(request: HttpRequest, pk: int) -> Booking:
    bookings = Booking.objects.select_related("resource", "resource__owner", "org", "activity")
    return get_visible_or_404(bookings, request.user, pk=pk)


@login_required
def booking_detail(request: HttpRequest, pk: int) -> HttpResponse:
    expire_due()
    booking = _visible_booking(request, pk)
    now = timezone.now()
    return render(
        request,
        "sharing/booking_detail.html",
        {
            "nav": "sharing",
            "booking": booking,
            "can_decide": may(request.user, "decide", booking)
            and booking.status == BookingStatus.PENDING,
            "can_cancel": may(request.user, "cancel", booking)
            and booking.is_blocking
            and booking.start > now,
            "started": booking.start <= now,
            "history": AuditLog.objects.filter(
                target_type="sharing.booking", target_id=str(booking.pk)
            ).order_by("at", "id"),
        },
    )


def _refused(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
@require_POST
def booking_approve(request: HttpRequest, pk: int) -> HttpResponse:
    booking = _visible_booking(request, pk)
    require(request.user, "decide", booking)
    try:
        services.booking_approve(actor=request.user, booking=booking)
    except ValidationError as exc:
        _refused(request, exc)
    else:
        messages.success(request, "已批准，已通知申请人")
    return redirect("sharing:booking_detail", pk=booking.pk)


@login_required
def booking_decline(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the refusal form (a reason is required); POST: decline."""
    booking = _visible_booking(request, pk)
    require(request.user, "decide", booking)
    form = ReasonForm(request.POST or None, required=True, label="拒绝原因")
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_decline(
                actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "已拒绝，已通知申请人")
        return redirect("sharing:booking_detail", pk=booking.pk)
    return render(
        request,
        "sharing/confirm.html",
        {
            "nav": "sharing",
            "title": "拒绝预约申请",
            "booking": booking,
            "form": form,
            "button": "确认拒绝",
            "danger": True,
            "text": f"{booking.org.name}申请使用“{booking.resource.name}”。拒绝后该时段重新开放，申请人会收到拒绝原因。",
            "back": reverse("sharing:booking_detail", args=[booking.pk]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: asks for confirmation (and an optional reason); POST: cancel."""
    booking = _visible_booking(request, pk)
    require(request.user, "cancel", booking)
    form = ReasonForm(request.POST or None, label="取消原因（选填）")
    if request.method == "POST" and form.is_valid():
        try:
            services.booking_cancel(
                actor=request.user, booking=booking, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _refused(request, exc)
        else:
            messages.success(request, "预约已取消，该时段已释放")
        return redirect("sharing:booking_detail", pk=booking.pk)
    return render(
        request,
        "sharing/confirm.html",
        {
            "nav": "sharing",
            "title": "取消预约",
            "booking": booking,
            "form": form,
            "button": "确认取消预约",
            "danger": True,
            "text": f"取消后“{booking.resource.name}”的该时段将释放给其他单位预约，资源所属组织会收到通知。",
            "back": reverse("sharing:booking_detail", args=[booking.pk]),
        },
        status=400 if form.errors else 200,
    )
