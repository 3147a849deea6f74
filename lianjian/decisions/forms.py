"""Forms of the 三重一大 screens. They turn text into values; the rules (routing, quorum,
states, dates) are applied by the services, whose refusals land on the form."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lianjian.core.forms import EdgeRules
from lianjian.core.widgets import Picker, split_codes
from lianjian.decisions import rules
from lianjian.decisions.models import MatterList
from lianjian.decisions.pickers import kept_lists_for, register_orgs_for
from lianjian.orgs.forms import DateInput, OrgField


def _choices(values: tuple[str, ...], blank: str = "") -> list[tuple[str, str]]:
    head = [("", blank)] if blank else []
    return head + [(v, v) for v in values]


class ListField(forms.CharField):
    """A 事项清单 chosen by code among the lists the user keeps."""

    def __init__(self, **kwargs: Any) -> None:
        self.queryset: Any = None
        super().__init__(max_length=32, **kwargs)

    def clean(self, value: Any) -> MatterList | None:
        code = super().clean(value)
        if not code:
            return None
        found: MatterList | None = (
            self.queryset.filter(code=code.strip()).first() if self.queryset is not None else None
        )
        if found is None:
            raise ValidationError("事项清单不存在或不在您的范围内")
        return found


class MatterListForm(EdgeRules, forms.Form):
    organisation = OrgField(label="所属组织", widget=Picker("decisions.orgs"))
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    level = forms.CharField(label="层级", max_length=20, initial="公司")
    title = forms.CharField(label="清单名称", max_length=200)
    reviewed_on = forms.DateField(label="审定日期", required=False, widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        setattr(self.fields["organisation"], "queryset", register_orgs_for(user))  # noqa: B010


class LineForm(EdgeRules, forms.Form):
    category = forms.ChoiceField(label="类别", choices=_choices(rules.CATEGORIES))
    matter = forms.CharField(label="事项", max_length=200)
    threshold = forms.DecimalField(
        label="金额起点（万元，含）",
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        help_text="留空表示不限金额；金额达到起点（含）即适用",
    )
    needs_prior_study = forms.BooleanField(label="需党委前置研究", required=False, initial=True)
    body = forms.ChoiceField(label="决策主体", choices=_choices(rules.BODIES))


class ReasonForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="撤回原因", max_length=200)


class ItemForm(EdgeRules, forms.Form):
    matter_list = ListField(label="事项清单", widget=Picker("decisions.lists"))
    number = forms.CharField(
        label="事项编号", max_length=32, required=False, help_text="留空自动编号（JC-年度-序号）"
    )
    title = forms.CharField(label="事项名称", max_length=200)
    category = forms.ChoiceField(label="类别", choices=_choices(rules.CATEGORIES))
    amount = forms.DecimalField(
        label="金额（万元）", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    department = forms.CharField(label="提出部门", max_length=100)
    sponsor = forms.CharField(label="分管领导", max_length=50)
    feasibility = forms.CharField(label="可研报告", max_length=200, required=False)
    legal = forms.CharField(label="法律审核", max_length=200, required=False)
    risk = forms.CharField(label="风险评估", max_length=200, required=False)
    expert = forms.CharField(label="专家意见", max_length=200, required=False)
    staff = forms.CharField(
        label="职工意见", max_length=200, required=False, help_text="涉及职工切身利益时必填"
    )

    def __init__(self, *args: Any, user: Any, edit: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        setattr(self.fields["matter_list"], "queryset", kept_lists_for(user))  # noqa: B010
        if edit:
            for name in ("matter_list", "number"):
                del self.fields[name]

    def materials(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key, _ in rules.MATERIALS}

    def item_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        keys = ("title", "category", "amount", "department", "sponsor")
        return {**{k: data[k] for k in keys}, "materials": self.materials()}


OPINION = re.compile(r"^\s*([^:：]+?)\s*[:：]\s*(.*)$")


class StudyForm(EdgeRules, forms.Form):
    MULTILINE_FIELDS = ("opinions",)

    meeting = forms.CharField(label="党委会会议", max_length=200, help_text="如 2026年第5次党委会")
    meeting_date = forms.DateField(label="会议日期", widget=DateInput())
    members = forms.IntegerField(label="应到人数", min_value=1, max_value=100)
    present = forms.IntegerField(label="实到人数", min_value=0, max_value=100)
    recusals = forms.CharField(
        label="回避人员", max_length=500, required=False, help_text="多人以“、”分隔"
    )
    opinions = forms.CharField(
        label="委员意见",
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text="每行一人：姓名：意见",
    )
    outcome = forms.ChoiceField(label="研究结论", choices=_choices(rules.STUDY_OUTCOMES))
    note = forms.CharField(label="说明", required=False, max_length=2000, widget=forms.Textarea)

    def clean_opinions(self) -> list[dict[str, str]]:
        out = []
        for n, line in enumerate((self.cleaned_data.get("opinions") or "").splitlines(), 1):
            if not line.strip():
                continue
            match = OPINION.match(line)
            if match is None:
                raise ValidationError(f"第{n}行应为“姓名：意见”")
            out.append({"name": match.group(1), "opinion": match.group(2).strip()})
        return out

    def clean_recusals(self) -> list[str]:
        return split_codes(self.cleaned_data.get("recusals") or "")

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class DecisionForm(EdgeRules, forms.Form):
    meeting = forms.CharField(label="决策会议", max_length=200, help_text="如 2026年第3次董事会")
    meeting_date = forms.DateField(label="会议日期", widget=DateInput())
    opinions = forms.CharField(
        label="与会意见", required=False, max_length=2000, widget=forms.Textarea
    )
    resolution = forms.CharField(label="决议内容", max_length=2000, widget=forms.Textarea)
    conditions = forms.CharField(
        label="附加条件", required=False, max_length=2000, widget=forms.Textarea
    )
    result = forms.ChoiceField(label="决策结果", choices=_choices(rules.DECISION_RESULTS))


class KeyTasksField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=2000, required=False, **kwargs)

    def clean(self, value: Any) -> list[str]:
        return split_codes(super().clean(value))


class ExecutionForm(EdgeRules, forms.Form):
    owner_org = OrgField(label="责任单位", widget=Picker("decisions.orgs"))
    owner_name = forms.CharField(label="责任人", max_length=50)
    started_on = forms.DateField(label="开始执行日期", widget=DateInput())
    key_tasks = KeyTasksField(
        label="关联关键任务", widget=Picker("decisions.key_tasks", multiple=True)
    )
    deviations = forms.CharField(
        label="执行偏差", required=False, max_length=2000, widget=forms.Textarea
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        setattr(self.fields["owner_org"], "queryset", register_orgs_for(user))  # noqa: B010


class ExecutionUpdateForm(EdgeRules, forms.Form):
    key_tasks = KeyTasksField(
        label="关联关键任务", widget=Picker("decisions.key_tasks", multiple=True)
    )
    deviations = forms.CharField(
        label="执行偏差", required=False, max_length=2000, widget=forms.Textarea
    )


class EvaluationForm(EdgeRules, forms.Form):
    evaluator = forms.CharField(label="评估人", max_length=100)
    evaluated_on = forms.DateField(label="评估日期", widget=DateInput())
    objectives = forms.CharField(label="目标实现", required=False, max_length=500)
    process = forms.CharField(label="过程规范", required=False, max_length=500)
    benefits = forms.CharField(label="效益", required=False, max_length=500)
    impact = forms.CharField(label="影响", required=False, max_length=500)
    sustainability = forms.CharField(label="可持续性", required=False, max_length=500)
    conclusion = forms.ChoiceField(label="评估结论", choices=_choices(rules.CONCLUSIONS))
    action = forms.ChoiceField(label="处理", choices=_choices(rules.EVAL_ACTIONS))
    follow_up_title = forms.CharField(
        label="调整后新事项名称",
        required=False,
        max_length=200,
        help_text="处理为“调整”时建立新事项",
    )
    lessons = forms.CharField(
        label="经验教训", required=False, max_length=2000, widget=forms.Textarea
    )

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["dimensions"] = {key: data.pop(key) for key, _ in rules.DIMENSIONS}
        return data
