"""Alliances (联建/共建): networks, leagues and pairs of organisations, their agreements and plans.

Scope: a user sees an alliance when one of its member organisations (or its lead) is
visible to them (``Alliance.objects.visible_to``); of partner organisations they see what the
alliance shares (name, unit, liaison) — never their members.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.db.models import Q

from lianjian.core.masking import PhoneField, PrivateHolder
from lianjian.core.models import Timestamped, UploadedFile, random_upload_path
from lianjian.core.scope import Manages, ScopedQuerySet, ScopeRules, Sees
from lianjian.core.validation import (
    HISTORY,
    PLANNED,
    date_errors,
    instance_values,
    is_date,
    raise_errors,
)
from lianjian.orgs.models import (
    Member,
    NamedRecord,
    Organisation,
    not_before_founding,
    validate_code,
)

THEMES = (
    "党建+提质增效",
    "党建+安全生产",
    "党建+设备管理",
    "党建+营销服务",
    "党建+基建工作",
    "党建+科技创新",
    "党建+班组建设",
    "党建+乡村振兴",
    "党建+优化营商环境",
)


class AllianceType(models.Model):
    """A kind of alliance (联建网, 党建联盟, 结对共建, 政企联建 …); admins extend the list."""

    name = models.CharField("类型名称", max_length=50, unique=True)
    sort = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        verbose_name = "联建类型"
        ordering = ["sort", "name"]

    def __str__(self) -> str:
        return self.name


DEFAULT_TYPES = ("联建网", "党建联盟", "结对共建", "政企联建", "区域联建", "产业链联建")


class AllianceQuerySet(ScopedQuerySet["Alliance"]):
    pass


class Alliance(NamedRecord):
    """A joint-construction relation among ≥ 2 organisations, led by ``lead``.

    ``code`` is the import/API key. Members are :class:`AllianceMember` rows with join and
    leave dates, so history stays when an organisation leaves.
    """

    class Status(models.TextChoices):
        PREPARING = "筹建", "筹建"
        ACTIVE = "运行", "运行"
        PAUSED = "暂停", "暂停"
        ENDED = "终止", "终止"

    # Seen by every current or past member organisation's viewers; run by the lead's managers.
    SCOPE = ScopeRules(view=[Sees("lead"), Sees("memberships__org")], change=[Manages("lead")])

    AUDIT_FIELDS = (
        "code",
        "name",
        "type_id",
        "theme",
        "lead_id",
        "sponsor",
        "sponsor_title",
        "guidance",
        "status",
        "founded",
        "description",
    )
    # The window of every date a person enters (lianjian.core.validation).
    DATE_WINDOWS = {"founded": HISTORY}

    code = models.CharField("联建编码", max_length=32, unique=True, validators=[validate_code])
    name = models.CharField("联建名称", max_length=200)
    type = models.ForeignKey(
        AllianceType, verbose_name="联建类型", on_delete=models.PROTECT, related_name="alliances"
    )
    theme = models.CharField("主题", max_length=50, blank=True)
    lead = models.ForeignKey(
        Organisation,
        verbose_name="牵头组织",
        on_delete=models.PROTECT,
        related_name="led_alliances",
    )
    sponsor = models.CharField("包保领导", max_length=50, blank=True)
    sponsor_title = models.CharField("包保领导职务", max_length=100, blank=True)
    guidance = models.JSONField("指导小组", default=list, blank=True)
    status = models.CharField("状态", max_length=4, choices=Status.choices, default=Status.ACTIVE)
    founded = models.DateField("成立日期", null=True, blank=True)
    description = models.TextField("简介", blank=True)

    objects = AllianceQuerySet.as_manager()

    class Meta:
        verbose_name = "联建"
        ordering = ["code"]

    def clean(self) -> None:
        errors = self.own_date_errors()
        if "founded" not in errors and self.lead_id is not None:
            problem = not_before_founding(self.lead, self.founded, "成立日期")
            if problem:
                errors["founded"] = problem
        raise_errors(errors)


class AllianceMember(models.Model):
    """An organisation's membership of an alliance, with its liaison (联络员).

    ``liaison_phone`` is a personal number. ``liaison_member`` is the member it belongs to
    — set by the services when it is the phone of exactly one current member of ``org`` or
    its subtree — and then that member's masking rule applies to it; otherwise the rule of
    ``org`` (its managers) does.
    """

    AUDIT_FIELDS = ("org_id", "joined_on", "left_on", "liaison", "liaison_phone", "liaison_post")
    DATE_WINDOWS = {"joined_on": HISTORY, "left_on": HISTORY}

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="memberships")
    org = models.ForeignKey(
        Organisation,
        verbose_name="成员组织",
        on_delete=models.PROTECT,
        related_name="alliance_memberships",
    )
    joined_on = models.DateField("加入日期", null=True, blank=True)
    left_on = models.DateField("退出日期", null=True, blank=True)
    liaison = models.CharField("联络员", max_length=50, blank=True)
    liaison_phone = PhoneField("联络电话", max_length=20, blank=True)
    liaison_post = models.CharField("联络员职务", max_length=50, blank=True)
    liaison_member = models.ForeignKey(
        Member,
        verbose_name="联络员党员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    class Meta:
        verbose_name = "联建成员"
        ordering = ["alliance_id", "left_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "org"],
                condition=Q(left_on__isnull=True),
                name="alliance_member_current_unique",
                violation_error_message="该组织已是本联建的成员",
            ),
        ]
        indexes = [models.Index(fields=["org", "alliance"], name="alliance_member_org_idx")]

    def __str__(self) -> str:
        return f"{self.alliance} · {self.org}"

    def clean(self) -> None:
        errors = date_errors(AllianceMember, instance_values(self))
        if not errors and self.left_on and self.joined_on and self.left_on < self.joined_on:
            errors["left_on"] = "退出日期不能早于加入日期"
        raise_errors(errors)

    def private_holder(self) -> PrivateHolder:
        """The liaison member's numbers when the phone is theirs, else those of ``org``."""
        if self.liaison_member_id is not None:
            return self.liaison_member.private_holder()  # type: ignore[union-attr]
        return PrivateHolder(self.org.path)


