"""Writes to activities and attendance. Every function is atomic and audited.

Callers check scope first (``Activity.objects.visible_to``/``core.scope.may``); the services
still enforce the record's own rules: only a 草稿 or 已退回 record can change; the
organisations listed are distinct and exist; counts agree with the attendance list.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from lianjian.activities import reminders, signals
from lianjian.activities.models import (
    HELD_STATUSES,
    VOIDABLE_STATUSES,
    YEARLY_TYPES,
    Activity,
    ActivityOrg,
    ActivityStatus,
    ActivityType,
    Attendance,
    AttendanceStatus,
    CheckinMethod,
    ComplianceRule,
    default_for_year,
    held_problem,
)
from lianjian.alliances.models import Alliance
from lianjian.core.audit import audit_record, audited_create, audited_update, diff, snapshot
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog
from lianjian.orgs.models import COMMITTEE_POSTS, Member, Organisation, OrgKind

CHECKIN_SALT = "lianjian.activities.checkin"
CHECKIN_MAX_AGE = 3 * 3600
NOT_EDITABLE = "活动记录已提交或已通过，不能修改（退回后方可修改）"

FIELDS = (
    "type",
    "sub_kind",
    "alliance",
    "start",
    "end",
    "venue",
    "topic",
    "minutes",
    "lecturer",
    "host_person",
    "recorder",
    "expected_count",
    "present_count",
    "for_year",
)


def activity_code_new(start: datetime.datetime) -> str:
    """The next free 活动编号 of the start day: ``HD20260305-001``, ``-002`` … (reserved for
    the calling transaction, see :func:`lianjian.core.codes.next_code`)."""
    return next_code(Activity, f"HD{timezone.localtime(start):%Y%m%d}-")


def _set_orgs(activity: Activity, host: Organisation, co_orgs: Sequence[Organisation]) -> None:
    ids = [host.pk, *[o.pk for o in co_orgs]]
    if len(set(ids)) != len(ids):
        raise ValidationError({"co_orgs": "同一组织不能重复列出（主办组织不必再列为协办）"})
    ActivityOrg.objects.filter(activity=activity).delete()
    ActivityOrg.objects.bulk_create([link(activity, pk, i) for i, pk in enumerate(ids)])


def link(activity: Activity, org_id: int, position: int) -> ActivityOrg:
    """A link row carrying the activity's copies (see :class:`ActivityOrg`)."""
    return ActivityOrg(
        activity_id=activity.pk,
        org_id=org_id,
        position=position,
        start=activity.start,
        type=activity.type,
        status=activity.status,
        is_valid=activity.is_valid,
        for_year=activity.for_year,
    )


def sync_links(activity: Activity) -> None:
    """Copy the activity's start, type, status, 所属年度 and validity onto its links."""
    ActivityOrg.objects.filter(activity_id=activity.pk).update(
        start=activity.start,
        type=activity.type,
        status=activity.status,
        is_valid=activity.is_valid,
        for_year=activity.for_year,
    )


def _org_codes(activity: Activity) -> list[str]:
    return list(
        ActivityOrg.objects.filter(activity=activity)
        .order_by("position")
        .values_list("org__code", flat=True)
    )


def _has_attendance(activity: Activity) -> bool:
    return activity.pk is not None and Attendance.objects.filter(activity=activity).exists()


@transaction.atomic
def activity_record(
    *,
    actor: Any,
    type: str,
    host: Organisation,
    start: datetime.datetime,
    topic: str,
    co_orgs: Sequence[Organisation] = (),
    code: str = "",
    alliance: Alliance | None = None,
    status: str = ActivityStatus.DRAFT,
    **fields: Any,
) -> Activity:
    """Record a new activity held by ``host`` with ``co_orgs`` (a joint activity counts for
    each); ``code`` defaults to the next free 活动编号 of the day."""
    activity = Activity(
        type=type,
        host=host,
        start=start,
        topic=topic,
        alliance=alliance,
        status=status,
        code=code,
        **fields,
    )
    activity.refresh_validity()
    # Validated before the code and the year are made from the start day: an out-of-range
    # date must be refused, not converted.
    activity.full_clean(exclude=None if code else ["code"])
    if activity.for_year is None:
        activity.for_year = default_for_year(start)
    if not code:
        activity.code = activity_code_new(start)
    activity.save()
    _set_orgs(activity, host, co_orgs)
    after = snapshot(activity)
    after["orgs"] = _org_codes(activity)
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=activity, after=after)
    return activity


