"""Screens of 民主评议党员: the list (search, year, organisation, state), 新建, and one
appraisal page that shows each person what is theirs to see —

* every member of the branch: who has written a self-assessment and finished rating;
* a participant, phone first: their self-assessment, one card per 正式党员 to rate with
  four buttons while rating is open, their own result and feedback once published;
* the branch's managers: the tally (counts per grade per member, never voters), the
  decision form per 正式党员 with the quota of 优秀, the decision meeting and the steps.

Views find the appraisal through ``visible_to`` (404 outside the scope), call one service
and show its refusal in Chinese with status 400 (nothing written); a step the user may not
take answers 403.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.appraisals import rules, selectors, services
from lianjian.appraisals.forms import (
    AppraisalForm,
    DecisionForm,
    MeetingForm,
    ReasonForm,
    SelfAssessmentForm,
    VoteForm,
)
from lianjian.appraisals.models import (
    FEEDBACK_STATES,
    GRADING_STATES,
    VOIDABLE_STATES,
    Appraisal,
    AppraisalState,
    Participant,
)
from lianjian.appraisals.schemas import AppraisalFilter
from lianjian.core.pages import form_page, post_action, require_manager, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import CHANGE, get_visible_or_404, manages_any, may

NAV = "appraisals"


@login_required
def appraisal_list(request: HttpRequest) -> HttpResponse:
    """The appraisals the user sees, newest year first; htmx gets the table."""
    f = AppraisalFilter.from_query(request.GET)
    page = paginate(request, selectors.appraisal_list(request.user, f))
    this_year = timezone.localdate().year
    ctx = {
        "nav": NAV,
        "page": page,
        "f": f,
        "states": AppraisalState.values,
        "years": range(this_year + 1, this_year - 6, -1),
        "can_create": manages_any(request.user),
    }
    if getattr(request, "htmx", False):
        return render(request, "appraisals/appraisal_table.html", ctx)
    return render(request, "appraisals/appraisal_list.html", ctx)


@login_required
def appraisal_create(request: HttpRequest) -> HttpResponse:
    """新建民主评议 of a branch the user manages (准备, with its participants)."""
    require_manager(request)
    today = timezone.localdate()
    initial: dict[str, Any] = {"year": today.year, "held_on": today}
    form = AppraisalForm(request.POST or None, user=request.user, initial=initial)

    def save() -> Appraisal:
        return services.appraisal_create(actor=request.user, **form.cleaned_data)

    return form_page(
        request,
        form,
        "appraisals/appraisal_form.html",
        {"nav": NAV},
        save=save,
        done=lambda a: saved(
            request,
            "已建立民主评议，核对参评名单后开始测评",
            "appraisals:appraisal_detail",
            code=a.code,
        ),
    )


def _candidates(appraisal: Appraisal) -> list[tuple[str, str]]:
    return [
        (m.code, f"{m.code} · {timezone.localtime(m.start):%Y-%m-%d %H:%M} · {m.topic}")
        for m in services.meeting_candidates(appraisal)
    ]


def _visible(request: HttpRequest, code: str) -> Appraisal:
    return get_visible_or_404(
        Appraisal.objects.select_related("branch", "meeting"), request.user, code=code
    )


def _page(
    request: HttpRequest, appraisal: Appraisal, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request.user
    progress = selectors.progress(user, appraisal)
    mine = selectors.my_part(user, appraisal)
    manage = may(user, CHANGE, appraisal)
    ctx: dict[str, Any] = {
        "nav": NAV,
        "a": appraisal,
        "p": progress,
        "mine": mine,
        "manage": manage,
        "grades": rules.GRADES,
        "open": appraisal.is_open,
        "grading": appraisal.state in GRADING_STATES,
        "feedback_open": appraisal.state in FEEDBACK_STATES,
        "voidable": appraisal.state in VOIDABLE_STATES,
        "self_form": forms.get("self_form")
        or SelfAssessmentForm(initial={"text": mine.self_text if mine else ""}),
        "meeting_form": forms.get("meeting_form")
        or MeetingForm(candidates=_candidates(appraisal) if manage else []),
        "void_form": forms.get("void_form") or ReasonForm(),
        "member_id": getattr(user, "member_id", None),
    }
    return render(request, "appraisals/appraisal_detail.html", ctx, status=status)


@login_required
def appraisal_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _page(request, _visible(request, code))


def _refused(
    request: HttpRequest, appraisal: Appraisal, exc: ValidationError, **forms: Any
) -> HttpResponse:
    for text in exc.messages:
        messages.error(request, text)
    return _page(request, _visible(request, appraisal.code), status=400, **forms)


def _run(
    request: HttpRequest, appraisal: Appraisal, write: Callable[[], Any], done: str, **forms: Any
) -> HttpResponse:
    try:
        write()
    except ValidationError as exc:
        return _refused(request, appraisal, exc, **forms)
    return saved(request, done, "appraisals:appraisal_detail", code=appraisal.code)


def _step(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """开始测评 / 结束测评 / 发布结果 / 作废 of the branch's managers."""
    appraisal = _visible(request, code)
    user = request.user
    if action == "void":
        form = ReasonForm(request.POST)
        if not form.is_valid():
            return _refused(request, appraisal, ValidationError("请填写作废原因"), void_form=form)
        reason = form.cleaned_data["reason"]
        return _run(
            request,
            appraisal,
            lambda: services.appraisal_void(actor=user, appraisal=appraisal, reason=reason),
            "已作废",
            void_form=form,
        )
    steps: dict[str, tuple[Callable[..., Appraisal], str]] = {
        "start": (services.appraisal_start, "测评已开始，党员可以填写自评并互评"),
        "close": (services.appraisal_close_rating, "测评已结束，请支委会评定等次"),
        "publish": (services.appraisal_publish, "评议结果已发布，党员可以查看本人结果和反馈意见"),
    }
    service, done = steps[action]
    return _run(request, appraisal, lambda: service(actor=user, appraisal=appraisal), done)


