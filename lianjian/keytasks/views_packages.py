"""Screens of the monthly 重点任务包: the packages (a manager's drafts and published ones, a
member's published ones of their organisation), 新建任务包, one package with its items as
cards (认领 and 撤回 for a member, who claimed what for the manager), 添加事项 and 发布.

A package is found through ``TaskPackage.objects.visible_to(user)`` (else 404: another
organisation's package, or a draft for a member); an action is checked with
:func:`lianjian.core.scope.may` (else 403) and done by one service of
:mod:`lianjian.keytasks.services`; a refusal shows the page again with the reason and status
400, nothing written.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, manages_any, may
from lianjian.keytasks import rules, selectors, services
from lianjian.keytasks.forms import PackageForm, PackageItemForm
from lianjian.keytasks.models import PackageClaim, TaskPackage
from lianjian.keytasks.schemas import PackageFilter
from lianjian.keytasks.views_lists import NAV
from lianjian.orgs.forms import add_service_errors


def visible_package(request: HttpRequest, pk: int) -> TaskPackage:
    return get_object_or_404(
        TaskPackage.objects.visible_to(request.user).select_related("organisation"), pk=pk
    )


@login_required
def package_list(request: HttpRequest) -> HttpResponse:
    """The packages the user sees, newest month first; htmx gets the table."""
    f = PackageFilter.from_query(request.GET)
    page = paginate(request, selectors.package_list(request.user, f))
    ctx = {
        "nav": NAV,
        "page": page,
        "f": f,
        "this_month": f"{timezone.localdate():%Y-%m}",
        "can_create": manages_any(request.user),
    }
    if getattr(request, "htmx", False):
        return render(request, "keytasks/package_table.html", ctx)
    return render(request, "keytasks/package_list.html", ctx)


@login_required
def package_create(request: HttpRequest) -> HttpResponse:
    """新建任务包 for an organisation the user manages (a draft until 发布)."""
    if not manages_any(request.user):
        raise PermissionDenied
    initial = {"month": f"{timezone.localdate():%Y-%m}"}
    own = getattr(request.user, "org", None)
    if own is not None:
        initial["organisation"] = own.code
    form = PackageForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            package = services.package_create(request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已建立任务包“{package.name}”，请添加事项后发布")
            return redirect("keytasks:package_detail", pk=package.pk)
    return render(
        request,
        "keytasks/package_form.html",
        {"nav": NAV, "form": form},
        status=400 if form.errors else 200,
    )


def _detail(
    request: HttpRequest, package: TaskPackage, form: PackageItemForm | None = None
) -> HttpResponse:
    manager = may(request.user, CHANGE, package)
    ended = rules.month_ended(package.month, timezone.localdate())
    open_ = not package.closed and not ended
    if manager and form is None and open_:
        form = PackageItemForm(user=request.user)
    return render(
        request,
        "keytasks/package_detail.html",
        {
            "nav": NAV,
            "package": package,
            "rows": selectors.package_items(package, getattr(request.user, "member_id", None)),
            "manager": manager,
            "open": open_,
            "ended": ended,
            "can_claim": open_
            and package.published
            and getattr(request.user, "member_id", None) is not None,
            "form": form if manager and open_ else None,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
def package_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One package: its items as cards; the manager adds items, publishes and sees who
    claimed what; a member claims an item or withdraws their own claim."""
    return _detail(request, visible_package(request, pk))


def _refused(request: HttpRequest, package: TaskPackage, exc: ValidationError) -> HttpResponse:
    for text in exc.messages:
        messages.error(request, text)
    response = _detail(request, package)
    response.status_code = 400
    return response


@login_required
@require_POST
def package_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    """添加事项 (the package's managers)."""
    package = visible_package(request, pk)
    if not may(request.user, CHANGE, package):
        raise PermissionDenied
    form = PackageItemForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            item = services.package_item_add(request.user, package, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已添加事项“{item.title}”")
            return redirect("keytasks:package_detail", pk=package.pk)
    return _detail(request, package, form)


@login_required
@require_POST
def package_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """发布: the organisation's members see the package and may claim its items."""
    package = visible_package(request, pk)
    if not may(request.user, CHANGE, package):
        raise PermissionDenied
    try:
        services.package_publish(request.user, package)
    except ValidationError as exc:
        return _refused(request, package, exc)
    messages.success(request, "任务包已发布，本组织党员可以认领事项")
    return redirect("keytasks:package_detail", pk=package.pk)


@login_required
@require_POST
def package_item_claim(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    """认领 an item (a member of the package's organisation, once per item)."""
    package = visible_package(request, pk)
    found = get_object_or_404(package.items.filter(withdrawn=False), pk=item)
    try:
        services.package_item_claim(request.user, found)
    except ValidationError as exc:
        return _refused(request, package, exc)
    messages.success(request, f"已认领“{found.title}”")
    return redirect("keytasks:package_detail", pk=package.pk)


@login_required
@require_POST
def package_claim_withdraw(request: HttpRequest, pk: int, claim: int) -> HttpResponse:
    """撤回 the user's own claim before the month ends."""
    package = visible_package(request, pk)
    found = get_object_or_404(
        PackageClaim.objects.filter(item__package=package, withdrawn=False), pk=claim
    )
    if not may(request.user, "withdraw", found):
        raise PermissionDenied
    try:
        services.package_claim_withdraw(request.user, found)
    except ValidationError as exc:
        return _refused(request, package, exc)
    messages.success(request, "已撤回认领")
    return redirect("keytasks:package_detail", pk=package.pk)
