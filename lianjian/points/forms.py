"""Forms of the points screens: a claim (the rule chosen among the scheme's claimable
rules, never typed as a code) and the reason of a review step."""

from __future__ import annotations

from typing import Any

from django import forms

from lianjian.core.forms import EdgeRules
from lianjian.orgs.forms import DateInput
from lianjian.points.models import PointsCategory, PointsRule, PointsScheme


class RuleChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]  # not subscriptable at run time
    def label_from_instance(self, obj: PointsRule) -> str:
        sign = "+" if obj.points > 0 else ""
        points = (
            f"{sign}{obj.points.normalize():f} 分" if obj.category != "一票否决" else "一票否决"
        )
        return f"{obj.code} {obj.text}（{points}）"


class ClaimForm(EdgeRules, forms.Form):
    """A member's claim under one of the scheme's claimable rules."""

    rule = RuleChoiceField(label="申报事项", queryset=PointsRule.objects.none(), empty_label=None)
    happened_on = forms.DateField(label="发生日期", widget=DateInput())
    text = forms.CharField(
        label="申报说明", max_length=300, help_text="写明事由，例如表彰名称和授予单位"
    )
    evidence = forms.URLField(
        label="佐证链接",
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text="可选：文件或公示页面的链接",
    )

    def __init__(self, *args: Any, scheme: PointsScheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule_field = self.fields["rule"]
        assert isinstance(rule_field, RuleChoiceField)
        rule_field.queryset = PointsRule.objects.filter(
            scheme=scheme, source="claim", active=True
        ).exclude(category="一票否决")


class StepForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="理由", max_length=300, required=False)


class EntryForm(EdgeRules, forms.Form):
    """A manual ledger entry by the branch: a deduction, a veto event, a correction."""

    rule = RuleChoiceField(label="积分规则", queryset=PointsRule.objects.none(), empty_label=None)
    happened_on = forms.DateField(label="发生日期", widget=DateInput())
    points = forms.DecimalField(
        label="分值",
        max_digits=7,
        decimal_places=2,
        required=False,
        min_value=-1000,
        max_value=1000,
        help_text="留空按规则分值；更正时可填写，须与规则同号",
    )
    reason = forms.CharField(label="说明", max_length=300)

    def __init__(self, *args: Any, scheme: PointsScheme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rule_field = self.fields["rule"]
        assert isinstance(rule_field, RuleChoiceField)
        rule_field.queryset = PointsRule.objects.filter(scheme=scheme, active=True)


class StandingForm(EdgeRules, forms.Form):
    """A member's category for the scheme's year, and exemption by the branch."""

    category = forms.ChoiceField(label="积分类别", choices=PointsCategory.choices)
    exempt = forms.BooleanField(label="免于积分", required=False)
    reason = forms.CharField(
        label="说明", max_length=200, required=False, help_text="免于积分须说明原因"
    )
