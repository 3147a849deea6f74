"""Template helpers of the assessment screens: stars, points to 2 decimals, dictionary
lookups, the rule a form field belongs to, and the org page's assessment card."""

from __future__ import annotations

from typing import Any

from django import template

from lianjian.assessment.forms import RULE_FIELDS

register = template.Library()


@register.filter
def star_marks(value: Any) -> str:
    """``3`` → ``★★★`` (nothing for none)."""
    try:
        count = int(value or 0)
    except (TypeError, ValueError):
        return ""
    return "★" * max(count, 0)


@register.filter
def pts(value: Any) -> str:
    """Points as shown: 2 decimals, trailing zeros kept so columns line up; — for none."""
    if value is None or value == "":
        return "—"
    try:
        return f"{float(value):.2f}"
    except (TypeError, ValueError):
        return str(value)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    if isinstance(mapping, dict):
        return mapping.get(key, mapping.get(str(key)))
    return None


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value):.{int(digits)}f}%"


@register.filter
def rate(points: Any, top: Any) -> float | None:
    """Points as a share of the maximum, in per cent."""
    try:
        return float(points) / float(top) * 100 if float(top) else None
    except (TypeError, ValueError):
        return None


@register.filter
def rule_attr(field_name: str) -> str:
    """The rules a form field applies to, for ``data-rules`` (the script hides the others)."""
    return " ".join(RULE_FIELDS.get(field_name, ()))


@register.inclusion_tag("assessment/org_card.html", takes_context=True)
def org_assessment_card(context: dict, org: Any) -> dict[str, Any]:
    """The organisation's counting results (per scheme and period the published version,
    else the latest), published first — for the organisation page, read through the
    user's scope."""
    from lianjian.assessment.models import AssessmentResult

    user = context["request"].user
    results = list(
        AssessmentResult.objects.visible_to(user)
        .filter(org=org, run__voided_at__isnull=True)
        .select_related("run", "run__scheme")
        .order_by("-run__is_published", "-run__period", "-run__version")[:20]
    )
    seen: set[tuple[int, str]] = set()
    latest = []
    for result in results:
        key = (result.run.scheme_id, result.run.period)
        if key not in seen:
            seen.add(key)
            latest.append(result)
    return {"org": org, "results": latest[:5]}


@register.filter
def iso_time(value: Any) -> str:
    """``2026-11-20T09:30:00+08:00`` → ``2026-11-20 09:30`` (evidence keeps ISO strings)."""
    text = str(value or "")
    return text[:16].replace("T", " ")


@register.filter
def rule_text(spec: dict[str, Any]) -> str:
    """An indicator's rule with its parameters in a few words (from a run's snapshot)."""
    rule = spec.get("rule")
    if rule == "ratio":
        lower = spec.get("direction") == "lower"
        return f"目标 {spec.get('target', 0):g}，{'越低越好' if lower else '越高越好'}"
    if rule == "per_item":
        return f"每项 {spec.get('per', 0):g} 分"
    if rule == "deduct":
        return f"每次扣 {spec.get('per', 0):g} 分"
    if rule == "stepped":
        return " → ".join(f"{label} {points:g}" for label, points in spec.get("steps", []))
    if rule == "manual":
        return "评议人打分取平均"
    if rule == "veto":
        return "发生即否决"
    return ""


@register.filter
def num(value: Any) -> str:
    """A stored value as a person writes it: 6.33, 89, 0.5 (at most 6 decimals)."""
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{round(number, 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
