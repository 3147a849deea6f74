"""Needs (需求清单), projects (项目清单) and the matches between them and resources or
organisations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.core.models import CodedRecord
from lianjian.core.validation import PLANNED, raise_errors
from lianjian.orgs.models import Organisation, validate_code
from lianjian.sharing.models.resources import (
    ITEM_DESCRIPTION_MAX,
    Resource,
    SharedQuerySet,
    SharingLevel,
    shared_scope,
)


class NeedStatus(models.TextChoices):
    OPEN = "待对接", "待对接"
    MATCHED = "已对接", "已对接"
    CLOSED = "已关闭", "已关闭"


class NeedQuerySet(SharedQuerySet["Need"]):
    pass


class Need(CodedRecord):
    """A need (需求) an organisation posts so that resources and partners can meet it.

    ``code`` (``XQ2026-001``) is the API key. Status 待对接 → 已对接 (when a match is agreed)
    → 已关闭; the sharing level says who sees it, like a resource's.
    """

    SCOPE = shared_scope("org")

    AUDIT_FIELDS = (
        "code",
        "org_id",
        "title",
        "description",
        "tags",
        "sharing",
        "status",
        "needed_by",
        "contact",
    )
    DATE_WINDOWS = {"needed_by": PLANNED}

    code = models.CharField("需求编号", max_length=32, unique=True, validators=[validate_code])
    org = models.ForeignKey(
        Organisation, verbose_name="提出组织", on_delete=models.PROTECT, related_name="shared_needs"
    )
    title = models.CharField("需求名称", max_length=200)
    description = models.TextField("需求描述", blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    sharing = models.CharField(
        "公开范围", max_length=8, choices=SharingLevel.choices, default=SharingLevel.COMPANY
    )
    status = models.CharField(
        "状态", max_length=4, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    needed_by = models.DateField("期望完成日期", null=True, blank=True)
    contact = models.CharField("联系人", max_length=50, blank=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = "需求"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "status"], name="need_org_status_idx")]

    def clean(self) -> None:
        errors = self.own_date_errors()
        if len(self.description or "") > ITEM_DESCRIPTION_MAX:
            errors["description"] = f"需求描述不能超过 {ITEM_DESCRIPTION_MAX} 个字符"
        raise_errors(errors)


class ProjectStatus(models.TextChoices):
    RECRUITING = "征集合作", "征集合作"
    ONGOING = "实施中", "实施中"
    DONE = "已完成", "已完成"
    CLOSED = "已关闭", "已关闭"


class ProjectQuerySet(SharedQuerySet["Project"]):
    pass


class Project(CodedRecord):
    """A project (项目) an organisation proposes and seeks partners for (seed 004: projects
    put out to 招标 among the networks). ``partners_wanted`` names what partners should bring."""

    SCOPE = shared_scope("org")

    AUDIT_FIELDS = (
        "code",
        "org_id",
        "title",
        "description",
        "tags",
        "partners_wanted",
        "sharing",
        "status",
        "start",
        "end",
    )
    DATE_WINDOWS = {"start": PLANNED, "end": PLANNED}

    code = models.CharField("项目编号", max_length=32, unique=True, validators=[validate_code])
    org = models.ForeignKey(
        Organisation,
        verbose_name="牵头组织",
        on_delete=models.PROTECT,
        related_name="shared_projects",
    )
    title = models.CharField("项目名称", max_length=200)
    description = models.TextField("项目简介", blank=True)
    tags = models.JSONField("标签", default=list, blank=True)
    partners_wanted = models.JSONField("希望合作方提供", default=list, blank=True)
    sharing = models.CharField(
        "公开范围", max_length=8, choices=SharingLevel.choices, default=SharingLevel.COMPANY
    )
    status = models.CharField(
        "状态", max_length=4, choices=ProjectStatus.choices, default=ProjectStatus.RECRUITING
    )
    start = models.DateField("开始日期", null=True, blank=True)
    end = models.DateField("结束日期", null=True, blank=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = "项目"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["org", "status"], name="project_org_status_idx")]

    @property
    def match_tags(self) -> list[str]:
        """What partners should offer: the wanted contributions, then the project's tags."""
        return list(dict.fromkeys([*self.partners_wanted, *self.tags]))

    def clean(self) -> None:
        errors = self.own_date_errors()
        if not errors and self.start and self.end and self.end < self.start:
            errors["end"] = "结束日期不能早于开始日期"
        if len(self.description or "") > ITEM_DESCRIPTION_MAX:
            errors["description"] = f"项目简介不能超过 {ITEM_DESCRIPTION_MAX} 个字符"
        raise_errors(errors)


class MatchStatus(models.TextChoices):
    PROPOSED = "对接中", "对接中"
    AGREED = "已达成", "已达成"
    DROPPED = "已放弃", "已放弃"


class Match(models.Model):
    """Who matched whom: a need or a project (exactly one) → a resource or an organisation
    (exactly one), by whom and when, with the shared tags and distance at that moment."""

    need = models.ForeignKey(
        Need, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="matches"
    )
    resource = models.ForeignKey(
        Resource,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="matches",
        verbose_name="资源",
    )
    org = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shared_matches",
        verbose_name="组织",
    )
    status = models.CharField(
        "状态", max_length=4, choices=MatchStatus.choices, default=MatchStatus.PROPOSED
    )
    shared_tags = models.JSONField("匹配标签", default=list, blank=True)
    distance_km = models.FloatField("距离（公里）", null=True, blank=True)
    note = models.CharField("对接说明", max_length=300, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_by_name = models.CharField("对接人", max_length=150, blank=True)
    created_at = models.DateTimeField("对接时间", auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "对接记录"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(need__isnull=False) & Q(project__isnull=True))
                | (Q(need__isnull=True) & Q(project__isnull=False)),
                name="match_one_source",
                violation_error_message="对接记录须对应一个需求或一个项目",
            ),
            models.CheckConstraint(
                condition=(Q(resource__isnull=False) & Q(org__isnull=True))
                | (Q(resource__isnull=True) & Q(org__isnull=False)),
                name="match_one_target",
                violation_error_message="对接对象须为一个资源或一个组织",
            ),
            # One match per source (need or project) and target (resource or organisation).
            *(
                models.UniqueConstraint(
                    fields=[source, target],
                    condition=Q(**{f"{source}__isnull": False, f"{target}__isnull": False}),
                    name=f"match_{source}_{target}_unique",
                    violation_error_message=f"已与该{label}对接",
                )
                for source in ("need", "project")
                for target, label in (("resource", "资源"), ("org", "组织"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need or self.project} → {self.resource or self.org}"

    @property
    def target_name(self) -> str:
        return self.resource.name if self.resource_id else self.org.name  # type: ignore[union-attr]
