"""Writes of 党员积分, each in one transaction and audited (before/after).

- :func:`import_scheme` — create or re-version a scheme from its file (all or nothing);
- :func:`recompute` — make the ``auto`` entries of a scheme match the records that exist
  now (idempotent: an entry per rule, member and record; a record that went away — an
  activity voided, an attendance changed to 请假 — withdraws its entry with the reason);
- :func:`file_claim`, :func:`claim_step` — a claim and its review;
- :func:`add_manual_entry`, :func:`withdraw_entry` — a branch's own entries, and the way
  anything leaves the ledger (withdrawn with a reason, never deleted or edited);
- :func:`set_standing` — a member's category for a year (and exemption).

Permission is checked here too (a service called from the API, a screen or an import
refuses alike): ``PermissionDenied`` for a visible row the actor may not change.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.activities.models import Activity, ActivityType, Attendance, AttendanceStatus
from lianjian.core.audit import audit_record, audited_create, audited_update
from lianjian.core.models import AuditLog
from lianjian.core.scope import CHANGE, may, scope_of
from lianjian.orgs.models import Member, MemberTransfer, Organisation
from lianjian.points import engine, fast
from lianjian.points.models import (
    ClaimState,
    EntrySource,
    EntryStatus,
    MemberStanding,
    PointsCategory,
    PointsClaim,
    PointsEntry,
    PointsRule,
    PointsScheme,
    RuleCategory,
)
from lianjian.points.sources import SOURCE_NAMES, SOURCES, Found

SYSTEM_REASON = "来源记录已撤销或不再符合规则"
# The attendance sources and the status each counts (recomputed set-based in SQL, fast.py).
ATTENDANCE_STATUS = {"attendance": AttendanceStatus.PRESENT, "absence": AttendanceStatus.ABSENT}


def _allowed(actor: Any, action: str, obj: Any) -> bool:
    """Whether ``actor`` may ``action`` ``obj``; ``None`` is the system (the command line,
    the demo), which acts without a scope."""
    return actor is None or may(actor, action, obj)


def parse_file(data: Any) -> engine.Scheme:
    """The scheme in a scheme file, checked against the sources this system computes."""
    return engine.parse_scheme(
        data, sources=SOURCE_NAMES, activity_types=[t.value for t in ActivityType]
    )


# --- schemes ------------------------------------------------------------------------------


@transaction.atomic
def import_scheme(*, actor: Any, data: Any) -> PointsScheme:
    """Create the scheme of the file, or make a new version of the scheme with its code.

    The file's organisation must exist and be managed by ``actor`` (None: the command
    line, the system); a scheme's organisation and year never change once it has entries.
    Raises ValidationError listing every problem, and changes nothing then.
    """
    try:
        spec = parse_file(data)
    except engine.SchemeError as exc:
        raise ValidationError(exc.problems) from None
    org = Organisation.objects.filter(code=spec.org).first()
    if org is None:
        raise ValidationError([f"组织 {spec.org} 不存在"])
    if not _allowed(actor, CHANGE, PointsScheme(org=org)):
        raise PermissionDenied("无权为该组织制定积分办法")
    fields: dict[str, Any] = {
        "name": spec.name,
        "org": org,
        "year": spec.year,
        "period": spec.period,
        "base": spec.base,
        "bonus_cap": spec.bonus_cap,
        "floor": spec.floor,
        "ceiling": spec.ceiling,
        "exempt_categories": list(spec.exempt_categories),
        "ranking": spec.ranking,
        "publicity_days": _publicity_days(data),
        "spec": engine.scheme_to_data(spec) | {"publicity_days": _publicity_days(data)},
    }
    scheme = PointsScheme.objects.select_for_update().filter(code=spec.code).first()
    if scheme is None:
        scheme = audited_create(actor=actor, obj=PointsScheme(code=spec.code, **fields))
    else:
        if (scheme.org_id != org.pk or scheme.year != spec.year) and scheme.entries.exists():
            raise ValidationError([f"积分办法 {spec.code} 已有积分记录，不能改变组织或年度"])
        fields["version"] = scheme.version + 1
        scheme = audited_update(actor=actor, obj=scheme, fields=fields)
    existing = {r.code: r for r in scheme.rules.all()}
    for position, rule in enumerate(spec.rules):
        values = {
            "text": rule.text,
            "category": rule.category,
            "source": rule.source,
            "points": rule.points,
            "cap_period": rule.cap_period,
            "cap_year": rule.cap_year,
            "activity_types": list(rule.activity_types),
            "veto_total": rule.veto_total,
            "active": True,
            "position": position,
        }
        if rule.code in existing:
            audited_update(actor=actor, obj=existing.pop(rule.code), fields=values)
        else:
            audited_create(actor=actor, obj=PointsRule(scheme=scheme, code=rule.code, **values))
    for dropped in existing.values():
        if dropped.active:
            audited_update(actor=actor, obj=dropped, fields={"active": False})
    return scheme


def _publicity_days(data: Any) -> int:
    value = data.get("publicity_days", 3) if isinstance(data, dict) else 3
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 30:
        raise ValidationError([f"publicity_days 应为 0 到 30 之间的整数：{value!r}"])
    return value


# --- recompute ----------------------------------------------------------------------------


@transaction.atomic
def recompute(
    *,
    actor: Any,
    scheme: PointsScheme,
    period: str | None = None,
    activity: Activity | None = None,
) -> tuple[int, int]:
    """Make the scheme's ``auto`` entries (of ``period``, or the whole year) match the
    source records; answers (entries written, entries withdrawn). Running it twice
    changes nothing the second time. Audited as one import row per run (the entries are
    many and each is reproducible from its record). With ``activity``, only the
    attendance rules and only that activity's attendance (:func:`recompute_activity`).

    The attendance and absence rules — nearly all entries — are compared in SQL
    (:mod:`lianjian.points.fast`); the other sources, a few rows per branch and year, row
    by row against their small sets of records."""
    first, last = _range(scheme, period)
    # One recompute of a scheme at a time (the screen's job, an activity's task, the
    # command): a second waits here and then finds what the first wrote.
    PointsScheme.objects.select_for_update().filter(pk=scheme.pk).values_list("pk").first()
    rules = [r for r in scheme.rules.all() if r.active and r.source in SOURCES]
    if activity is not None:
        rules = [r for r in rules if r.source in ATTENDANCE_STATUS]
    written = withdrawn = 0
    now_entries: list[PointsEntry] = []
    now = timezone.now()
    fast.analyze_if_stale()
    counts = fast.recompute_attendance(
        scheme,
        [r for r in rules if r.source in ATTENDANCE_STATUS],
        ATTENDANCE_STATUS,
        first,
        last,
        SYSTEM_REASON,
        now,
        activity_id=activity.pk if activity is not None else None,
    )
    if counts is not None:
        written, withdrawn = counts
        rules = [r for r in rules if r.source not in ATTENDANCE_STATUS]
    for rule in rules:
        # Every source places its members by their organisation on the record's day
        # (sources.Placement): a later transfer changes no closed period.
        found: dict[tuple[int, str], Found] = {
            (row.member_id, row.key): row
            for row in SOURCES[rule.source](rule.as_engine(), scheme.org.path, first, last)
        }
        current = PointsEntry.objects.filter(
            rule=rule,
            source=EntrySource.AUTO,
            status=EntryStatus.ACTIVE,
            happened_on__gte=first,
            happened_on__lte=last,
        )
        stale: list[int] = []
        for pk, member_id, key in current.values_list("pk", "member_id", "record_key"):
            if found.pop((member_id, key), None) is None:
                stale.append(pk)
        for i in range(0, len(stale), 5000):
            withdrawn += PointsEntry.objects.filter(pk__in=stale[i : i + 5000]).update(
                status=EntryStatus.WITHDRAWN, withdrawn_reason=SYSTEM_REASON
            )
        for row in found.values():
            now_entries.append(
                PointsEntry(
                    scheme=scheme,
                    member_id=row.member_id,
                    rule=rule,
                    period=engine.period_of(row.day, scheme.period),
                    happened_on=row.day,
                    points=rule.points,
                    source=EntrySource.AUTO,
                    record_key=row.key,
                    attendance_id=row.attendance_id,
                    milestone_id=row.milestone_id,
                    problem_id=row.problem_id,
                    carrier_review_id=row.carrier_review_id,
                    reason=rule.text,
                )
            )
    PointsEntry.objects.bulk_create(now_entries, batch_size=5000)
    written += len(now_entries)
    if written or withdrawn:
        audit_record(
            actor=actor,
            action=AuditLog.Action.IMPORT,
            obj=scheme,
            after={
                "period": period or str(scheme.year),
                "written": written,
                "withdrawn": withdrawn,
            }
            | ({"activity": activity.code} if activity is not None else {}),
            note="自动积分重新计算"
            if activity is None
            else f"活动记录 {activity.code} 状态变化，自动积分随之更新",
        )
    return written, withdrawn


def recompute_activity(activity_id: int) -> tuple[int, int]:
    """Bring the automatic entries of one activity's attendance in line after its record
    entered or left the statuses that count (submitted, returned, voided): in every scheme
    of the activity's year whose organisation holds one of its attendees, for the scheme's
    period of the activity's day. Answers the (written, withdrawn) summed over the schemes;
    idempotent like :func:`recompute` (a retried task writes nothing twice). The full
    recompute stays the repair path; this keeps a member's points current without it."""
    activity = Activity.objects.filter(pk=activity_id).first()
    if activity is None:
        return 0, 0
    day = timezone.localtime(activity.start).date()
    attendees = Attendance.objects.filter(activity_id=activity_id)
    # Today's organisations and those left since the day (a superset of the organisations
    # on the day: each scheme's recompute then decides as of the day itself).
    paths = set(attendees.values_list("member__org__path", flat=True)) | set(
        MemberTransfer.objects.filter(
            member__in=attendees.values("member_id"), date__gt=day
        ).values_list("from_org__path", flat=True)
    )
    # The organisations that hold one of those: each path's prefixes (/DW01/, /DW01/ZB3/).
    holders = {path[: i + 1] for path in paths for i, c in enumerate(path) if c == "/" and i}
    written = withdrawn = 0
    schemes = PointsScheme.objects.filter(
        year=day.year,
        org__path__in=holders,
        rules__active=True,
        rules__source__in=list(ATTENDANCE_STATUS),
    ).select_related("org")
    for scheme in schemes.distinct().order_by("pk"):
        counts = recompute(
            actor=None,
            scheme=scheme,
            period=engine.period_of(day, scheme.period),
            activity=activity,
        )
        written, withdrawn = written + counts[0], withdrawn + counts[1]
    return written, withdrawn


