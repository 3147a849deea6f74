"""Writes of 民主评议党员. Every function is atomic and audited (before/after).

Callers find the appraisal through ``Appraisal.objects.visible_to`` (404 outside the
scope); the services check the rest: the branch's managers run the appraisal (403 for
others), a member writes only their own self-assessment and ratings, the state allows the
step (``ValidationError`` with the reason otherwise), the quota of 优秀 holds, and nobody
decides their own grade — a branch manager who takes part is refused on their own row
(the assessed never enter the values that score them).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet

from lianjian.activities import compliance
from lianjian.activities import services as activity_services
from lianjian.activities.models import COUNTED_STATUSES, Activity, ActivityType
from lianjian.appraisals import reminders, rules
from lianjian.appraisals.models import (
    FEEDBACK_STATES,
    GRADING_STATES,
    VOIDABLE_STATES,
    Appraisal,
    AppraisalState,
    Decision,
    Participant,
    SelfAssessment,
    Vote,
)
from lianjian.core.audit import audit_record, audited_create, audited_update
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog
from lianjian.core.scope import CHANGE, may, require
from lianjian.orgs.models import Member, MemberCategory, MemberTransfer, Organisation, OrgKind

NOT_MANAGER = "只有本支部的组织管理员可以办理民主评议"
NOT_PARTICIPANT = "你不在本次民主评议的参评名单中"
OWN_GRADE = "参评党员不能决定本人的评议等次，请由其他支委决定"


def roster_as_of(branch: Organisation, day: datetime.date) -> list[tuple[Member, bool]]:
    """The members of ``branch`` (and its 党小组) on ``day`` with whether each was a
    正式党员 then — from the transfer history and the 入党/转正/离开 dates, as compliance
    decides member conditions as of a date (:func:`compliance.org_on`,
    :func:`compliance.is_full_on`). Ordered by number. Three queries."""
    org_ids = {branch.pk} | set(
        Organisation.objects.filter(kind=OrgKind.GROUP, parent=branch).values_list("pk", flat=True)
    )
    later = MemberTransfer.objects.filter(date__gt=day)
    moved_out = later.filter(from_org_id__in=org_ids).values("member_id")
    candidates = (
        Member.objects.filter(Q(org_id__in=org_ids) | Q(pk__in=moved_out))
        .filter(joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .order_by("number")
    )
    members = list(candidates)
    transfers: dict[int, list[tuple[datetime.date, int, int]]] = {}
    for member_id, date, from_org, to_org in later.filter(
        member_id__in=[m.pk for m in members]
    ).values_list("member_id", "date", "from_org_id", "to_org_id"):
        transfers.setdefault(member_id, []).append((date, from_org, to_org))
    out = []
    for m in members:
        full_now = m.category == MemberCategory.FULL
        history = compliance.MemberHistory(
            m.org_id, full_now, m.joined_on, m.confirmed_on, m.left_on, transfers.get(m.pk, [])
        )
        if compliance.org_on(history, day) not in org_ids:
            continue
        full = compliance.is_full_on(
            day, full_now=full_now, joined=m.joined_on, confirmed=m.confirmed_on, left=m.left_on
        )
        out.append((m, full))
    return out


def _require_manager(actor: Any, appraisal: Appraisal) -> None:
    require(actor, CHANGE, appraisal, NOT_MANAGER)


def _locked(appraisal: Appraisal) -> Appraisal:
    return Appraisal.objects.select_for_update().select_related("branch").get(pk=appraisal.pk)


def _need_state(appraisal: Appraisal, states: Sequence[str], message: str) -> None:
    if appraisal.state not in states:
        raise ValidationError(f"{message}（当前状态：{appraisal.get_state_display()}）")


@transaction.atomic
def appraisal_create(
    *, actor: Any, branch: Organisation, year: int, held_on: datetime.date, title: str = ""
) -> Appraisal:
    """A new appraisal (准备) of ``branch`` for ``year`` with its participants: the branch's
    members as of ``held_on`` (:func:`roster_as_of`). One per branch and year (a voided one
    does not count)."""
    if not may(actor, CHANGE, branch):
        raise PermissionDenied(NOT_MANAGER)
    if branch.kind != OrgKind.BRANCH:
        raise ValidationError({"branch": "民主评议党员以党支部为单位开展，请选择党支部"})
    title = (title or "").strip() or f"{year}年度民主评议党员"
    appraisal = Appraisal(branch=branch, year=year, held_on=held_on, title=title, code="-")
    appraisal.full_clean(exclude=["code"])
    roster = roster_as_of(branch, held_on)
    if not any(full for _, full in roster):
        raise ValidationError({"held_on": "该支部在评议日期没有正式党员，无法开展民主评议"})
    appraisal.code = next_code(Appraisal, f"PY{year}-")
    try:
        with transaction.atomic():
            audited_create(actor=actor, obj=appraisal)
    except (IntegrityError, ValidationError) as exc:
        if isinstance(exc, ValidationError) and "__all__" not in getattr(exc, "error_dict", {}):
            raise
        raise ValidationError({"year": "该支部本年度已有民主评议"}) from None
    Participant.objects.bulk_create(
        [Participant(appraisal=appraisal, member=m, name=m.name, is_full=f) for m, f in roster]
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=appraisal,
        after={"participants": [f"{m.number} {'正式' if f else '预备'}" for m, f in roster]},
        note="参评名单",
    )
    return appraisal


def _transition(
    actor: Any, appraisal: Appraisal, allowed: Sequence[str], to: str, message: str, **more: Any
) -> Appraisal:
    _require_manager(actor, appraisal)
    appraisal = _locked(appraisal)
    _need_state(appraisal, allowed, message)
    return audited_update(actor=actor, obj=appraisal, fields={"state": to, **more})


@transaction.atomic
def appraisal_start(*, actor: Any, appraisal: Appraisal) -> Appraisal:
    """准备 → 测评中: members may now write their self-assessment and rate the others; each
    participant with an account gets a 待办."""
    appraisal = _transition(
        actor,
        appraisal,
        [AppraisalState.PREPARING],
        AppraisalState.RATING,
        "只有准备中的评议可以开始测评",
    )
    reminders.rating_opened(appraisal)
    return appraisal


@transaction.atomic
def appraisal_close_rating(*, actor: Any, appraisal: Appraisal) -> Appraisal:
    """测评中 → 测评结束: no more self-assessments or ratings; the committee decides. The
    members' 待办 of it are done."""
    appraisal = _transition(
        actor,
        appraisal,
        [AppraisalState.RATING],
        AppraisalState.RATED,
        "只有测评中的评议可以结束测评",
    )
    reminders.rating_closed(appraisal)
    return appraisal


