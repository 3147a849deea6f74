"""智能分组 runs: one solve of the grouping engine over the organisations of one subtree.

Scope: a run belongs to the subtree of its ``root`` (a 党委 or 党总支) and every organisation
in it was under that root when the run was made, so a user sees a run exactly when they see
its root and all of its organisations (``GroupingRun.objects.visible_to``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from lianjian.alliances.models import Alliance
from lianjian.core.scope import ScopedQuerySet, ScopeRules, Sees
from lianjian.orgs.models import Organisation

if TYPE_CHECKING:
    pass

# A run still queued or running this long after its time limit has lost its worker
# (server restart, killed process); it is then reported as failed.
STALE_GRACE_SECONDS = 300


class GroupingRunQuerySet(ScopedQuerySet["GroupingRun"]):
    pass


class GroupingRun(models.Model):
    """One grouping proposal: the instance given to the engine, its status and its result.

    ``instance`` is the engine's input document (grouping.md) built from the organisations
    at the time of the run, with organisation codes as ids; ``org_ids`` lists the same
    organisations' primary keys in the same order. ``result`` is the engine's output.
    ``alliances`` are the 联建网 alliances created when the proposal was adopted (once).
    """

    # Runs whose root the user sees (its organisations lie in the root's subtree).
    SCOPE = ScopeRules(view=[Sees("root")])

    class Status(models.TextChoices):
        QUEUED = "排队", "排队"
        RUNNING = "运行中", "运行中"
        DONE = "完成", "完成"
        FAILED = "失败", "失败"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by_name = models.CharField("发起人姓名", max_length=150, blank=True)
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    root = models.ForeignKey(
        Organisation, verbose_name="分组范围", on_delete=models.PROTECT, related_name="+"
    )
    params = models.JSONField("参数", default=dict)
    org_ids = models.JSONField("参与组织", default=list)
    instance = models.JSONField("计算输入", default=dict)
    time_limit = models.FloatField("时间上限（秒）")
    status = models.CharField("状态", max_length=4, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    result = models.JSONField("结果", null=True, blank=True)
    error = models.TextField("错误信息", blank=True)
    adopted_at = models.DateTimeField("采纳时间", null=True, blank=True)
    adopted_by_name = models.CharField("采纳人", max_length=150, blank=True)
    alliances = models.ManyToManyField(
        Alliance, verbose_name="采纳生成的联建", blank=True, related_name="+"
    )

    objects = GroupingRunQuerySet.as_manager()

    class Meta:
        verbose_name = "智能分组方案"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"智能分组方案 #{self.pk}"

    @property
    def audit_key(self) -> str:
        return str(self.pk)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def elapsed(self) -> float:
        """Seconds the solve has been running (or ran), 0 while queued."""
        if self.started_at is None:
            return 0.0
        end = self.finished_at or timezone.now()
        return max(0.0, (end - self.started_at).total_seconds())

    @property
    def progress(self) -> int:
        """0–100: elapsed time against the time limit while running (the engine stops by then)."""
        if self.is_finished:
            return 100
        if self.status == self.Status.QUEUED or self.time_limit <= 0:
            return 0
        return min(99, int(100 * self.elapsed / self.time_limit))

    @property
    def is_stale(self) -> bool:
        if self.is_finished:
            return False
        since = self.started_at or self.created_at
        return (timezone.now() - since).total_seconds() > self.time_limit + STALE_GRACE_SECONDS

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.error.splitlines() if line.strip()]
