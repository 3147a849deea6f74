"""Screens of joint meetings (联席会议): list, detail, plan (create), edit, mark held.

Found through ``JointMeeting.objects.visible_to`` (else 404); changed by the alliance's or
the convener's managers (``core.scope.may``, else 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.alliances.models import Alliance
from lianjian.consultations import selectors, services
from lianjian.consultations.forms import MeetingForm, default_start, liaisons_text
from lianjian.consultations.models import JointMeeting, MeetingStatus, Problem
from lianjian.consultations.schemas import MeetingFilter
from lianjian.core.models import AuditLog
from lianjian.core.pages import form_page, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, may, require


def _visible(request: HttpRequest, code: str) -> JointMeeting:
    meetings = JointMeeting.objects.select_related("alliance", "alliance__lead", "convener")
    return get_visible_or_404(meetings, request.user, code=code)


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Visible meetings, latest first, with search, filters and pagination."""
    f = MeetingFilter.from_query(request.GET)
    page = paginate(request, selectors.meeting_list(request.user, f))
    today = timezone.localdate()
    ctx = {
        "nav": "consultations",
        "page": page,
        "f": f,
        "q": f.q or "",
        "alliance": f.alliance or "",
        "status": f.status or "",
        "year": str(f.year or ""),
        "statuses": MeetingStatus.values,
        "years": [str(y) for y in range(today.year + 1, today.year - 5, -1)],
        "alliances": Alliance.objects.visible_to(request.user)
        .order_by("code")
        .only("code", "name"),
        "can_create": manages_any(request.user),
    }
    template = (
        "consultations/meeting_table.html" if request.htmx else "consultations/meeting_list.html"
    )
    return render(request, template, ctx)


@login_required
def meeting_detail(request: HttpRequest, code: str) -> HttpResponse:
    meeting = _visible(request, code)
    visible_problems = Problem.objects.visible_to(request.user).values("pk")
    agenda = list(meeting.agenda.select_related("problem").order_by("position"))
    shown = set(
        Problem.objects.filter(
            pk__in=[a.problem_id for a in agenda if a.problem_id], id__in=visible_problems
        ).values_list("pk", flat=True)
    )
    return render(
        request,
        "consultations/meeting_detail.html",
        {
            "nav": "consultations",
            "meeting": meeting,
            "agenda": agenda,
            "shown": shown,
            "attendees": list(meeting.attendees.select_related("org").order_by("position")),
            "can_manage": may(request.user, CHANGE, meeting),
            "can_mark_held": meeting.status == MeetingStatus.PREPARING
            and meeting.start <= timezone.now(),
            "history": AuditLog.objects.filter(
                target_type="consultations.jointmeeting", target_id=meeting.code
            )[:20],
        },
    )


@login_required
def meeting_create(request: HttpRequest) -> HttpResponse:
    """Plan a meeting; ``?alliance=CODE`` pre-fills the alliance's liaisons as attendees."""
    if not manages_any(request.user):
        raise PermissionDenied
    initial: dict = {"start": default_start().strftime("%Y-%m-%dT%H:%M")}
    code = request.GET.get("alliance", "").strip()
    if code:
        alliance = Alliance.objects.visible_to(request.user).filter(code=code).first()
        if alliance is not None:
            year = timezone.localdate().year
            n = JointMeeting.objects.filter(alliance=alliance, start__year=year).count() + 1
            initial.update(
                alliance=alliance.code,
                attendees=liaisons_text(alliance),
                title=f"{alliance.name}{year}年第{n}次联席会议",
            )
    form = MeetingForm(request.POST or None, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        "consultations/meeting_form.html",
        {"nav": "consultations", "meeting": None},
        save=lambda: services.meeting_create(
            actor=request.user, alliance=form.cleaned_data["alliance"], **form.service_fields()
        ),
        done=lambda meeting: saved(
            request,
            f"已登记联席会议“{meeting.title}”（{meeting.code}）",
            "consultations:meeting_detail",
            code=meeting.code,
        ),
    )


@login_required
def meeting_edit(request: HttpRequest, code: str) -> HttpResponse:
    meeting = _visible(request, code)
    require(request.user, CHANGE, meeting)
    form = MeetingForm(request.POST or None, user=request.user, instance=meeting)
    return form_page(
        request,
        form,
        "consultations/meeting_form.html",
        {"nav": "consultations", "meeting": meeting},
        save=lambda: services.meeting_update(
            actor=request.user, meeting=meeting, **form.service_fields()
        ),
        done=lambda _: saved(request, "已保存", "consultations:meeting_detail", code=meeting.code),
    )


@login_required
@require_POST
def meeting_held(request: HttpRequest, code: str) -> HttpResponse:
    meeting = _visible(request, code)
    require(request.user, CHANGE, meeting)
    try:
        services.meeting_mark_held(actor=request.user, meeting=meeting)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, "会议已标记为已召开")
    return redirect("consultations:meeting_detail", code=meeting.code)
