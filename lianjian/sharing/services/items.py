"""Writes of needs (需求), projects (项目) and the matches (对接) that meet them."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lianjian.core.audit import audit_record, audited_create, audited_update
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog, settable_fields
from lianjian.orgs.models import Organisation
from lianjian.sharing import matching
from lianjian.sharing.models import (
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Project,
    Resource,
)
from lianjian.sharing.services.resources import _known, user_name

# What a create or update may set: every audited field but the code.
NEED_FIELDS = settable_fields(Need)
PROJECT_FIELDS = settable_fields(Project)


_Item = TypeVar("_Item", Need, Project)


def _year_prefix(letters: str) -> str:
    return f"{letters}{timezone.localdate().year}-"


def _create(
    model: type[_Item],
    allowed: tuple[str, ...],
    letters: str,
    actor: Any,
    code: str,
    fields: dict[str, Any],
) -> _Item:
    _known(fields, allowed)
    code = code or next_code(model, _year_prefix(letters))
    if model._default_manager.filter(code=code).exists():
        raise ValidationError({"code": f"编号已存在：{code}"})
    return audited_create(actor=actor, obj=model(code=code, **fields))


def _update(allowed: tuple[str, ...], actor: Any, obj: _Item, fields: dict[str, Any]) -> _Item:
    _known(fields, allowed)
    return audited_update(actor=actor, obj=obj, fields=fields, lock=True)


@transaction.atomic
def need_create(*, actor: Any, code: str = "", **fields: Any) -> Need:
    """Post a need (待对接); ``code`` defaults to the next free ``XQ<year>-NNN``."""
    return _create(Need, NEED_FIELDS, "XQ", actor, code, fields)


@transaction.atomic
def need_update(*, actor: Any, need: Need, **fields: Any) -> Need:
    """Change a need's fields, its status included (e.g. 已关闭)."""
    return _update(NEED_FIELDS, actor, need, fields)


@transaction.atomic
def project_create(*, actor: Any, code: str = "", **fields: Any) -> Project:
    """Propose a project (征集合作); ``code`` defaults to the next free ``XM<year>-NNN``."""
    return _create(Project, PROJECT_FIELDS, "XM", actor, code, fields)


@transaction.atomic
def project_update(*, actor: Any, project: Project, **fields: Any) -> Project:
    return _update(PROJECT_FIELDS, actor, project, fields)


def _target_candidate(resource: Resource | None, org: Organisation | None) -> matching.Candidate:
    if resource is not None:
        lat, lon = resource.coordinates()
        return matching.Candidate(f"resource:{resource.code}", tuple(resource.all_tags), lat, lon)
    assert org is not None
    return matching.Candidate(f"org:{org.code}", tuple(org.strengths), org.lat, org.lon)


@transaction.atomic
def match_create(
    *,
    actor: Any,
    need: Need | None = None,
    project: Project | None = None,
    resource: Resource | None = None,
    org: Organisation | None = None,
    note: str = "",
) -> Match:
    """Record that someone put a need or project (one of them) in touch with a resource or an
    organisation (one of them), with the tags they share and the distance at this moment.
    Matching an organisation with its own need, or a closed need, is refused."""
    if (need is None) == (project is None) or (resource is None) == (org is None):
        raise ValueError("exactly one source and one target")
    source = need or project
    assert source is not None
    if need is not None and need.status == NeedStatus.CLOSED:
        raise ValidationError("需求已关闭，不能再对接")
    if project is not None and project.status in ("已完成", "已关闭"):
        raise ValidationError(f"项目{project.status}，不能再对接")
    owner_id = resource.owner_id if resource is not None else org.pk  # type: ignore[union-attr]
    if owner_id == source.org_id:
        raise ValidationError("不能与本组织自己的资源或本组织对接")
    if resource is not None and not resource.is_active:
        raise ValidationError("该资源已停止共享")
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": "对接说明不能超过 300 个字符"})
    tags = source.tags if need is not None else project.match_tags  # type: ignore[union-attr]
    target = matching.Target(tuple(tags), source.org.lat, source.org.lon)
    candidate = _target_candidate(resource, org)
    found = matching.suggest(target, [candidate], limit=1)
    distance = None
    if (
        target.lat is not None
        and target.lon is not None
        and candidate.lat is not None
        and candidate.lon is not None
    ):
        distance = round(
            matching.haversine_km(target.lat, target.lon, candidate.lat, candidate.lon), 1
        )
    row = Match(
        need=need,
        project=project,
        resource=resource,
        org=org,
        note=note,
        shared_tags=list(found[0].shared) if found else [],
        distance_km=distance,
        matched_by=actor if getattr(actor, "is_authenticated", False) else None,
        matched_by_name=user_name(actor),
    )
    row.full_clean()
    row.save()
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=source,
        before={},
        after={"match": row.target_name, "shared_tags": row.shared_tags},
        note=f"对接：{row.target_name}",
    )
    return row


@transaction.atomic
def match_set_status(*, actor: Any, match: Match, status: str) -> Match:
    """Move a match to 已达成 or 已放弃 (or back to 对接中). Agreeing a match of a need that is
    still 待对接 makes it 已对接."""
    if status not in MatchStatus.values:
        raise ValidationError({"status": "状态应为对接中、已达成或已放弃"})
    match = (
        Match.objects.select_for_update(of=("self",))
        .select_related("need", "project", "resource", "org")
        .get(pk=match.pk)
    )
    if match.status == status:
        return match
    before = match.status
    match.status = status
    match.save(update_fields=["status", "updated_at"])
    source = match.need or match.project
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=source,
        before={"match": match.target_name, "status": before},
        after={"match": match.target_name, "status": status},
        note=f"对接{status}：{match.target_name}",
    )
    if (
        status == MatchStatus.AGREED
        and match.need is not None
        and match.need.status == NeedStatus.OPEN
    ):
        need_update(actor=actor, need=match.need, status=NeedStatus.MATCHED)
    return match
