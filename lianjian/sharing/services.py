"""Writes of resource sharing. Every function is atomic and audited.

Callers check the user's scope first (``visible_to`` → 404, ``manageable_by`` → 403); the
services enforce the domain's own rules whoever calls them:

* a resource's opening hours are stored in canonical form (:mod:`hours`);
* a booking is for an organisation the resource is shared with, in the future, within the
  opening hours, within the capacity, and never overlaps another pending or approved booking
  of the same resource. The check runs with the resource row locked (``select_for_update``:
  concurrent requests for one resource queue there on PostgreSQL; on SQLite every write
  transaction is already serialised by ``BEGIN IMMEDIATE``), and on PostgreSQL an exclusion
  constraint backs it in the database; a clash caught there is reported like any other;
* decisions and cancellations follow 待审批 → 已批准/已拒绝, 待审批/已批准 → 已取消.

Booking requests put a 待办 (TASK) into the inbox of the owner's managers; decisions put a
message (MESSAGE) into the requester's, and close the managers' 待办.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from lianjian.activities.models import Activity, ActivityOrg
from lianjian.activities.selectors import TZ
from lianjian.core.audit import audit_record, audited_create, audited_update, snapshot
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog
from lianjian.core.uploads import check_upload
from lianjian.core.validation import date_errors, raise_errors
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import Reminder, close, deliver
from lianjian.orgs.models import Organisation
from lianjian.orgs.selectors import responsible_managers
from lianjian.sharing import matching
from lianjian.sharing.hours import HoursError, fits, normalise_hours, parse_hours
from lianjian.sharing.models import (
    BLOCKING_STATUSES,
    Booking,
    BookingStatus,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Project,
    Resource,
    ResourcePhoto,
)

CLASH = "该时段已被预约（与已有的待审批或已批准预约重叠），请选择其他时间"


class BookingClash(ValidationError):
    """The slot overlaps another pending or approved booking (the API answers 409)."""

    def __init__(self) -> None:
        super().__init__(CLASH, code="clash")


MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_BOOKING_DAYS = 31
PHOTO_TYPES = ("image/png", "image/jpeg")
RESOURCE_FIELDS = (
    "name",
    "kind",
    "owner",
    "sharing",
    "tags",
    "description",
    "capacity",
    "address",
    "lat",
    "lon",
    "opening_hours",
    "equipment",
    "expertise",
    "member",
    "contact",
    "contact_phone",
    "is_active",
)


def resource_code_new() -> str:
    """The next free 资源编号 ``ZY-0001``, ``ZY-0002`` … (reserved for the calling transaction)."""
    return next_code(Resource, "ZY-", 4)


def _clean_hours(fields: dict[str, Any]) -> None:
    if "opening_hours" in fields:
        try:
            fields["opening_hours"] = normalise_hours(fields["opening_hours"])
        except HoursError as exc:
            raise ValidationError({"opening_hours": str(exc)}) from None
        if len(fields["opening_hours"]) > 300:
            raise ValidationError({"opening_hours": "开放时间不能超过 300 个字符"})


def _known(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse a field the service does not set (a programming error, not bad input) and
    normalise the list fields."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    _lists(fields)


def _lists(fields: dict[str, Any]) -> None:
    for name in ("tags", "equipment", "expertise", "partners_wanted"):
        if name in fields:
            fields[name] = list(
                dict.fromkeys(str(t).strip() for t in fields[name] or () if str(t).strip())
            )


@transaction.atomic
def resource_create(*, actor: Any, code: str = "", **fields: Any) -> Resource:
    """Create a resource (``code`` defaults to the next free 资源编号)."""
    _known(fields, RESOURCE_FIELDS)
    _clean_hours(fields)
    code = code or resource_code_new()
    if Resource.objects.filter(code=code).exists():
        raise ValidationError({"code": f"资源编号已存在：{code}"})
    return audited_create(actor=actor, obj=Resource(code=code, **fields))


@transaction.atomic
def resource_update(*, actor: Any, resource: Resource, **fields: Any) -> Resource:
    """Change fields of a resource; ``code`` is fixed once created."""
    if "code" in fields and fields.pop("code") != resource.code:
        raise ValidationError({"code": "资源编号创建后不能修改"})
    _known(fields, RESOURCE_FIELDS)
    _clean_hours(fields)
    return audited_update(actor=actor, obj=resource, fields=fields, lock=True)


@transaction.atomic
def photo_add(*, actor: Any, resource: Resource, upload: Any) -> ResourcePhoto:
    """Attach a photo: PNG or JPEG by content (magic bytes, not the name), at most 10 MB."""
    checked = check_upload(
        upload,
        actor=actor,
        types=PHOTO_TYPES,
        max_bytes=MAX_PHOTO_BYTES,
        too_large="照片不能超过 10 MB",
        wrong_type="只能上传 PNG 或 JPEG 图片",
        default_name="照片",
    )
    photo = ResourcePhoto(resource=resource, **checked.record_fields())
    # The stored extension follows the detected content, never the client's file name.
    photo.file.save(f"photo.{checked.extension}", upload, save=False)
    photo.save()
    after = {"photo_added": photo.name}
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=resource, before={}, after=after)
    return photo


@transaction.atomic
def photo_delete(*, actor: Any, photo: ResourcePhoto) -> None:
    """Remove a photo and its file."""
    resource, name = photo.resource, photo.name
    photo.file.delete(save=False)
    photo.delete()
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=resource,
        before={"photo_removed": name},
        after={},
    )


# --- bookings ------------------------------------------------------------------------------


def _local(value: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(value, TZ)


def _label(b: Booking) -> str:
    start, end = _local(b.start), _local(b.end)
    until = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return f"{start:%Y-%m-%d %H:%M}–{until}"


def _repr(b: Booking) -> str:
    return f"{b.resource.name} {_label(b)}（{b.org.name}）"


def _user_name(actor: Any) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return (actor.get_full_name() or actor.get_username())[:150]
    return "系统"


def check_slot(
    *,
    resource: Resource,
    start: datetime.datetime,
    end: datetime.datetime,
    expected_people: int | None,
    now: datetime.datetime,
) -> None:
    """The rules of a slot that need no other booking: order, future, length, opening
    hours and capacity. Raises ValidationError (Chinese, by field)."""
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("aware datetimes expected")
    # First the fields' windows: nothing below may compute with a time beyond them.
    raise_errors(date_errors(Booking, {"start": start, "end": end}))
    if end <= start:
        raise ValidationError({"end": "结束时间应晚于开始时间"})
    if start <= now:
        raise ValidationError({"start": "开始时间已过，不能预约过去的时段"})
    if end - start > datetime.timedelta(days=MAX_BOOKING_DAYS):
        raise ValidationError({"end": f"单次预约不能超过 {MAX_BOOKING_DAYS} 天"})
    schedule = parse_hours(resource.opening_hours)
    if not fits(schedule, _local(start), _local(end)):
        raise ValidationError(
            {"start": f"所选时段不在{resource.hours_label}内（{resource.opening_hours}）"}
        )
    if (
        expected_people is not None
        and resource.capacity is not None
        and expected_people > resource.capacity
    ):
        raise ValidationError(
            {"expected_people": f"预计人数 {expected_people} 人超过容纳人数 {resource.capacity} 人"}
        )


def _insert(booking: Booking) -> None:
    """Save a new or changed blocking booking; the PostgreSQL exclusion constraint's
    refusal (a race the row lock did not see, or a caller that skipped it) becomes CLASH."""
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as exc:
        if "booking_no_overlap" in str(exc):
            raise BookingClash() from None
        raise


def _managers_of(resource: Resource) -> tuple[int, ...]:
    return responsible_managers([resource.owner])[resource.owner_id]


def _close_tasks(booking: Booking) -> None:
    """The managers' 待办 of the request is done — and read, as when marked 办结 by hand, so
    that the sidebar's unread count does not keep counting it."""
    close(Q(key=f"booking:{booking.pk}:request"))


