"""Activities (活动), attendance (签到/考勤) and the organisational-life rules (三会一课).

One activity record is entered once and feeds attendance, person-times (人次), compliance
and statistics. An activity lists its organisations through :class:`ActivityOrg` — the
host first (``position`` 0), then co-organisers — and counts for every one of them.

Scope (``Activity.SCOPE``): a user sees an activity when one of its organisations is visible
to them; they may change it when they manage its host; a manager above the host reviews it.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.activities import compliance
from lianjian.alliances.models import Alliance
from lianjian.core.models import CodedRecord
from lianjian.core.scope import Manages, ManagesBelow, ScopedQuerySet, ScopeRules, Sees
from lianjian.core.validation import (
    HISTORY,
    PLANNED,
    date_errors,
    instance_values,
    is_date,
    raise_errors,
)
from lianjian.orgs.models import Member, Organisation, OrgKind, not_before_founding, validate_code


class ActivityType(models.TextChoices):
    GENERAL_MEETING = "支部党员大会", "支部党员大会"
    COMMITTEE_MEETING = "支部委员会", "支部委员会"
    GROUP_MEETING = "党小组会", "党小组会"
    LECTURE = "党课", "党课"
    THEME_DAY = "主题党日", "主题党日"
    REVIEW_MEETING = "组织生活会", "组织生活会"
    APPRAISAL = "民主评议党员", "民主评议党员"
    TALK = "谈心谈话", "谈心谈话"
    JOINT = "联建活动", "联建活动"


# The forms of joint activities named in the seed papers; free text is allowed too.
JOINT_SUB_KINDS = (
    "党课互讲",
    "理论联学",
    "党日交流",
    "政策联研",
    "廉洁共建",
    "志愿服务",
    "技能比武",
    "结对帮扶",
)


class ActivityStatus(models.TextChoices):
    DRAFT = "草稿", "草稿"
    SUBMITTED = "已提交", "已提交"
    APPROVED = "已通过", "已通过"
    RETURNED = "已退回", "已退回"
    VOID = "已作废", "已作废"


# Records that count as held: a draft is unfinished and a returned record is being corrected.
COUNTED_STATUSES = (ActivityStatus.SUBMITTED, ActivityStatus.APPROVED)
EDITABLE_STATUSES = (ActivityStatus.DRAFT, ActivityStatus.RETURNED)
# Records that say the activity took place: submitted for review or reviewed (a returned
# record was submitted as held and is only being corrected). A draft may be a plan.
HELD_STATUSES = (ActivityStatus.SUBMITTED, ActivityStatus.APPROVED, ActivityStatus.RETURNED)
# Records that may be voided (作废): those still being written — a draft entered by
# mistake, or a returned record that should never have been submitted. A voided record is
# kept (with its reason and audit trail) and counts nowhere.
VOIDABLE_STATUSES = EDITABLE_STATUSES

# The annual duties and their window (所属年度) live with the compliance rules that use them.
YEARLY_TYPES = compliance.YEARLY_TYPES
PREVIOUS_YEAR_MONTHS = compliance.PREVIOUS_YEAR_MONTHS


def default_for_year(start: datetime.datetime) -> int:
    """所属年度 by default: the Asia/Shanghai year of the activity's start (its own year when
    it lies at the very edge of the calendar, where it is refused anyway)."""
    try:
        return start.astimezone(ZoneInfo(settings.TIME_ZONE)).year
    except (OverflowError, ValueError):
        return start.year


def for_year_problem(activity_type: Any, start: Any, for_year: Any) -> str:
    """Why ``for_year`` (所属年度) does not fit an activity of ``activity_type`` starting at
    ``start``, or "": the year of its date, or — for a yearly type (:data:`YEARLY_TYPES`)
    held in January–March — the previous year. Pure."""
    if (
        not isinstance(for_year, int)
        or isinstance(for_year, bool)
        or not isinstance(start, datetime.datetime)
    ):
        return ""
    local = start.astimezone(ZoneInfo(settings.TIME_ZONE))
    if for_year == local.year:
        return ""
    if activity_type in YEARLY_TYPES:
        if local.month <= PREVIOUS_YEAR_MONTHS and for_year == local.year - 1:
            return ""
        if local.month <= PREVIOUS_YEAR_MONTHS:
            return f"所属年度应为 {local.year} 或 {local.year - 1} 年（1–3 月召开的可计入上一年度）"
        return f"所属年度应为 {local.year} 年（只有 1–3 月召开的可计入上一年度）"
    return f"所属年度应为活动所在年份 {local.year} 年（只有组织生活会、民主评议党员可计入上一年度）"


def committee_meeting_valid(activity_type: str, expected: int | None, present: int | None) -> bool:
    """Whether a meeting is valid: a 支委会 needs more than half of the committee present
    (支部工作条例); with no counts recorded there is nothing to judge and it stands."""
    if activity_type != ActivityType.COMMITTEE_MEETING or not expected or present is None:
        return True
    return present * 2 > expected


class ActivityQuerySet(ScopedQuerySet["Activity"]):
    def counted(self) -> ActivityQuerySet:
        return self.filter(status__in=COUNTED_STATUSES)

    def not_void(self) -> ActivityQuerySet:
        return self.exclude(status=ActivityStatus.VOID)


class Activity(CodedRecord):
    """One activity: a 三会一课 meeting, a 主题党日, a joint activity (联建活动) …

    ``code`` (活动编号) is the import/API key. ``host`` is the organisation that holds it and
    is also the first :class:`ActivityOrg`. ``expected_count``/``present_count`` are derived
    from :class:`Attendance` once an expected list exists, and typed (or imported) otherwise.
    ``is_valid`` is false for a 支委会 without more than half of the committee present; such
    a meeting does not count towards compliance. Status: 草稿 → 已提交 → 已通过 / 已退回.
    """

    # Seen through any listed organisation; recorded and edited by the host's managers;
    # reviewed by a manager above the host — never by the host's own manager.
    SCOPE = ScopeRules(
        view=[Sees("orgs")], change=[Manages("host")], approve=[ManagesBelow("host")]
    )
    LABEL_FIELD = "topic"

    AUDIT_FIELDS = (
        "code",
        "type",
        "sub_kind",
        "host_id",
        "alliance_id",
        "start",
        "end",
        "venue",
        "topic",
        "minutes",
        "lecturer",
        "host_person",
        "recorder",
        "status",
        "return_reason",
        "expected_count",
        "present_count",
        "is_valid",
        "for_year",
        "void_reason",
    )
    # A draft may be planned ahead; once recorded as held (activity_row_errors) the
    # dates are historical.
    DATE_WINDOWS = {"start": PLANNED, "end": PLANNED}

    code = models.CharField("活动编号", max_length=32, unique=True, validators=[validate_code])
    type = models.CharField("活动类型", max_length=8, choices=ActivityType.choices)
    sub_kind = models.CharField("活动形式", max_length=20, blank=True)
    host = models.ForeignKey(
        Organisation,
        verbose_name="主办组织",
        on_delete=models.PROTECT,
        related_name="hosted_activities",
    )
    orgs = models.ManyToManyField(
        Organisation, through="ActivityOrg", related_name="activities", verbose_name="参与组织"
    )
    alliance = models.ForeignKey(
        Alliance,
        verbose_name="联建",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
    )
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间", null=True, blank=True)
    venue = models.CharField("地点", max_length=200, blank=True)
    topic = models.CharField("主题", max_length=200)
    minutes = models.TextField("会议记录", blank=True)
    lecturer = models.CharField("授课人", max_length=50, blank=True)
    host_person = models.CharField("主持人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    status = models.CharField(
        "状态", max_length=4, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)
    # Blank = the year of its start (filled on save); see for_year_problem.
    for_year = models.PositiveSmallIntegerField(
        "所属年度", blank=True, help_text="组织生活会、民主评议党员在 1–3 月召开的可计入上一年度"
    )
    expected_count = models.PositiveIntegerField("应到人数", null=True, blank=True)
    present_count = models.PositiveIntegerField("实到人数", null=True, blank=True)
    is_valid = models.BooleanField("有效", default=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = "活动"
        ordering = ["-start", "-id"]
        indexes = [
            # The list's order (selectors.ACTIVITY_LIST_KEY): its pages seek on it.
            models.Index(fields=["start", "id"], name="activity_start_id_idx"),
            models.Index(fields=["host", "start"], name="activity_host_start_idx"),
            models.Index(fields=["alliance", "start"], name="activity_alliance_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(present_count__isnull=True)
                | Q(expected_count__isnull=True)
                | Q(present_count__lte=models.F("expected_count")),
                name="activity_present_le_expected",
                violation_error_message="实到人数不能多于应到人数",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.for_year is None and self.start is not None:
            self.for_year = default_for_year(self.start)
        super().save(*args, **kwargs)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def is_voidable(self) -> bool:
        return self.status in VOIDABLE_STATUSES

    @property
    def is_void(self) -> bool:
        return self.status == ActivityStatus.VOID

    @property
    def is_yearly(self) -> bool:
        return self.type in YEARLY_TYPES

    def refresh_validity(self) -> None:
        self.is_valid = committee_meeting_valid(self.type, self.expected_count, self.present_count)

    def clean(self) -> None:
        host = self.host if self.host_id is not None else None
        raise_errors(activity_row_errors(instance_values(self), host=host))


def is_held(values: dict[str, Any]) -> bool:
    """Whether a record says the activity took place: submitted or reviewed
    (``HELD_STATUSES``), or someone's presence is recorded (实到人数 above 0)."""
    present = values.get("present_count")
    return values.get("status") in HELD_STATUSES or (isinstance(present, int) and present > 0)


