"""Forms of the supervision ledger's screens (one per action of the item page)."""

from __future__ import annotations

from django import forms

from lianjian.core.forms import EdgeRules
from lianjian.orgs.forms import DateInput


class MeasureForm(EdgeRules, forms.Form):
    text = forms.CharField(
        label="整改措施", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.CharField(label="责任人", max_length=50, required=False)
    deadline = forms.DateField(label="完成时限", widget=DateInput())


class ReasonForm(EdgeRules, forms.Form):
    reason = forms.CharField(
        label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ProgressForm(EdgeRules, forms.Form):
    progress = forms.CharField(
        label="整改进展", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    results = forms.CharField(
        label="整改成效", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence = forms.CharField(
        label="佐证材料链接（每行一个）",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
