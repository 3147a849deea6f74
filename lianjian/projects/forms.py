"""Forms of the 揭榜挂帅 screens. Organisations, alliances and members are chosen with
pickers; each field validates the codes it receives against the rows the user may choose
there. The rules of the values live in :mod:`lianjian.projects.rules` and are applied by the
services (a form only turns text into objects)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lianjian.alliances.models import Alliance
from lianjian.core.forms import EdgeRules, instance_initial
from lianjian.core.widgets import Picker, split_codes
from lianjian.keytasks.forms import MemberField, MembersField
from lianjian.keytasks.pickers import party_members_for
from lianjian.orgs.forms import DateInput, OrgField
from lianjian.orgs.models import Organisation
from lianjian.projects import rules
from lianjian.projects.models import Call


class CodesField(forms.CharField):
    """Several rows by code (``、``-separated), each among a queryset."""

    def __init__(self, *, queryset: Any = None, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(max_length=2000, **kwargs)

    def clean(self, value: Any) -> list[Any]:
        codes = split_codes(super().clean(value))
        if not codes:
            return []
        found = {row.code: row for row in self.queryset.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise ValidationError(f"以下编码不存在或不在您的范围内：{'、'.join(missing)}")
        return [found[c] for c in codes]


def _set_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    setattr(form.fields[name], "queryset", queryset)  # noqa: B010 - fields are typed as Field


def _kinds() -> list[tuple[str, str]]:
    return [(k, k) for k in rules.KINDS]


class CallForm(EdgeRules, forms.Form):
    """新建榜单: a draft call of an organisation the user manages."""

    issuer = OrgField(label="发榜组织", widget=Picker("orgs.managed_internal"))
    title = forms.CharField(label="榜单名称", max_length=200)
    kind = forms.ChoiceField(label="项目类型", choices=_kinds, initial=rules.KIND_CHALLENGE)
    theme = forms.CharField(label="党建+X 主题", max_length=100, required=False)
    problem = forms.CharField(
        label="需解决的问题", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    criteria = forms.CharField(
        label="评审标准", max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget = forms.DecimalField(label="预算（万元）", min_value=0, max_digits=12, decimal_places=2)
    deadline = forms.DateField(label="揭榜截止日期", widget=DateInput())
    eligible_orgs = CodesField(
        label="可揭榜组织",
        required=False,
        help_text="发榜组织下属的支部等，可选多个",
        widget=Picker("orgs.visible_internal", multiple=True),
    )
    eligible_alliances = CodesField(
        label="可揭榜联建网",
        required=False,
        help_text="联建网中的本系统成员组织可以揭榜",
        widget=Picker("alliances.visible", multiple=True),
    )

    def __init__(self, *args: Any, user: Any, instance: Call | None = None, **kwargs: Any) -> None:
        if instance is not None and "initial" not in kwargs:
            initial = instance_initial(
                self.base_fields, instance, skip=("issuer", "eligible_orgs", "eligible_alliances")
            )
            initial["eligible_orgs"] = "、".join(o.code for o in instance.eligible_orgs.all())
            initial["eligible_alliances"] = "、".join(
                a.code for a in instance.eligible_alliances.all()
            )
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance = instance
        if instance is not None:
            del self.fields["issuer"]  # whose call it is does not change
        else:
            _set_queryset(
                self, "issuer", Organisation.objects.active().internal().manageable_by(user)
            )
        _set_queryset(
            self, "eligible_orgs", Organisation.objects.active().internal().visible_to(user)
        )
        _set_queryset(self, "eligible_alliances", Alliance.objects.visible_to(user))


class BidForm(EdgeRules, forms.Form):
    """揭榜: the bidding organisation (managed by the user), lead, team, plan."""

    # Named ``owner_org`` so that the members' picker (keytasks.party_members) narrows to it.
    owner_org = OrgField(label="揭榜组织", widget=Picker("orgs.managed_internal"))
    alliance = forms.CharField(
        label="以联建网成员身份揭榜",
        max_length=32,
        required=False,
        help_text="本组织不在可揭榜组织中、而所在联建网可揭榜时选择",
        widget=Picker("alliances.visible"),
    )
    lead = MemberField(
        label="负责人",
        help_text="揭榜组织的党员（一般为书记）",
        widget=Picker("keytasks.party_members", depends=("owner_org",)),
    )
    team = MembersField(
        label="团队党员",
        required=False,
        widget=Picker("keytasks.party_members", multiple=True, depends=("owner_org",)),
    )
    team_names = forms.CharField(
        label="其他团队成员", max_length=500, required=False, help_text="群众等，以顿号分隔"
    )
    plan = forms.CharField(
        label="实施方案", max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    expected_results = forms.CharField(
        label="预期成果", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    budget_asked = forms.DecimalField(
        label="申请经费（万元）", min_value=0, max_digits=12, decimal_places=2
    )
    planned_end = forms.DateField(label="计划完成日期", widget=DateInput())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        _set_queryset(
            self, "owner_org", Organisation.objects.active().internal().manageable_by(user)
        )
        members = party_members_for(user).select_related("org")
        _set_queryset(self, "lead", members)
        _set_queryset(self, "team", members)

    def clean_alliance(self) -> Alliance | None:
        code = str(self.cleaned_data.get("alliance") or "").strip()
        if not code:
            return None
        alliance = Alliance.objects.visible_to(self.user).filter(code=code).first()
        if alliance is None:
            raise ValidationError("联建网不存在或不在您的范围内")
        return alliance

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["bidder_org"] = data.pop("owner_org")
        return data


class ReasonForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="原因", max_length=500, required=False)


class DefenceForm(EdgeRules, forms.Form):
    on = forms.DateField(label="答辩日期", widget=DateInput())


class AdvanceForm(EdgeRules, forms.Form):
    grade = forms.ChoiceField(
        label="评价等级（进入结项评价时）",
        required=False,
        choices=[("", "—"), *[(g, g) for g in rules.GRADES]],
    )
    on = forms.DateField(label="日期", required=False, widget=DateInput())
    note = forms.CharField(label="说明", max_length=500, required=False)


class MetricForm(EdgeRules, forms.Form):
    name = forms.CharField(label="指标", max_length=100)
    unit = forms.CharField(label="单位", max_length=20, required=False)
    value = forms.FloatField(label="数值", min_value=-1e12, max_value=1e12)


class AwardForm(EdgeRules, forms.Form):
    level = forms.ChoiceField(label="级别", choices=[(lv, lv) for lv in rules.LEVELS])
    name = forms.CharField(label="奖项名称", max_length=200)
    issued_by = forms.CharField(label="颁发单位", max_length=200, required=False)
    awarded_on = forms.DateField(label="获奖日期", widget=DateInput())
    upload = forms.FileField(
        label="证书文件", required=False, help_text="PDF、PNG 或 JPEG，不超过 20 MB"
    )


class CertificateForm(EdgeRules, forms.Form):
    upload = forms.FileField(label="证书文件", help_text="PDF、PNG 或 JPEG，不超过 20 MB")


class VoidForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="作废原因", max_length=500)