def _range(scheme: PointsScheme, period: str | None) -> tuple[datetime.date, datetime.date]:
    if period is None:
        return engine.period_bounds(str(scheme.year))
    if period != str(scheme.year) and period not in scheme.periods():
        raise ValidationError(f"期间 {period} 不属于积分办法 {scheme.code}（{scheme.year}年）")
    return engine.period_bounds(period)


# --- claims -------------------------------------------------------------------------------


def problems(
    *,
    scheme: PointsScheme,
    member: Member,
    rule: PointsRule,
    happened_on: datetime.date,
    claim: bool,
    points: Decimal | None = None,
) -> dict[str, str]:
    """What is wrong with a new claim (``claim``) or manual entry, by field (empty: nothing);
    the services refuse on it and the Excel import lists it for every row."""
    errors: dict[str, str] = {}
    if not member.org.path.startswith(scheme.org.path):
        errors["member"] = f"{member.name}不在积分办法 {scheme.code} 的范围内"
    if happened_on.year != scheme.year:
        errors["happened_on"] = f"发生日期应在 {scheme.year} 年内"
    elif happened_on > timezone.localdate():
        errors["happened_on"] = "发生日期不能晚于今天"
    if not rule.active:
        errors["rule"] = f"规则 {rule.code} 已停用"
    elif claim and not rule.is_claimable:
        errors["rule"] = f"规则 {rule.code} 不接受个人申报"
    elif claim and rule.category == RuleCategory.VETO:
        errors["rule"] = "一票否决事项由支部录入，不能申报"
    if points is not None and rule.points and points * rule.points < 0:
        errors["points"] = "分值应与规则同号"
    return errors


