"""Forms of the 事务共商 screens. Organisations are typed by code; a meeting's agenda and
attendees are typed one per line (``问题编号｜议题`` and ``组织编码｜姓名｜职务``)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.consultations.models import (
    MINUTES_MAX,
    JointMeeting,
    Problem,
    ProblemCategory,
    Urgency,
)
from lianjian.consultations.services import Agenda, Attendee, alliance_org_ids
from lianjian.core.forms import EdgeRules
from lianjian.core.scope import CHANGE, may
from lianjian.core.widgets import Picker
from lianjian.orgs.forms import DateInput, OrgField, split_list
from lianjian.orgs.models import Member, Organisation

PIPE = re.compile(r"[｜|]")
MAX_LINES = 100


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _local(value: datetime.datetime) -> str:
    """The value a ``datetime-local`` input expects, in local (Asia/Shanghai) time."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


class AllianceChoice(forms.ChoiceField):
    """An alliance among a queryset, chosen by code (the select shows names)."""

    def __init__(self, *, queryset: Any = None, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(choices=(), **kwargs)

    def set_queryset(self, queryset: Any, *, blank: str | None) -> None:
        self.queryset = queryset
        options = [
            (a.code, f"{a.name}（{a.code}）")
            for a in queryset.order_by("code").only("code", "name")
        ]
        self.choices = ([("", blank)] if blank is not None else []) + options

    def clean(self, value: Any) -> Alliance | None:
        code = super().clean(value)
        if not code:
            return None
        alliance = self.queryset.filter(code=code).select_related("lead").first()
        if alliance is None:
            raise ValidationError("联建不存在或不在您的范围内")
        return alliance


class ProblemForm(EdgeRules, forms.Form):
    """Raise a problem (or correct it while 待研究)."""

    alliance = AllianceChoice(
        label="联建",
        required=False,
        help_text="问题提交给哪个联建研究；不属于联建的问题由上级党组织研究分派",
        widget=Picker("alliances.open"),
    )
    raised_by = OrgField(label="提出组织", widget=Picker("orgs.managed"))
    title = forms.CharField(label="问题标题", max_length=200)
    category = forms.ChoiceField(label="问题类别", choices=ProblemCategory.choices)
    urgency = forms.ChoiceField(label="紧急程度", choices=Urgency.choices, initial=Urgency.NORMAL)
    description = forms.CharField(
        label="问题描述",
        required=False,
        max_length=5000,
        widget=forms.Textarea,
        help_text="现状、原因、需要联建单位协调解决的事项",
    )

    def __init__(
        self, *args: Any, user: Any, instance: Problem | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "alliance": instance.alliance.code if instance.alliance_id else "",
                "raised_by": instance.raised_by.code,
                "title": instance.title,
                "category": instance.category,
                "urgency": instance.urgency,
                "description": instance.description,
            }
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["alliance"].set_queryset(
            Alliance.objects.visible_to(user).exclude(status=Alliance.Status.ENDED),
            blank="— 不属于联建 —",
        )
        self.fields["raised_by"].queryset = Organisation.objects.manageable_by(user).active()
        if instance is not None:
            # Where a problem came from and to whom it went do not change; only its wording.
            del self.fields["alliance"]
            del self.fields["raised_by"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        alliance, org = data.get("alliance"), data.get("raised_by")
        if alliance is not None and org is not None and org.pk not in alliance_org_ids(alliance):
            self.add_error("raised_by", f"“{org.name}”不是联建“{alliance.name}”的成员单位")
        return data


class AssignForm(EdgeRules, forms.Form):
    owners = forms.CharField(
        label="责任组织",
        max_length=1000,
        help_text="可选多个，第一个为牵头责任单位",
        widget=Picker(
            "consultations.owners",
            multiple=True,
            context=lambda form: {"problem": form.problem.code},
        ),
    )
    responsible = forms.CharField(label="责任人", max_length=50, required=False)
    deadline = forms.DateField(label="办理期限", widget=DateInput())
    meeting = forms.ChoiceField(label="研究会议", required=False)
    note = forms.CharField(label="分派意见", max_length=1000, required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, problem: Problem, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.problem = problem
        self.user = user
        meetings = []
        if problem.alliance_id:
            meetings = list(
                JointMeeting.objects.filter(alliance_id=problem.alliance_id).order_by("-start")[:50]
            )
        self.meetings = {m.code: m for m in meetings}
        # The local date: a meeting before 08:00 Beijing time is still on the previous day in UTC.
        self.fields["meeting"].choices = [("", "—")] + [
            (m.code, f"{_local(m.start)[:10]} {m.title}") for m in meetings
        ]

    def clean_owners(self) -> list[Organisation]:
        codes = split_list(self.cleaned_data["owners"])
        if not codes:
            raise ValidationError("请至少指定一个责任组织")
        if self.problem.alliance_id:
            # The alliance's organisations, partners included: its managers see its membership.
            allowed = Organisation.objects.filter(pk__in=alliance_org_ids(self.problem.alliance))
        else:
            allowed = Organisation.objects.visible_to(self.user).filter(is_partner=False)
        found = {o.code: o for o in allowed.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            where = "本联建的成员单位" if self.problem.alliance_id else "您范围内的党组织"
            raise ValidationError(f"以下组织不存在或不是{where}：{'、'.join(missing)}")
        return [found[c] for c in codes]

    def clean_meeting(self) -> JointMeeting | None:
        code = self.cleaned_data["meeting"]
        return self.meetings.get(code) if code else None


class ProgressForm(EdgeRules, forms.Form):
    org = forms.ChoiceField(label="报送单位")
    text = forms.CharField(label="办理进展", max_length=2000, widget=forms.Textarea)

    def __init__(self, *args: Any, problem: Problem, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.orgs = {
            link.org.code: link.org
            for link in problem.owner_links.all()
            if may(user, CHANGE, link.org)
        }
        self.fields["org"].choices = [(c, o.name) for c, o in self.orgs.items()]

    def clean_org(self) -> Organisation:
        return self.orgs[self.cleaned_data["org"]]


class SolveForm(EdgeRules, forms.Form):
    resolution = forms.CharField(label="解决情况", max_length=5000, widget=forms.Textarea)
    solved_on = forms.DateField(
        label="解决日期", widget=DateInput(), required=False, help_text="空白为今天"
    )


class ConfirmForm(EdgeRules, forms.Form):
    note = forms.CharField(label="确认意见", max_length=1000, required=False)


class ReopenForm(EdgeRules, forms.Form):
    reason = forms.CharField(label="退回原因", max_length=1000, widget=forms.Textarea)


# --- meetings ------------------------------------------------------------------------------


def agenda_text(meeting: JointMeeting) -> str:
    lines = []
    for item in meeting.agenda.select_related("problem").order_by("position"):
        lines.append(f"{item.problem.code}｜{item.title}" if item.problem_id else item.title)
    return "\n".join(lines)


def attendees_text(meeting: JointMeeting) -> str:
    return "\n".join(
        f"{a.org.code}｜{a.name}" + (f"｜{a.post}" if a.post else "")
        for a in meeting.attendees.select_related("org").order_by("position")
    )


def liaisons_text(alliance: Alliance) -> str:
    """The alliance's liaisons (联络员) as attendee lines: the default list of a new meeting."""
    rows = (
        AllianceMember.objects.filter(alliance=alliance, left_on__isnull=True)
        .exclude(liaison="")
        .select_related("org")
        .order_by("-org__is_partner", "org__code")
    )
    rows = sorted(rows, key=lambda m: (m.org_id != alliance.lead_id, m.org.is_partner, m.org.code))
    return "\n".join(f"{m.org.code}｜{m.liaison}｜{m.liaison_post or '联络员'}" for m in rows)


class MeetingForm(EdgeRules, forms.Form):
    """Plan or edit a joint meeting."""

    alliance = AllianceChoice(label="联建", widget=Picker("alliances.visible"))
    title = forms.CharField(label="会议名称", max_length=200)
    start = forms.DateTimeField(
        label="召开时间", widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    place = forms.CharField(label="地点", max_length=200, required=False)
    convener = forms.CharField(
        label="召集单位",
        max_length=32,
        help_text="空白为联建牵头单位；先选择联建",
        required=False,
        widget=Picker("alliances.orgs", depends=("alliance",)),
    )
    host_person = forms.CharField(label="主持人", max_length=50, required=False)
    recorder = forms.CharField(label="记录人", max_length=50, required=False)
    agenda = forms.CharField(
        label="议程",
        required=False,
        widget=forms.Textarea,
        help_text="每行一项，按顺序；研究问题清单中的问题时写“问题编号｜议题”，如 WT-2026-003｜配网改造征地协调",
    )
    attendees = forms.CharField(
        label="参会人员",
        required=False,
        widget=forms.Textarea,
        help_text="每行一人：组织编码｜姓名｜职务；您范围内的党员自动关联党员档案",
    )
    minutes = forms.CharField(
        label="会议纪要", required=False, max_length=MINUTES_MAX, widget=forms.Textarea
    )
    decisions = forms.CharField(
        label="议定事项", required=False, max_length=MINUTES_MAX, widget=forms.Textarea
    )

    def __init__(
        self, *args: Any, user: Any, instance: JointMeeting | None = None, **kwargs: Any
    ) -> None:
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "alliance": instance.alliance.code,
                "title": instance.title,
                "start": _local(instance.start),
                "place": instance.place,
                "convener": instance.convener.code,
                "host_person": instance.host_person,
                "recorder": instance.recorder,
                "agenda": agenda_text(instance),
                "attendees": attendees_text(instance),
                "minutes": instance.minutes,
                "decisions": instance.decisions,
            }
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["alliance"].set_queryset(
            Alliance.objects.visible_to(user), blank=None if instance else "请选择"
        )
        if instance is not None:
            self.fields["alliance"].disabled = True

    def clean_alliance(self) -> Alliance | None:
        if self.instance is not None:
            return self.instance.alliance
        return self.cleaned_data["alliance"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        alliance: Alliance | None = data.get("alliance")
        if alliance is None:
            return data
        members = alliance_org_ids(alliance)
        code = (data.get("convener") or "").strip()
        convener = (
            alliance.lead
            if not code
            else Organisation.objects.filter(code=code, pk__in=members).first()
        )
        if convener is None:
            self.add_error("convener", f"组织 {code} 不是本联建的成员单位")
        elif not (may(self.user, CHANGE, alliance.lead) or may(self.user, CHANGE, convener)):
            self.add_error("convener", "您只能为本人管理的组织召集会议（或由联建牵头单位召集）")
        data["convener"] = convener
        data["agenda"] = self._agenda(alliance, data.get("agenda", ""))
        data["attendees"] = self._attendees(members, data.get("attendees", ""))
        return data

    def _lines(self, field: str, text: str) -> list[tuple[int, str]]:
        lines = [
            (n, line.strip())
            for n, line in enumerate((text or "").splitlines(), start=1)
            if line.strip()
        ]
        if len(lines) > MAX_LINES:
            self.add_error(field, f"最多 {MAX_LINES} 行")
            return []
        return lines

    def _agenda(self, alliance: Alliance, text: str) -> list[Agenda]:
        lines = self._lines("agenda", text)
        parts = [(n, [p.strip() for p in PIPE.split(line, maxsplit=1)]) for n, line in lines]
        codes = {p[0] for _, p in parts if len(p) == 2}
        problems = {
            p.code: p
            for p in Problem.objects.visible_to(self.user).filter(alliance=alliance, code__in=codes)
        }
        out: list[Agenda] = []
        for n, p in parts:
            if len(p) == 1:
                title, problem = p[0], None
            else:
                problem = problems.get(p[0])
                if problem is None:
                    self.add_error("agenda", f"第{n}行：问题 {p[0]} 不存在或不属于本联建")
                    continue
                title = p[1] or f"研究：{problem.title}"
            if len(title) > 200:
                self.add_error("agenda", f"第{n}行：议题不能超过 200 个字符")
                continue
            out.append(Agenda(title=title, problem=problem))
        return out

    def _attendees(self, members: set[int], text: str) -> list[Attendee]:
        lines = self._lines("attendees", text)
        parts = [(n, [p.strip() for p in PIPE.split(line)]) for n, line in lines]
        codes = {p[0] for _, p in parts}
        orgs = {o.code: o for o in Organisation.objects.filter(code__in=codes, pk__in=members)}
        names = {p[1] for _, p in parts if len(p) > 1}
        people: dict[tuple[int, str], list[Member]] = {}
        # Only member records the user may see are linked: the badge must not reveal others.
        for m in (
            Member.objects.visible_to(self.user)
            .current()
            .filter(org__in=list(orgs.values()), name__in=names)
        ):
            people.setdefault((m.org_id, m.name), []).append(m)
        out: list[Attendee] = []
        for n, p in parts:
            if len(p) < 2 or not p[1] or len(p) > 3:
                self.add_error("attendees", f"第{n}行：格式应为“组织编码｜姓名｜职务”")
                continue
            org = orgs.get(p[0])
            if org is None:
                self.add_error("attendees", f"第{n}行：组织 {p[0]} 不是本联建的成员单位")
                continue
            if len(p[1]) > 50 or (len(p) == 3 and len(p[2]) > 50):
                self.add_error("attendees", f"第{n}行：姓名和职务不能超过 50 个字符")
                continue
            found = people.get((org.pk, p[1]), [])
            out.append(
                Attendee(
                    org=org,
                    name=p[1],
                    post=p[2] if len(p) == 3 else "",
                    member=found[0] if len(found) == 1 else None,
                )
            )
        return out

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("alliance")
        return data


def default_start() -> datetime.datetime:
    """A new meeting's default time: the next working day at 14:30, local time."""
    day = timezone.localdate() + datetime.timedelta(days=1)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(14, 30))
