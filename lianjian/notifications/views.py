"""The inbox: every user's 待办 and messages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lianjian.core.paging import paginate_keyset
from lianjian.notifications import selectors
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import sweep
from lianjian.notifications.selectors import InboxFilter


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    sweep()
    f = InboxFilter.from_query(request.GET)
    page = paginate_keyset(request, selectors.inbox(request.user, f), key=selectors.INBOX_KEY)
    return render(
        request,
        "notifications/inbox.html",
        {"nav": "inbox", "page": page, "f": f, "show": f.show, "kind": f.kind or ""},
    )


@login_required
@require_POST
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark read, done (待办办结) or open again; only the owner's notifications exist for them."""
    n = get_object_or_404(Notification, pk=pk, user=request.user)
    action = request.POST.get("action", "read")
    now = timezone.now()
    if action in ("done", "reopen") and n.closed_by_work:
        # A step of a flow leaves the inbox when it is taken (approve, return, answer …).
        messages.error(request, "此待办在办理（审核、审批或答复）后自动办结，不能手工办结")
    else:
        if action == "done":
            n.done_at, n.read_at = now, n.read_at or now
        elif action == "reopen":
            n.done_at = None
        else:
            n.read_at = n.read_at or now
        n.save(update_fields=["read_at", "done_at"])
    # Only a path of this site: anything else (a bare word would be taken for a view name
    # by redirect()) goes back to the inbox.
    target = request.POST.get("next", "")
    safe = target.startswith("/") and url_has_allowed_host_and_scheme(target, {request.get_host()})
    return redirect(target if safe else "notifications:inbox")


@login_required
def open_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link and mark it read."""
    n = get_object_or_404(Notification, pk=pk, user=request.user)
    if n.read_at is None:
        n.read_at = timezone.now()
        n.save(update_fields=["read_at"])
    target = n.link if n.link.startswith("/") and not n.link.startswith("//") else "/"
    return redirect(target)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("notifications:inbox")
