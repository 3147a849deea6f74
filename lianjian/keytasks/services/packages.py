"""Evidence links and the monthly 重点任务包 (新建, 添加事项, 发布, 认领, 撤回).

Part of :mod:`lianjian.keytasks.services` (see its docstring)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.activities.models import Activity
from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.core.scope import may, require
from lianjian.core.validation import today
from lianjian.keytasks import rules
from lianjian.keytasks.models import (
    Evidence,
    EvidenceKind,
    KeyTask,
    PackageClaim,
    PackageItem,
    ProgressReport,
    TaskPackage,
)
from lianjian.keytasks.services.common import (
    _is_user,
    _require,
    _text,
)
from lianjian.orgs.models import Member, Organisation

# Meetings that may approve a list (the activity records hold 支部委员会; a 党委会 or 经理层
# meeting that the platform does not record is named in ``approval_ref``).


# --- evidence ----------------------------------------------------------------------------


@transaction.atomic
def evidence_add(
    actor: Any,
    task: KeyTask,
    *,
    kind: str,
    activity: Activity | None = None,
    title: str = "",
    url: str = "",
    report: ProgressReport | None = None,
) -> Evidence:
    """Link evidence that exists already (an activity or meeting record, a document)."""
    _require(actor, "report", task, "只有责任人或责任组织的管理员可以添加佐证")
    if kind not in EvidenceKind.values:
        raise ValidationError({"kind": "佐证类型应为活动、会议、文件或链接"})
    if activity is not None and _is_user(actor) and not may(actor, "view", activity):
        raise ValidationError({"activity": "找不到该活动记录"})
    if report is not None and report.task_id != task.pk:
        raise ValidationError({"report": "进度报告不属于该任务"})
    evidence = Evidence(
        task=task,
        report=report,
        kind=kind,
        activity=activity if kind in (EvidenceKind.ACTIVITY, EvidenceKind.MEETING) else None,
        title=_text(title, "title", "名称", 200),
        url=(url or "").strip(),
        added_by=actor if _is_user(actor) else None,
    )
    evidence.full_clean()
    evidence.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=evidence, after=snapshot(evidence))
    return evidence


@transaction.atomic
def evidence_withdraw(actor: Any, evidence: Evidence, reason: str) -> Evidence:
    _require(actor, "change", evidence, "只有责任人或责任组织的管理员可以撤回佐证")
    reason = _text(reason, "reason", "撤回原因", 200, required=True)
    before = snapshot(evidence)
    evidence.withdrawn, evidence.withdrawn_reason = True, reason
    evidence.save(update_fields=["withdrawn", "withdrawn_reason"])
    old, new = diff(before, snapshot(evidence))
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=evidence, before=old, after=new, note=reason
    )
    return evidence


# --- task packages -----------------------------------------------------------------------


@transaction.atomic
def package_create(
    actor: Any,
    *,
    organisation: Organisation,
    month: str,
    name: str,
    items: Iterable[tuple[str, KeyTask | None]] = (),
) -> TaskPackage:
    """A monthly 重点任务包 of ``organisation`` with its items (title, linked task), a draft
    that its members see once :func:`package_publish` publishes it."""
    _require(
        actor, "change", TaskPackage(organisation=organisation), "只有本组织的管理员可以新建任务包"
    )
    package = TaskPackage(
        organisation=organisation,
        month=(month or "").strip(),
        name=_text(name, "name", "名称", 200, required=True),
    )
    package.full_clean()
    _open_package(package, actor)
    package.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=package, after=snapshot(package))
    for title, task in items:
        package_item_add(actor, package, title=title, task=task)
    return package


def _open_package(package: TaskPackage, actor: Any) -> None:
    if package.closed:
        raise ValidationError({"package": "任务包已关闭"})
    if _is_user(actor) and rules.month_ended(package.month, today()):
        raise ValidationError({"package": f"{package.month} 已经过去，任务包不再变动"})


@transaction.atomic
def package_item_add(
    actor: Any,
    package: TaskPackage,
    *,
    title: str,
    task: KeyTask | None = None,
    description: str = "",
    capacity: int = 1,
) -> PackageItem:
    """An item of ``package`` that up to ``capacity`` members may claim."""
    _require(actor, "change", package, "只有本组织的管理员可以修改任务包")
    _open_package(package, actor)
    if task is not None and _is_user(actor) and not may(actor, "view", task):
        raise ValidationError({"task": "找不到该任务"})
    item = PackageItem(
        package=package,
        title=_text(title, "title", "事项", 200, required=True),
        description=_text(description, "description", "说明", 2000),
        task=task,
        capacity=capacity,
    )
    item.full_clean()
    item.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=item, after=snapshot(item))
    return item


@transaction.atomic
def package_publish(actor: Any, package: TaskPackage) -> TaskPackage:
    """发布: the package's members see it and may claim its items."""
    _require(actor, "change", package, "只有本组织的管理员可以发布任务包")
    package = TaskPackage.objects.select_for_update().get(pk=package.pk)
    _open_package(package, actor)
    if package.published:
        raise ValidationError({"package": "任务包已发布"})
    if not package.items.filter(withdrawn=False).exists():
        raise ValidationError({"package": "任务包还没有事项，请先添加事项再发布"})
    before = snapshot(package)
    package.published = True
    package.save(update_fields=["published"])
    old, new = diff(before, snapshot(package))
    audit_record(
        actor=actor, action=AuditLog.Action.UPDATE, obj=package, before=old, after=new, note="发布"
    )
    return package


