"""Core models: the audit log that every change of data writes to, and the counters that
hand out generated codes (:mod:`lianjian.core.codes`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditLog(models.Model):
    """One change of data: who, when, what, before and after.

    Written only through :func:`lianjian.core.audit.audit_record`. ``before``/``after`` hold
    the changed fields' values (personal numbers masked); an import writes one summary row
    plus one row per object it actually changed. Rows are never updated or deleted.
    """

    class Action(models.TextChoices):
        CREATE = "create", "新建"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        DISSOLVE = "dissolve", "撤销"
        TRANSFER = "transfer", "组织关系转接"
        IMPORT = "import", "导入"
        LOGIN_LOCK = "lock", "账户锁定"
        PASSWORD = "password", "修改密码"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField("操作人", max_length=150, blank=True)
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    target_type = models.CharField("对象类型", max_length=64)
    target_id = models.CharField("对象标识", max_length=64, blank=True)
    target_repr = models.CharField("对象", max_length=300, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.target_repr}"

    def changed_fields(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field that differs, as the log screens show
        them: the field's Chinese name and plain values (:mod:`lianjian.core.audit_labels`)."""
        from lianjian.core.audit_labels import field_label, value_text

        before = self.before or {}
        after = self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [
            (
                field_label(self.target_type, k),
                value_text(before.get(k), self.target_type, k),
                value_text(after.get(k), self.target_type, k),
            )
            for k in keys
            if before.get(k) != after.get(k)
        ]


class CodeCounter(models.Model):
    """The last number handed out for one family of generated codes (``HD20260305-``,
    ``ZY-``, ``XQ2026-`` …) of one model. Written only by :func:`lianjian.core.codes.next_code`,
    which locks the row for the rest of the inserting transaction; never deleted."""

    key = models.CharField("编号前缀", max_length=100, unique=True)
    last = models.PositiveIntegerField("最后编号", default=0)

    class Meta:
        verbose_name = "编号计数器"

    def __str__(self) -> str:
        return f"{self.key}{self.last}"
