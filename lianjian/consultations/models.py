"""事务共商: joint meetings (联席会议) of an alliance and the problem list (问题清单).

An organisation raises a problem (a 生产经营难点, a safety or service issue …) to its
alliance; the alliance studies it at a joint meeting and assigns owners and a deadline; the
owners report progress and mark it solved; the raising organisation confirms (销号) or sends
it back (重新办理). The states and their rules live in :mod:`lianjian.consultations.rules`.

Scope (``SCOPE`` of each model, :mod:`lianjian.core.scope`): a user sees a meeting when
they see its alliance; a problem when they see its alliance, its raising organisation or
one of its owners. Who may take which step of a problem:

- raise: a manager of the raising organisation (which must be in the alliance);
- assign (分派, also re-assign): the alliance's managers (those who manage its lead); for a
  problem without an alliance, the managers above the raising organisation;
- progress and solve: the managers of any owner organisation;
- confirm (销号) and reopen (重新办理): the managers of the raising organisation;
- edit (while 待研究): the raising organisation's managers or the assigners.
Which steps the problem's state allows is :mod:`lianjian.consultations.rules`'.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.alliances.models import Alliance
from lianjian.consultations import rules
from lianjian.core.scope import Also, Manages, ManagesBelow, Only, ScopedQuerySet, ScopeRules, Sees
from lianjian.core.validation import (
    HISTORY,
    PLANNED,
    date_errors,
    instance_values,
    is_date,
    raise_errors,
)
from lianjian.deadlines.engine import PresetRule
from lianjian.deadlines.services import rule_for
from lianjian.orgs.models import Member, Organisation, not_before_founding, validate_code

if TYPE_CHECKING:
    pass


class ProblemCategory(models.TextChoices):
    PRODUCTION = "生产经营难点", "生产经营难点"
    SAFETY = "安全生产", "安全生产"
    MARKETING = "营销服务", "营销服务"
    BUSINESS_ENV = "营商环境", "营商环境"
    RURAL = "乡村振兴", "乡村振兴"
    GOVERNANCE = "基层治理", "基层治理"
    LIVELIHOOD = "民生服务", "民生服务"
    OTHER = "其他", "其他"


class Urgency(models.TextChoices):
    NORMAL = "一般", "一般"
    URGENT = "较急", "较急"
    CRITICAL = "紧急", "紧急"


class ProblemState(models.TextChoices):
    PENDING = rules.PENDING, rules.PENDING
    ASSIGNED = rules.ASSIGNED, rules.ASSIGNED
    IN_PROGRESS = rules.IN_PROGRESS, rules.IN_PROGRESS
    SOLVED = rules.SOLVED, rules.SOLVED
    CLOSED = rules.CLOSED, rules.CLOSED


# The longest minutes and decisions (the API's limit too).
MINUTES_MAX = 20_000


class MeetingStatus(models.TextChoices):
    PREPARING = "筹备中", "筹备中"
    HELD = "已召开", "已召开"


class JointMeetingQuerySet(ScopedQuerySet["JointMeeting"]):
    pass


class JointMeeting(models.Model):
    """A joint meeting (联席会议) of an alliance: agenda, attendees, minutes and decisions.

    ``code`` (会议编号, e.g. ``LX-2026-001``) is the API key. Status 筹备中 → 已召开; a held
    meeting needs its minutes. Problems studied at the meeting are linked from its agenda.
    """

    SCOPE = ScopeRules(
        view=[Also("alliance")], change=[Manages("alliance__lead"), Manages("convener")]
    )

    AUDIT_FIELDS = (
        "code",
        "alliance_id",
        "title",
        "start",
        "place",
        "convener_id",
        "host_person",
        "recorder",
        "minutes",
        "decisions",
        "status",
    )
    # A meeting in preparation may be planned ahead; once held its time is history.
    DATE_WINDOWS = {"start": PLANNED}

    code = models.CharField("会议编号", max_length=32, unique=True, validators=[validate_code])
    alliance = models.ForeignKey(
        Alliance, verbose_name="联建", on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField("会议名称", max_length=200)
    start = models.DateTimeField("召开时间")
    place = models.CharField("地点", max_length=200, blank=True)
    convener = models.ForeignKey(
        Organisation,
        verbose_name="召集单位",
        on_delete=models.PROTECT,
        related_name="convened_meetings",
    )
    host_person = models.CharField("主持人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    decisions = models.TextField("议定事项", blank=True)
    status = models.CharField(
        "状态", max_length=4, choices=MeetingStatus.choices, default=MeetingStatus.PREPARING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = JointMeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "联席会议"
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["alliance", "start"], name="meeting_alliance_start_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_key(self) -> str:
        return self.code

    def clean(self) -> None:
        windows = {"start": HISTORY} if self.status == MeetingStatus.HELD else None
        errors = date_errors(JointMeeting, instance_values(self), windows=windows)
        if "start" not in errors and self.alliance_id is not None:
            problem = not_before_founding(self.alliance, self.start, "召开时间")
            if problem:
                errors["start"] = problem
        if self.status == MeetingStatus.HELD and not (self.minutes or "").strip():
            errors["minutes"] = "已召开的会议须填写会议纪要"
        for name in ("minutes", "decisions"):
            if len(getattr(self, name) or "") > MINUTES_MAX:
                errors[name] = (
                    f"{self._meta.get_field(name).verbose_name}不能超过 {MINUTES_MAX} 个字符"
                )
        raise_errors(errors)


class AgendaItem(models.Model):
    """One item of a meeting's agenda, in order; ``problem`` when the item studies a problem."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField("顺序")
    title = models.CharField("议题", max_length=200)
    problem = models.ForeignKey(
        "Problem",
        verbose_name="研究问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )

    class Meta:
        verbose_name = "议程"
        ordering = ["meeting_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_position_unique"),
            models.UniqueConstraint(
                fields=["meeting", "problem"],
                name="agenda_problem_unique",
                violation_error_message="同一问题在一次会议的议程中只能列一次",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class MeetingAttendee(models.Model):
    """An attendee of a joint meeting: an organisation of the alliance and a person of it —
    a member record when the person is a member of an internal organisation, the name
    otherwise (a partner's liaison)."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.CASCADE, related_name="attendees")
    position = models.PositiveSmallIntegerField("顺序")
    org = models.ForeignKey(
        Organisation,
        verbose_name="单位",
        on_delete=models.PROTECT,
        related_name="meeting_attendances",
    )
    member = models.ForeignKey(
        Member,
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_attendances",
    )
    name = models.CharField("姓名", max_length=50)
    post = models.CharField("职务", max_length=50, blank=True)

    class Meta:
        verbose_name = "参会人员"
        ordering = ["meeting_id", "position"]

    def __str__(self) -> str:
        return self.name


class ProblemQuerySet(ScopedQuerySet["Problem"]):
    pass


# Who assigns a problem without an alliance: the managers above the raising organisation.
_ABOVE_RAISER = Only(
    Q(alliance__isnull=True), lambda p: p.alliance_id is None, ManagesBelow("raised_by")
)


class Problem(models.Model):
    """A problem on an alliance's list (问题清单), from raising to 销号.

    ``code`` (问题编号, e.g. ``WT-2026-001``) is the import/API key. ``owners`` (责任组织,
    :class:`ProblemOwner`) and ``deadline`` are set when it is assigned; ``solved_on`` and
    ``resolution`` when solved; ``closed_on`` when the raising organisation confirms it.
    ``reopened`` counts the times it was sent back. Every change of state goes through a
    service and writes a :class:`ProblemEvent` (the timeline) and an audit row.
    """

    SCOPE = ScopeRules(
        view=[Also("alliance"), Sees("raised_by"), Sees("owner_links__org")],
        change=[Manages("alliance__lead"), Manages("raised_by"), Manages("owner_links__org")],
        assign=[Manages("alliance__lead"), _ABOVE_RAISER],
        progress=[Manages("owner_links__org")],
        solve=[Manages("owner_links__org")],
        confirm=[Manages("raised_by")],
        reopen=[Manages("raised_by")],
        edit=[Manages("raised_by"), Manages("alliance__lead"), _ABOVE_RAISER],
    )

    AUDIT_FIELDS = (
        "code",
        "title",
        "category",
        "urgency",
        "description",
        "alliance_id",
        "raised_by_id",
        "raised_on",
        "responsible",
        "deadline",
        "meeting_id",
        "state",
        "assigned_on",
        "solved_on",
        "resolution",
        "closed_on",
        "reopened",
    )
    # What happened is history; the deadline may lie ahead (a past one stays valid).
    DATE_WINDOWS = {
        "raised_on": HISTORY,
        "assigned_on": HISTORY,
        "solved_on": HISTORY,
        "closed_on": HISTORY,
        "deadline": PLANNED,
    }

    code = models.CharField("问题编号", max_length=32, unique=True, validators=[validate_code])
    title = models.CharField("问题标题", max_length=200)
    category = models.CharField("问题类别", max_length=8, choices=ProblemCategory.choices)
    urgency = models.CharField(
        "紧急程度", max_length=4, choices=Urgency.choices, default=Urgency.NORMAL
    )
    description = models.TextField("问题描述", blank=True)
    alliance = models.ForeignKey(
        Alliance,
        verbose_name="联建",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    raised_by = models.ForeignKey(
        Organisation,
        verbose_name="提出组织",
        on_delete=models.PROTECT,
        related_name="raised_problems",
    )
    raised_on = models.DateField("提出日期")
    owners = models.ManyToManyField(
        Organisation, through="ProblemOwner", related_name="owned_problems", verbose_name="责任组织"
    )
    responsible = models.CharField("责任人", max_length=50, blank=True)
    deadline = models.DateField("办理期限", null=True, blank=True)
    meeting = models.ForeignKey(
        JointMeeting,
        verbose_name="研究会议",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="studied_problems",
    )
    state = models.CharField(
        "状态", max_length=4, choices=ProblemState.choices, default=ProblemState.PENDING
    )
    assigned_on = models.DateField("分派日期", null=True, blank=True)
    solved_on = models.DateField("解决日期", null=True, blank=True)
    resolution = models.TextField("解决情况", blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    reopened = models.PositiveSmallIntegerField("退回次数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProblemQuerySet.as_manager()

    class Meta:
        verbose_name = "问题"
        ordering = ["-raised_on", "-id"]
        indexes = [
            models.Index(fields=["alliance", "state"], name="problem_alliance_state_idx"),
            models.Index(fields=["state", "deadline"], name="problem_state_deadline_idx"),
            models.Index(fields=["raised_by", "raised_on"], name="problem_raised_by_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(solved_on__isnull=True) | Q(solved_on__gte=models.F("raised_on")),
                name="problem_solved_after_raised",
                violation_error_message="解决日期不能早于提出日期",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=rules.SOLVED_STATES) | Q(solved_on__isnull=False),
                name="problem_solved_has_date",
                violation_error_message="已解决的问题须有解决日期",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_key(self) -> str:
        return self.code

    def colour(self, today: datetime.date, rule: PresetRule | None = None) -> str:
        """The 三色 of the problem on ``today`` (``rules.colour``) under ``rule``, by default
        the preset of the kind ``problem`` (``deadlines.services.rule_for``)."""
        return rules.colour(self.state, self.deadline, today, rule or rule_for(rules.DEADLINE_KIND))

    def clean(self) -> None:
        raised_by = self.raised_by if self.raised_by_id is not None else None
        raise_errors(problem_row_errors(instance_values(self), raised_by=raised_by))


def problem_row_errors(values: dict[str, Any], *, raised_by: Any = None) -> dict[str, str]:
    """field → message for the rules of one problem's own fields, the one home of them for
    :meth:`Problem.clean` (so the services) and the ``problems`` Excel kind.

    The dates lie in their windows (``DATE_WINDOWS``), not before the raising organisation
    was founded; 提出日期 ≤ 解决日期 and ≤ 办理期限; from 已分派 on a problem has a deadline
    and a 待研究 one none; 待确认 and 已销号 have a solved date and a resolution, the states
    before them neither. Pure but for ``raised_by`` (for its founding date); values that are
    not of their field's type are skipped.
    """
    errors = date_errors(Problem, values)
    raised, solved, deadline = (
        values.get("raised_on"),
        values.get("solved_on"),
        values.get("deadline"),
    )
    if "raised_on" not in errors and is_date(raised):
        problem = not_before_founding(raised_by, raised, "提出日期")
        if problem:
            errors["raised_on"] = problem
    state = values.get("state")
    if state in rules.STATES:
        if state == rules.PENDING:
            if is_date(deadline):
                errors.setdefault("deadline", "待研究的问题尚未分派，不能填写办理期限")
        elif deadline is None:
            errors.setdefault("deadline", f"{state}的问题须填写办理期限")
        resolution = values.get("resolution")
        if state in rules.SOLVED_STATES:
            if solved is None:
                errors.setdefault("solved_on", f"{state}的问题须填写解决日期")
            if resolution == "":
                errors.setdefault("resolution", f"{state}的问题须填写解决情况")
        else:
            if is_date(solved):
                errors.setdefault("solved_on", f"{state}的问题尚未解决，不能填写解决日期")
            if isinstance(resolution, str) and resolution:
                errors.setdefault("resolution", f"{state}的问题尚未解决，不能填写解决情况")
    if is_date(raised):
        if is_date(solved) and solved < raised:
            errors.setdefault("solved_on", "解决日期不能早于提出日期")
        if is_date(deadline) and deadline < raised:
            errors.setdefault("deadline", "办理期限不能早于提出日期")
    return errors


def field_label(name: str) -> str:
    """The Chinese label of an audited field of :class:`Problem` (``owners`` included)."""
    if name == "owners":
        return "责任组织"
    return str(Problem._meta.get_field(name).verbose_name)


class ProblemOwner(models.Model):
    """An organisation responsible (责任组织) for a problem; ``position`` 0 leads."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="owner_links")
    org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="problem_owner_links"
    )
    position = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "责任组织"
        ordering = ["problem_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["problem", "org"],
                name="problem_owner_unique",
                violation_error_message="同一组织不能重复列为责任组织",
            )
        ]
        indexes = [models.Index(fields=["org", "problem"], name="problem_owner_org_idx")]

    def __str__(self) -> str:
        return f"{self.problem_id} · {self.org_id}"


class ProblemEvent(models.Model):
    """One entry of a problem's timeline: a change of state or a progress note — who
    (the account and, for notes, the organisation), when, and what."""

    class Kind(models.TextChoices):
        RAISED = "提出", "提出"
        EDITED = "修改", "修改"
        ASSIGNED = "分派", "分派"
        REASSIGNED = "调整分派", "调整分派"
        PROGRESS = "进展", "进展"
        SOLVED = "办结", "办结"
        CONFIRMED = "销号", "销号"
        REOPENED = "退回重办", "退回重办"
        IMPORTED = "导入", "导入"

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间")
    kind = models.CharField("类型", max_length=4, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("操作人", max_length=150)
    org = models.ForeignKey(
        Organisation,
        verbose_name="报送单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    from_state = models.CharField("原状态", max_length=4, blank=True)
    to_state = models.CharField("新状态", max_length=4, blank=True)
    text = models.TextField("内容", blank=True)

    class Meta:
        verbose_name = "问题办理记录"
        ordering = ["problem_id", "at", "id"]
        indexes = [models.Index(fields=["problem", "at"], name="problem_event_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.text[:20]}"