class Agreement(Timestamped):
    """A signed joint-construction agreement (联建协议) of an alliance.

    Lifecycle 草拟 → 已签署 → 生效 → 到期 or 终止; renewal creates a successor that points
    back through ``predecessor``. Reminders go out 30 and 7 days before ``end``.
    """

    class Status(models.TextChoices):
        DRAFT = "草拟", "草拟"
        SIGNED = "已签署", "已签署"
        ACTIVE = "生效", "生效"
        EXPIRED = "到期", "到期"
        TERMINATED = "终止", "终止"

    AUDIT_FIELDS = ("title", "status", "signed_on", "start", "end", "predecessor_id", "terms")
    # Signed in the past; the term may lie ahead, up to the planning horizon.
    DATE_WINDOWS = {"signed_on": HISTORY, "start": PLANNED, "end": PLANNED}

    alliance = models.ForeignKey(
        Alliance, verbose_name="联建", on_delete=models.PROTECT, related_name="agreements"
    )
    title = models.CharField("协议名称", max_length=200)
    parties = models.ManyToManyField(Organisation, verbose_name="签约方", related_name="agreements")
    terms = models.TextField("主要条款", blank=True)
    signed_on = models.DateField("签署日期", null=True, blank=True)
    start = models.DateField("生效日期", null=True, blank=True)
    end = models.DateField("到期日期", null=True, blank=True)
    status = models.CharField("状态", max_length=4, choices=Status.choices, default=Status.DRAFT)
    predecessor = models.OneToOneField(
        "self",
        verbose_name="续签自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
    )

    class Meta:
        verbose_name = "联建协议"
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        raise_errors(agreement_row_errors(instance_values(self)))


def agreement_row_errors(values: dict[str, Any]) -> dict[str, str]:
    """field → message for the rules of one agreement's dates, the one home of them for
    :meth:`Agreement.clean` and the screens' checks before a renewal: each date in its
    window (``DATE_WINDOWS``) and the end not before the start."""
    errors = date_errors(Agreement, values)
    start, end = values.get("start"), values.get("end")
    if not errors and is_date(start) and is_date(end) and end < start:
        errors["end"] = "到期日期不能早于生效日期"
    return errors


# AgreementGoal.target is NUMERIC(12, 2): at most 10 digits before the point, 2 after.
MAX_GOAL_TARGET = Decimal("9999999999.99")


def goal_target(value: Any) -> Decimal | None:
    """A goal's target as stored (``None`` for none), from a number or its text; the one
    rule for the form, the API and the service. ``ValueError`` (Chinese) when it is not a
    finite number of at most 10 digits before the point and 2 after."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("应为数字")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("应为数字") from None
    if (
        not number.is_finite()
        or abs(number) > MAX_GOAL_TARGET
        or number != number.quantize(Decimal("0.01"))
    ):
        raise ValueError("应为数字，最多 10 位整数、2 位小数")
    return number


class AgreementGoal(models.Model):
    """A measurable target of an agreement (e.g. 联合开展活动 ≥ 4 次/年)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="goals")
    text = models.CharField("目标", max_length=200)
    target = models.DecimalField("目标值", max_digits=12, decimal_places=2, null=True, blank=True)
    unit = models.CharField("单位", max_length=20, blank=True)

    class Meta:
        verbose_name = "协议目标"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text


def agreement_upload_to(instance: AgreementFile, filename: str) -> str:
    return random_upload_path("agreements", instance.agreement_id, filename)


class AgreementFile(UploadedFile):
    """A scan attached to an agreement (PDF or image), stored under a random name."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=agreement_upload_to, max_length=200)

    class Meta:
        verbose_name = "协议附件"
        ordering = ["id"]


class Plan(models.Model):
    """The yearly implementation plan (实施方案) of an alliance: for a year from 1921 up
    to the planning horizon (:func:`plan_year_problem`)."""

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField("年度")
    summary = models.TextField("总体目标", blank=True)

    class Meta:
        verbose_name = "年度实施方案"
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "year"],
                name="plan_alliance_year_unique",
                violation_error_message="该联建本年度已有实施方案",
            )
        ]

    def __str__(self) -> str:
        return f"{self.alliance} {self.year}年实施方案"


def plan_year_problem(year: int) -> str:
    """Why there can be no plan for ``year`` (a phrase after “年度”), or "": the year
    must lie in the planning window (``PLANNED``)."""
    if not 1000 <= year <= 9998:
        return "不存在"
    return PLANNED.year_problem(datetime.date(year, 1, 1), datetime.date(year, 12, 31))


# The most joint activities a plan item may plan for a quarter (a small-integer column).
MAX_PLANNED_ACTIVITIES = 999


class PlanItem(models.Model):
    """A quarter's planned joint activities (0 … ``MAX_PLANNED_ACTIVITIES``) and goal in a plan."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    quarter = models.PositiveSmallIntegerField(
        "季度", choices=[(1, "一季度"), (2, "二季度"), (3, "三季度"), (4, "四季度")]
    )
    title = models.CharField("计划内容", max_length=200)
    planned_activities = models.PositiveSmallIntegerField("计划活动次数", default=1)
    goal = models.CharField("目标", max_length=200, blank=True)

    class Meta:
        verbose_name = "计划事项"
        ordering = ["quarter", "id"]

    def __str__(self) -> str:
        return self.title