@transaction.atomic
def file_claim(
    *,
    actor: Any,
    member: Member,
    rule: PointsRule,
    happened_on: datetime.date,
    text: str,
    evidence: str = "",
) -> PointsClaim:
    """A claim under a claimable rule, by the member themself or by a manager of their
    organisation (the group leader declaring for them)."""
    scope = scope_of(actor)
    own = scope.member_id == member.pk
    if not own and not _allowed(actor, CHANGE, PointsClaim(member=member)):
        raise PermissionDenied("只能为本人或所管理组织的党员申报")
    scheme = rule.scheme
    errors = problems(scheme=scheme, member=member, rule=rule, happened_on=happened_on, claim=True)
    if errors:
        raise ValidationError(errors)
    if not text.strip():
        raise ValidationError({"text": "请填写申报说明"})
    claim = PointsClaim(
        scheme=scheme,
        member=member,
        rule=rule,
        happened_on=happened_on,
        period=engine.period_of(happened_on, scheme.period),
        text=text.strip(),
        evidence=evidence.strip(),
        claimed_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return audited_create(actor=actor, obj=claim)


# Each review step: the states it starts from, the state it leads to, its label.
STEPS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "group": ((ClaimState.FILED,), ClaimState.GROUP, "党小组初核通过"),
    "committee": ((ClaimState.GROUP,), ClaimState.COMMITTEE, "支委会审定通过"),
    "publish": ((ClaimState.COMMITTEE,), ClaimState.PUBLIC, "开始公示"),
    "object": ((ClaimState.PUBLIC,), ClaimState.GROUP, "异议退回支委会"),
    "effective": ((ClaimState.PUBLIC,), ClaimState.EFFECTIVE, "公示期满生效"),
    "reject": (
        (ClaimState.FILED, ClaimState.GROUP, ClaimState.COMMITTEE, ClaimState.PUBLIC),
        ClaimState.REJECTED,
        "驳回",
    ),
}
NEEDS_REASON = ("object", "reject")


