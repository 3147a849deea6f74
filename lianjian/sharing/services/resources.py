"""Writes of shared resources and their photos: opening hours stored in canonical form
(:mod:`lianjian.sharing.hours`), list fields de-duplicated, photos checked by content."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.core.audit import audit_record, audited_create, audited_update
from lianjian.core.codes import next_code
from lianjian.core.models import AuditLog, settable_fields
from lianjian.core.uploads import UploadRule, store_upload
from lianjian.sharing.hours import HoursError, normalise_hours
from lianjian.sharing.models import (
    Resource,
    ResourcePhoto,
)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = ("image/png", "image/jpeg")
PHOTOS = UploadRule(
    types=PHOTO_TYPES,
    max_bytes=MAX_PHOTO_BYTES,
    too_large="照片不能超过 10 MB",
    wrong_type="只能上传 PNG 或 JPEG 图片",
    default_name="照片",
)
# What a resource create or update may set: every audited field but the code.
RESOURCE_FIELDS = settable_fields(Resource)


def user_name(actor: Any) -> str:
    """How a record names the person who acted (预约人, 审批人, 对接人): their full name,
    else their username; "系统" for a job."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_full_name() or actor.get_username())[:150]
    return "系统"


def resource_code_new() -> str:
    """The next free 资源编号 ``ZY-0001``, ``ZY-0002`` … (reserved for the calling transaction)."""
    return next_code(Resource, "ZY-", 4)


def _clean_hours(fields: dict[str, Any]) -> None:
    if "opening_hours" in fields:
        try:
            fields["opening_hours"] = normalise_hours(fields["opening_hours"])
        except HoursError as exc:
            raise ValidationError({"opening_hours": str(exc)}) from None
        if len(fields["opening_hours"]) > 300:
            raise ValidationError({"opening_hours": "开放时间不能超过 300 个字符"})


def _known(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    """Refuse a field the service does not set (a programming error, not bad input) and
    normalise the list fields."""
    unknown = set(fields) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    _lists(fields)


def _lists(fields: dict[str, Any]) -> None:
    for name in ("tags", "equipment", "expertise", "partners_wanted"):
        if name in fields:
            fields[name] = list(
                dict.fromkeys(str(t).strip() for t in fields[name] or () if str(t).strip())
            )


@transaction.atomic
def resource_create(*, actor: Any, code: str = "", **fields: Any) -> Resource:
    """Create a resource (``code`` defaults to the next free 资源编号)."""
    _known(fields, RESOURCE_FIELDS)
    _clean_hours(fields)
    code = code or resource_code_new()
    if Resource.objects.filter(code=code).exists():
        raise ValidationError({"code": f"资源编号已存在：{code}"})
    return audited_create(actor=actor, obj=Resource(code=code, **fields))


@transaction.atomic
def resource_update(*, actor: Any, resource: Resource, **fields: Any) -> Resource:
    """Change fields of a resource; ``code`` is fixed once created."""
    if "code" in fields and fields.pop("code") != resource.code:
        raise ValidationError({"code": "资源编号创建后不能修改"})
    _known(fields, RESOURCE_FIELDS)
    _clean_hours(fields)
    return audited_update(actor=actor, obj=resource, fields=fields, lock=True)


@transaction.atomic
def photo_add(*, actor: Any, resource: Resource, upload: Any) -> ResourcePhoto:
    """Attach a photo: PNG or JPEG by content (magic bytes, not the name), at most 10 MB."""
    checked = PHOTOS.check(upload, actor)
    photo = ResourcePhoto(resource=resource, **checked.record_fields())
    store_upload(photo, upload, "photo", checked)
    after = {"photo_added": photo.name}
    audit_record(actor=actor, action=AuditLog.Action.UPDATE, obj=resource, before={}, after=after)
    return photo


@transaction.atomic
def photo_delete(*, actor: Any, photo: ResourcePhoto) -> None:
    """Remove a photo and its file."""
    resource, name = photo.resource, photo.name
    photo.file.delete(save=False)
    photo.delete()
    audit_record(
        actor=actor,
        action=AuditLog.Action.UPDATE,
        obj=resource,
        before={"photo_removed": name},
        after={},
    )