def activity_row_errors(values: dict[str, Any], *, host: Any = None) -> dict[str, str]:
    """field → message for the rules of one activity's own fields, the one home of them for
    :meth:`Activity.clean`, the services (edits, submission, attendance) and the
    ``activities`` Excel kind.

    Pure but for ``host`` (the organisation holding it, for its founding date). A draft
    may be planned ahead (``PLANNED``); an activity recorded as held (:func:`is_held`)
    cannot lie in the future (``HISTORY``); nothing happens before the host was founded;
    it ends after it starts; no more present than expected; 活动形式 only for a 联建活动 and
    授课人 only for a 党课. Values that are not of their field's type are skipped.
    """
    windows = {"start": HISTORY, "end": HISTORY} if is_held(values) else None
    errors = date_errors(Activity, values, windows=windows)
    start, end = values.get("start"), values.get("end")
    if "start" not in errors and is_date(start):
        problem = not_before_founding(host, start, "开始时间")
        if problem:
            errors["start"] = problem
    if is_date(start) and is_date(end) and end < start:
        errors.setdefault("end", "结束时间不能早于开始时间")
    expected, present = values.get("expected_count"), values.get("present_count")
    if isinstance(expected, int) and isinstance(present, int) and present > expected:
        errors["present_count"] = "实到人数不能多于应到人数"
    kind = values.get("type")
    problem = for_year_problem(kind, start, values.get("for_year"))
    if problem and "start" not in errors:
        errors["for_year"] = problem
    if isinstance(kind, str) and kind in ActivityType.values:
        if kind != ActivityType.JOINT and values.get("sub_kind"):
            errors["sub_kind"] = "只有联建活动可以填写活动形式"
        if kind != ActivityType.LECTURE and values.get("lecturer"):
            errors["lecturer"] = "只有党课可以填写授课人"
    return errors