@transaction.atomic
def appraisal_void(*, actor: Any, appraisal: Appraisal, reason: str) -> Appraisal:
    """准备/测评中/测评结束 → 已作废 with a reason; the record and its ratings are kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写作废原因"})
    if len(reason) > 300:
        raise ValidationError({"reason": "作废原因不能超过 300 个字符"})
    appraisal = _transition(
        actor,
        appraisal,
        VOIDABLE_STATES,
        AppraisalState.VOID,
        "已决定的评议不能作废",
        void_reason=reason,
    )
    reminders.rating_closed(appraisal)
    return appraisal


def own_participant(actor: Any, appraisal: Appraisal) -> Participant | None:
    """The participant row of the signed-in member in ``appraisal``, or None."""
    member_id = getattr(actor, "member_id", None)
    if member_id is None:
        return None
    return Participant.objects.filter(appraisal=appraisal, member_id=member_id).first()


def _me(actor: Any, appraisal: Appraisal) -> Participant:
    me = own_participant(actor, appraisal)
    if me is None:
        raise PermissionDenied(NOT_PARTICIPANT)
    return me


@transaction.atomic
def self_assess(*, actor: Any, appraisal: Appraisal, text: str) -> SelfAssessment:
    """Write (or rewrite, while rating is open) the actor's own 个人自评."""
    me = _me(actor, appraisal)
    appraisal = _locked(appraisal)
    _need_state(appraisal, [AppraisalState.RATING], "测评未开放，不能填写个人自评")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "请填写个人自评"})
    if len(text) > 2000:
        raise ValidationError({"text": "个人自评不能超过 2000 个字"})
    found = SelfAssessment.objects.select_for_update().filter(participant=me).first()
    if found is None:
        written = audited_create(actor=actor, obj=SelfAssessment(participant=me, text=text))
    else:
        written = audited_update(actor=actor, obj=found, fields={"text": text})
    _maybe_done(actor, appraisal, me)
    return written


