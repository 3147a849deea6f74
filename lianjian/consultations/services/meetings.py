"""Writes of joint meetings (联席会议): the meeting, its agenda and attendees, held with its
minutes. Atomic and audited like every service."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.alliances.models import Alliance
from lianjian.consultations.models import (
    AgendaItem,
    JointMeeting,
    MeetingAttendee,
    MeetingStatus,
    Problem,
)
from lianjian.consultations.services.common import alliance_org_ids, clean_text, save_new
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, Organisation


def meeting_code_new(year: int) -> str:
    """The next free 会议编号 of ``year``: ``LX-2026-001`` …"""
    return next_code(JointMeeting, f"LX-{year}-")


@dataclass(frozen=True)
class Attendee:
    """One attendee as the forms and the API give it: organisation, name, post, and the
    member record when the person is one."""

    org: Organisation
    name: str
    post: str = ""
    member: Member | None = None


@dataclass(frozen=True)
class Agenda:
    title: str
    problem: Problem | None = None


MEETING_FIELDS = (
    "title",
    "start",
    "place",
    "convener",
    "host_person",
    "recorder",
    "minutes",
    "decisions",
)


def _check_meeting(
    meeting: JointMeeting, agenda: Sequence[Agenda] | None, attendees: Sequence[Attendee] | None
) -> None:
    orgs = alliance_org_ids(meeting.alliance)
    if meeting.convener_id not in orgs:
        raise ValidationError({"convener": "召集单位须为本联建的成员单位"})
    if agenda is not None:
        seen: set[int] = set()
        for item in agenda:
            if not item.title.strip():
                raise ValidationError({"agenda": "议题不能为空"})
            if len(item.title) > 200:
                raise ValidationError({"agenda": "议题不能超过 200 个字符"})
            if item.problem is not None:
                if item.problem.alliance_id != meeting.alliance_id:
                    raise ValidationError({"agenda": f"问题 {item.problem.code} 不属于本联建"})
                if item.problem.pk in seen:
                    raise ValidationError({"agenda": f"问题 {item.problem.code} 在议程中重复"})
                seen.add(item.problem.pk)
    if attendees is not None:
        for person in attendees:
            if person.org.pk not in orgs:
                raise ValidationError(
                    {"attendees": f"参会单位“{person.org.name}”不是本联建的成员单位"}
                )
            if not person.name.strip():
                raise ValidationError({"attendees": "参会人员姓名不能为空"})
            if person.member is not None and person.member.org_id != person.org.pk:
                raise ValidationError({"attendees": f"{person.name}不是“{person.org.name}”的党员"})


def _meeting_snapshot(meeting: JointMeeting) -> dict[str, Any]:
    out = snapshot(meeting)
    out["agenda"] = [
        f"{p.code}｜{t}" if p else t
        for t, p in (
            (i.title, i.problem)
            for i in meeting.agenda.select_related("problem").order_by("position")
        )
    ]
    out["attendees"] = [
        f"{a.org.code}｜{a.name}"
        for a in meeting.attendees.select_related("org").order_by("position")
    ]
    return out


def _write_lists(
    meeting: JointMeeting, agenda: Sequence[Agenda] | None, attendees: Sequence[Attendee] | None
) -> None:
    if agenda is not None:
        AgendaItem.objects.filter(meeting=meeting).delete()
        AgendaItem.objects.bulk_create(
            [
                AgendaItem(
                    meeting=meeting, position=i, title=item.title.strip(), problem=item.problem
                )
                for i, item in enumerate(agenda, start=1)
            ]
        )
    if attendees is not None:
        MeetingAttendee.objects.filter(meeting=meeting).delete()
        MeetingAttendee.objects.bulk_create(
            [
                MeetingAttendee(
                    meeting=meeting,
                    position=i,
                    org=a.org,
                    member=a.member,
                    name=a.name.strip()[:50],
                    post=a.post.strip()[:50],
                )
                for i, a in enumerate(attendees, start=1)
            ]
        )


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    alliance: Alliance,
    title: str,
    start: datetime.datetime,
    convener: Organisation,
    agenda: Sequence[Agenda] = (),
    attendees: Sequence[Attendee] = (),
    code: str = "",
    **fields: Any,
) -> JointMeeting:
    """Plan a joint meeting of ``alliance`` (筹备中) convened by one of its organisations,
    with its ordered agenda and attendees. ``code`` defaults to the next 会议编号."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    meeting = JointMeeting(
        alliance=alliance,
        title=clean_text(title, "title", 200),
        start=start,
        convener=convener,
        status=MeetingStatus.PREPARING,
        code=code or "LX-NEW",
        **fields,
    )
    meeting.full_clean(exclude=["code"])
    _check_meeting(meeting, agenda, attendees)
    year = timezone.localtime(start).year
    save_new(meeting, code, lambda: meeting_code_new(year))
    _write_lists(meeting, agenda, attendees)
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=meeting, after=_meeting_snapshot(meeting)
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: Any,
    meeting: JointMeeting,
    agenda: Sequence[Agenda] | None = None,
    attendees: Sequence[Attendee] | None = None,
    **fields: Any,
) -> JointMeeting:
    """Change a meeting's fields; ``agenda``/``attendees`` replace the lists when given.
    A held meeting keeps its minutes (they cannot be emptied)."""
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    fresh = JointMeeting.objects.select_for_update().select_related("alliance").get(pk=meeting.pk)
    before = _meeting_snapshot(fresh)
    for name, value in fields.items():
        setattr(fresh, name, value)
    fresh.full_clean()
    _check_meeting(fresh, agenda, attendees)
    fresh.save()
    _write_lists(fresh, agenda, attendees)
    b, a = diff(before, _meeting_snapshot(fresh))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=fresh, before=b, after=a)
    for name in (*JointMeeting.AUDIT_FIELDS, "updated_at"):
        setattr(meeting, name, getattr(fresh, name))
    return meeting


@transaction.atomic
def meeting_mark_held(*, actor: Any, meeting: JointMeeting) -> JointMeeting:
    """筹备中 → 已召开: the meeting has taken place (not in the future) and has minutes."""
    fresh = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    if fresh.status == MeetingStatus.HELD:
        raise ValidationError("会议已标记为已召开")
    if fresh.start > timezone.now():
        raise ValidationError("会议尚未到召开时间，不能标记为已召开")
    if not fresh.minutes.strip():
        raise ValidationError({"minutes": "请先填写会议纪要，再标记为已召开"})
    fresh.status = MeetingStatus.HELD
    fresh.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=fresh,
        before={"status": MeetingStatus.PREPARING},
        after={"status": MeetingStatus.HELD},
        note="标记为已召开",
    )
    meeting.status, meeting.updated_at = fresh.status, fresh.updated_at
    return meeting
