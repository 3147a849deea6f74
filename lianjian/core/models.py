"""Core models: the audit log that every change of data writes to, the counters that
hand out generated codes (:mod:`lianjian.core.codes`), and the abstract bases the apps'
records share (timestamps, a key and a label, an uploaded file, coordinates).

The abstract bases add no table and change no column: a field they declare is declared
exactly as every model using them declared it before, so ``makemigrations`` sees nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.core.validation import DateWindow, date_errors, instance_values


class Timestamped(models.Model):
    """A record that keeps when it was created and last changed (set by Django, never typed)."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CodedRecord(Timestamped):
    """A record people address by a unique key (its code, a member's number) and read by a
    label (title or name): the key names it in the audit log, the label on screens.

    ``own_date_errors`` checks the record's dates against its ``DATE_WINDOWS``
    (:func:`lianjian.core.validation.date_errors`), the first step of most ``clean()``.
    """

    KEY_FIELD: ClassVar[str] = "code"
    LABEL_FIELD: ClassVar[str] = "title"

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return str(self.serializable_value(self.LABEL_FIELD))

    @property
    def audit_key(self) -> str:
        return str(self.serializable_value(self.KEY_FIELD))

    def own_date_errors(self, windows: Mapping[str, DateWindow] | None = None) -> dict[str, str]:
        return date_errors(type(self), instance_values(self), windows=windows)


def settable_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The fields a service sets on ``model``: its audited fields (``AUDIT_FIELDS``) but the
    code, which is fixed once created, with foreign keys by their relation name (``org``,
    not ``org_id``)."""
    audited: tuple[str, ...] = getattr(model, "AUDIT_FIELDS", ())
    return tuple(name.removesuffix("_id") for name in audited if name != "code")


def random_upload_path(folder: str, owner_id: object, filename: str) -> str:
    """Where an uploaded file is stored: under its owner's folder, by a random name that
    keeps only the extension (a user's file name never reaches the file system)."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{folder}/{owner_id}/{uuid.uuid4().hex}.{ext}"


class UploadedFile(models.Model):
    """An uploaded file's record: its shown name, size, checked content type and who
    uploaded it when. The model adds its ``file`` field (with its own ``upload_to``) and
    the foreign key to what the file belongs to."""

    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小")
    content_type = models.CharField(max_length=50)
    uploaded_by = models.CharField("上传人", max_length=150, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name


def coordinate_constraints(prefix: str) -> list[models.BaseConstraint]:
    """The range checks of a ``lat``/``lon`` pair (either may be empty), named
    ``<prefix>_lat_range`` and ``<prefix>_lon_range``."""
    return [
        models.CheckConstraint(
            condition=Q(lat__isnull=True) | (Q(lat__gte=-90) & Q(lat__lte=90)),
            name=f"{prefix}_lat_range",
            violation_error_message="纬度应在 -90 到 90 之间",
        ),
        models.CheckConstraint(
            condition=Q(lon__isnull=True) | (Q(lon__gte=-180) & Q(lon__lte=180)),
            name=f"{prefix}_lon_range",
            violation_error_message="经度应在 -180 到 180 之间",
        ),
    ]


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


class ImportJob(models.Model):
    """An Excel import through the screens, worked by background tasks (lianjian.core.jobs).

    Its life: 校验中 (the validation task reads the file) → 有错误 (every error kept, nothing
    imported) or 待确认 (the counts a confirm would write) → 导入中 (confirmed; the import
    task writes all-or-nothing) → 已导入 or 导入失败 (the data changed since the preview:
    the new errors are kept, nothing imported). Only its uploader sees it (others get 404).
    The uploaded file lives under ``DATA_DIR/imports/<token>.xlsx`` until the job ends.
    """

    class Status(models.TextChoices):
        VALIDATING = "校验中", "校验中"
        INVALID = "有错误", "有错误"
        READY = "待确认", "待确认"
        IMPORTING = "导入中", "导入中"
        DONE = "已导入", "已导入"
        FAILED = "导入失败", "导入失败"

    token = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField("数据类型", max_length=30)
    file_name = models.CharField("文件名", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField(
        "状态", max_length=10, choices=Status.choices, default=Status.VALIDATING
    )
    rows_created = models.PositiveIntegerField("新建", default=0)
    rows_updated = models.PositiveIntegerField("更新", default=0)
    rows_unchanged = models.PositiveIntegerField("未变", default=0)
    errors = models.JSONField("错误", default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    validated_at = models.DateTimeField(null=True, blank=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "导入任务"
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["created_by", "-created_at"], name="core_importjob_mine")
        ]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.status}）"

    @property
    def is_working(self) -> bool:
        """A task is (or should be) working on it: the page polls."""
        return self.status in (self.Status.VALIDATING, self.Status.IMPORTING)


class TaskJob(models.Model):
    """What every job worked by a background task keeps (report, assessment run, points
    recompute, stale check): who asked, the status 排队 → 完成 | 失败, and when it was asked
    for and finished. A task takes its job with :func:`lianjian.core.jobs.claim` and only in
    the status it expects; the page finds it with :func:`lianjian.core.jobs.own_job_or_404`.
    (Imports have more states and keep their own: :class:`ImportJob`.)"""

    class Status(models.TextChoices):
        QUEUED = "排队", "排队"
        DONE = "完成", "完成"
        FAILED = "失败", "失败"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    status = models.CharField("状态", max_length=4, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class ReportJob(TaskJob):
    """A Word report asked for on a screen, written by a background task
    (:func:`lianjian.core.jobs.write_report_task`): 排队 → 完成 (the file is kept under
    ``DATA_DIR/reports/<token>.docx``) or 失败 (``errors``: why, no file). ``kind`` names a
    report registered by its app (:func:`lianjian.core.jobs.register_report`) and ``target``
    its object (a run's id, a batch's code). Only its requester sees it (404 for anyone else),
    and the download checks again that the requester still sees the object.
    """

    token = models.CharField(max_length=64, unique=True, editable=False)
    kind = models.CharField("报告类型", max_length=40)
    target = models.CharField("对象", max_length=100)
    title = models.CharField("报告", max_length=300)
    file_name = models.CharField("文件名", max_length=300, blank=True)
    errors = models.JSONField("原因", default=list, blank=True)

    class Meta:
        verbose_name = "报告生成任务"
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["created_by", "kind", "target"], name="core_reportjob_mine")
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.status}）"
