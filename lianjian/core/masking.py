"""Personal numbers (手机号码, 身份证号): declared once, shown by one rule everywhere.

Declaring: a model field that holds a person's phone or ID number is a :class:`PhoneField`
or an :class:`IdNumberField` (``tests/test_sensitive_fields.py`` fails on any phone- or
ID-like field that is not). A model with such a field says whose numbers a row holds by
defining ``private_holder()`` → :class:`PrivateHolder` (Django's system check refuses the
model otherwise):

- a member's own numbers: their organisation and themself;
- a number on another row (a liaison's or a resource contact's phone): the linked member's,
  when the number belongs to a member, else the organisation the row belongs to.

The rule: :func:`may_see_private` — the system (``user=None``: command line, jobs), the
admin, a manager whose subtree holds the holder's organisation, and the member themself see
a number in clear; everybody else sees its masked form.

Output: :func:`private_value` applies the rule to one field and returns either the masked
form or a :class:`Revealed` string. Every output edge masks whatever is not ``Revealed``, so
a value that skipped the rule leaves masked, never in clear:

- templates: ``{% load masking %}{% private obj "field" %}``;
- the API: the :data:`PrivatePhone` / :data:`PrivateIdNumber` schema types;
- Excel exports: columns made with :func:`private_format`;
- edit forms: :func:`form_initial` prefills, :func:`keep_unrevealed` keeps a masked value
  sent back unchanged;
- the audit log: :func:`lianjian.core.audit.snapshot` masks every declared field, always.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

from django.core import checks
from django.db import models
from pydantic import ValidatorFunctionWrapHandler, WrapValidator

from lianjian.core.scope import MANAGE, scope_of


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; short or empty values keep only their last digit."""
    if not value:
        return ""
    if len(value) >= 7:
        return value[:3] + "****" + value[-4:]
    return "*" * (len(value) - 1) + value[-1]


def mask_id_number(value: str | None) -> str:
    """``110101199003071234`` → ``1101**********1234`` (first 4 and last 4 kept)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


# ---- declaring ----------------------------------------------------------------------------


def _mask_all(value: str | None) -> str:
    return "*" * len(value or "")


if TYPE_CHECKING:
    # django-stubs types a field by the values it takes and gives; Django's own CharField
    # cannot be subscripted at run time.
    _TextColumn = models.CharField[str, str]
else:
    _TextColumn = models.CharField


class SensitiveField(_TextColumn):
    """A CharField holding a person's number; ``mask`` gives the form shown without the right
    (the subclasses keep a few digits; the base hides all of them)."""

    mask: Callable[[str | None], str] = staticmethod(_mask_all)

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        errors = super().check(**kwargs)
        if not callable(getattr(self.model, "private_holder", None)):
            errors.append(
                checks.Error(
                    f"{self.model.__name__}.{self.name} holds a personal number but the model does not "
                    "define private_holder()",
                    hint="Return a lianjian.core.masking.PrivateHolder: whose number it is.",
                    obj=self,
                    id="lianjian.E001",
                )
            )
        return errors


class PhoneField(SensitiveField):
    """A person's phone number (手机号码, 联系电话): shown as ``138****5678`` without the right."""

    mask = staticmethod(mask_phone)


class IdNumberField(SensitiveField):
    """A resident ID number (身份证号): shown as ``1101**********1234`` without the right."""

    mask = staticmethod(mask_id_number)


def sensitive_fields(model: type[models.Model] | models.Model) -> dict[str, SensitiveField]:
    """The declared personal-number fields of ``model`` by name, in declaration order."""
    return {f.name: f for f in model._meta.concrete_fields if isinstance(f, SensitiveField)}


class PrivateHolder(NamedTuple):
    """Whose numbers a row holds: the organisation (its materialised ``path``) whose managers
    may see them, and the member they belong to, if any (who may see their own)."""

    org_path: str
    member_id: int | None = None


# ---- the rule -----------------------------------------------------------------------------


