"""In-app notifications: every user's inbox of 待办 (to-dos) and messages.

Reminder jobs (``lianjian remind``) create them idempotently: ``key`` names the event and
the colour (``agreement:12:yellow:2026-12-15``), and (user, key) is unique, so a second run
creates nothing twice.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce

# The inbox reads a notification without a due date as due on this day (the last there is).
NO_DUE = datetime.date(9999, 12, 31)


class Notification(models.Model):
    """One message or to-do for one user."""

    class Kind(models.TextChoices):
        TASK = "todo", "待办"
        MESSAGE = "message", "消息"

    class Level(models.TextChoices):
        GREEN = "green", "提示"
        YELLOW = "yellow", "预警"
        RED = "red", "逾期"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("类型", max_length=8, choices=Kind.choices, default=Kind.MESSAGE)
    level = models.CharField("级别", max_length=8, choices=Level.choices, default=Level.GREEN)
    key = models.CharField("事件键", max_length=120)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    due = models.DateField("截止日期", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    done_at = models.DateTimeField("办结时间", null=True, blank=True)
    # A step of a flow (a record to review, a request to decide, an objection to answer)
    # leaves the inbox when the step is taken, never by a click on 办结 (notifications.close).
    closed_by_work = models.BooleanField("办理后自动办结", default=False)
    # The inbox's order (selectors.INBOX_KEY) as stored columns the database keeps from
    # ``done_at`` and ``due``: neither may be NULL, so a cursor can name every value and both
    # databases sort alike (NULLs sort at opposite ends), and a plain index gives the order
    # on SQLite too — an expression index there served the user only, because the query
    # carried its constants as parameters and the index as literals (docs/benchmarks.md).
    done = models.GeneratedField(
        expression=models.Case(
            models.When(done_at__isnull=True, then=models.Value(0)), default=models.Value(1)
        ),
        output_field=models.SmallIntegerField("已办结"),
        db_persist=True,
    )
    due_key = models.GeneratedField(
        expression=Coalesce("due", models.Value(NO_DUE), output_field=models.DateField()),
        output_field=models.DateField("排序用截止日期"),
        db_persist=True,
    )

    class Meta:
        verbose_name = "消息"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_user_key_unique")
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
            # The inbox's order (selectors.INBOX_KEY): a page is an index range on both
            # databases, without a sort.
            models.Index(
                fields=["user", "done", "due_key", "-created_at", "-id"],
                name="notification_inbox_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title
