"""Reads and audited writes of the deadline colours: the rule of a kind of item, the presets,
the preset each kind uses, escalation ladders and the record of their steps.

Every write is the 党建工作部's (the admin's) and is audited; bad input raises a
``ValidationError`` with a Chinese message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import audit_record, diff, snapshot
from lianjian.core.models import AuditLog
from lianjian.deadlines import engine
from lianjian.deadlines.engine import PresetRule
from lianjian.deadlines.models import (
    DeadlineKind,
    DeadlinePreset,
    Escalation,
    EscalationLadder,
    EscalationStep,
)

# kind code → rule, read in one query; forgotten at each request, each ``lianjian remind``
# run and whenever a preset or a kind is saved (apps.py).
_rules: dict[str, PresetRule] | None = None


def forget_rules(*args: Any, **kwargs: Any) -> None:
    """Drop the cached rules (a signal receiver, hence the arguments)."""
    global _rules
    _rules = None


def rules() -> dict[str, PresetRule]:
    """Every kind of item's rule, by kind code (one query, cached per request/run)."""
    global _rules
    if _rules is None:
        _rules = {k.code: k.preset.rule for k in DeadlineKind.objects.select_related("preset")}
    return _rules


def rule_for(kind: str) -> PresetRule:
    """The rule that colours items of ``kind`` (a ``DeadlineKind.Code``)."""
    try:
        return rules()[kind]
    except KeyError:
        raise LookupError(f"没有预警对象“{kind}”") from None


def _admin_only(actor: Any) -> None:
    if actor is not None and not getattr(actor, "is_admin", False):
        raise PermissionDenied("只有党建工作部可以修改预警规则")


@transaction.atomic
def preset_update(
    *,
    actor: Any,
    preset: DeadlinePreset,
    yellow: int,
    red: int,
    name: str | None = None,
    note: str | None = None,
) -> DeadlinePreset:
    """Change a preset's thresholds (and name or note); its kind is fixed."""
    _admin_only(actor)
    problem = engine.problem(preset.kind, yellow, red)
    if problem:
        raise ValidationError({"red": problem})
    before = snapshot(DeadlinePreset.objects.get(pk=preset.pk))
    preset.yellow, preset.red = yellow, red
    if name is not None:
        preset.name = name.strip()
    if note is not None:
        preset.note = note.strip()
    preset.full_clean()
    preset.save()
    b, a = diff(before, snapshot(preset))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=preset, before=b, after=a)
    return preset


@transaction.atomic
def preset_create(
    *, actor: Any, code: str, name: str, kind: str, yellow: int, red: int, note: str = ""
) -> DeadlinePreset:
    """A new preset (its code and kind are fixed once created)."""
    _admin_only(actor)
    problem = engine.problem(kind, yellow, red)
    if problem:
        raise ValidationError({"red": problem})
    preset = DeadlinePreset(
        code=code, name=name.strip(), kind=kind, yellow=yellow, red=red, note=note
    )
    preset.full_clean()
    preset.save()
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=preset, after=snapshot(preset))
    return preset


@transaction.atomic
def kind_set_preset(*, actor: Any, kind: DeadlineKind, preset: DeadlinePreset) -> DeadlineKind:
    """Colour the items of ``kind`` by ``preset`` from now on."""
    _admin_only(actor)
    before = snapshot(DeadlineKind.objects.get(pk=kind.pk))
    kind.preset = preset
    kind.save()
    b, a = diff(before, snapshot(kind))
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=kind, before=b, after=a)
    return kind


def _check_steps(steps: Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    out = []
    for name, days in steps:
        name = name.strip()
        if not name:
            raise ValidationError({"steps": "每个步骤都要有名称"})
        if not 1 <= days <= 365:
            raise ValidationError({"steps": f"步骤“{name}”的办理时限应在 1–365 天之间"})
        out.append((name, days))
    if not out:
        raise ValidationError({"steps": "督办升级至少需要一个步骤"})
    if len({n for n, _ in out}) != len(out):
        raise ValidationError({"steps": "步骤名称不能重复"})
    return out


@transaction.atomic
def ladder_create(
    *, actor: Any, kind: DeadlineKind, name: str, steps: Sequence[tuple[str, int]]
) -> EscalationLadder:
    """A ladder for ``kind`` with ordered ``steps`` of (name, days to act)."""
    _admin_only(actor)
    checked = _check_steps(steps)
    if EscalationLadder.objects.filter(kind=kind, active=True).exists():
        raise ValidationError({"kind": f"“{kind}”已有启用的督办升级，请先停用"})
    ladder = EscalationLadder(kind=kind, name=name.strip())
    ladder.full_clean()
    ladder.save()
    EscalationStep.objects.bulk_create(
        [
            EscalationStep(ladder=ladder, position=i, name=n, days=d)
            for i, (n, d) in enumerate(checked)
        ]
    )
    after = snapshot(ladder)
    after["steps"] = [f"{n}（{d}天）" for n, d in checked]
    audit_record(actor=actor, action=AuditLog.Action.CREATE, obj=ladder, after=after)
    return ladder


@transaction.atomic
def ladder_update_steps(
    *, actor: Any, ladder: EscalationLadder, name: str, steps: Sequence[tuple[str, int]]
) -> EscalationLadder:
    """Rename a ladder and its steps, change their days, add steps after them. No step is
    removed (nothing is deleted): to shorten a ladder, stop it and create another."""
    _admin_only(actor)
    checked = _check_steps(steps)
    current = list(ladder.steps.order_by("position"))
    if len(checked) < len(current):
        raise ValidationError({"steps": "步骤不能删除；如需减少步骤，请停用本督办升级后新建"})
    if not ladder.active:
        raise ValidationError("该督办升级已停用，不能修改")
    before = snapshot(ladder)
    before["steps"] = [f"{s.name}（{s.days}天）" for s in current]
    ladder.name = name.strip()
    ladder.full_clean()
    ladder.save()
    for i, (n, d) in enumerate(checked):
        if i < len(current):
            step = current[i]
            if (step.name, step.days) != (n, d):
                step.name, step.days = n, d
                step.save()
        else:
            EscalationStep.objects.create(ladder=ladder, position=i, name=n, days=d)
    after = snapshot(ladder)
    after["steps"] = [f"{n}（{d}天）" for n, d in checked]
    b, a = diff(before, after)
    if a:
        audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=ladder, before=b, after=a)
    return ladder


@transaction.atomic
def ladder_void(*, actor: Any, ladder: EscalationLadder, reason: str) -> EscalationLadder:
    """Stop a ladder (kept, with its record); no step of it is issued any more."""
    _admin_only(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "请填写停用原因"})
    if len(reason) > 200:
        raise ValidationError({"reason": "停用原因不能超过 200 个字"})
    if not ladder.active:
        raise ValidationError("该督办升级已停用")
    ladder.active = False
    ladder.void_reason = reason
    ladder.save()
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=ladder,
        before={"active": True},
        after={"active": False, "void_reason": reason},
        note="停用",
    )
    return ladder


@transaction.atomic
def escalation_act(*, actor: Any, escalation: Escalation) -> Escalation:
    """Record that ``escalation`` was acted on today (the next step is then not issued);
    acting twice keeps the first record."""
    if escalation.acted_on is not None:
        return escalation
    escalation.acted_on = timezone.localdate()
    escalation.acted_by = actor
    escalation.save(update_fields=["acted_on", "acted_by"])
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=escalation,
        before={"acted_on": None},
        after={"acted_on": escalation.acted_on.isoformat()},
        note="督办已办理",
    )
    return escalation