def may_see_private(user: Any, obj: models.Model) -> bool:
    """Whether ``user`` sees the personal numbers of ``obj`` in clear — the one rule.

    ``None`` is the system (command-line exports, jobs): clear. Otherwise clear for an
    active admin; for an active manager whose subtree holds ``obj.private_holder()``'s
    organisation; and for the member the numbers belong to. Everybody else: masked.
    """
    if user is None:
        return True
    scope = scope_of(user)
    if scope.everything:
        return True
    if not hasattr(
        obj, "private_holder"
    ):  # every model with a SensitiveField has it (lianjian.E001)
        raise TypeError(f"{type(obj).__name__} holds no personal numbers")
    holder: PrivateHolder = obj.private_holder()
    if any(grant.covers(holder.org_path) for grant in scope.of(MANAGE)):
        return True
    return holder.member_id is not None and scope.member_id == holder.member_id


class Revealed(str):
    """A personal number that passed :func:`may_see_private`; output edges show only these in clear."""

    __slots__ = ()


def private_value(user: Any, obj: models.Model, name: str) -> str:
    """Field ``name`` of ``obj`` as ``user`` may see it: :class:`Revealed` or masked ("" if empty)."""
    field = sensitive_fields(obj)[name]
    value = getattr(obj, name) or ""
    if not value:
        return ""
    return Revealed(value) if may_see_private(user, obj) else field.mask(value)


def private_values(user: Any, obj: models.Model) -> dict[str, str]:
    """Every declared field of ``obj`` as ``user`` may see it (see :func:`private_value`)."""
    return {name: private_value(user, obj, name) for name in sensitive_fields(obj)}


def shown(value: Any, mask: Callable[[str | None], str]) -> str:
    """What an output edge writes: a :class:`Revealed` value as is, anything else masked."""
    if isinstance(value, Revealed):
        return str(value)
    return mask(None if value is None else str(value))


# ---- output edges -------------------------------------------------------------------------


class _MaskedField:
    """The validator of an API response field holding a personal number: a
    :class:`Revealed` value passes, anything else goes out masked."""

    # What tests/test_sensitive_fields.py looks for on every such field.
    masks_personal_number = True

    def __init__(self, mask: Callable[[str | None], str]) -> None:
        self.mask = mask

    def __call__(self, value: Any, handler: ValidatorFunctionWrapHandler) -> str:
        revealed = isinstance(value, Revealed)
        text: str = handler(value)
        return text if revealed else self.mask(text)


def _schema_type(mask: Callable[[str | None], str]) -> Any:
    return Annotated[str, WrapValidator(_MaskedField(mask))]


# API response fields holding a personal number: pass private_value(...) — anything else
# (a raw model value) goes out masked, even to those who could see it.
PrivatePhone = _schema_type(mask_phone)
PrivateIdNumber = _schema_type(mask_id_number)


def private_format(field_class: type[SensitiveField]) -> Callable[[Any], Any]:
    """An Excel column ``format`` for a personal number: export rows pass
    :func:`private_value` (or ``None``/"" for an empty cell); anything else is written masked."""

    return _MaskedCell(field_class.mask)


class _MaskedCell:
    """The ``format`` of an Excel column holding a personal number (see :func:`private_format`)."""

    # What tests/test_sensitive_fields.py looks for on every such column.
    masks_personal_number = True

    def __init__(self, mask: Callable[[str | None], str]) -> None:
        self.mask = mask

    def __call__(self, value: Any) -> str | None:
        return shown(value, self.mask) or None


def form_initial(user: Any, obj: models.Model) -> dict[str, str]:
    """The initial values of an edit form's personal-number fields, as ``user`` may see them."""
    return {name: str(value) for name, value in private_values(user, obj).items()}


def keep_unrevealed(user: Any, obj: models.Model, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with every personal number that came back exactly as the masked prefill
    replaced by the stored number, so that saving a form one may not read in clear keeps it."""
    out = dict(data)
    if may_see_private(user, obj):
        return out
    for name, field in sensitive_fields(obj).items():
        stored = getattr(obj, name) or ""
        if name in out and stored and out[name] == field.mask(stored):
            out[name] = stored
    return out