@transaction.atomic
def activity_update(
    *,
    actor: Any,
    activity: Activity,
    host: Organisation | None = None,
    co_orgs: Sequence[Organisation] | None = None,
    **fields: Any,
) -> Activity:
    """Change fields of an editable activity; ``co_orgs`` replaces the co-organisers. The
    counts cannot be typed once an attendance list exists (they follow it)."""
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if not activity.is_editable:
        raise ValidationError(NOT_EDITABLE)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    if _has_attendance(activity):
        for name in ("expected_count", "present_count"):
            if name in fields and fields[name] != getattr(activity, name):
                raise ValidationError({name: "已有应到名单，人数以签到记录为准"})
    before = snapshot(activity)
    before["orgs"] = _org_codes(activity)
    for name, value in fields.items():
        setattr(activity, name, value)
    if host is not None:
        activity.host = host
    if activity.for_year is None or (
        activity.type not in YEARLY_TYPES and "for_year" not in fields
    ):
        activity.for_year = default_for_year(activity.start)  # follows the (possibly new) date
    activity.refresh_validity()
    activity.full_clean()
    activity.save()
    if host is not None or co_orgs is not None:
        current = list(
            ActivityOrg.objects.filter(activity=activity).order_by("position").select_related("org")
        )
        co = list(co_orgs) if co_orgs is not None else [row.org for row in current[1:]]
        _set_orgs(activity, activity.host, co)
    else:
        sync_links(activity)
    after = snapshot(activity)
    after["orgs"] = _org_codes(activity)
    b, a = diff(before, after)
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=activity, before=b, after=a)
    return activity


def _recount(activity: Activity) -> None:
    rows = Attendance.objects.filter(activity=activity)
    activity.expected_count = rows.count()
    activity.present_count = rows.filter(status=AttendanceStatus.PRESENT).count()
    activity.refresh_validity()
    activity.save(update_fields=["expected_count", "present_count", "is_valid", "updated_at"])
    sync_links(activity)


def roster(activity: Activity) -> list[Member]:
    """The expected list (应到) from the rosters: current members of the listed internal
    organisations and their 党小组; for a 支委会 only the host's committee members."""
    links = ActivityOrg.objects.filter(activity=activity, org__is_partner=False)
    if activity.type == ActivityType.COMMITTEE_MEETING:
        links = links.filter(org_id=activity.host_id)
    org_ids = list(links.values_list("org_id", flat=True))
    groups = Organisation.objects.filter(parent_id__in=org_ids, kind=OrgKind.GROUP).values("pk")
    qs = Member.objects.current().filter(Q(org_id__in=org_ids) | Q(org__in=groups))
    if activity.type == ActivityType.COMMITTEE_MEETING:
        committee = Q()
        for post in COMMITTEE_POSTS:
            committee |= Q(post__contains=post)
        qs = qs.filter(committee)
    return list(qs.order_by("org_id", "number"))


def _require_editable(activity: Activity) -> None:
    if not activity.is_editable:
        raise ValidationError(NOT_EDITABLE)


@transaction.atomic
def attendance_fill(*, actor: Any, activity: Activity) -> int:
    """Add everyone of :func:`roster` not yet on the list (as 缺席 until marked); returns
    how many were added. Running it again adds nobody twice."""
    _require_editable(activity)
    have = set(Attendance.objects.filter(activity=activity).values_list("member_id", flat=True))
    new = [Attendance(activity=activity, member=m) for m in roster(activity) if m.pk not in have]
    Attendance.objects.bulk_create(new)
    _recount(activity)
    if new:
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=activity,
            after={"attendance_added": [a.member.number for a in new]},
            note=f"按名册生成应到名单 {len(new)} 人",
        )
    return len(new)


@transaction.atomic
def attendance_add(*, actor: Any, activity: Activity, member: Member) -> Attendance:
    """Put one more member on the expected list (e.g. a member of a co-organiser's group)."""
    _require_editable(activity)
    if Attendance.objects.filter(activity=activity, member=member).exists():
        raise ValidationError({"member": "该党员已在应到名单中"})
    row = Attendance.objects.create(activity=activity, member=member)
    _recount(activity)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=activity,
        after={"attendance_added": [member.number]},
    )
    return row