@transaction.atomic
def package_item_claim(actor: Any, item: PackageItem, member: Member | None = None) -> PackageClaim:
    """A member claims an item of a published package of their organisation (a 党员 of the
    package's organisation or below), once, while the item has room and the month lasts."""
    item = (
        PackageItem.objects.select_for_update()
        .select_related("package__organisation")
        .get(pk=item.pk)
    )
    if _is_user(actor):
        require(actor, "claim", item, "只能认领本组织的任务包事项")
        member = getattr(actor, "member", None)
    if member is None:
        raise ValidationError({"member": "只有关联了党员信息的账户可以认领"})
    if item.withdrawn or not item.package.published:
        raise ValidationError({"item": "该事项已撤回或任务包尚未发布"})
    _open_package(item.package, actor)
    problem = rules.owner_problem(
        member.category, left=member.left_on is not None, name=member.name
    )
    if problem:
        raise ValidationError({"member": problem.replace("担任责任人", "认领")})
    if not member.org.path.startswith(item.package.organisation.path):
        raise ValidationError({"member": "只能认领本组织的任务包事项"})
    standing = item.claims.filter(withdrawn=False)
    if standing.filter(member=member).exists():
        raise ValidationError({"item": "您已认领该事项"})
    if standing.count() >= item.capacity:
        raise ValidationError({"item": f"该事项已有 {item.capacity} 人认领，名额已满"})
    claim = PackageClaim(item=item, member=member, claimed_on=today())
    claim.full_clean()
    claim.save()
    audit_record(
        actor=actor, action=AuditLog.Action.CREATE, obj=claim, after=snapshot(claim), note="认领"
    )
    return claim


@transaction.atomic
def package_claim_withdraw(actor: Any, claim: PackageClaim) -> PackageClaim:
    """The member withdraws (撤回) their own claim before the package's month ends."""
    _require(actor, "withdraw", claim, "只能撤回本人的认领")
    claim = (
        PackageClaim.objects.select_for_update().select_related("item__package").get(pk=claim.pk)
    )
    if claim.withdrawn:
        raise ValidationError({"claim": "该认领已撤回"})
    _open_package(claim.item.package, actor)
    before = snapshot(claim)
    claim.withdrawn, claim.withdrawn_on = True, today()
    claim.save(update_fields=["withdrawn", "withdrawn_on"])
    old, new = diff(before, snapshot(claim))
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=claim,
        before=old,
        after=new,
        note="撤回认领",
    )
    return claim
