"""Writes of 智能分组: create a run, execute it (in the background), adopt its proposal.

Every step is audited: the run's creation (who asked for what), its outcome (完成 or 失败,
written by the system) and its adoption.

Execution happens outside the request: :func:`run_start` enqueues :func:`grouping_run_task`
(Django's task framework, lianjian.core.jobs) once the run is committed, so the request
returns at once and a worker (``lianjian db_worker``) solves it. With the setting
``GROUPING_RUN_INLINE = True`` or the immediate task backend (tests) the run executes
synchronously instead.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from lianjian.alliances.models import Alliance, AllianceMember, AllianceType
from lianjian.alliances.services import alliance_create, alliance_member_update, alliance_update
from lianjian.core.audit import audit_record
from lianjian.core.jobs import enqueue_after_commit
from lianjian.core.models import AuditLog
from lianjian.core.scope import CHANGE, may
from lianjian.grouping.model import InstanceError
from lianjian.grouping.solve import solve
from lianjian.grouping.validate import parse_instance
from lianjian.orgs.models import Organisation
from lianjian.proposals.models import GroupingRun
from lianjian.proposals.selectors import NETWORK_TYPE, network_memberships

log = logging.getLogger(__name__)


@transaction.atomic
def run_create(
    *,
    actor: Any,
    root: Organisation,
    orgs: list[Organisation],
    instance: dict[str, Any],
    params: dict[str, Any],
    time_limit: float,
) -> GroupingRun:
    """Record a queued run over ``orgs`` (in the order of ``instance["orgs"]``), audited.

    The instance must already be valid (the form validated it with the engine's validator);
    it is validated again here so that no invalid document is ever stored.
    """
    parse_instance(instance)
    codes = [rec["id"] for rec in instance["orgs"]]
    if codes != [o.code for o in orgs]:
        raise ValueError("instance and orgs must list the same organisations in the same order")
    run = GroupingRun.objects.create(
        created_by=actor,
        created_by_name=getattr(actor, "display_name", "") or str(actor or ""),
        root=root,
        params=params,
        org_ids=[o.pk for o in orgs],
        instance=instance,
        time_limit=float(time_limit),
    )
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=run,
        after={
            "root": root.code,
            "orgs": len(orgs),
            "params": params,
            "time_limit": run.time_limit,
        },
        note=f"发起智能分组：{root.name}，{len(orgs)} 个组织",
    )
    return run


def run_start(run: GroupingRun) -> None:
    """Queue ``run`` for a worker (:func:`grouping_run_task`) once the current transaction
    commits. ``GROUPING_RUN_INLINE = True`` still executes it at once (older tests)."""
    if getattr(settings, "GROUPING_RUN_INLINE", False):
        run_execute(run.pk)
        return
    enqueue_after_commit(grouping_run_task, run.pk)


@task()
def grouping_run_task(run_id: int) -> str:
    """The background task of one run (``lianjian db_worker`` works it); returns the
    run's final status, or ``skipped`` when the run was not queued (a retry)."""
    run = run_execute(run_id)
    return "skipped" if run is None else str(run.status)


def run_execute(run_id: int) -> GroupingRun | None:
    """Solve a queued run and store the result or the error; returns the run.

    Only a run still 排队 is executed: it is claimed (排队 → 运行中) under a row lock
    (``select_for_update``), so a retried or doubled task solves it once; returns None when
    the run was not queued.
    """
    with transaction.atomic():
        run = GroupingRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.status != GroupingRun.Status.QUEUED:
            return None
        run.status, run.started_at = GroupingRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    try:
        result = solve(run.instance, time_limit=run.time_limit, seed=int(run.params.get("seed", 0)))
    except InstanceError as exc:
        run.status, run.error = GroupingRun.Status.FAILED, "\n".join(exc.messages)
    except Exception as exc:  # a solver failure must end the run, never leave it 运行中
        log.exception("grouping run %s failed", run_id)
        run.status, run.error = GroupingRun.Status.FAILED, f"计算出错：{type(exc).__name__}: {exc}"
    else:
        run.status, run.result = GroupingRun.Status.DONE, result
    run.finished_at = timezone.now()
    with transaction.atomic():
        run.save(update_fields=["status", "error", "result", "finished_at"])
        done = run.status == GroupingRun.Status.DONE
        audit_record(
            actor=None,
            action=AuditLog.Action.UPDATE,
            obj=run,
            before={"status": GroupingRun.Status.RUNNING},
            after={
                "status": run.status,
                **({"groups": len((run.result or {}).get("groups", []))} if done else {}),
            },
            note="智能分组计算完成" if done else f"智能分组计算失败：{run.error}",
        )
    return run


def run_expire(run: GroupingRun) -> GroupingRun:
    """Mark a run that lost its worker (queued or running long past its limit) as failed."""
    if run.is_stale:
        with transaction.atomic():
            before = run.status
            updated = GroupingRun.objects.filter(
                pk=run.pk, status__in=[GroupingRun.Status.QUEUED, GroupingRun.Status.RUNNING]
            ).update(
                status=GroupingRun.Status.FAILED,
                finished_at=timezone.now(),
                error="后台计算未在时间上限内结束（进程可能已中断），请重新发起分组。",
            )
            if updated:
                run.refresh_from_db()
                audit_record(
                    actor=None,
                    action=AuditLog.Action.UPDATE,
                    obj=run,
                    before={"status": before},
                    after={"status": run.status},
                    note=f"智能分组计算失败：{run.error}",
                )
    return run


def _orgs_of(run: GroupingRun) -> dict[str, Organisation]:
    return {o.code: o for o in Organisation.objects.filter(pk__in=run.org_ids)}


def may_adopt(user: Any, run: GroupingRun) -> bool:
    """Whether ``user`` may manage every organisation of ``run``."""
    ids = set(run.org_ids)
    return Organisation.objects.manageable_by(user).filter(pk__in=ids).count() == len(ids)


def adoption_plan(run: GroupingRun) -> list[dict[str, Any]]:
    """The alliances adopting ``run`` would create: number, code, name, lead and members.

    Lead: the group's lead, or without leads the member with the most strengths (ties: the
    smallest code). Codes ``LJW-P<run>-<n>`` get a suffix when already taken.
    """
    orgs = _orgs_of(run)
    strengths = {rec["id"]: len(rec.get("strengths", [])) for rec in run.instance.get("orgs", [])}
    taken = set(
        Alliance.objects.filter(code__startswith=f"LJW-P{run.pk}-").values_list("code", flat=True)
    )
    plan = []
    for n, group in enumerate((run.result or {}).get("groups", []), start=1):
        codes = list(group["members"])
        lead_code = group.get("lead") or min(codes, key=lambda c: (-strengths.get(c, 0), c))
        code = f"LJW-P{run.pk}-{n:02d}"
        suffix = 2
        while code in taken:
            code = f"LJW-P{run.pk}-{n:02d}-{suffix}"
            suffix += 1
        taken.add(code)
        lead = orgs.get(lead_code)
        members = [orgs[c] for c in codes if c in orgs]
        plan.append(
            {
                "number": n,
                "code": code,
                "lead": lead,
                "members": members,
                "missing": [c for c in codes if c not in orgs],
                "name": f"第{n}联建网（{lead.name if lead else lead_code}牵头）",
            }
        )
    return plan


class Networks:
    """What adopting a proposal does to today's 联建网 of the organisations it groups — a
    required choice, so that no branch silently ends up in two networks."""

    KEEP = "保留"  # they stay as they are; a branch may then be in two networks
    CLOSE = "终止"  # every such network ends (状态 终止) as a whole
    REPLACE = "替换"  # the run's organisations leave them today; a network left by its
    #                    lead or with fewer than two members ends
    CHOICES = (
        (KEEP, "保留：现有联建网不变（相关支部将同时属于新旧两个联建网）"),
        (CLOSE, "终止：终止涉及的现有联建网（含其中不在本方案内的成员）"),
        (REPLACE, "替换：本方案内的组织退出现有联建网；牵头组织退出或不足两个成员的联建网随之终止"),
    )
    VALUES = (KEEP, CLOSE, REPLACE)


def network_changes(run: GroupingRun, choice: str) -> list[dict[str, Any]]:
    """Today's 联建网 touched by ``run`` and what ``choice`` does to each, by code:
    ``{"alliance", "in_run": [orgs], "others": [orgs], "action": "保留"|"终止"|"退出"}``."""
    ids = set(run.org_ids)
    touched: dict[int, Alliance] = {}
    for m in network_memberships(list(ids)):
        touched.setdefault(m.alliance_id, m.alliance)
    current: dict[int, list[AllianceMember]] = {}
    for m in (
        AllianceMember.objects.filter(alliance_id__in=touched, left_on__isnull=True)
        .select_related("org")
        .order_by("org__code")
    ):
        current.setdefault(m.alliance_id, []).append(m)
    out = []
    for pk, alliance in sorted(touched.items(), key=lambda kv: kv[1].code):
        members = current.get(pk, [])
        in_run = [m.org for m in members if m.org_id in ids]
        others = [m.org for m in members if m.org_id not in ids]
        if choice == Networks.CLOSE:
            action = "终止"
        elif choice == Networks.REPLACE:
            action = "终止" if alliance.lead_id in ids or len(others) < 2 else "退出"
        else:
            action = "保留"
        out.append({"alliance": alliance, "in_run": in_run, "others": others, "action": action})
    return out


def _apply_networks(
    actor: Any, run: GroupingRun, choice: str, today: datetime.date
) -> dict[str, list[str]]:
    """End or leave today's networks as ``choice`` says (audited by the alliance services);
    refused when a network to end is one ``actor`` may not change."""
    ended: list[str] = []
    left: list[str] = []
    ids = set(run.org_ids)
    for change in network_changes(run, choice):
        alliance = change["alliance"]
        if change["action"] == "终止":
            if not may(actor, CHANGE, alliance):
                raise ValidationError(
                    {
                        "networks": f"无权终止联建“{alliance.name}”（{alliance.code}），请选择“保留”或联系其牵头组织"
                    }
                )
            alliance_update(actor=actor, alliance=alliance, status=Alliance.Status.ENDED)
            ended.append(alliance.code)
        elif change["action"] == "退出":
            for m in AllianceMember.objects.filter(
                alliance=alliance, org_id__in=ids, left_on__isnull=True
            ).select_related("org", "alliance"):
                alliance_member_update(actor=actor, membership=m, left_on=today)
                left.append(f"{alliance.code}:{m.org.code}")
    return {"ended": ended, "left": left}


@transaction.atomic
def run_adopt(*, actor: Any, run: GroupingRun, networks: str) -> list[Alliance]:
    """Create one 联建网 alliance per group of a finished run, all or nothing, audited, and
    apply ``networks`` (:class:`Networks`: 保留, 终止 or 替换) to today's 联建网 of the run's
    organisations first.

    Refused (ValidationError, nothing written) when ``networks`` is not a choice, the run is
    not finished, was already adopted, an organisation no longer exists or was dissolved, or
    a network to end is one ``actor`` may not change; PermissionDenied when ``actor`` may not
    manage every organisation of the run. The run records the alliances.
    """
    if networks not in Networks.VALUES:
        raise ValidationError({"networks": "请选择现有联建网的处理方式：保留、终止或替换"})
    locked = GroupingRun.objects.select_for_update().get(pk=run.pk)
    if not may_adopt(actor, locked):
        raise PermissionDenied
    if locked.status != GroupingRun.Status.DONE:
        raise ValidationError("只有已完成的分组方案才能采纳")
    if locked.adopted_at is not None:
        raise ValidationError(
            f"该方案已于 {timezone.localtime(locked.adopted_at):%Y-%m-%d %H:%M} 由 {locked.adopted_by_name} 采纳，不能重复采纳"
        )
    network_type = AllianceType.objects.filter(name=NETWORK_TYPE).first()
    if network_type is None:
        raise ValidationError(f"联建类型“{NETWORK_TYPE}”不存在，请先在联建类型中添加")
    today: datetime.date = timezone.localdate()
    plan = adoption_plan(locked)
    for item in plan:
        if item["missing"] or item["lead"] is None:
            raise ValidationError(
                f"第{item['number']}组中的组织已不存在：{'、'.join(item['missing'])}"
            )
    changed = _apply_networks(actor, locked, networks, today)
    created = []
    for item in plan:
        created.append(
            alliance_create(
                actor=actor,
                members=item["members"],
                code=item["code"],
                name=item["name"],
                type=network_type,
                lead=item["lead"],
                status=Alliance.Status.ACTIVE,
                founded=today,
                description=f"由智能分组方案 #{locked.pk} 采纳生成（{today:%Y-%m-%d}）。",
            )
        )
    locked.adopted_at = timezone.now()
    locked.adopted_by_name = getattr(actor, "display_name", "") or str(actor)
    locked.save(update_fields=["adopted_at", "adopted_by_name"])
    locked.alliances.set(created)
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=locked,
        before={"adopted": False},
        after={
            "adopted": True,
            "alliances": [a.code for a in created],
            "networks": networks,
            **changed,
        },
        note=f"采纳智能分组方案 #{locked.pk}，新建联建网 {len(created)} 个；现有联建网{networks}："
        f"终止 {len(changed['ended'])} 个，退出成员 {len(changed['left'])} 个",
    )
    run.refresh_from_db()
    return created
