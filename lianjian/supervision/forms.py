"""Forms of the supervision ledger's screens (one per action of the item page)."""

from __future__ import annotations

from typing import Any

from django import forms

from lianjian.core.forms import EdgeRules
from lianjian.core.scope import VIEW
from lianjian.core.widgets import Picker
from lianjian.keytasks.forms import MemberField
from lianjian.orgs.forms import DateInput, OrgField
from lianjian.supervision import rules
from lianjian.supervision.models import LEAD_BODY_CHOICES, Item, ItemType
from lianjian.supervision.pickers import ledger_members, ledger_orgs


class MeasureForm(EdgeRules, forms.Form):
    text = forms.CharField(
        label="整改措施", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.CharField(label="责任人", max_length=50, required=False)
    deadline = forms.DateField(label="完成时限", widget=DateInput())


class AccountabilityForm(EdgeRules, forms.Form):
    """双重问责 of an item or a decision; the band and the 组织处理 due date are derived."""

    subject = forms.CharField(label="问责对象", max_length=100, help_text="个人姓名或单位名称")
    responsibility = forms.ChoiceField(
        label="责任类型", choices=[("直接", "直接责任"), ("主管", "主管责任"), ("领导", "领导责任")]
    )
    handling = forms.CharField(label="处理方式", max_length=200, help_text="如 通报批评、诫勉谈话")
    decided_on = forms.DateField(label="决定日期", widget=DateInput())
    business_track = forms.BooleanField(label="经营问责（国资委令第46号）", required=False)
    loss = forms.DecimalField(
        label="损失金额（元）",
        max_digits=16,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text="低于 500 万元为一般，500 万元（含）至 5000 万元为较大，5000 万元及以上为重大",
    )
    party_track = forms.BooleanField(label="党内问责（组织处理 1 个月内完成）", required=False)


class SystemChangeForm(EdgeRules, forms.Form):
    """以案促改: a rule the responsible unit made or revised because of an item."""

    title = forms.CharField(label="制度名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=[("新建", "新建"), ("修订", "修订")])
    link = forms.URLField(label="制度链接", required=False, max_length=200, assume_scheme="https")
    adopted_on = forms.DateField(label="印发日期", widget=DateInput())


class RecommendationForm(EdgeRules, forms.Form):
    """A 纪检监察建议 (纪检) or 审计建议 (审计) to an organisation, with a reply deadline."""

    kind = forms.ChoiceField(
        label="类型", choices=[("纪检监察建议", "纪检监察建议"), ("审计建议", "审计建议")]
    )
    issuer_org = OrgField(label="提出组织", widget=Picker("supervision.orgs"))
    recipient = OrgField(label="接收组织", widget=Picker("supervision.orgs"))
    text = forms.CharField(
        label="建议内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    reply_due = forms.DateField(label="回复期限", widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("issuer_org", "recipient"):
            self.fields[name].queryset = ledger_orgs(user, {})  # type: ignore[attr-defined]


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


class BatchForm(EdgeRules, forms.Form):
    """A new batch: its issuing body must reach the source (the service checks it)."""

    code = forms.CharField(
        label="批次编码", max_length=32, help_text="如 XC-2026-02，创建后不可修改"
    )
    title = forms.CharField(label="名称", max_length=200)
    source = forms.ChoiceField(label="来源", choices=[(s, s) for s in rules.SOURCES])
    issuing_body = forms.CharField(
        label="下发单位", max_length=100, help_text="如 公司党委第一巡察组"
    )
    issuing_org = OrgField(label="下发组织", widget=Picker("supervision.orgs"))
    inspected_org = OrgField(label="被检查组织", widget=Picker("supervision.orgs"))
    feedback_date = forms.DateField(label="反馈日期", widget=DateInput())
    plan_meeting = forms.CharField(label="整改方案审议会议", max_length=200, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("issuing_org", "inspected_org"):
            self.fields[name].queryset = ledger_orgs(user, {})  # type: ignore[attr-defined]


class ItemForm(EdgeRules, forms.Form):
    """A new item of a batch (the issuing body writes it)."""

    number = forms.CharField(label="问题编号", max_length=20)
    description = forms.CharField(
        label="问题描述", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    tags = forms.CharField(label="类别", max_length=200, required=False)
    responsible_org = OrgField(label="责任组织", widget=Picker("supervision.orgs"))
    responsible_leader = MemberField(
        label="责任领导", required=False, widget=Picker("supervision.members")
    )
    responsible_person = MemberField(
        label="责任人", required=False, widget=Picker("supervision.members")
    )
    tracker = forms.CharField(label="跟踪人", max_length=50, required=False)
    kind = forms.ChoiceField(label="整改类型", choices=ItemType.choices)
    deadline = forms.DateField(label="整改时限", widget=DateInput())
    important = forms.BooleanField(label="重要", required=False)
    suspected_violation = forms.BooleanField(label="疑似违纪", required=False)
    needs_accountability = forms.BooleanField(label="需问责", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_org"].queryset = ledger_orgs(user, {})  # type: ignore[attr-defined]
        for name in ("responsible_leader", "responsible_person"):
            self.fields[name].queryset = ledger_members(user, {})  # type: ignore[attr-defined]


class ReportForm(EdgeRules, forms.Form):
    """A rectification report submitted for a batch."""

    title = forms.CharField(label="报告名称", max_length=200)
    submitted_on = forms.DateField(label="报送日期", widget=DateInput())
    link = forms.URLField(label="报告链接", required=False, max_length=200, assume_scheme="https")


class LeadForm(EdgeRules, forms.Form):
    """移交线索: the handing-over body is one the user acts as; the source item, optional, is
    one of the items the user sees."""

    from_body = forms.ChoiceField(label="移交单位")
    to_body = forms.ChoiceField(label="接收单位", choices=LEAD_BODY_CHOICES)
    org = OrgField(label="所属组织", widget=Picker("supervision.orgs"))
    item = forms.TypedChoiceField(label="来源问题", required=False, coerce=int, empty_value=None)
    case = forms.CharField(
        label="线索内容", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    transferred_on = forms.DateField(label="移交日期", widget=DateInput())

    def __init__(self, *args: Any, user: Any, bodies: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_body"].choices = [(b, b) for b in bodies]  # type: ignore[attr-defined]
        self.fields["org"].queryset = ledger_orgs(user, {})  # type: ignore[attr-defined]
        self.items = {
            i.pk: i
            for i in Item.objects.restrict(user, VIEW)
            .filter(voided=False)
            .select_related("batch")
            .order_by("batch__code", "number")[:500]
        }
        self.fields["item"].choices = [("", "（无）")] + [  # type: ignore[attr-defined]
            (pk, f"{i.batch.code} / {i.number}") for pk, i in self.items.items()
        ]

    def clean_item(self) -> Item | None:
        pk = self.cleaned_data.get("item")
        return self.items.get(pk) if pk is not None else None


class LeadSettleForm(EdgeRules, forms.Form):
    """The receiving body's result and feedback date (settles the lead)."""

    result = forms.CharField(
        label="处置结果", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    feedback_on = forms.DateField(label="反馈日期", widget=DateInput())


class RecommendationReplyForm(EdgeRules, forms.Form):
    """The recipient organisation's reply to a recommendation."""

    reply = forms.CharField(label="回复", max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    replied_on = forms.DateField(label="回复日期", widget=DateInput())


class FollowUpForm(EdgeRules, forms.Form):
    """One dated follow-up note of the issuing body (谁提出、谁督办)."""

    note = forms.CharField(
        label="督办情况", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