def held_problem(activity: Activity) -> str:
    """Why ``activity`` cannot be recorded as held now — its date lies ahead — or ""."""
    values = {**instance_values(activity), "status": ActivityStatus.SUBMITTED}
    errors = activity_row_errors(
        values, host=activity.host if activity.host_id is not None else None
    )
    return errors.get("start") or errors.get("end") or ""


class ActivityOrg(models.Model):
    """An organisation listed on an activity: ``position`` 0 is the host, then co-organisers.

    ``start``, ``type``, ``status``, ``for_year`` and ``is_valid`` repeat the activity's so that compliance
    reads this one table through its (org, start) index: a year of 37,000 organisations
    is a million links, and joining them to the activities costs more than the counting.
    ``services.sync_links`` keeps them equal to the activity's after every change.
    """

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="org_links")
    org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="activity_links")
    position = models.PositiveSmallIntegerField("顺序", default=0)
    start = models.DateTimeField("开始时间")
    type = models.CharField("活动类型", max_length=8, choices=ActivityType.choices)
    status = models.CharField("状态", max_length=4, choices=ActivityStatus.choices)
    for_year = models.PositiveSmallIntegerField("所属年度")
    is_valid = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "活动组织"
        ordering = ["activity_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "org"],
                name="activity_org_unique",
                violation_error_message="同一组织不能重复列出",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "start"], name="activity_org_org_start_idx"),
            models.Index(fields=["org", "for_year"], name="activity_org_org_year_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.org_id}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "出席", "出席"
    LEAVE = "请假", "请假"
    ABSENT = "缺席", "缺席"


class CheckinMethod(models.TextChoices):
    SCAN = "扫码", "扫码"
    MANUAL = "补录", "补录"


class Attendance(models.Model):
    """One expected person (应到) of an activity and whether they came.

    A row exists for everyone on the expected list; 请假 and 缺席 carry a reason.
    ``method`` says how presence was recorded: 扫码 (self check-in) or 补录 (the recorder).
    """

    AUDIT_FIELDS = ("member_id", "status", "reason", "method")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="attendances", verbose_name="党员"
    )
    status = models.CharField(
        "出勤", max_length=4, choices=AttendanceStatus.choices, default=AttendanceStatus.ABSENT
    )
    reason = models.CharField("原因", max_length=200, blank=True)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    method = models.CharField("签到方式", max_length=4, choices=CheckinMethod.choices, blank=True)

    class Meta:
        verbose_name = "出勤"
        ordering = ["activity_id", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                name="attendance_unique",
                violation_error_message="该党员已在应到名单中",
            ),
        ]
        indexes = [models.Index(fields=["member", "status"], name="attendance_member_idx")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.status}"


