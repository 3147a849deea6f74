"""Screens for organisations and members.

Every view follows one shape: find the object through ``visible_to(user)`` (else 404),
check ``manageable_by(user)`` for writes (else 403), validate a form, call one service,
redirect. One template serves the full page and, for htmx requests, the table fragment.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lianjian.core.models import AuditLog
from lianjian.core.pages import form_page, require_manager, saved
from lianjian.core.paging import paginate, paginate_keyset
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, may, require
from lianjian.orgs import selectors, services
from lianjian.orgs.forms import DissolveForm, MemberForm, OrgForm, TransferForm
from lianjian.orgs.models import Member, MemberCategory, MemberTransfer, Organisation, OrgKind
from lianjian.orgs.permissions import can_change_structure
from lianjian.orgs.schemas import MemberFilter, OrgFilter
from lianjian.orgs.selectors import WARNING_LABELS, with_warnings


def _visible_org(request: HttpRequest, code: str) -> Organisation:
    return get_visible_or_404(
        Organisation.objects.select_related("parent"), request.user, code=code
    )


def _roots(request: HttpRequest):
    user = request.user
    qs = Organisation.objects.visible_to(user)
    if user.is_admin:
        return qs.filter(parent__isnull=True)
    return qs.filter(pk=user.org_id)


def _child_counts(orgs: list[Organisation]) -> dict[int, int]:
    rows = (
        Organisation.objects.filter(parent_id__in=[o.pk for o in orgs])
        .values("parent_id")
        .annotate(n=Count("id"))
    )
    return {r["parent_id"]: r["n"] for r in rows}


def _tree_rows(orgs: list[Organisation]) -> list[dict]:
    stats = with_warnings(orgs)
    children = _child_counts(orgs)
    return [{"org": o, "stats": stats[o.pk], "children": children.get(o.pk, 0)} for o in orgs]


@login_required
def org_tree(request: HttpRequest) -> HttpResponse:
    """The organisation tree, or a filtered table when any search or filter is given."""
    f = OrgFilter.from_query(request.GET)
    ctx: dict = {
        "nav": "orgs",
        "f": f,
        "kinds": OrgKind.values,
        "warning_labels": WARNING_LABELS,
        "can_create": manages_any(request.user),
    }
    if not f.model_dump(exclude_defaults=True):
        ctx["rows"] = _tree_rows(list(_roots(request)))
        return render(request, "orgs/org_tree.html", ctx)
    page = paginate(request, selectors.org_list(request.user, f))
    ctx["page"] = page
    ctx["rows"] = _tree_rows(list(page.object_list))
    template = "orgs/org_table.html" if request.htmx else "orgs/org_tree.html"
    return render(request, template, ctx)


@login_required
def org_children(request: HttpRequest, code: str) -> HttpResponse:
    """htmx fragment: the children of one visible organisation (lazy tree expansion)."""
    org = _visible_org(request, code)
    kids = list(
        Organisation.objects.visible_to(request.user)
        .filter(parent=org, dissolved__isnull=True)
        .order_by("is_partner", "kind", "code")
    )
    return render(request, "orgs/org_tree_nodes.html", {"rows": _tree_rows(kids)})


@login_required
def org_detail(request: HttpRequest, code: str) -> HttpResponse:
    org = _visible_org(request, code)
    stats = with_warnings([org])[org.pk]
    children = list(
        Organisation.objects.visible_to(request.user)
        .filter(parent=org)
        .order_by("dissolved", "is_partner", "code")[:200]
    )
    child_rows = _tree_rows(children)
    members = (
        Member.objects.visible_to(request.user)
        .filter(org=org)
        .current()
        .order_by("-category", "number")
    )
    n_members = stats.members
    ancestors = list(
        Organisation.objects.visible_to(request.user)
        .filter(code__in=org.ancestor_codes())
        .order_by("depth")
    )
    history = AuditLog.objects.filter(target_type="orgs.organisation", target_id=org.code)[:30]
    transfers = MemberTransfer.objects.filter(Q(from_org=org) | Q(to_org=org)).select_related(
        "member", "from_org", "to_org"
    )[:20]
    return render(
        request,
        "orgs/org_detail.html",
        {
            "nav": "orgs",
            "org": org,
            "stats": stats,
            "child_rows": child_rows,
            "members": members[:20],
            "n_members": n_members,
            "ancestors": ancestors,
            "history": history,
            "transfers": transfers,
            "can_manage": may(request.user, CHANGE, org),
            "can_dissolve": may(request.user, "restructure", org),
        },
    )


@login_required
def org_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    initial = {}
    parent_code = request.GET.get("parent", "")
    if parent_code:
        initial["parent"] = parent_code
    form = OrgForm(request.POST or None, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        "orgs/org_form.html",
        {"nav": "orgs", "org": None},
        save=lambda: services.org_create(actor=request.user, **form.service_fields()),
        done=lambda org: saved(
            request, f"已创建党组织“{org.name}”", "orgs:org_detail", code=org.code
        ),
    )


@login_required
def org_edit(request: HttpRequest, code: str) -> HttpResponse:
    org = _visible_org(request, code)
    require(request.user, CHANGE, org)
    form = OrgForm(request.POST or None, user=request.user, instance=org)
    return form_page(
        request,
        form,
        "orgs/org_form.html",
        {"nav": "orgs", "org": org},
        save=lambda: services.org_update(actor=request.user, org=org, **form.service_fields()),
        done=lambda _: saved(request, "已保存", "orgs:org_detail", code=org.code),
    )


@login_required
def org_dissolve(request: HttpRequest, code: str) -> HttpResponse:
    org = _visible_org(request, code)
    require(request.user, CHANGE, org)
    if not can_change_structure(request.user, org):
        raise PermissionDenied
    form = DissolveForm(request.POST or None, initial={"date": timezone.localdate()})
    return form_page(
        request,
        form,
        "orgs/org_dissolve.html",
        {"nav": "orgs", "org": org},
        save=lambda: services.org_dissolve(actor=request.user, org=org, **form.cleaned_data),
        done=lambda _: saved(
            request, f"“{org.name}”已撤销，历史记录均已保留", "orgs:org_detail", code=org.code
        ),
    )


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    f = MemberFilter.from_query(request.GET)
    page = paginate_keyset(
        request, selectors.member_list(request.user, f), key=selectors.MEMBER_LIST_KEY
    )
    code = f.under or f.org
    scope_org = (
        Organisation.objects.visible_to(request.user).filter(code=code).first() if code else None
    )
    ctx = {
        "nav": "members",
        "page": page,
        "rows": page.object_list,
        "f": f,
        "scope_org": scope_org,
        "categories": MemberCategory.values,
        "can_create": manages_any(request.user),
    }
    template = "orgs/member_table.html" if request.htmx else "orgs/member_list.html"
    return render(request, template, ctx)


def _visible_member(request: HttpRequest, pk: int) -> Member:
    return get_visible_or_404(Member.objects.select_related("org"), request.user, pk=pk)


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = _visible_member(request, pk)
    return render(
        request,
        "orgs/member_detail.html",
        {
            "nav": "members",
            "member": member,
            "transfers": member.transfers.select_related("from_org", "to_org"),
            "history": AuditLog.objects.filter(target_type="orgs.member", target_id=member.number)[
                :30
            ],
            "can_manage": Member.objects.manageable_by(request.user).filter(pk=member.pk).exists(),
        },
    )


@login_required
def member_create(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    initial = {"org": request.GET.get("org", "")}
    form = MemberForm(request.POST or None, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        "orgs/member_form.html",
        {"nav": "members", "member": None},
        save=lambda: services.member_create(actor=request.user, **form.service_fields()),
        done=lambda member: saved(
            request, f"已添加党员“{member.name}”", "orgs:member_detail", pk=member.pk
        ),
    )


@login_required
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _visible_member(request, pk)
    require(request.user, CHANGE, member)
    form = MemberForm(request.POST or None, user=request.user, instance=member)
    return form_page(
        request,
        form,
        "orgs/member_form.html",
        {"nav": "members", "member": member},
        save=lambda: services.member_update(
            actor=request.user, member=member, **form.service_fields()
        ),
        done=lambda _: saved(request, "已保存", "orgs:member_detail", pk=member.pk),
    )


@login_required
def member_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    member = _visible_member(request, pk)
    require(request.user, CHANGE, member)
    form = TransferForm(
        request.POST or None, user=request.user, initial={"date": timezone.localdate()}
    )
    return form_page(
        request,
        form,
        "orgs/member_transfer.html",
        {"nav": "members", "member": member},
        save=lambda: services.member_transfer(
            actor=request.user, member=member, **form.cleaned_data
        ),
        done=lambda _: saved(
            request,
            f"已将“{member.name}”的组织关系转入{form.cleaned_data['to_org'].name}",
            "orgs:member_detail",
            pk=member.pk,
        ),
    )