def _maybe_done(actor: Any, appraisal: Appraisal, me: Participant) -> None:
    """Close the member's 待办 once they have written and rated every other 正式党员."""
    user_id = getattr(actor, "pk", None)
    if user_id is None or not SelfAssessment.objects.filter(participant=me).exists():
        return
    owed = appraisal.participants.filter(is_full=True).exclude(pk=me.pk).count()
    if Vote.objects.filter(voter=me).count() >= owed:
        reminders.responded(appraisal, user_id)


@transaction.atomic
def vote_cast(*, actor: Any, appraisal: Appraisal, votee: Participant, grade: str) -> Vote:
    """The actor rates ``votee`` (a 正式党员 of the same appraisal) with ``grade``, once.

    The audit row names the appraisal and the grade given, not the voter's choice per
    person: who rated whom what is kept from everyone but the voter."""
    me = _me(actor, appraisal)
    appraisal = _locked(appraisal)
    _need_state(appraisal, [AppraisalState.RATING], "测评未开放或已结束，不能评价")
    if votee.appraisal_id != appraisal.pk:
        raise ValidationError({"votee": "被评价党员不在本次评议中"})
    already = Vote.objects.filter(voter=me, votee=votee).exists()
    problem = rules.vote_problem(
        me.pk, votee.pk, grade, votee_is_full=votee.is_full, already=already
    )
    if problem:
        raise ValidationError({"grade": problem})
    vote = Vote.objects.create(appraisal=appraisal, voter=me, votee=votee, grade=grade)
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=appraisal,
        after={"votes": Vote.objects.filter(voter=me).count()},
        note="互评（不记录评价对象与等次）",
    )
    _maybe_done(actor, appraisal, me)
    return vote


def full_count(appraisal: Appraisal) -> int:
    return appraisal.participants.filter(is_full=True).count()


@transaction.atomic
def decide(
    *, actor: Any, appraisal: Appraisal, participant: Participant, grade: str, feedback: str = ""
) -> Decision:
    """Set (or change) the grade and feedback of one 正式党员 while the appraisal is
    测评结束 — feedback alone may still change when it is 已决定.

    Refused: a manager who takes part grading themself (403, :data:`OWN_GRADE`); a 预备党员;
    one more 优秀 than ⌊正式党员 / 3⌋ (:func:`rules.quota_problem`)."""
    _require_manager(actor, appraisal)
    appraisal = _locked(appraisal)
    if participant.appraisal_id != appraisal.pk:
        raise ValidationError({"participant": "该党员不在本次评议中"})
    if participant.member_id == getattr(actor, "member_id", None):
        raise PermissionDenied(OWN_GRADE)
    feedback = (feedback or "").strip()
    if len(feedback) > 2000:
        raise ValidationError({"feedback": "反馈意见不能超过 2000 个字"})
    found = Decision.objects.select_for_update().filter(participant=participant).first()
    if appraisal.state in GRADING_STATES:
        problem = rules.grade_problem(grade, is_full=participant.is_full)
        if problem:
            raise ValidationError({"grade": problem})
        others = (
            Decision.objects.filter(participant__appraisal=appraisal, grade=rules.EXCELLENT)
            .exclude(participant=participant)
            .count()
        )
        problem = rules.quota_problem(full_count(appraisal), others, grade)
        if problem:
            raise ValidationError({"grade": problem})
    else:
        _need_state(appraisal, FEEDBACK_STATES, "评议结果已发布，不能修改")
        if found is None or grade != found.grade:
            raise ValidationError({"grade": "评议会议已召开，等次不能再改，只能修改反馈意见"})
    if found is None:
        return audited_create(
            actor=actor, obj=Decision(participant=participant, grade=grade, feedback=feedback)
        )
    return audited_update(actor=actor, obj=found, fields={"grade": grade, "feedback": feedback})


