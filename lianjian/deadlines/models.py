"""The data of the deadline colours (fusion.md §2): presets, the preset of each kind of item,
escalation ladders with their steps, and the record of every step issued.

The pure rules are in :mod:`lianjian.deadlines.engine`; the services read these rows into
its :class:`~lianjian.deadlines.engine.PresetRule` (``services.rule_for``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from lianjian.deadlines.engine import KIND_LABELS, Kind, PresetRule


class DeadlinePreset(models.Model):
    """A preset (预警规则): a kind of measure and its yellow and red thresholds."""

    class Method(models.TextChoices):
        LAG = Kind.LAG.value, KIND_LABELS[Kind.LAG]
        DAYS_LEFT = Kind.DAYS_LEFT.value, KIND_LABELS[Kind.DAYS_LEFT]
        DAYS_LATE = Kind.DAYS_LATE.value, KIND_LABELS[Kind.DAYS_LATE]

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50, unique=True)
    kind = models.CharField("预警方式", max_length=12, choices=Method.choices)
    yellow = models.SmallIntegerField("黄色阈值")
    red = models.SmallIntegerField("红色阈值")
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    AUDIT_FIELDS = ("code", "name", "kind", "yellow", "red", "note")

    class Meta:
        verbose_name = "预警规则"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def rule(self) -> PresetRule:
        return PresetRule(Kind(self.kind), self.yellow, self.red)


class DeadlineKind(models.Model):
    """A kind of item with a deadline, and the preset that colours it (set by 党建工作部)."""

    class Code(models.TextChoices):
        PROBLEM = "problem", "事务共商问题"
        AGREEMENT = "agreement", "联建协议到期"
        ORG_LIFE = "org_life", "组织生活"
        KEY_TASK = "key_task", "关键任务"
        MILESTONE = "milestone", "关键任务里程碑"
        POST_EVALUATION = "post_evaluation", "三重一大后评估"
        SUPERVISION_ITEM = "supervision_item", "监督问题整改"

    code = models.CharField("代码", max_length=20, unique=True, choices=Code.choices)
    preset = models.ForeignKey(
        DeadlinePreset, on_delete=models.PROTECT, related_name="kinds", verbose_name="预警规则"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    AUDIT_FIELDS = ("code", "preset_id")

    class Meta:
        verbose_name = "预警对象"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_code_display()


class EscalationLadder(models.Model):
    """An escalation ladder (督办升级) of a kind of item: ordered steps, each issued when the
    previous one was not acted on within its days. At most one active ladder per kind."""

    name = models.CharField("名称", max_length=50)
    kind = models.ForeignKey(
        DeadlineKind, on_delete=models.PROTECT, related_name="ladders", verbose_name="预警对象"
    )
    active = models.BooleanField("启用", default=True)
    void_reason = models.CharField("停用原因", max_length=200, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    AUDIT_FIELDS = ("name", "kind_id", "active", "void_reason")

    class Meta:
        verbose_name = "督办升级"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(active=True),
                name="deadlines_one_active_ladder_per_kind",
            )
        ]

    def __str__(self) -> str:
        return self.name


class EscalationStep(models.Model):
    """One step of a ladder (提醒, 督办通知, 约谈 …); ``days`` to act on it."""

    ladder = models.ForeignKey(EscalationLadder, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField("顺序")
    name = models.CharField("名称", max_length=30)
    days = models.PositiveSmallIntegerField("办理时限（天）")

    AUDIT_FIELDS = ("ladder_id", "position", "name", "days")

    class Meta:
        verbose_name = "升级步骤"
        ordering = ["ladder", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["ladder", "position"], name="deadlines_step_position_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """A step issued for one item (``subject``: the item's key, e.g. ``problem:WT-2026-001``)."""

    step = models.ForeignKey(
        EscalationStep, on_delete=models.PROTECT, related_name="issued", verbose_name="步骤"
    )
    kind = models.CharField("预警对象", max_length=20, choices=DeadlineKind.Code.choices)
    subject = models.CharField("事项", max_length=100)
    title = models.CharField("标题", max_length=200)
    link = models.CharField("链接", max_length=300, blank=True)
    issued_on = models.DateField("发出日期")
    acted_on = models.DateField("办理日期", null=True, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="办理人",
    )

    AUDIT_FIELDS = ("step_id", "kind", "subject", "issued_on", "acted_on", "acted_by_id")

    class Meta:
        verbose_name = "督办记录"
        ordering = ["subject", "step__position"]
        constraints = [
            models.UniqueConstraint(fields=["step", "subject"], name="deadlines_escalation_unique")
        ]
        indexes = [models.Index(fields=["kind", "subject"], name="deadlines_escalation_subject")]

    def __str__(self) -> str:
        return f"{self.title}（{self.step.name}）"

    @property
    def key(self) -> str:
        """The notification key of this step (``deadlines.notify``)."""
        return f"{self.subject}:esc:{self.step.position}"
