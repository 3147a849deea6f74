"""Forms of the deadline-colour settings (党建工作部 only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from lianjian.core.forms import EdgeRules
from lianjian.deadlines.engine import Kind
from lianjian.deadlines.models import DeadlineKind, DeadlinePreset

HELP = {
    Kind.LAG: (
        "滞后达到该百分点（含）为黄色",
        "滞后超过该百分点为红色（滞后 = 序时进度 − 实际进度）",
    ),
    Kind.DAYS_LEFT: (
        "剩余天数小于等于该值为黄色（截止当天剩余 0 天）",
        "剩余天数小于等于该值为红色；−1 表示逾期即红",
    ),
    Kind.DAYS_LATE: ("逾期达到该天数（含）为黄色", "逾期达到该天数（含）为红色"),
}


class PresetForm(EdgeRules, forms.Form):
    name = forms.CharField(label="名称", max_length=50)
    yellow = forms.IntegerField(label="黄色阈值", min_value=-366, max_value=366)
    red = forms.IntegerField(label="红色阈值", min_value=-366, max_value=366)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        yellow, red = HELP[Kind(kind)]
        self.fields["yellow"].help_text = yellow
        self.fields["red"].help_text = red


class KindPresetForm(EdgeRules, forms.Form):
    preset = forms.ModelChoiceField(
        label="预警规则",
        queryset=DeadlinePreset.objects.all(),
        to_field_name="code",
        error_messages={"invalid_choice": "请选择一个存在的预警规则"},
    )


class LadderForm(EdgeRules, forms.Form):
    name = forms.CharField(label="名称", max_length=50)
    kind = forms.ModelChoiceField(
        label="预警对象",
        queryset=DeadlineKind.objects.none(),
        to_field_name="code",
        error_messages={"invalid_choice": "请选择一个尚无启用督办升级的预警对象"},
    )

    def __init__(self, *args: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            kind = self.fields["kind"]
            assert isinstance(kind, forms.ModelChoiceField)
            kind.queryset = DeadlineKind.objects.exclude(ladders__active=True)
        else:
            del self.fields["kind"]


def steps_of(data: QueryDict) -> tuple[list[tuple[str, int]], str]:
    """The (name, days) of the step rows posted (``step_name`` / ``step_days``, blank rows
    skipped) and "" — or [] and the Chinese reason they are not acceptable."""
    names, days = data.getlist("step_name"), data.getlist("step_days")
    if len(names) != len(days):
        return [], "步骤填写不完整"
    out = []
    for name, day in zip(names, days, strict=True):
        name, day = name.strip(), day.strip()
        if not name and not day:
            continue
        if not name:
            return [], "每个步骤都要有名称"
        if len(name) > 30:
            return [], f"步骤名称不能超过 30 个字：{name[:30]}…"
        try:
            value = int(day)
        except ValueError:
            return [], f"步骤“{name}”的办理时限应为整数天"
        out.append((name, value))
    return out, ""