def meeting_candidates(appraisal: Appraisal) -> QuerySet[Activity]:
    """Activities that may be linked as the decision meeting: the branch's own 民主评议党员
    for the appraisal's year, held (submitted or approved), not yet used by an appraisal."""
    return (
        Activity.objects.filter(
            host=appraisal.branch,
            type=ActivityType.APPRAISAL,
            for_year=appraisal.year,
            status__in=COUNTED_STATUSES,
        )
        .exclude(appraisals__isnull=False)
        .order_by("start")
    )


@transaction.atomic
def record_meeting(
    *,
    actor: Any,
    appraisal: Appraisal,
    start: datetime.datetime | None = None,
    activity: Activity | None = None,
    venue: str = "",
    minutes: str = "",
) -> Appraisal:
    """测评结束 → 已决定: the 支部党员大会 that decided the grades took place.

    It is one record: either the activity already recorded for it (``activity``, one of
    :func:`meeting_candidates`) or a new activity of type 民主评议党员 held by the branch for
    the appraisal's year at ``start`` (submitted for review like any held meeting). Linked
    as ``meeting``, the same record satisfies the yearly compliance row 民主评议党员. Every
    正式党员 needs a decided grade first."""
    _require_manager(actor, appraisal)
    appraisal = _locked(appraisal)
    _need_state(appraisal, GRADING_STATES, "只有测评结束的评议可以记录评议会议")
    undecided = list(
        appraisal.participants.filter(is_full=True, decision__isnull=True).values_list(
            "name", flat=True
        )
    )
    if undecided:
        raise ValidationError(f"以下正式党员尚未评定等次：{'、'.join(undecided)}")
    if activity is not None:
        if not meeting_candidates(appraisal).filter(pk=activity.pk).exists():
            raise ValidationError(
                {
                    "activity": f"只能选择本支部已召开、计入{appraisal.year}年度且未被使用的民主评议党员会议"
                }
            )
        meeting = activity
    elif start is None:
        raise ValidationError({"start": "请填写会议时间，或选择已记录的评议会议"})
    else:
        meeting = activity_services.activity_record(
            actor=actor,
            type=ActivityType.APPRAISAL,
            host=appraisal.branch,
            start=start,
            topic=appraisal.title,
            venue=venue,
            minutes=minutes,
            for_year=appraisal.year,
        )
        meeting = activity_services.activity_submit(actor=actor, activity=meeting)
    return audited_update(
        actor=actor,
        obj=appraisal,
        fields={"state": AppraisalState.DECIDED, "meeting": meeting},
    )


@transaction.atomic
def appraisal_publish(*, actor: Any, appraisal: Appraisal) -> Appraisal:
    """已决定 → 已反馈: each member now sees their own grade and feedback (and gets a 消息).
    Final."""
    appraisal = _transition(
        actor,
        appraisal,
        [AppraisalState.DECIDED],
        AppraisalState.PUBLISHED,
        "只有已决定的评议可以发布结果",
    )
    reminders.published(appraisal)
    return appraisal