@transaction.atomic
def attendance_remove(*, actor: Any, activity: Activity, member_ids: Iterable[int]) -> int:
    """Take members off the expected list; returns how many were removed."""
    _require_editable(activity)
    rows = Attendance.objects.filter(activity=activity, member_id__in=list(member_ids))
    numbers = list(rows.values_list("member__number", flat=True))
    removed = rows.delete()[0]
    _recount(activity)
    if removed:
        audit_record(
            actor=actor,
            action=AuditLog.Action.UPDATE,
            obj=activity,
            before={"attendance_removed": numbers},
        )
    return removed


@transaction.atomic
def attendance_mark(
    *, actor: Any, activity: Activity, member_ids: Iterable[int], status: str, reason: str = ""
) -> int:
    """Mark members of the expected list 出席/请假/缺席 in bulk (补录). 请假 and 缺席 need a
    reason; members not on the list are refused. Returns how many rows changed."""
    _require_editable(activity)
    if status not in AttendanceStatus.values:
        raise ValidationError({"status": "出勤状态应为出席、请假或缺席"})
    reason = reason.strip()
    if status != AttendanceStatus.PRESENT and not reason:
        raise ValidationError({"reason": f"{status}需填写原因"})
    ids = list(dict.fromkeys(member_ids))
    if not ids:
        raise ValidationError({"members": "请选择党员"})
    rows = Attendance.objects.filter(activity=activity, member_id__in=ids)
    if rows.count() != len(ids):
        raise ValidationError({"members": "所选党员不在应到名单中"})
    if status == AttendanceStatus.PRESENT and (problem := held_problem(activity)):
        raise ValidationError({"status": f"活动尚未举行，不能记录出席：{problem}"})
    now = timezone.now()
    if status == AttendanceStatus.PRESENT:
        changed = rows.exclude(status=status).update(
            status=status, reason="", method=CheckinMethod.MANUAL, checked_in_at=now
        )
    else:
        changed = rows.update(status=status, reason=reason, method="", checked_in_at=None)
    _recount(activity)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=activity,
        after={"attendance": status, "members": len(ids), "reason": reason},
        note=f"批量标记{status} {len(ids)} 人",
    )
    return changed


# --- QR check-in --------------------------------------------------------------------------


def checkin_token(activity: Activity) -> str:
    """A signed token naming the activity; :func:`checkin_activity_id` accepts it for
    ``CHECKIN_MAX_AGE`` seconds after it was made."""
    return signing.TimestampSigner(salt=CHECKIN_SALT).sign(activity.code)


class CheckinError(Exception):
    """Why a check-in was refused (Chinese)."""


def checkin_activity_code(token: str) -> str:
    try:
        return signing.TimestampSigner(salt=CHECKIN_SALT).unsign(token, max_age=CHECKIN_MAX_AGE)
    except signing.SignatureExpired:
        raise CheckinError("签到二维码已过期，请向记录人索取新的二维码") from None
    except signing.BadSignature:
        raise CheckinError("签到链接无效") from None


@transaction.atomic
def attendance_checkin(*, actor: Any, activity: Activity, member: Member | None) -> Attendance:
    """The logged-in member checks themselves in (扫码). They must be on the expected list
    and the record must still be editable; a second scan changes nothing."""
    if member is None:
        raise CheckinError("当前账户未关联党员信息，无法签到")
    if not activity.is_editable:
        raise CheckinError("活动记录已提交，签到已结束")
    problem = held_problem(activity)
    if problem:
        raise CheckinError(f"活动尚未举行，不能签到：{problem}")
    row = Attendance.objects.select_for_update().filter(activity=activity, member=member).first()
    if row is None:
        raise CheckinError("您不在本次活动的应到名单中，请联系记录人")
    if row.status == AttendanceStatus.PRESENT:
        return row
    row.status, row.reason, row.method, row.checked_in_at = (
        AttendanceStatus.PRESENT,
        "",
        CheckinMethod.SCAN,
        timezone.now(),
    )
    row.save(update_fields=["status", "reason", "method", "checked_in_at"])
    _recount(activity)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=activity,
        after={"checkin": member.number},
        note="扫码签到",
    )
    return row


