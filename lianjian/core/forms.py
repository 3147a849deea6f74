"""The rules of :mod:`lianjian.core.validation` applied to every form of the screens.

Every form inherits :class:`EdgeRules` (a test walks them all), which gives each of its
fields the rule of its kind when the form is made:

* text (``CharField`` and its subclasses): :func:`~lianjian.core.validation.text_problem`,
  single-line unless the widget is a ``Textarea`` or the form names the field in
  ``MULTILINE_FIELDS`` (a list typed one item per line, split before it is stored);
* integers: within 64 bits, unless the field has narrower bounds of its own;
* dates and date-times: inside the absolute outer bound (1900-01-01 … 2199-12-31), so that
  no arithmetic on them can overflow before the service checks the field's own window
  (model validation: ``DATE_WINDOWS`` and the model's row validator);
* a choice of rows by id (``ModelChoiceField``, ``ModelMultipleChoiceField``): an id beyond
  64 bits is an invalid choice, answered before it reaches the database (which would fail
  on it).

A field whose widget is a :class:`~lianjian.core.widgets.Picker` also gets the bound field
that shows the chosen rows by name.

Floats need nothing here: Django's ``FloatField`` and ``DecimalField`` refuse ``NaN`` and
infinities already. Each message names the field by its label.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.deconstruct import deconstructible

from lianjian.core.validation import ANYTIME, INT64_MAX, INT64_MIN, text_problem
from lianjian.core.widgets import bind_pickers


@deconstructible
class TextRule:
    """Refuses text that :func:`text_problem` refuses, naming the field."""

    def __init__(self, label: str, *, multiline: bool) -> None:
        self.label, self.multiline = label, multiline

    def __call__(self, value: Any) -> None:
        if isinstance(value, str):
            problem = text_problem(value, multiline=self.multiline)
            if problem:
                raise ValidationError(f"{self.label}{problem}", code="control_character")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextRule) and (self.label, self.multiline) == (
            other.label,
            other.multiline,
        )


@deconstructible
class OuterDateRule:
    """Refuses a date or date-time outside the absolute outer bound, naming the field."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, value: Any) -> None:
        if isinstance(value, datetime.date):
            problem = ANYTIME.problem(value)
            if problem:
                raise ValidationError(f"{self.label}{problem}", code="date_range")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, OuterDateRule) and self.label == other.label


_INTEGER = re.compile(r"\s*[+-]?[0-9]+\s*")


def _ids_within_64_bits(field: forms.ModelChoiceField[Any]) -> Callable[[Any], Any]:
    clean = field.clean

    def checked(value: Any) -> Any:
        for item in value if isinstance(value, list | tuple) else [value]:
            if (
                isinstance(item, str)
                and _INTEGER.fullmatch(item)
                and not INT64_MIN <= int(item) <= INT64_MAX
            ):
                raise ValidationError(
                    field.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": item.strip()[:30]},
                )
        return clean(value)

    return checked


def apply_edge_rules(form: forms.BaseForm) -> None:
    """Attach the rule of its kind to every field of ``form`` (its own copies of the fields)."""
    several_lines = set(getattr(form, "MULTILINE_FIELDS", ()))
    for name, field in form.fields.items():
        label = str(field.label or name)
        if isinstance(field, forms.CharField):
            multiline = isinstance(field.widget, forms.Textarea) or name in several_lines
            field.validators.append(TextRule(label, multiline=multiline))
        elif isinstance(field, forms.IntegerField) and not isinstance(
            field, forms.FloatField | forms.DecimalField
        ):
            if getattr(field, "max_value", None) is None:
                field.validators.append(MaxValueValidator(INT64_MAX))
            if getattr(field, "min_value", None) is None:
                field.validators.append(MinValueValidator(INT64_MIN))
        elif isinstance(field, forms.DateField | forms.DateTimeField):
            field.validators.append(OuterDateRule(label))
        elif isinstance(field, forms.ModelChoiceField):
            # This form's own copy of the field gets its own clean(): an instance attribute
            # in front of the class's method.
            vars(field)["clean"] = _ids_within_64_bits(field)
    bind_pickers(form)


class EdgeRules:
    """Mixin for every form of the screens (put it first: ``class F(EdgeRules, forms.Form)``)."""

    # Single-line inputs whose text may still hold line breaks: lists typed one item per line.
    MULTILINE_FIELDS: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not isinstance(self, forms.BaseForm):
            raise TypeError(f"{type(self).__name__}: EdgeRules is a mixin for forms")
        apply_edge_rules(self)


def instance_initial(
    fields: Iterable[str], instance: Any, *, skip: Iterable[str] = ()
) -> dict[str, Any]:
    """The initial values of an edit form: ``instance``'s value of each of the form's
    ``fields`` (its ``base_fields``), except those in ``skip`` — the fields the form shows
    otherwise (a code for a related row, a list as text, a local time), which the form adds."""
    left_out = set(skip)
    return {name: getattr(instance, name) for name in fields if name not in left_out}
