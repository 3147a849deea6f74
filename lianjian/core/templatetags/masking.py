"""The one way a template shows a personal number: ``{% private obj "field" %}``.

``{% load masking %}{% private member "phone" as phone %}{{ phone|default:"—" }}`` gives the
number in clear when the request's user may see it
(:func:`lianjian.core.masking.may_see_private`), else masked ("" when there is none).
Templates never print a declared field directly (``tests/test_sensitive_fields.py`` checks).
"""

from __future__ import annotations

from django import template
from django.db import models

from lianjian.core.masking import private_value

register = template.Library()


@register.simple_tag(takes_context=True)
def private(context: template.Context, obj: models.Model, name: str) -> str:
    return str(private_value(context["request"].user, obj, name))
