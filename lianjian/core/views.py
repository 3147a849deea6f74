"""The audit log and the error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from lianjian.core.models import AuditLog
from lianjian.core.paging import paginate


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The searchable audit log; admins only (others get 404, as if it did not exist)."""
    if not request.user.is_admin:
        raise Http404
    qs = AuditLog.objects.all()
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(target_repr__icontains=q) | Q(target_id__icontains=q) | Q(actor_name__icontains=q) | Q(note__icontains=q))
    action = request.GET.get("action", "")
    if action in AuditLog.Action.values:
        qs = qs.filter(action=action)
    target = request.GET.get("type", "")
    if target:
        qs = qs.filter(target_type=target)
    target_id = request.GET.get("id", "")
    if target_id:
        qs = qs.filter(target_id=target_id)
    page = paginate(request, qs, per_page=50)
    return render(request, "core/audit_list.html", {
        "page": page, "q": q, "action": action, "actions": AuditLog.Action.choices,
        "type": target, "types": [("orgs.organisation", "党组织"), ("orgs.member", "党员"), ("accounts.user", "用户"), ("import", "导入")],
    })


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)
