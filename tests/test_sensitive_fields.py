"""Personal numbers are declared once and shown by one rule everywhere (issue #16, item 2).

The walks fail when a phone- or ID-like model field is not declared (``PhoneField`` /
``IdNumberField``), when an API response field, an Excel column or a template shows such
a number without the masking rule; the persona tests are in ``test_sensitive_outputs.py``.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps
from pydantic import BaseModel

from lianjian.core.excel import all_kinds
from lianjian.core.masking import (
    IdNumberField,
    PhoneField,
    Revealed,
    SensitiveField,
    may_see_private,
    private_format,
    private_value,
)

LIANJIAN = Path(__file__).resolve().parent.parent / "lianjian"

_ENGLISH = re.compile(
    r"(^|_)(phone|mobile|tel|telephone|cellphone|fax|id_?number|id_?card|identity|idno)(_|$)"
)
_CHINESE = re.compile(r"手机|电话|身份证|证件号")


def looks_personal_number(name: str, label: str = "") -> bool:
    """Whether a field, column or schema property looks like it holds a phone or an ID number."""
    return bool(_ENGLISH.search(name.lower()) or _CHINESE.search(label or ""))


# ---- the walks ----------------------------------------------------------------------------


def _our_models():
    return [m for m in apps.get_models() if m.__module__.startswith("lianjian.")]


def test_every_phone_or_id_like_model_field_is_declared_sensitive():
    # The predicate itself: names and labels of phones and ID numbers, and near misses.
    assert [
        looks_personal_number(n, label)
        for n, label in [
            ("phone", ""),
            ("contact_phone", ""),
            ("mobile", ""),
            ("office_tel", ""),
            ("id_number", ""),
            ("idcard", "身份证"),
            ("x", "联系电话"),
            ("x", "手机"),
            ("x", "证件号码"),
            ("telling", ""),
            ("hotel", ""),
            ("name", "联系人"),
            ("number", "人员编号"),
        ]
    ] == [True] * 9 + [False] * 4
    undeclared, declared = [], set()
    for model in _our_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, SensitiveField):
                declared.add((model._meta.label_lower, field.name))
            elif looks_personal_number(field.name, str(getattr(field, "verbose_name", ""))):
                undeclared.append(f"{model._meta.label}.{field.name}")
    assert undeclared == [], f"声明为 PhoneField / IdNumberField：{undeclared}"
    assert declared == {
        ("orgs.member", "phone"),
        ("orgs.member", "id_number"),
        ("alliances.alliancemember", "liaison_phone"),
        ("sharing.resource", "contact_phone"),
    }
    for model in {apps.get_model(label) for label, _ in declared}:
        assert callable(getattr(model, "private_holder", None)), model


@isolate_apps("lianjian.core")
def test_a_model_with_a_personal_number_must_say_whose_it_is():
    class Contact(models.Model):
        phone = PhoneField("电话", max_length=20)

        class Meta:
            app_label = "core"

    assert [(e.id, e.msg) for e in Contact.check()] == [
        (
            "lianjian.E001",
            "Contact.phone holds a personal number but the model does not define private_holder()",
        )
    ]


def _response_models():
    from lianjian.api import api

    seen: dict[int, type[BaseModel]] = {}

    def visit(annotation) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if id(annotation) in seen:
                return
            seen[id(annotation)] = annotation
            for f in annotation.model_fields.values():
                visit(f.annotation)
        for arg in getattr(annotation, "__args__", ()) or ():
            visit(arg)

    for router in [api.default_router, *(r for _, r in api._routers)]:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in (operation.response_models or {}).values():
                    visit(model)
    # ninja wraps every response in a NinjaResponseSchema; ours are what they hold
    return {m.__qualname__: m for m in seen.values() if m.__module__.startswith("lianjian.")}


def test_every_api_response_field_holding_a_phone_or_id_goes_through_the_rule():
    models = _response_models()
    assert {"MemberOut", "ResourceOut", "AllianceMemberOut"} <= set(models)
    unmasked, masked = [], set()
    for name, model in models.items():
        for field_name, info in model.model_fields.items():
            if info.annotation is not str:
                continue
            if any(
                getattr(getattr(m, "func", None), "masks_personal_number", False)
                for m in info.metadata
            ):
                masked.add(f"{name}.{field_name}")
            elif looks_personal_number(field_name, info.description or ""):
                unmasked.append(f"{name}.{field_name}")
    assert unmasked == []
    assert masked == {
        "MemberOut.phone",
        "MemberOut.id_number",
        "MemberDetailOut.phone",
        "MemberDetailOut.id_number",
        "ResourceOut.phone",
        "AllianceMemberOut.liaison_phone",
    }


def test_every_excel_column_holding_a_phone_or_id_goes_through_the_rule():
    unmasked, masked = [], set()
    for kind in all_kinds():
        for column in kind.columns:
            if getattr(column.format, "masks_personal_number", False):
                masked.add(f"{kind.name}.{column.header}")
            elif looks_personal_number("", column.header):
                unmasked.append(f"{kind.name}.{column.header}")
    assert unmasked == []
    assert masked == {"members.手机号码", "members.身份证号", "resources.联系电话"}


def test_no_template_prints_a_declared_field_directly():
    names = sorted(
        {
            f.name
            for m in _our_models()
            for f in m._meta.concrete_fields
            if isinstance(f, SensitiveField)
        }
    )
    assert names == ["contact_phone", "id_number", "liaison_phone", "phone"]
    direct = re.compile(r"\.(" + "|".join(names) + r")\b")
    offenders = []
    for path in LIANJIAN.rglob("*.html"):
        if "static" in path.parts:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for tag in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", line):
                if direct.search(tag):
                    offenders.append(f"{path.relative_to(LIANJIAN)}:{number}: {tag}")
    assert offenders == [], '模板请用 {% private obj "字段" as 变量 %} 显示手机号码和身份证号'


# ---- the rule -----------------------------------------------------------------------------


def test_the_rule_for_a_members_own_numbers(world):
    m_a1 = world.m_a1
    seen = {
        p: may_see_private(getattr(world, p), m_a1)
        for p in ("admin", "company", "manager_a", "member_a", "manager_b", "outsider")
    }
    assert seen == {
        "admin": True,
        "company": True,
        "manager_a": True,
        "member_a": True,
        "manager_b": False,
        "outsider": False,
    }
    assert may_see_private(world.member_a, world.m_a2) is False
    assert may_see_private(None, m_a1) is True  # the system: command-line exports
    world.admin.is_active = False
    assert may_see_private(world.admin, m_a1) is False


def test_output_edges_mask_whatever_did_not_pass_the_rule(world):
    assert private_value(world.manager_b, world.m_a1, "phone") == "138****5678"
    assert private_value(world.manager_b, world.m_a1, "id_number") == "1101**********1233"
    shown = private_value(world.manager_a, world.m_a1, "phone")
    assert (shown, type(shown)) == ("13812345678", Revealed)
    excel_phone, excel_id = private_format(PhoneField), private_format(IdNumberField)
    assert [
        excel_phone("13812345678"),
        excel_phone(Revealed("13812345678")),
        excel_phone(""),
        excel_id(None),
    ] == ["138****5678", "13812345678", None, None]