# --- review ------------------------------------------------------------------------------


# The review steps: from which states, to which, and the refusal otherwise.
SUBMIT = (
    (ActivityStatus.DRAFT, ActivityStatus.RETURNED),
    ActivityStatus.SUBMITTED,
    "只有草稿或已退回的记录可以提交",
)
APPROVE = ((ActivityStatus.SUBMITTED,), ActivityStatus.APPROVED, "只有已提交的记录可以审核")
RETURN = (
    (ActivityStatus.SUBMITTED, ActivityStatus.APPROVED),
    ActivityStatus.RETURNED,
    "只有已提交或已通过的记录可以退回",
)


def _reason(reason: str, label: str) -> str:
    """A required reason (退回原因, 作废原因) of at most 300 characters, stripped."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"请填写{label}"})
    if len(reason) > 300:
        raise ValidationError({"reason": f"{label}不能超过 300 个字符"})
    return reason


def _transition(
    actor: Any, activity: Activity, allowed: Sequence[str], status: str, message: str, reason: str
) -> Activity:
    activity = Activity.objects.select_for_update().select_related("host").get(pk=activity.pk)
    if activity.status not in allowed:
        raise ValidationError(message)
    if status in HELD_STATUSES:
        problem = held_problem(activity)
        if problem:
            raise ValidationError(f"活动尚未举行，不能提交或审核：{problem}")
    before = {"status": activity.status, "return_reason": activity.return_reason}
    activity.status, activity.return_reason = status, reason
    activity.save(update_fields=["status", "return_reason", "updated_at"])
    sync_links(activity)
    signals.counted_changed.send(sender=Activity, activity_id=activity.pk)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=activity,
        before=before,
        after={"status": status, "return_reason": reason},
        note=reason,
    )
    return activity


@transaction.atomic
def activity_submit(*, actor: Any, activity: Activity) -> Activity:
    """草稿/已退回 → 已提交: the record goes to the parent organisation for review."""
    activity = _transition(actor, activity, *SUBMIT, "")
    reminders.submitted(activity)
    return activity


@transaction.atomic
def activity_approve(*, actor: Any, activity: Activity) -> Activity:
    """已提交 → 已通过."""
    activity = _transition(actor, activity, *APPROVE, "")
    reminders.reviewed(activity)
    return activity


@transaction.atomic
def activity_return(*, actor: Any, activity: Activity, reason: str) -> Activity:
    """已提交 (or 已通过, to correct it) → 已退回 with a reason."""
    activity = _transition(actor, activity, *RETURN, _reason(reason, "退回原因"))
    reminders.reviewed(activity)
    return activity


@transaction.atomic
def activity_void(*, actor: Any, activity: Activity, reason: str) -> Activity:
    """草稿/已退回 → 已作废 with a reason: a record entered by mistake is voided, never
    deleted. It keeps its data and audit trail, is shown as 已作废 with the reason, and
    counts nowhere (compliance, statistics, assessment sources, exports unless asked)."""
    reason = _reason(reason, "作废原因")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.status not in VOIDABLE_STATUSES:
        raise ValidationError("只有草稿或已退回的记录可以作废（已提交或已通过的记录须先退回）")
    before = {"status": activity.status, "void_reason": activity.void_reason}
    activity.status, activity.void_reason = ActivityStatus.VOID, reason
    activity.save(update_fields=["status", "void_reason", "updated_at"])
    sync_links(activity)
    signals.counted_changed.send(sender=Activity, activity_id=activity.pk)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=activity,
        before=before,
        after={"status": activity.status, "void_reason": reason},
        note=f"作废：{reason}",
    )
    return activity


# --- rules -------------------------------------------------------------------------------


@transaction.atomic
def rule_update(*, actor: Any, rule: ComplianceRule, **fields: Any) -> ComplianceRule:
    """Change a compliance rule (admins)."""
    return audited_update(actor=actor, obj=rule, fields=fields)


@transaction.atomic
def rule_create(*, actor: Any, **fields: Any) -> ComplianceRule:
    return audited_create(actor=actor, obj=ComplianceRule(**fields))