@transaction.atomic
def booking_request(
    *,
    actor: Any,
    resource: Resource,
    org: Organisation,
    start: datetime.datetime,
    end: datetime.datetime,
    purpose: str,
    expected_people: int | None = None,
    activity: Activity | None = None,
    now: datetime.datetime | None = None,
) -> Booking:
    """Request ``resource`` for ``org`` from ``start`` to ``end`` (待审批).

    Refused (ValidationError, nothing written) when the resource is withdrawn or not shared
    with ``org``, the slot breaks :func:`check_slot`, the activity does not list ``org``,
    or the slot overlaps a pending or approved booking (:data:`CLASH`).
    """
    now = now or timezone.now()
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": "请填写用途"})
    if len(purpose) > 200:
        raise ValidationError({"purpose": "用途不能超过 200 个字符"})
    # The lock: every request, approval and cancellation of this resource waits here.
    locked = (
        Resource.objects.select_for_update(of=("self",)).select_related("owner").get(pk=resource.pk)
    )
    if not locked.is_active:
        raise ValidationError("该资源已停止预约")
    if not Resource.objects.shared_with(org).filter(pk=locked.pk).exists():
        raise ValidationError({"org": f"该资源未向“{org.name}”开放（共享范围：{locked.sharing}）"})
    check_slot(resource=locked, start=start, end=end, expected_people=expected_people, now=now)
    if activity is not None and not ActivityOrg.objects.filter(activity=activity, org=org).exists():
        raise ValidationError({"activity": f"活动 {activity.code} 未列出预约组织“{org.name}”"})
    if Booking.objects.filter(resource=locked).blocking().overlapping(start, end).exists():
        raise BookingClash()
    booking = Booking(
        resource=locked,
        org=org,
        start=start,
        end=end,
        purpose=purpose,
        expected_people=expected_people,
        activity=activity,
        status=BookingStatus.PENDING,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        requested_by_name=_user_name(actor),
    )
    booking.full_clean(validate_constraints=False)
    _insert(booking)
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=booking,
        target_repr=_repr(booking),
        after=snapshot(booking),
        note=f"预约申请：{org.name} {_label(booking)}",
    )
    deliver([request_reminder(booking, _managers_of(locked))])
    return booking


