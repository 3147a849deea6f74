"""Demo activities of 2026 for the Benxi company: 三会一课, 主题党日 and 36 joint activities.

Call after the organisations, members and alliances exist (``demo_load`` then
``demo_alliances``); deterministic (``random.Random(2026)``, never the clock) and
idempotent: activities are created by code (``DM26-…``) only when missing.

Built for the reference date 2026-11-21. Every branch holds its meetings through
2026-11-20, except these deliberate gaps, so that the compliance matrix shows red and
yellow cells: ``GAPS`` below (missing meetings), BX-ZB14's March 支委会 without a quorum
(invalid), and five branches that have not yet held November's 主题党日 (yellow: ten days
or fewer left). The 36 joint activities (党课互讲, 理论联学, 党日交流, 政策联研, 廉洁共建 …)
of the seven networks and the partner alliances add up to exactly 1,056 person-times, as
in seed paper 004. A few records wait for review (已提交), one was returned (已退回),
BX-ZB19 has a draft 主题党日 with its expected list for the QR check-in, and BX-ZB08's
October 主题党日 entered twice by mistake has its duplicate draft voided (已作废, with the
reason, audited). The "2025年度" 组织生活会 and 民主评议党员, held in February 2026, are for
所属年度 2025: the 2025 compliance counts them, 2026's does not (its yearly duties stay open).
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from typing import Any, Protocol

from django.db import transaction

from lianjian.activities.compliance_store import forget_all
from lianjian.activities.models import (
    Activity,
    ActivityOrg,
    ActivityStatus,
    ActivityType,
    Attendance,
    AttendanceStatus,
    CheckinMethod,
    committee_meeting_valid,
    default_for_year,
)
from lianjian.activities.reminders import review_backlog
from lianjian.activities.selectors import TZ
from lianjian.activities.services import activity_void, link
from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.demo import record_demo
from lianjian.notifications.reminders import deliver
from lianjian.orgs.models import Member, Organisation, OrgKind

YEAR = 2026
LAST_DAY = datetime.date(2026, 11, 20)
JOINT_PERSON_TIMES = 1056
JOINT_KINDS = ("党课互讲", "理论联学", "党日交流", "政策联研", "廉洁共建", "志愿服务")
# (branch, activity type, months not held) — the deliberate gaps.
GAPS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("BX-ZB23", ActivityType.THEME_DAY, (5, 6)),
    ("BX-ZB29", ActivityType.LECTURE, (4, 5, 6)),
    ("BX-ZB35", ActivityType.GENERAL_MEETING, (7, 8, 9)),
    ("BX-ZB09", ActivityType.COMMITTEE_MEETING, (8,)),
    ("BX-ZB27", ActivityType.THEME_DAY, (2,)),
)
NOVEMBER_PENDING = ("BX-ZB05", "BX-ZB12", "BX-ZB21", "BX-ZB33", "BX-ZB40")
INVALID_COMMITTEE = ("BX-ZB14", 3)
DRAFT_BRANCH = "BX-ZB19"
# A duplicate draft of BX-ZB08's October 主题党日, entered by mistake and voided (作废).
VOID_BRANCH, VOID_MONTH = "BX-ZB08", 10
VOID_CODE = f"DM26-{VOID_BRANCH}-ZTDR-{VOID_MONTH:02d}-CF"
VOID_REASON = "重复录入：与本支部10月主题党日为同一次活动"
# The yearly duties held in February are the previous year's ("2025年度组织生活会").
PREVIOUS_YEAR_TYPES = (ActivityType.REVIEW_MEETING, ActivityType.APPRAISAL)
REASONS = {
    AttendanceStatus.LEAVE: ("出差", "病假", "倒班值守", "参加培训"),
    AttendanceStatus.ABSENT: ("抢修任务未能参加", "联系不上"),
}
TOPICS = {
    ActivityType.THEME_DAY: (
        "学习贯彻党的二十届四中全会精神",
        "“安全生产月”党员先锋行动",
        "党员志愿服务进社区",
        "重温入党誓词",
        "“岗区队”亮身份践承诺",
        "迎峰度夏保供电党员行动",
    ),
    ActivityType.GENERAL_MEETING: (
        "通报支部工作、讨论发展党员",
        "审议年度党建工作计划",
        "接收预备党员、讨论转正",
    ),
    ActivityType.LECTURE: (
        "书记讲党课：以高质量党建引领高质量发展",
        "新时代国有企业党的建设",
        "党纪学习教育专题党课",
    ),
    ActivityType.COMMITTEE_MEETING: (
        "研究月度党建重点工作",
        "研究党员积分评定",
        "研究关键任务党员责任分工",
    ),
    ActivityType.GROUP_MEETING: ("学习交流、安排班组攻坚任务", "党员责任区工作交流"),
    ActivityType.REVIEW_MEETING: ("2025年度组织生活会",),
    ActivityType.APPRAISAL: ("2025年度民主评议党员",),
}


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


# 活动编号 are codes (letters, digits, '-'), so the type appears as a short Latin abbreviation.
TYPE_ABBREVIATIONS = {
    ActivityType.GENERAL_MEETING: "DYDH",
    ActivityType.COMMITTEE_MEETING: "ZWH",
    ActivityType.GROUP_MEETING: "XZH",
    ActivityType.LECTURE: "DK",
    ActivityType.THEME_DAY: "ZTDR",
    ActivityType.REVIEW_MEETING: "ZZSHH",
    ActivityType.APPRAISAL: "MZPY",
    ActivityType.TALK: "TXTH",
    ActivityType.JOINT: "LJ",
}


def demo_code(org_code: str, activity_type: str, month: int) -> str:
    """The demo's 活动编号 of an organisation's activity of a type in a month: ``DM26-BX-ZB19-ZTDR-11``."""
    return f"DM26-{org_code}-{TYPE_ABBREVIATIONS[activity_type]}-{month:02d}"


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _day(rng: random.Random, month: int, low: int = 3, high: int = 26) -> datetime.date:
    last = LAST_DAY.day if month == LAST_DAY.month else high
    return datetime.date(YEAR, month, rng.randint(min(low, last), last))


def _specs(
    branches: list[Organisation],
    groups: list[Organisation],
    committee: dict[int, int],
    rng: random.Random,
) -> list[dict[str, Any]]:
    gaps = {(b, t, m) for b, t, months in GAPS for m in months}
    out: list[dict[str, Any]] = []
    months = range(1, LAST_DAY.month + 1)

    def add(org: Organisation, atype: str, day: datetime.date, hour: int, **extra: Any) -> None:
        month = day.month
        if (org.code, atype, month) in gaps:
            return
        out.append(
            {
                "code": demo_code(org.code, atype, month),
                "type": atype,
                "host": org,
                "orgs": [org],
                "start": _at(day, hour, 30 if hour == 14 else 0),
                "topic": rng.choice(TOPICS[atype]),
                **extra,
            }
        )

    for b in branches:
        if b.founded and b.founded.year > YEAR:
            continue
        for m in months:
            if m == 11 and b.code in NOVEMBER_PENDING:
                pass
            else:
                add(b, ActivityType.THEME_DAY, _day(rng, m), 9)
            if committee.get(b.pk, 0) >= 3:
                add(b, ActivityType.COMMITTEE_MEETING, _day(rng, m), 16)
        for q in (1, 2, 3, 4):
            month = min(3 * q - rng.randint(0, 2), LAST_DAY.month)
            add(b, ActivityType.GENERAL_MEETING, _day(rng, month), 14)
            add(
                b,
                ActivityType.LECTURE,
                _day(rng, min(3 * q - rng.randint(0, 2), LAST_DAY.month)),
                9,
                lecturer="支部书记",
            )
        add(b, ActivityType.REVIEW_MEETING, _day(rng, 2), 14, for_year=YEAR - 1)
        add(b, ActivityType.APPRAISAL, _day(rng, 2, 10, 27), 9, for_year=YEAR - 1)
    for g in groups:
        for m in months:
            add(g, ActivityType.GROUP_MEETING, _day(rng, m), 17)
    original = next(
        (s for s in out if s["code"] == demo_code(VOID_BRANCH, ActivityType.THEME_DAY, VOID_MONTH)),
        None,
    )
    if original is not None:
        out.append({**original, "code": VOID_CODE, "void": True})
    return out


def _joint_specs(alliances: list[Alliance], rng: random.Random) -> list[dict[str, Any]]:
    orgs_of: dict[int, list[Organisation]] = defaultdict(list)
    for membership in (
        AllianceMember.objects.filter(alliance__in=alliances, left_on__isnull=True)
        .select_related("org")
        .order_by("id")
    ):
        orgs_of[membership.alliance_id].append(membership.org)
    out = []
    n = 0
    for round_no in range(6):
        for alliance in alliances:
            if n >= 36:
                break
            orgs = orgs_of[alliance.pk]
            lead = next((o for o in orgs if o.pk == alliance.lead_id), orgs[0])
            others = [o for o in orgs if o.pk != lead.pk]
            co = rng.sample(others, min(len(others), rng.randint(2, 3))) if others else []
            n += 1
            kind = JOINT_KINDS[(n - 1) % len(JOINT_KINDS)]
            day = _day(rng, min(1 + round_no * 2 + rng.randint(0, 1), LAST_DAY.month))
            out.append(
                {
                    "code": f"DM26-LJ{n:03d}",
                    "type": ActivityType.JOINT,
                    "sub_kind": kind,
                    "host": lead,
                    "orgs": [lead, *co],
                    "alliance": alliance,
                    "start": _at(day, 14),
                    "topic": f"{alliance.name}{kind}活动",
                    "venue": f"{lead.name.removesuffix('党支部')}党员活动室",
                }
            )
    return out


@transaction.atomic
def demo_activities(*, stdout: Writer | None = None) -> dict[str, int]:
    """Create the missing demo activities and their attendance; returns what was created."""
    created = {"activities": 0, "attendance": 0}
    branches = list(
        Organisation.objects.filter(
            code__startswith="BX-", kind=OrgKind.BRANCH, is_partner=False
        ).order_by("code")
    )
    if not branches:
        return created
    groups = list(
        Organisation.objects.filter(parent__in=branches, kind=OrgKind.GROUP).order_by("code")
    )
    people = list(
        Member.objects.current()
        .filter(org__in=branches)
        .order_by("number")
        .values_list("pk", "org_id", "post", "category")
    )
    members: dict[int, list[int]] = defaultdict(list)
    committee_of: dict[int, list[int]] = defaultdict(list)
    for pk, org_id, post, _ in people:
        members[org_id].append(pk)
        if any(p in post for p in ("书记", "委员")):
            committee_of[org_id].append(pk)
    rng = random.Random(2026)
    specs = _specs(branches, groups, {k: len(v) for k, v in committee_of.items()}, rng)
    alliances = list(Alliance.objects.filter(code__startswith="LJW-").order_by("code")) + list(
        Alliance.objects.exclude(code__startswith="LJW-")
        .filter(lead__code__startswith="BX-")
        .order_by("code")
    )
    joint = _joint_specs(alliances, rng) if alliances else []
    existing = set(Activity.objects.filter(code__startswith="DM26-").values_list("code", flat=True))
    if any(not code.isascii() for code in existing):
        # Loaded by an earlier version whose codes held the Chinese type name: the demo year is there.
        return created
    todo = [s for s in [*specs, *joint] if s["code"] not in existing]
    if not todo:
        return created
    # Joint attendance: everyone of the listed internal branches is expected; presence is
    # spread so that the joint activities total JOINT_PERSON_TIMES person-times.
    joint_todo = [s for s in joint if s["code"] not in existing]
    expected_joint = [
        [pk for o in s["orgs"] if not o.is_partner for pk in members.get(o.pk, [])]
        for s in joint_todo
    ]
    capacity = sum(len(e) for e in expected_joint)
    target = JOINT_PERSON_TIMES if len(joint_todo) == len(joint) else None
    attendance: dict[str, list[tuple[int, str, str]]] = {}
    if target is not None and capacity:
        ratio = target / capacity
        counts = [int(len(e) * ratio) for e in expected_joint]
        i = 0
        while sum(counts) < target and i < 10_000:
            k = i % len(counts)
            if counts[k] < len(expected_joint[k]):
                counts[k] += 1
            i += 1
        for s, exp, present in zip(joint_todo, expected_joint, counts, strict=True):
            attendance[s["code"]] = _marks(exp, present, rng)
    rows = []
    for s in todo:
        atype, host = s["type"], s["host"]
        if s["code"] not in attendance and host.kind == OrgKind.BRANCH and not s.get("void"):
            if atype == ActivityType.COMMITTEE_MEETING:
                expected = committee_of.get(host.pk, [])
                present = (
                    len(expected)
                    if (host.code, s["start"].month) != INVALID_COMMITTEE
                    else len(expected) // 2
                )
            else:
                expected = members.get(host.pk, [])
                present = len(expected) - rng.randint(0, max(1, len(expected) // 8))
            attendance[s["code"]] = _marks(expected, present, rng)
        marks = attendance.get(s["code"], [])
        status = ActivityStatus.APPROVED
        if s["start"].date() >= datetime.date(2026, 11, 10):
            status = ActivityStatus.SUBMITTED
        if s["code"] == demo_code(DRAFT_BRANCH, ActivityType.THEME_DAY, 11):
            status = ActivityStatus.DRAFT
            marks = [(pk, AttendanceStatus.ABSENT, "") for pk, _, _ in marks]
        if s.get("void"):
            status, marks = ActivityStatus.DRAFT, []  # voided below, through the service
        activity = Activity(
            code=s["code"],
            type=atype,
            sub_kind=s.get("sub_kind", ""),
            host=host,
            alliance=s.get("alliance"),
            start=s["start"],
            end=s["start"] + datetime.timedelta(hours=2),
            venue=s.get("venue", f"{host.name}党员活动室"),
            topic=s["topic"],
            lecturer=s.get("lecturer", ""),
            host_person="支部书记",
            recorder="组织委员",
            status=status,
            for_year=s.get("for_year", default_for_year(s["start"])),
            expected_count=len(marks) if marks else None,
            present_count=sum(1 for _, st, _ in marks if st == AttendanceStatus.PRESENT)
            if marks
            else None,
        )
        activity.is_valid = committee_meeting_valid(
            atype, activity.expected_count, activity.present_count
        )
        if s["code"] == demo_code("BX-ZB25", ActivityType.LECTURE, 3):
            activity.status, activity.return_reason = (
                ActivityStatus.RETURNED,
                "请补充授课提纲和会议记录",
            )
        activity.minutes = (
            "会议按议程进行，形成决议如下：……" if status != ActivityStatus.DRAFT else ""
        )
        rows.append((activity, s["orgs"], marks))
    Activity.objects.bulk_create([a for a, _, _ in rows], batch_size=500)
    ids = dict(
        Activity.objects.filter(code__in=[a.code for a, _, _ in rows]).values_list("code", "pk")
    )
    links, checks = [], []
    for activity, orgs, marks in rows:
        activity.pk = ids[activity.code]
        links += [link(activity, o.pk, i) for i, o in enumerate(orgs)]
        at = activity.start + datetime.timedelta(minutes=5)
        checks += [
            Attendance(
                activity_id=activity.pk,
                member_id=pk,
                status=st,
                reason=reason,
                checked_in_at=at if st == AttendanceStatus.PRESENT else None,
                method=(CheckinMethod.SCAN if pk % 3 else CheckinMethod.MANUAL)
                if st == AttendanceStatus.PRESENT
                else "",
            )
            for pk, st, reason in marks
        ]
    ActivityOrg.objects.bulk_create(links, batch_size=2000)
    Attendance.objects.bulk_create(checks, batch_size=2000)
    forget_all()  # bulk_create skips the services: the compliance tallies are stale
    # Records awaiting review reach the reviewers' inbox, as the services would have done.
    deliver(
        review_backlog(
            [
                a
                for a, _, _ in rows
                if a.status in (ActivityStatus.SUBMITTED, ActivityStatus.RETURNED)
            ]
        )
    )
    created = {"activities": len(rows), "attendance": len(checks)}
    for activity, _, _ in rows:
        if activity.code == VOID_CODE:
            activity_void(actor=None, activity=activity, reason=VOID_REASON)
    record_demo("activities.activity", "活动", created, always=True)
    if stdout is not None:
        stdout.write(
            f"演示活动：新建 {len(rows)} 项活动、{len(checks)} 条出勤记录（联建活动 {len(joint_todo)} 项）。"
        )
    return created


def _marks(expected: list[int], present: int, rng: random.Random) -> list[tuple[int, str, str]]:
    """Attendance of ``expected``: ``present`` of them present, the others on leave or absent."""
    away = set(rng.sample(expected, len(expected) - present)) if present < len(expected) else set()
    out = []
    for pk in expected:
        if pk in away:
            status = AttendanceStatus.LEAVE if rng.random() < 0.8 else AttendanceStatus.ABSENT
            out.append((pk, status, rng.choice(REASONS[status])))
        else:
            out.append((pk, AttendanceStatus.PRESENT, ""))
    return out
