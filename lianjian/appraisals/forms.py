"""Forms of the appraisal screens. The branch is chosen with a picker among the branches
the user manages; the rules of the values live in :mod:`lianjian.appraisals.rules` and the
services (a form only turns text into objects)."""

from __future__ import annotations

from typing import Any

from django import forms

from lianjian.activities.forms import DateTimeInput
from lianjian.appraisals import rules
from lianjian.appraisals.pickers import managed_branches
from lianjian.core.forms import EdgeRules
from lianjian.core.widgets import Picker
from lianjian.orgs.forms import DateInput, OrgField

GRADE_CHOICES = [(g, g) for g in rules.GRADES]


class AppraisalForm(EdgeRules, forms.Form):
    branch = OrgField(label="党支部", widget=Picker("appraisals.branches"))
    year = forms.IntegerField(label="年度", min_value=1921, max_value=2199)
    held_on = forms.DateField(
        label="评议日期", widget=DateInput(), help_text="按该日确定参评党员及其正式/预备身份"
    )
    title = forms.CharField(label="名称", max_length=100, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = managed_branches(user, {})  # type: ignore[attr-defined]


class SelfAssessmentForm(EdgeRules, forms.Form):
    text = forms.CharField(
        label="个人自评",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="对照党员标准，从政治表现、履职尽责、作用发挥、遵规守纪等方面总结本年度情况",
    )


class VoteForm(EdgeRules, forms.Form):
    votee = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    grade = forms.ChoiceField(label="等次", choices=GRADE_CHOICES)


class DecisionForm(EdgeRules, forms.Form):
    participant = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    grade = forms.ChoiceField(label="评定等次", choices=GRADE_CHOICES)
    feedback = forms.CharField(
        label="反馈意见", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeetingForm(EdgeRules, forms.Form):
    activity = forms.ChoiceField(label="已记录的评议会议", required=False)
    start = forms.DateTimeField(
        label="会议时间",
        required=False,
        help_text="未在活动中记录过的，填写会议时间，系统记录为本支部的民主评议党员活动",
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    venue = forms.CharField(label="地点", max_length=200, required=False)
    minutes = forms.CharField(
        label="会议记录", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["activity"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "（新记录一次会议）"), *candidates]
        if not candidates:
            del self.fields["activity"]


class ReasonForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="作废原因", max_length=300)