def next_steps(claim: PointsClaim) -> list[tuple[str, str]]:
    """The steps a reviewer may take on ``claim`` now, as (action, label)."""
    return [(a, label) for a, (starts, _, label) in STEPS.items() if claim.state in starts]


@transaction.atomic
def claim_step(
    *,
    actor: Any,
    claim: PointsClaim,
    action: str,
    reason: str = "",
    today: datetime.date | None = None,
) -> PointsClaim:
    """Take the review step ``action`` (:data:`STEPS`) on a claim. Managers of the
    member's organisation review; nobody reviews their own claim. 生效 only once the
    publicity period is over; it writes the ledger entry."""
    if not _allowed(actor, "review", claim):
        raise PermissionDenied("无权审核该申报")
    if actor is not None and scope_of(actor).member_id == claim.member_id:
        raise PermissionDenied("不能审核本人的申报")
    if action not in STEPS:
        raise ValidationError(f"未知的审核操作：{action}")
    claim = (
        PointsClaim.objects.select_for_update().select_related("rule", "scheme").get(pk=claim.pk)
    )
    starts, target, label = STEPS[action]
    if claim.state not in starts:
        raise ValidationError(f"申报当前为“{claim.state}”，不能{label}")
    today = today or timezone.localdate()
    fields: dict[str, Any] = {"state": target}
    if action in NEEDS_REASON:
        if not reason.strip():
            raise ValidationError({"reason": f"{label}须填写理由"})
        fields["reason"] = reason.strip()[:300]
    if action == "publish":
        fields["public_until"] = today + datetime.timedelta(days=claim.scheme.publicity_days)
    if action == "effective" and claim.public_until is not None and today < claim.public_until:
        raise ValidationError(f"公示期至 {claim.public_until:%Y-%m-%d}，期满后方可生效")
    claim = audited_update(actor=actor, obj=claim, fields=fields)
    if action == "effective":
        entry = PointsEntry(
            scheme=claim.scheme,
            member_id=claim.member_id,
            rule=claim.rule,
            period=claim.period,
            happened_on=claim.happened_on,
            points=claim.rule.points,
            source=EntrySource.CLAIM,
            claim=claim,
            reason=claim.text,
            entered_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audited_create(actor=actor, obj=entry)
    return claim


# --- manual entries and withdrawal --------------------------------------------------------


@transaction.atomic
def add_manual_entry(
    *,
    actor: Any,
    member: Member,
    rule: PointsRule,
    happened_on: datetime.date,
    reason: str,
    points: Decimal | None = None,
) -> PointsEntry:
    """An entry a branch records directly (a deduction, a veto event, a correction of an
    earlier entry): 生效 at once, with the reason. ``points`` defaults to the rule's;
    a correction may give its own (of the rule's sign)."""
    if not _allowed(actor, CHANGE, PointsEntry(member=member)):
        raise PermissionDenied("无权为该党员录入积分")
    scheme = rule.scheme
    errors = problems(
        scheme=scheme, member=member, rule=rule, happened_on=happened_on, claim=False, points=points
    )
    if errors:
        raise ValidationError(errors)
    if not reason.strip():
        raise ValidationError({"reason": "请填写录入说明"})
    value = rule.points if points is None else points
    entry = PointsEntry(
        scheme=scheme,
        member=member,
        rule=rule,
        period=engine.period_of(happened_on, scheme.period),
        happened_on=happened_on,
        points=value,
        source=EntrySource.MANUAL,
        reason=reason.strip(),
        entered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return audited_create(actor=actor, obj=entry)


@transaction.atomic
def withdraw_entry(*, actor: Any, entry: PointsEntry, reason: str) -> PointsEntry:
    """Withdraw a ledger entry (it stays, with the reason). An ``auto`` entry is withdrawn
    by its record only (void the activity, correct the attendance), never by hand."""
    if not _allowed(actor, CHANGE, entry):
        raise PermissionDenied("无权撤回该积分")
    if entry.source == EntrySource.AUTO:
        raise ValidationError("自动积分随来源记录变化，请更正来源记录")
    if entry.status != EntryStatus.ACTIVE:
        raise ValidationError("该积分已撤回")
    if not reason.strip():
        raise ValidationError({"reason": "请填写撤回原因"})
    return audited_update(
        actor=actor,
        obj=entry,
        fields={"status": EntryStatus.WITHDRAWN, "withdrawn_reason": reason.strip()[:300]},
        lock=True,
    )


@transaction.atomic
def set_standing(
    *, actor: Any, member: Member, year: int, category: str, exempt: bool, reason: str = ""
) -> MemberStanding:
    """A member's category for ``year``; exempting needs a reason.

    The one home of this write (screen, API and Excel call it): the managers of the
    member's organisation set it, never the member themself (a branch secretary is a
    member too); an unknown category is refused. Unchanged values write nothing."""
    if not _allowed(actor, CHANGE, MemberStanding(member=member)):
        raise PermissionDenied("无权设置该党员的积分类别")
    if actor is not None and scope_of(actor).member_id == member.pk:
        raise PermissionDenied("不能设置本人的积分类别")
    if category not in PointsCategory.values:
        raise ValidationError({"category": f"积分类别应为 {'、'.join(PointsCategory.values)} 之一"})
    if exempt and not reason.strip():
        raise ValidationError({"reason": "免于积分须说明原因"})
    standing: MemberStanding | None = MemberStanding.objects.filter(
        member=member, year=year
    ).first()
    fields: dict[str, Any] = {"category": category, "exempt": exempt, "reason": reason.strip()}
    if standing is None:
        return audited_create(actor=actor, obj=MemberStanding(member=member, year=year, **fields))
    if all(getattr(standing, k) == v for k, v in fields.items()):
        return standing
    return audited_update(actor=actor, obj=standing, fields=fields)
