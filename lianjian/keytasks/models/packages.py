"""The monthly 重点任务包: packages, their items and members' claims.

Part of :mod:`lianjian.keytasks.models` (the package docstring states the scope)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from lianjian.core.scope import (
    Also,
    IsOwnMember,
    Manages,
    Only,
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.core.validation import (
    raise_errors,
)
from lianjian.keytasks import rules
from lianjian.keytasks.models.tasks import KeyTask
from lianjian.orgs.models import Member, Organisation


class TaskPackageQuerySet(ScopedQuerySet["TaskPackage"]):
    pass


class TaskPackage(models.Model):
    """A monthly 重点任务包 of an organisation: items its members may claim (认领). Its
    managers see it from the start; the members see it once it is published (发布)."""

    SCOPE = ScopeRules(
        view=[
            Manages("organisation"),
            Only(Q(published=True), lambda p: p.published, Sees("organisation")),
        ],
        change=[Manages("organisation")],
    )

    AUDIT_FIELDS = ("organisation_id", "month", "name", "published", "closed")

    organisation = models.ForeignKey(
        Organisation, verbose_name="组织", on_delete=models.PROTECT, related_name="task_packages"
    )
    month = models.CharField("月份", max_length=7)
    name = models.CharField("名称", max_length=200)
    published = models.BooleanField("已发布", default=False)
    closed = models.BooleanField("已关闭", default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskPackageQuerySet.as_manager()

    class Meta:
        verbose_name = "重点任务包"
        ordering = ["-month", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "month", "name"],
                name="package_org_month_name_unique",
                violation_error_message="该组织本月已有同名任务包",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.name}"

    @property
    def audit_key(self) -> str:
        return f"{self.organisation.code}/{self.month}/{self.name}"

    def clean(self) -> None:
        problem = rules.month_problem(self.month)
        if problem:
            raise_errors({"month": problem})


class PackageItem(models.Model):
    """One item of a task package, optionally tied to a task; up to ``capacity`` members
    claim it (认领), each once (:class:`PackageClaim`)."""

    SCOPE = ScopeRules(
        view=[Also("package")],
        change=[Also("package", "change")],
        claim=[Also("package")],
    )

    AUDIT_FIELDS = ("package_id", "title", "task_id", "capacity", "withdrawn")

    package = models.ForeignKey(
        TaskPackage, verbose_name="任务包", on_delete=models.PROTECT, related_name="items"
    )
    title = models.CharField("事项", max_length=200)
    description = models.TextField("说明", blank=True)
    task = models.ForeignKey(
        KeyTask,
        verbose_name="关联任务",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="package_items",
    )
    capacity = models.PositiveSmallIntegerField("可认领人数", default=1)
    withdrawn = models.BooleanField("已撤回", default=False)
    withdrawn_reason = models.CharField("撤回原因", max_length=200, blank=True)

    objects = ScopedQuerySet["PackageItem"].as_manager()

    class Meta:
        verbose_name = "任务包事项"
        ordering = ["package_id", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_key(self) -> str:
        return f"{self.package_id}/{self.pk}"

    def clean(self) -> None:
        problem = rules.capacity_problem(self.capacity)
        if problem:
            raise_errors({"capacity": problem})


class PackageClaim(models.Model):
    """A member's claim (认领) of a package item; withdrawn (撤回) by the member before the
    month ends, never deleted. One standing claim per member and item."""

    SCOPE = ScopeRules(view=[Also("item")], withdraw=[IsOwnMember("member")])

    AUDIT_FIELDS = ("item_id", "member_id", "claimed_on", "withdrawn", "withdrawn_on")

    item = models.ForeignKey(
        PackageItem, verbose_name="事项", on_delete=models.PROTECT, related_name="claims"
    )
    member = models.ForeignKey(
        Member, verbose_name="认领人", on_delete=models.PROTECT, related_name="package_claims"
    )
    claimed_on = models.DateField("认领日期")
    withdrawn = models.BooleanField("已撤回", default=False)
    withdrawn_on = models.DateField("撤回日期", null=True, blank=True)

    objects = ScopedQuerySet["PackageClaim"].as_manager()

    class Meta:
        verbose_name = "任务包认领"
        ordering = ["item_id", "claimed_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "member"],
                condition=Q(withdrawn=False),
                name="package_claim_once",
                violation_error_message="已认领该事项",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id}/{self.member_id}"

    @property
    def audit_key(self) -> str:
        return f"{self.item_id}/{self.pk}"