class Frequency(models.TextChoices):
    MONTH = "月度", "每月"
    QUARTER = "季度", "每季度"
    HALF = "半年", "每半年"
    YEAR = "年度", "每年"


class ComplianceRule(models.Model):
    """A rule of organisational life as data: organisations of ``org_kind`` hold at least
    ``required`` activities of ``activity_type`` each period of ``frequency``.

    ``min_full_members`` limits the rule to organisations with at least that many current
    full members (支委会: a branch of ≥ 7 full members has a committee). Defaults come from
    domain.md and contracts §4 (a data migration); admins tighten or extend them.
    """

    AUDIT_FIELDS = (
        "activity_type",
        "org_kind",
        "frequency",
        "required",
        "min_full_members",
        "active",
        "sort",
    )

    activity_type = models.CharField("活动类型", max_length=8, choices=ActivityType.choices)
    org_kind = models.CharField("适用组织类型", max_length=8, choices=OrgKind.choices)
    frequency = models.CharField("周期", max_length=4, choices=Frequency.choices)
    required = models.PositiveSmallIntegerField("每期至少次数", default=1)
    min_full_members = models.PositiveSmallIntegerField(
        "正式党员人数下限",
        null=True,
        blank=True,
        help_text="仅对正式党员不少于该人数的组织适用；空白表示不限",
    )
    active = models.BooleanField("启用", default=True)
    sort = models.PositiveSmallIntegerField("排序", default=100)
    note = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        verbose_name = "组织生活规则"
        ordering = ["sort", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity_type", "org_kind"],
                name="rule_type_kind_unique",
                violation_error_message="该组织类型已有此活动类型的规则",
            ),
            models.CheckConstraint(
                condition=Q(required__gte=1),
                name="rule_required_positive",
                violation_error_message="每期至少次数应不小于 1",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.org_kind} {self.activity_type} {self.get_frequency_display()}≥{self.required}"
        )

    @property
    def audit_key(self) -> str:
        return f"{self.org_kind}:{self.activity_type}"