def request_reminder(booking: Booking, user_ids: Sequence[int]) -> Reminder:
    """The 待办 of a pending request for the owner's managers (``booking`` with its resource
    and organisation loaded); the demo builds its inbox with it too."""
    people = f"，预计 {booking.expected_people} 人" if booking.expected_people else ""
    return Reminder(
        key=f"booking:{booking.pk}:request",
        user_ids=tuple(user_ids),
        kind=Notification.Kind.TASK,
        level=Notification.Level.GREEN,
        title=f"待审批：{booking.org.name}预约“{booking.resource.name}”",
        body=f"{_label(booking)}，用途：{booking.purpose}{people}",
        link=f"/sharing/bookings/{booking.pk}/",
        due=_local(booking.start).date(),
        closed_by_work=True,
    )


def _locked_booking(booking: Booking) -> Booking:
    """The booking, re-read under the same resource lock as requests, so that a decision or
    a cancellation never interleaves with a request for the same resource."""
    Resource.objects.select_for_update().filter(pk=booking.resource_id).first()
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("resource", "resource__owner", "org")
        .get(pk=booking.pk)
    )


def _tell_requester(booking: Booking, title: str, body: str) -> None:
    users: Sequence[int] = ()
    if booking.requested_by_id is not None:
        users = (booking.requested_by_id,)
    else:
        users = responsible_managers([booking.org])[booking.org_id]
    deliver(
        [
            Reminder(
                key=f"booking:{booking.pk}:{booking.status}",
                user_ids=tuple(users),
                kind=Notification.Kind.MESSAGE,
                level=Notification.Level.GREEN
                if booking.status == BookingStatus.APPROVED
                else Notification.Level.YELLOW,
                title=title,
                body=body,
                link=f"/sharing/bookings/{booking.pk}/",
            )
        ]
    )


