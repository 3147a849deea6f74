"""The one widget for every form field that refers to an organisation, a member or an alliance.

``Picker("orgs.managed")`` (``multiple=True`` for a list such as an alliance's members) is a
text input holding the code(s) — what the form has always received, so without JavaScript
the field still takes a typed code. ``static/core/picker.js`` turns it into a
search-as-you-type box (htmx asks ``core:picker`` for the matching rows the user may choose),
keyboard-usable, showing each chosen row by name with its code small.

The chosen names are looked up when the field is rendered, among the rows the user may
choose: the field's own ``queryset`` when the form set one (the rows it validates against),
else the source's rows for the form's ``user``. A code outside them (typed by hand, out of
scope) is shown as typed, never with a name.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.forms.boundfield import BoundField
from django.urls import reverse

from lianjian.core.pickers import Choice, get_source, labels

# How a list of codes is written in one text box (the separator users already type).
SEPARATOR = "、"
_SPLIT = str.maketrans({c: SEPARATOR for c in "，,；;\n"})


def split_codes(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        items = [str(v) for v in value]
    else:
        items = str(value or "").translate(_SPLIT).split(SEPARATOR)
    return list(dict.fromkeys(i.strip() for i in items if i and i.strip()))


class Picker(forms.TextInput):
    """A code input enhanced into a search-as-you-type chooser (see the module docstring)."""

    template_name = "core/widgets/picker.html"

    def __init__(
        self,
        source: str,
        *,
        multiple: bool = False,
        depends: tuple[str, ...] = (),
        context: Callable[[Any], dict[str, str]] | None = None,
        attrs: dict[str, Any] | None = None,
        placeholder: str = "",
    ) -> None:
        """``depends``: fields of the same form whose values the search sends along;
        ``context``: values taken from the form object itself (``lambda form: {"problem":
        form.problem.code}``), which the source checks against the user's scope like any other;
        ``placeholder``: the search box's hint where the field has no visible label (list
        filters), else the source's own."""
        super().__init__(attrs)
        self.source, self.multiple, self.depends, self.context = source, multiple, depends, context
        self.placeholder = placeholder
        # Set for one rendering by PickerBoundField (each form has its own copy of the widget):
        # the rows whose names may be shown, and the values of fields it depends on that the
        # page cannot send (disabled fields are not sent).
        self.chosen_among: Any = None
        self.fixed: dict[str, str] = {}

    def __deepcopy__(self, memo: dict[int, Any]) -> Picker:
        copy = super().__deepcopy__(memo)
        copy.chosen_among, copy.fixed = None, {}
        return copy

    def format_value(self, value: Any) -> str | None:
        if self.multiple or isinstance(value, list | tuple):
            return SEPARATOR.join(split_codes(value)) or None
        code = getattr(value, "code", value)  # an organisation given as initial
        formatted: str | None = super().format_value(code)
        return formatted

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        source = get_source(self.source)
        if source is None:
            raise LookupError(
                f"Picker source {self.source!r} is not registered (a pickers.py module)"
            )
        widget = context["widget"]
        codes = (
            split_codes(widget["value"])
            if self.multiple
            else [c for c in [widget["value"] or ""] if c]
        )
        found: dict[str, Choice] = (
            labels(source, self.chosen_among, codes) if self.chosen_among is not None else {}
        )
        widget.update(
            url=reverse("core:picker", args=[self.source]),
            multiple=self.multiple,
            chosen=[found.get(code) or Choice(code, "", "") for code in codes],
            placeholder=self.placeholder or source.placeholder,
            noun=source.noun,
            include=", ".join(f"[name='{d}']" for d in self.depends if d not in self.fixed),
            vals=json.dumps(self.fixed, ensure_ascii=False) if self.fixed else "",
            invalid=widget["attrs"].get("aria-invalid") in ("true", True),
        )
        return context


class PickerBoundField(BoundField):
    """Gives the widget, before it renders, the rows whose names it may show."""

    def as_widget(
        self,
        widget: forms.Widget | None = None,
        attrs: dict[str, Any] | None = None,
        only_initial: bool = False,
    ) -> Any:
        picker = widget or self.field.widget
        if isinstance(picker, Picker):
            picker.chosen_among = self.chosen_among(picker)
            picker.fixed = {
                name: str(self.form[name].value() or "")
                for name in picker.depends
                if name in self.form.fields and self.form.fields[name].disabled
            }
            if picker.context is not None:
                picker.fixed.update(picker.context(self.form))
        return super().as_widget(widget, attrs, only_initial)

    def chosen_among(self, picker: Picker) -> Any:
        queryset = getattr(self.field, "queryset", None)
        if queryset is not None:
            return queryset
        user = getattr(self.form, "user", None)
        source = get_source(picker.source)
        if user is None or source is None:
            return None
        params: dict[str, str] = {
            name: str(self.form[name].value() or "")
            for name in source.params
            if name in self.form.fields
        }
        if picker.context is not None:
            params.update(picker.context(self.form))
        return source.choosable(user, params)


def bind_pickers(form: forms.BaseForm) -> None:
    """Make every picker field of ``form`` render through :class:`PickerBoundField`
    (called for every form by :class:`lianjian.core.forms.EdgeRules`)."""
    for field in form.fields.values():
        if isinstance(field.widget, Picker):
            field.bound_field_class = PickerBoundField
