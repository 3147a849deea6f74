"""Screens of the needs (需求清单) and projects (项目清单) with their suggested matches,
the match records, and the utilisation page.

Needs and projects share one shape: a list with search/filters/pagination, a detail page
with suggestions (:func:`selectors.suggestions`) and the matches recorded so far, and a
form. Scope as everywhere: ``visible_to`` → 404, ``core.scope.may`` → 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.core.dbrouters import reads_from_replica
from lianjian.core.models import AuditLog
from lianjian.core.pages import bound_view, int_param
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, may, require
from lianjian.orgs.forms import add_service_errors
from lianjian.orgs.models import Organisation
from lianjian.sharing import selectors, services
from lianjian.sharing.forms import MatchForm, MatchStatusForm, NeedForm, ProjectForm
from lianjian.sharing.models import Match, Need, NeedStatus, Project, ProjectStatus, Resource
from lianjian.sharing.schemas import NeedFilter, ProjectFilter


class Kind:
    """What differs between the need and the project screens."""

    def __init__(
        self,
        name: str,
        model: Any,
        form: Any,
        statuses: list[str],
        label: str,
        create: Any,
        update: Any,
        filter: Any,
        selector: Any,
    ) -> None:
        self.name, self.model, self.form, self.statuses, self.label = (
            name,
            model,
            form,
            statuses,
            label,
        )
        self.create, self.update, self.filter, self.selector = create, update, filter, selector


NEEDS = Kind(
    "need",
    Need,
    NeedForm,
    NeedStatus.values,
    "需求",
    services.need_create,
    services.need_update,
    NeedFilter,
    selectors.need_list,
)
PROJECTS = Kind(
    "project",
    Project,
    ProjectForm,
    ProjectStatus.values,
    "项目",
    services.project_create,
    services.project_update,
    ProjectFilter,
    selectors.project_list,
)


def _list(request: HttpRequest, kind: Kind) -> HttpResponse:
    f = kind.filter.from_query(request.GET)
    page = paginate(request, kind.selector(request.user, f))
    scope_org = (
        Organisation.objects.visible_to(request.user).filter(code=f.org).first() if f.org else None
    )
    ctx: dict[str, Any] = {
        "nav": "sharing",
        "page": page,
        "f": f,
        "q": f.q or "",
        "status": f.status or "",
        "org_code": f.org or "",
        "tag": f.tag or "",
        "scope_org": scope_org,
        "kind": kind,
        "statuses": kind.statuses,
        "can_create": manages_any(request.user),
    }
    template = "sharing/item_table.html" if request.htmx else "sharing/item_list.html"
    return render(request, template, ctx)


def _visible(request: HttpRequest, kind: Kind, code: str) -> Any:
    return get_visible_or_404(kind.model.objects.select_related("org"), request.user, code=code)


def _detail(request: HttpRequest, kind: Kind, code: str) -> HttpResponse:
    item = _visible(request, kind, code)
    manage = may(request.user, CHANGE, item)
    resources, orgs = selectors.suggestions(item, user=request.user)
    matches = item.matches.select_related("resource", "resource__owner", "org").order_by(
        "-created_at", "-id"
    )
    return render(
        request,
        "sharing/item_detail.html",
        {
            "nav": "sharing",
            "kind": kind,
            "item": item,
            "can_manage": manage,
            "matches": matches,
            "suggested_resources": resources,
            "suggested_orgs": orgs,
            "match_statuses": MatchStatusForm.base_fields["status"].choices,
            "history": AuditLog.objects.filter(
                target_type=f"sharing.{kind.name}", target_id=item.code
            )[:20],
        },
    )


def _form(request: HttpRequest, kind: Kind, code: str | None) -> HttpResponse:
    item = None
    if code is not None:
        item = _visible(request, kind, code)
        require(request.user, CHANGE, item)
    elif not manages_any(request.user):
        raise PermissionDenied
    initial = None if item else {"org": request.user.org.code if request.user.org_id else ""}
    form = kind.form(
        request.POST or None,
        user=request.user,
        instance=item,
        **({"initial": initial} if initial else {}),
    )
    if request.method == "POST" and form.is_valid():
        try:
            if item is None:
                item = kind.create(actor=request.user, **form.cleaned_data)
                messages.success(request, f"已发布{kind.label}“{item.title}”（{item.code}）")
            else:
                kind.update(actor=request.user, **{kind.name: item}, **form.cleaned_data)
                messages.success(request, "已保存")
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(f"sharing:{kind.name}_detail", code=item.code)
    return render(
        request,
        "sharing/item_form.html",
        {"nav": "sharing", "kind": kind, "form": form, "item": item},
        status=400 if form.errors else 200,
    )


def _match(request: HttpRequest, kind: Kind, code: str) -> HttpResponse:
    """Record a match with a resource or organisation named ``resource:CODE`` / ``org:CODE``:
    a resource must be visible to the user and shared with the source's organisation; an
    organisation must be one of :func:`selectors.candidate_orgs`."""
    item = _visible(request, kind, code)
    require(request.user, CHANGE, item)
    form = MatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, "对接对象无效")
        return redirect(f"sharing:{kind.name}_detail", code=item.code)
    what, target_code = form.cleaned_data["target"].split(":", 1)
    target: dict[str, Any] = {}
    if what == "resource":
        resource = (
            Resource.objects.visible_to(request.user)
            .filter(pk__in=Resource.objects.shared_with(item.org).values("pk"))
            .select_related("owner")
            .filter(code=target_code)
            .first()
        )
        target["resource"] = resource
    else:
        target["org"] = selectors.candidate_orgs(item.org).filter(code=target_code).first()
    if next(iter(target.values())) is None:
        messages.error(request, "对接对象不存在或不可对接")
        return redirect(f"sharing:{kind.name}_detail", code=item.code)
    try:
        row = services.match_create(
            actor=request.user, **{kind.name: item}, note=form.cleaned_data["note"], **target
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"已记录对接：{row.target_name}")
    return redirect(f"sharing:{kind.name}_detail", code=item.code)


need_list = bound_view(_list, NEEDS)
need_detail = bound_view(_detail, NEEDS)
need_create = bound_view(_form, NEEDS, code=None)
need_edit = bound_view(_form, NEEDS)
need_match = bound_view(_match, NEEDS, post=True)


project_list = bound_view(_list, PROJECTS)
project_detail = bound_view(_detail, PROJECTS)
project_create = bound_view(_form, PROJECTS, code=None)
project_edit = bound_view(_form, PROJECTS)
project_match = bound_view(_match, PROJECTS, post=True)


@login_required
@require_POST
def match_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a match 对接中 / 已达成 / 已放弃 (the source's managers)."""
    needs = Need.objects.visible_to(request.user).values("pk")
    projects = Project.objects.visible_to(request.user).values("pk")
    row = get_object_or_404(
        Match.objects.filter(Q(need__in=needs) | Q(project__in=projects)).select_related(
            "need__org", "project__org", "resource", "org"
        ),
        pk=pk,
    )
    source = row.need or row.project
    kind = NEEDS if row.need_id else PROJECTS
    if not may(request.user, CHANGE, source):
        raise PermissionDenied
    form = MatchStatusForm(request.POST)
    if form.is_valid():
        try:
            services.match_set_status(
                actor=request.user, match=row, status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, f"对接“{row.target_name}”已改为{form.cleaned_data['status']}")
    else:
        messages.error(request, "状态无效")
    return redirect(f"sharing:{kind.name}_detail", code=source.code)


# --- utilisation ----------------------------------------------------------------------------


@login_required
@reads_from_replica
def usage(request: HttpRequest) -> HttpResponse:
    """Utilisation of the resources owned in a subtree (``?org=``, default the user's own
    organisation) in a year: hours, used hours, share booked by other units, per resource,
    organisation, company and alliance, with ECharts charts."""
    code = request.GET.get("org", "").strip()
    visible = Organisation.objects.visible_to(request.user)
    if code:
        root = visible.filter(code=code).first()
    elif request.user.org_id:
        root = visible.filter(pk=request.user.org_id).first()
    else:
        root = visible.filter(parent__isnull=True, is_partner=False).order_by("path").first()
    if root is None:
        raise Http404
    year = int_param(request.GET.get("year", ""), 2000, 2100) or timezone.localdate().year
    data = selectors.utilisation(root=root, user=request.user, year=year)
    return render(
        request,
        "sharing/usage.html",
        {
            "nav": "sharing",
            "root": root,
            "year": year,
            "data": data,
            "charts": selectors.chart_data(data),
            "years": range(timezone.localdate().year + 1, 2019, -1),
        },
    )