class ComplianceTally(models.Model):
    """Derived, not a record: one organisation's compliance rows of one year counted by
    period and by shortfall (``compliance.tally``), so that the matrix of a whole scope —
    its summary figures, its columns, which organisations it lists and which are problem
    ones — is one aggregate over these rows, and only the page's organisations are
    evaluated (``compliance_store``, docs/compliance.md "The matrix at scale").

    Kept right by deletion: a write that can change an organisation's rows deletes its
    tallies (``compliance_store.forget``); the next reader computes the missing ones with
    the engine. ``rules_key`` fingerprints the active rules a tally was made with; a tally
    of other rules is stale. ``path`` copies the organisation's when the tally is made (a
    move refreshes the organisation, which deletes its tallies): the scope of a page is an
    index range over (year, rules_key, path), in the order the matrix lists, with no join;
    scoped like its organisation (``visible_to`` reaches the rows of the organisations
    ``Organisation.objects.visible_to`` does)."""

    SCOPE = ScopeRules(view=[Sees()])

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.SmallIntegerField()
    rules_key = models.CharField(max_length=40)
    path = models.CharField(max_length=600, default="")
    total = models.IntegerField(default=0)
    m01 = models.IntegerField(default=0)
    m02 = models.IntegerField(default=0)
    m03 = models.IntegerField(default=0)
    m04 = models.IntegerField(default=0)
    m05 = models.IntegerField(default=0)
    m06 = models.IntegerField(default=0)
    m07 = models.IntegerField(default=0)
    m08 = models.IntegerField(default=0)
    m09 = models.IntegerField(default=0)
    m10 = models.IntegerField(default=0)
    m11 = models.IntegerField(default=0)
    m12 = models.IntegerField(default=0)
    q1 = models.IntegerField(default=0)
    q2 = models.IntegerField(default=0)
    q3 = models.IntegerField(default=0)
    q4 = models.IntegerField(default=0)
    h1 = models.IntegerField(default=0)
    h2 = models.IntegerField(default=0)
    y = models.IntegerField(default=0)
    s01 = models.IntegerField(default=0)
    s02 = models.IntegerField(default=0)
    s03 = models.IntegerField(default=0)
    s04 = models.IntegerField(default=0)
    s05 = models.IntegerField(default=0)
    s06 = models.IntegerField(default=0)
    s07 = models.IntegerField(default=0)
    s08 = models.IntegerField(default=0)
    s09 = models.IntegerField(default=0)
    s10 = models.IntegerField(default=0)
    s11 = models.IntegerField(default=0)
    s12 = models.IntegerField(default=0)
    sy = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "组织生活合规计数"
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="compliance_tally_org_year")
        ]
        # The first serves the tree order of a page, the second the scope's ``path LIKE
        # 'prefix%'`` on PostgreSQL (``core.lookups.Under``; only pattern ops serve it under
        # a linguistic collation or C.UTF-8). On SQLite the two are alike.
        indexes = [
            models.Index(fields=["year", "rules_key", "path"], name="compliance_tally_scope_idx"),
            models.Index(
                fields=["year", "rules_key", "path"],
                name="compliance_tally_like_idx",
                opclasses=["int2_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.year}"


# The column prefix of each activity type in ActivityTally (``<prefix>_n``, ``<prefix>_p``).
TALLY_TYPE_PREFIX: dict[str, str] = {
    ActivityType.GENERAL_MEETING: "general",
    ActivityType.COMMITTEE_MEETING: "committee",
    ActivityType.GROUP_MEETING: "group",
    ActivityType.LECTURE: "lecture",
    ActivityType.THEME_DAY: "theme",
    ActivityType.REVIEW_MEETING: "review",
    ActivityType.APPRAISAL: "appraisal",
    ActivityType.TALK: "talk",
    ActivityType.JOINT: "joint",
}


class ActivityTally(models.Model):
    """Derived, not a record: what the statistics page needs of one organisation's year
    (activities that count — submitted or approved — starting in that Asia/Shanghai
    calendar year), so that the figures of a whole scope are one aggregate over these rows
    (``statistics``, docs/benchmarks.md 组织生活):

    - by type (``<TALLY_TYPE_PREFIX>_n``/``_p``) and by month (``mNN_n``/``_p``): the
      activities it hosts and their person-times (人次 = present); an activity is counted
      with its host only, so a joint activity is counted once in any scope holding its host;
    - ``linked_n``/``linked_p``: every activity listing it (host or co-organiser) — the
      by-organisation figures, where a joint activity counts for each organisation;
    - ``guest_n``: the activities listing it as a co-organiser, which a scope without their
      host still counts (once; ``statistics`` reads those few activities themselves), and
      ``guest_depth``: the least depth of the nearest common ancestor of it and such an
      activity's host — a subtree whose root lies deeper holds both, so only organisations
      with a ``guest_depth`` above their scope's root are read.

    ``code`` copies the organisation's (it never changes): the first 30 by activities are
    taken from this table alone.

    The sibling of :class:`ComplianceTally`, kept right the same way: every write that
    deletes an organisation's compliance tallies (``compliance_store.forget``) deletes
    these too — and those of the co-organisers of the activities it hosts, whose
    ``guest_depth`` reads its path — and the next reader computes the missing ones.
    ``path`` is the organisation's copy, as there."""

    SCOPE = ScopeRules(view=[Sees()])

    org = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.SmallIntegerField()
    path = models.CharField(max_length=600, default="")
    code = models.CharField(max_length=32, default="")
    general_n = models.IntegerField(default=0)
    general_p = models.IntegerField(default=0)
    committee_n = models.IntegerField(default=0)
    committee_p = models.IntegerField(default=0)
    group_n = models.IntegerField(default=0)
    group_p = models.IntegerField(default=0)
    lecture_n = models.IntegerField(default=0)
    lecture_p = models.IntegerField(default=0)
    theme_n = models.IntegerField(default=0)
    theme_p = models.IntegerField(default=0)
    review_n = models.IntegerField(default=0)
    review_p = models.IntegerField(default=0)
    appraisal_n = models.IntegerField(default=0)
    appraisal_p = models.IntegerField(default=0)
    talk_n = models.IntegerField(default=0)
    talk_p = models.IntegerField(default=0)
    joint_n = models.IntegerField(default=0)
    joint_p = models.IntegerField(default=0)
    m01_n = models.IntegerField(default=0)
    m01_p = models.IntegerField(default=0)
    m02_n = models.IntegerField(default=0)
    m02_p = models.IntegerField(default=0)
    m03_n = models.IntegerField(default=0)
    m03_p = models.IntegerField(default=0)
    m04_n = models.IntegerField(default=0)
    m04_p = models.IntegerField(default=0)
    m05_n = models.IntegerField(default=0)
    m05_p = models.IntegerField(default=0)
    m06_n = models.IntegerField(default=0)
    m06_p = models.IntegerField(default=0)
    m07_n = models.IntegerField(default=0)
    m07_p = models.IntegerField(default=0)
    m08_n = models.IntegerField(default=0)
    m08_p = models.IntegerField(default=0)
    m09_n = models.IntegerField(default=0)
    m09_p = models.IntegerField(default=0)
    m10_n = models.IntegerField(default=0)
    m10_p = models.IntegerField(default=0)
    m11_n = models.IntegerField(default=0)
    m11_p = models.IntegerField(default=0)
    m12_n = models.IntegerField(default=0)
    m12_p = models.IntegerField(default=0)
    linked_n = models.IntegerField(default=0)
    linked_p = models.IntegerField(default=0)
    guest_n = models.IntegerField(default=0)
    guest_depth = models.SmallIntegerField(null=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "活动统计计数"
        constraints = [
            models.UniqueConstraint(fields=["org", "year"], name="activity_tally_org_year")
        ]
        # The scope is ``path LIKE 'prefix%'`` on PostgreSQL (``core.lookups.Under``), which
        # only a pattern-ops index serves under a linguistic collation (or C.UTF-8).
        indexes = [
            models.Index(
                fields=["year", "path"],
                name="activity_tally_scope_idx",
                opclasses=["int2_ops", "varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return f"{self.org_id}:{self.year}"