appraisal_start = post_action(_step, "start")
appraisal_close = post_action(_step, "close")
appraisal_publish = post_action(_step, "publish")
appraisal_void = post_action(_step, "void")


@login_required
@require_POST
def self_assessment(request: HttpRequest, code: str) -> HttpResponse:
    """Write or rewrite my 个人自评 while rating is open."""
    appraisal = _visible(request, code)
    form = SelfAssessmentForm(request.POST)
    if not form.is_valid():
        return _refused(
            request, appraisal, ValidationError("请填写个人自评（不超过 2000 字）"), self_form=form
        )
    text = form.cleaned_data["text"]
    return _run(
        request,
        appraisal,
        lambda: services.self_assess(actor=request.user, appraisal=appraisal, text=text),
        "个人自评已保存",
        self_form=form,
    )


def _participant(appraisal: Appraisal, pk: int) -> Participant:
    found = Participant.objects.filter(appraisal=appraisal, pk=pk).first()
    if found is None:
        raise ValidationError("该党员不在本次评议中")
    return found


@login_required
@require_POST
def vote(request: HttpRequest, code: str) -> HttpResponse:
    """Rate one 正式党员 (one of four buttons on their card)."""
    appraisal = _visible(request, code)
    form = VoteForm(request.POST)
    if not form.is_valid():
        return _refused(request, appraisal, ValidationError("请选择等次"))

    def write() -> Any:
        votee = _participant(appraisal, form.cleaned_data["votee"])
        return services.vote_cast(
            actor=request.user, appraisal=appraisal, votee=votee, grade=form.cleaned_data["grade"]
        )

    return _run(request, appraisal, write, "已评价")


@login_required
@require_POST
def decide(request: HttpRequest, code: str) -> HttpResponse:
    """The committee's grade and feedback for one 正式党员 (quota of 优秀 enforced)."""
    appraisal = _visible(request, code)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _refused(request, appraisal, ValidationError("请选择评定等次"))

    def write() -> Any:
        participant = _participant(appraisal, form.cleaned_data["participant"])
        return services.decide(
            actor=request.user,
            appraisal=appraisal,
            participant=participant,
            grade=form.cleaned_data["grade"],
            feedback=form.cleaned_data["feedback"],
        )

    return _run(request, appraisal, write, "已保存评定结果")


@login_required
@require_POST
def meeting(request: HttpRequest, code: str) -> HttpResponse:
    """Record the decision meeting (an activity 民主评议党员 of the branch): → 已决定."""
    appraisal = _visible(request, code)
    candidates = _candidates(appraisal)
    form = MeetingForm(request.POST, candidates=candidates)
    if not form.is_valid():
        return _refused(
            request, appraisal, ValidationError("请选择会议或填写会议时间"), meeting_form=form
        )
    data = dict(form.cleaned_data)
    chosen = data.pop("activity", "")
    activity = (
        services.meeting_candidates(appraisal).filter(code=chosen).first() if chosen else None
    )
    return _run(
        request,
        appraisal,
        lambda: services.record_meeting(
            actor=request.user, appraisal=appraisal, activity=activity, **data
        ),
        "评议会议已记录，可以发布结果",
        meeting_form=form,
    )
