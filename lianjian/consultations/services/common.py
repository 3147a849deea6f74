"""What the problem and meeting services share: the alliance's current organisations,
inserting a record under a given or generated code, and the text rule of their fields."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.consultations.models import (
    JointMeeting,
    Problem,
)
from lianjian.orgs.models import validate_code


def today() -> datetime.date:
    return timezone.localdate()


def alliance_org_ids(alliance: Alliance) -> set[int]:
    """The organisations that take part in ``alliance`` now: current members and the lead."""
    ids = set(
        AllianceMember.objects.filter(alliance=alliance, left_on__isnull=True).values_list(
            "org_id", flat=True
        )
    )
    ids.add(alliance.lead_id)
    return ids


def save_new(obj: Problem | JointMeeting, code: str, make_code: Any) -> None:
    """Insert ``obj`` under ``code`` or, when none was given, the next generated code (two
    people creating at the same moment queue at the allocator and get two codes)."""
    if code:
        try:
            validate_code(code)
        except ValidationError as exc:
            raise ValidationError({"code": exc.messages}) from None
        if type(obj).objects.filter(code=code).exists():
            raise ValidationError({"code": f"编号已存在：{code}"})
        obj.code = code
    else:
        obj.code = make_code()
    obj.save()


def clean_text(value: str, label: str, max_length: int, *, required: bool = True) -> str:
    """``value`` stripped; refused (on the field ``label``) when empty but ``required`` or
    longer than ``max_length``."""
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({label: "不能为空"})
    if len(value) > max_length:
        raise ValidationError({label: f"不能超过 {max_length} 个字符"})
    return value