def _decide(
    actor: Any, booking: Booking, status: str, reason: str, now: datetime.datetime
) -> Booking:
    booking = _locked_booking(booking)
    if booking.status != BookingStatus.PENDING:
        raise ValidationError(f"只有待审批的预约可以审批（当前：{booking.status}）")
    before = {"status": booking.status, "reason": booking.reason}
    if status == BookingStatus.APPROVED:
        if booking.start <= now:
            raise ValidationError("预约时段已开始，不能再批准")
        if (
            Booking.objects.filter(resource_id=booking.resource_id)
            .blocking()
            .overlapping(booking.start, booking.end)
            .exclude(pk=booking.pk)
            .exists()
        ):
            raise BookingClash()
    booking.status, booking.reason = status, reason
    booking.decided_by_name, booking.decided_at = _user_name(actor), now
    booking.save(update_fields=["status", "reason", "decided_by_name", "decided_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=booking,
        target_repr=_repr(booking),
        before=before,
        after={"status": status, "reason": reason},
        note=reason or status,
    )
    _close_tasks(booking)
    verdict = "已批准" if status == BookingStatus.APPROVED else f"未获批准（原因：{reason}）"
    _tell_requester(
        booking,
        f"预约{status}：{booking.resource.name}",
        f"{booking.org.name}预约“{booking.resource.name}”{_label(booking)}{verdict}。",
    )
    return booking


@transaction.atomic
def booking_approve(
    *, actor: Any, booking: Booking, now: datetime.datetime | None = None
) -> Booking:
    """待审批 → 已批准 (before the slot starts)."""
    return _decide(actor, booking, BookingStatus.APPROVED, "", now or timezone.now())


@transaction.atomic
def booking_decline(
    *, actor: Any, booking: Booking, reason: str, now: datetime.datetime | None = None
) -> Booking:
    """待审批 → 已拒绝 with a reason (required, ≤ 300 characters)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写拒绝原因"})
    if len(reason) > 300:
        raise ValidationError({"reason": "拒绝原因不能超过 300 个字符"})
    return _decide(actor, booking, BookingStatus.DECLINED, reason, now or timezone.now())


@transaction.atomic
def booking_cancel(
    *, actor: Any, booking: Booking, reason: str = "", now: datetime.datetime | None = None
) -> Booking:
    """待审批 or 已批准 → 已取消, by the requesting side, before the slot starts. The slot is
    free again at once; the owner's managers are told."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError({"reason": "取消原因不能超过 300 个字符"})
    booking = _locked_booking(booking)
    if booking.status not in BLOCKING_STATUSES:
        raise ValidationError(f"只有待审批或已批准的预约可以取消（当前：{booking.status}）")
    if booking.start <= now:
        raise ValidationError("预约时段已开始，不能取消")
    before = {"status": booking.status, "reason": booking.reason}
    booking.status, booking.reason = BookingStatus.CANCELLED, reason
    booking.save(update_fields=["status", "reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=booking,
        target_repr=_repr(booking),
        before=before,
        after={"status": booking.status, "reason": reason},
        note=reason or "已取消",
    )
    _close_tasks(booking)
    deliver(
        [
            Reminder(
                key=f"booking:{booking.pk}:已取消",
                user_ids=_managers_of(booking.resource),
                kind=Notification.Kind.MESSAGE,
                level=Notification.Level.GREEN,
                title=f"预约已取消：{booking.resource.name}",
                body=f"{booking.org.name}取消了{_label(booking)}的预约"
                + (f"（{reason}）" if reason else "")
                + "。",
                link=f"/sharing/bookings/{booking.pk}/",
            )
        ]
    )
    return booking


# --- needs, projects and matches ------------------------------------------------------------

NEED_FIELDS = ("org", "title", "description", "tags", "sharing", "status", "needed_by", "contact")
PROJECT_FIELDS = (
    "org",
    "title",
    "description",
    "tags",
    "partners_wanted",
    "sharing",
    "status",
    "start",
    "end",
)


def _year_prefix(letters: str) -> str:
    return f"{letters}{timezone.localdate().year}-"


def _create(
    model: Any,
    allowed: tuple[str, ...],
    letters: str,
    actor: Any,
    code: str,
    fields: dict[str, Any],
) -> Any:
    _known(fields, allowed)
    code = code or next_code(model, _year_prefix(letters))
    if model.objects.filter(code=code).exists():
        raise ValidationError({"code": f"编号已存在：{code}"})
    return audited_create(actor=actor, obj=model(code=code, **fields))


def _update(
    model: Any, allowed: tuple[str, ...], actor: Any, obj: Any, fields: dict[str, Any]
) -> Any:
    _known(fields, allowed)
    return audited_update(actor=actor, obj=obj, fields=fields, lock=True)


@transaction.atomic
def need_create(*, actor: Any, code: str = "", **fields: Any) -> Need:
    """Post a need (待对接); ``code`` defaults to the next free ``XQ<year>-NNN``."""
    return _create(Need, NEED_FIELDS, "XQ", actor, code, fields)


@transaction.atomic
def need_update(*, actor: Any, need: Need, **fields: Any) -> Need:
    """Change a need's fields, its status included (e.g. 已关闭)."""
    return _update(Need, NEED_FIELDS, actor, need, fields)


@transaction.atomic
def project_create(*, actor: Any, code: str = "", **fields: Any) -> Project:
    """Propose a project (征集合作); ``code`` defaults to the next free ``XM<year>-NNN``."""
    return _create(Project, PROJECT_FIELDS, "XM", actor, code, fields)


@transaction.atomic
def project_update(*, actor: Any, project: Project, **fields: Any) -> Project:
    return _update(Project, PROJECT_FIELDS, actor, project, fields)


def _target_candidate(resource: Resource | None, org: Organisation | None) -> matching.Candidate:
    if resource is not None:
        lat, lon = resource.coordinates()
        return matching.Candidate(f"resource:{resource.code}", tuple(resource.all_tags), lat, lon)
    assert org is not None
    return matching.Candidate(f"org:{org.code}", tuple(org.strengths), org.lat, org.lon)


@transaction.atomic
def match_create(
    *,
    actor: Any,
    need: Need | None = None,
    project: Project | None = None,
    resource: Resource | None = None,
    org: Organisation | None = None,
    note: str = "",
) -> Match:
    """Record that someone put a need or project (one of them) in touch with a resource or an
    organisation (one of them), with the tags they share and the distance at this moment.
    Matching an organisation with its own need, or a closed need, is refused."""
    if (need is None) == (project is None) or (resource is None) == (org is None):
        raise ValueError("exactly one source and one target")
    source = need or project
    assert source is not None
    if need is not None and need.status == NeedStatus.CLOSED:
        raise ValidationError("需求已关闭，不能再对接")
    if project is not None and project.status in ("已完成", "已关闭"):
        raise ValidationError(f"项目{project.status}，不能再对接")
    owner_id = resource.owner_id if resource is not None else org.pk  # type: ignore[union-attr]
    if owner_id == source.org_id:
        raise ValidationError("不能与本组织自己的资源或本组织对接")
    if resource is not None and not resource.is_active:
        raise ValidationError("该资源已停止共享")
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": "对接说明不能超过 300 个字符"})
    tags = source.tags if need is not None else project.match_tags  # type: ignore[union-attr]
    target = matching.Target(tuple(tags), source.org.lat, source.org.lon)
    candidate = _target_candidate(resource, org)
    found = matching.suggest(target, [candidate], limit=1)
    distance = None
    if (
        target.lat is not None
        and target.lon is not None
        and candidate.lat is not None
        and candidate.lon is not None
    ):
        distance = round(
            matching.haversine_km(target.lat, target.lon, candidate.lat, candidate.lon), 1
        )
    row = Match(
        need=need,
        project=project,
        resource=resource,
        org=org,
        note=note,
        shared_tags=list(found[0].shared) if found else [],
        distance_km=distance,
        matched_by=actor if getattr(actor, "is_authenticated", False) else None,
        matched_by_name=_user_name(actor),
    )
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=source,
        before={},
        after={"match": row.target_name, "shared_tags": row.shared_tags},
        note=f"对接：{row.target_name}",
    )
    return row


@transaction.atomic
def match_set_status(*, actor: Any, match: Match, status: str) -> Match:
    """Move a match to 已达成 or 已放弃 (or back to 对接中). Agreeing a match of a need that is
    still 待对接 makes it 已对接."""
    if status not in MatchStatus.values:
        raise ValidationError({"status": "状态应为对接中、已达成或已放弃"})
    match = (
        Match.objects.select_for_update(of=("self",))
        .select_related("need", "project", "resource", "org")
        .get(pk=match.pk)
    )
    if match.status == status:
        return match
    before = match.status
    match.status = status
    match.save(update_fields=["status", "updated_at"])
    source = match.need or match.project
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=source,
        before={"match": match.target_name, "status": before},
        after={"match": match.target_name, "status": status},
        note=f"对接{status}：{match.target_name}",
    )
    if (
        status == MatchStatus.AGREED
        and match.need is not None
        and match.need.status == NeedStatus.OPEN
    ):
        need_update(actor=actor, need=match.need, status=NeedStatus.MATCHED)
    return match
