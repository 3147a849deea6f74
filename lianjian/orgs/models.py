"""Party organisations (党组织) and members (党员).

Each model declares its ``SCOPE`` for :mod:`lianjian.core.scope`, the one mechanism every
screen, export and API endpoint uses to decide what a user may see or change. The
organisation tree is a materialised path of codes (``/DW01/ZB003/``), so a subtree is one
indexed prefix match whatever its size.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from lianjian.core.masking import IdNumberField, PhoneField, PrivateHolder
from lianjian.core.models import CodedRecord, coordinate_constraints
from lianjian.core.scope import Manages, ManagesBelow, ScopedQuerySet, ScopeRules, Sees
from lianjian.core.validation import (
    BIRTH,
    HISTORY,
    PLANNED,
    add_years,
    date_errors,
    instance_values,
    is_date,
    local_date,
    raise_errors,
    today,
)
from lianjian.orgs.pinyin import initials as pinyin_initials
from lianjian.orgs.rules import nesting_problem, parent_dissolved_problem, partner_kind_problem

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")


def validate_code(value: str) -> None:
    if not CODE_RE.match(value or ""):
        raise ValidationError("编码只能包含字母、数字、下划线、点和短横线，最长 32 位")


class OrgKind(models.TextChoices):
    COMMITTEE = "党委", "党委"
    GENERAL_BRANCH = "党总支", "党总支"
    BRANCH = "党支部", "党支部"
    GROUP = "党小组", "党小组"


class PartnerKind(models.TextChoices):
    GOVERNMENT = "政府", "政府机关"
    COMMUNITY = "社区", "街道社区"
    UNIVERSITY = "高校", "高校院所"
    ENTERPRISE = "企业", "企业"
    OTHER = "其他", "其他"


class NamedRecord(CodedRecord):
    """A coded record read by its Chinese ``name``, whose pinyin initials ``initials`` are
    kept by ``save()`` (and by the bulk writers of the imports), so that a picker finds
    桓仁县供电分公司党支部 by "hr" with an indexed prefix query."""

    LABEL_FIELD = "name"

    initials = models.CharField(
        "拼音首字母", max_length=50, blank=True, db_index=True, editable=False
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.initials = pinyin_initials(self.serializable_value("name"))
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "initials"}
        super().save(*args, **kwargs)


class OrganisationQuerySet(ScopedQuerySet["Organisation"]):
    def internal(self) -> OrganisationQuerySet:
        return self.filter(is_partner=False)

    def active(self) -> OrganisationQuerySet:
        return self.filter(dissolved__isnull=True)


class Organisation(NamedRecord):
    """A party organisation (党组织): a node of the tree, internal or a partner unit's.

    ``code`` is the stable key used by imports and the API and cannot change once set;
    ``path`` is derived from the parent's path and kept right by the services. Dissolving
    sets ``dissolved`` and keeps every record; organisations are never hard-deleted.
    """

    # Structural changes (moving, dissolving, changing what kind of organisation it is) are
    # the parent's to make: a manager never restructures their own organisation.
    SCOPE = ScopeRules(view=[Sees()], change=[Manages()], restructure=[ManagesBelow()])

    AUDIT_FIELDS = (
        "code",
        "name",
        "kind",
        "parent_id",
        "is_partner",
        "partner_kind",
        "is_temporary",
        "is_joint",
        "is_functional",
        "unit",
        "professions",
        "address",
        "lat",
        "lon",
        "strengths",
        "needs",
        "founded",
        "dissolved",
        "term_start",
        "term_end",
    )
    # The window of every date a person enters (lianjian.core.validation).
    DATE_WINDOWS = {
        "founded": HISTORY,
        "dissolved": HISTORY,
        "term_start": HISTORY,
        "term_end": PLANNED,
    }

    code = models.CharField("组织编码", max_length=32, unique=True, validators=[validate_code])
    name = models.CharField("组织名称", max_length=200)
    kind = models.CharField("组织类型", max_length=8, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=600, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_partner = models.BooleanField("外部单位", default=False)
    partner_kind = models.CharField(
        "外部单位类别", max_length=8, choices=PartnerKind.choices, blank=True
    )
    is_temporary = models.BooleanField("临时党支部", default=False)
    is_joint = models.BooleanField("联合党支部", default=False)
    is_functional = models.BooleanField("功能型党支部", default=False)
    unit = models.CharField("所属单位", max_length=200, blank=True)
    professions = models.JSONField("专业", default=list, blank=True)
    address = models.CharField("地址", max_length=300, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    strengths = models.JSONField("优势资源", default=list, blank=True)
    needs = models.JSONField("需求", default=list, blank=True)
    founded = models.DateField("成立日期", null=True, blank=True)
    dissolved = models.DateField("撤销日期", null=True, blank=True)
    term_start = models.DateField("本届任期开始", null=True, blank=True)
    term_end = models.DateField("本届任期结束", null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "党组织"
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "name"], name="org_parent_name_idx")]
        constraints = coordinate_constraints("org")

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved is not None

    @property
    def flags(self) -> list[str]:
        out = []
        if self.is_partner:
            out.append("外部单位")
        if self.is_temporary:
            out.append("临时")
        if self.is_joint:
            out.append("联合")
        if self.is_functional:
            out.append("功能型")
        return out

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.strip("/").split("/") if c][:-1]

    def clean(self) -> None:
        errors = org_row_errors(instance_values(self))
        if self.parent_id is not None and self.parent is not None:
            parent = self.parent
            if self.pk and parent.path.startswith(self.path or "\0"):
                errors["parent"] = "上级组织不能是本组织或其下级组织"
            elif problem := (
                nesting_problem(self.kind, parent.kind, is_partner=self.is_partner)
                or parent_dissolved_problem(
                    parent.code, dissolved=self.dissolved, parent_dissolved=parent.dissolved
                )
            ):
                errors["parent"] = problem
        raise_errors(errors)


def _number(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def org_row_errors(values: dict[str, Any], *, on: datetime.date | None = None) -> dict[str, str]:
    """field → message for the rules of one organisation's own fields, the one home of
    them for :meth:`Organisation.clean`, the services and the ``orgs`` Excel kind.

    Pure: ``values`` holds field values by name (a value that is not of its field's type,
    such as an import's marker for an unreadable cell, is skipped). The dates lie in their
    windows (``DATE_WINDOWS``); nothing happens to an organisation before it was founded;
    a term ends after it starts; 外部单位类别 only for a partner organisation
    (:mod:`lianjian.orgs.rules`); latitude and longitude come together.
    """
    errors = date_errors(Organisation, values, on=on)
    founded, dissolved = values.get("founded"), values.get("dissolved")
    term_start, term_end = values.get("term_start"), values.get("term_end")
    if is_date(founded) and is_date(dissolved) and dissolved < founded:
        errors.setdefault("dissolved", "撤销日期不能早于成立日期")
    if is_date(founded) and is_date(term_start) and term_start < founded:
        errors.setdefault("term_start", "本届任期开始不能早于成立日期")
    if is_date(term_start) and is_date(term_end) and term_end < term_start:
        errors.setdefault("term_end", "任期结束不能早于任期开始")
    problem = partner_kind_problem(
        is_partner=values.get("is_partner"), partner_kind=values.get("partner_kind")
    )
    if problem:
        errors.setdefault("partner_kind", problem)
    lat, lon = values.get("lat"), values.get("lon")
    if _number(lat) and _number(lon) and (lat is None) != (lon is None):
        errors["lon" if lon is None else "lat"] = "纬度和经度需同时填写"
    return errors


def not_before_founding(org: Any, day: Any, label: str) -> str:
    """Why an event of ``org`` on ``day`` (a date or date-time) cannot have happened — it
    is before the organisation was founded — or ""."""
    founded = getattr(org, "founded", None)
    local = local_date(day) if isinstance(day, datetime.date) else None
    if founded is not None and local is not None and local < founded:
        return f"{label}不能早于{org.name}的成立日期（{founded:%Y-%m-%d}）"
    return ""


class MemberCategory(models.TextChoices):
    FULL = "正式党员", "正式党员"
    PROBATIONARY = "预备党员", "预备党员"


# Posts that make someone a member of the branch committee (支部委员会).
COMMITTEE_POSTS = (
    "书记",
    "副书记",
    "组织委员",
    "宣传委员",
    "纪检委员",
    "青年委员",
    "统战委员",
    "委员",
)
PARTY_POSTS = (*COMMITTEE_POSTS[:-1], "党小组长", "联络员")


class MemberQuerySet(ScopedQuerySet["Member"]):
    def current(self) -> MemberQuerySet:
        return self.filter(left_on__isnull=True)


class Member(NamedRecord):
    """A party member (党员). ``number`` (人员编号) is the import key.

    ``phone`` and ``id_number`` are personal numbers (:mod:`lianjian.core.masking`): the admin,
    managers whose subtree holds the member and the member themself see them in clear.
    ``initials`` (pinyin initials of the name) is derived on save so that
    "zs" finds 张三. A member who leaves (转出系统外, 去世 …) keeps the record with ``left_on``.
    """

    # Seen with the organisation; changed by its managers. Who sees the phone and ID number
    # in clear is the one rule of core.masking (``private_holder`` below).
    SCOPE = ScopeRules(view=[Sees("org")], change=[Manages("org")])
    KEY_FIELD = "number"

    AUDIT_FIELDS = (
        "number",
        "name",
        "gender",
        "birth_date",
        "org_id",
        "category",
        "joined_on",
        "confirmed_on",
        "post",
        "job",
        "phone",
        "id_number",
        "is_floating",
        "left_on",
        "left_reason",
    )
    # The window of every date a person enters (lianjian.core.validation).
    DATE_WINDOWS = {
        "birth_date": BIRTH,
        "joined_on": HISTORY,
        "confirmed_on": HISTORY,
        "left_on": HISTORY,
    }

    number = models.CharField("人员编号", max_length=32, unique=True, validators=[validate_code])
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField(
        "性别", max_length=2, choices=[("男", "男"), ("女", "女")], blank=True
    )
    birth_date = models.DateField("出生日期", null=True, blank=True)
    org = models.ForeignKey(
        Organisation, verbose_name="所在组织", on_delete=models.PROTECT, related_name="members"
    )
    category = models.CharField("党员类别", max_length=8, choices=MemberCategory.choices)
    joined_on = models.DateField("入党日期")
    confirmed_on = models.DateField("转正日期", null=True, blank=True)
    post = models.CharField("党内职务", max_length=100, blank=True)
    job = models.CharField("工作岗位", max_length=100, blank=True)
    phone = PhoneField("手机号码", max_length=20, blank=True)
    id_number = IdNumberField("身份证号", max_length=18, blank=True)
    is_floating = models.BooleanField("流动党员", default=False)
    left_on = models.DateField("离开日期", null=True, blank=True)
    left_reason = models.CharField("离开原因", max_length=100, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        ordering = ["org_id", "number"]
        indexes = [
            models.Index(fields=["org", "category"], name="member_org_cat_idx"),
            models.Index(fields=["name"], name="member_name_idx"),
            # One organisation's members in list order (selectors.MEMBER_LIST_KEY).
            models.Index(fields=["org", "number"], name="member_org_number_idx"),
        ]

    @property
    def posts(self) -> list[str]:
        return [p for p in re.split(r"[、，,；;\s]+", self.post) if p]

    @property
    def is_committee(self) -> bool:
        return any(p in COMMITTEE_POSTS for p in self.posts)

    def private_holder(self) -> PrivateHolder:
        """The member's own numbers: their organisation's managers and the member themself."""
        return PrivateHolder(self.org.path, self.pk)

    def clean(self) -> None:
        raise_errors(member_row_errors(instance_values(self)))


# 党章第七条: the probation lasts one year and may be extended, once, by at most one year.
PROBATION_YEARS = 1
PROBATION_MAX_YEARS = 2


def member_row_errors(values: dict[str, Any], *, on: datetime.date | None = None) -> dict[str, str]:
    """field → message for the rules of one member's fields, the one home of them for
    :meth:`Member.clean`, the services and the ``members`` Excel kind.

    Pure: ``values`` holds field values by name (a value that is not of its field's type,
    such as an import's marker for an unreadable cell, is skipped). The dates lie in their
    windows (``DATE_WINDOWS``); a member joins at eighteen or older; 转正 comes one year
    after 入党, or up to one year later when the probation was extended, and only a full
    member has it — so a full member joined at least a year ago; nobody leaves before
    joining; phone and ID numbers are well formed. One record of
    :func:`member_column_errors`, where the rules are written.
    """
    columns = {name: (values.get(name),) for name in _MEMBER_RULE_FIELDS}
    return member_column_errors(columns, 1, on=on).get(0, {})


_MEMBER_RULE_FIELDS = (
    "birth_date",
    "joined_on",
    "confirmed_on",
    "left_on",
    "category",
    "phone",
    "id_number",
)


def member_column_errors(
    columns: Mapping[str, Sequence[Any]], count: int, *, on: datetime.date | None = None
) -> dict[int, dict[str, str]]:
    """:func:`member_row_errors` of ``count`` members given column by column (field name →
    the members' values; a missing column is empty), as position → field → message, only
    for members with a problem. Imports check tens of thousands of rows: the date windows
    are asked once per distinct date, the rules between fields once per row."""
    on = on or today()
    empty = (None,) * count
    births, joins = columns.get("birth_date", empty), columns.get("joined_on", empty)
    confirms, lefts = columns.get("confirmed_on", empty), columns.get("left_on", empty)
    categories = columns.get("category", empty)
    phones, id_numbers = columns.get("phone", empty), columns.get("id_number", empty)
    # Each date field's window, once per distinct value: value → message ("" when inside).
    # A date is usable for the rules between fields when it is inside its window.
    # value → None (usable), its message, or "" (no message, yet not usable).
    window: dict[str, dict[Any, str | None]] = {}
    for name, values in (
        ("birth_date", births),
        ("joined_on", joins),
        ("confirmed_on", confirms),
        ("left_on", lefts),
    ):
        found: dict[Any, str | None] = {}
        first_day, last_day = Member.DATE_WINDOWS[name].bounds(on)
        for value in set(values):
            if value.__class__ is datetime.date and first_day <= value <= last_day:
                found[value] = None  # inside the window: no need to word anything
            elif isinstance(value, datetime.date):
                message = date_errors(Member, {name: value}, on=on).get(name, "")
                found[value] = message or (None if is_date(value) else "")
        window[name] = found
    full_by = add_years(on, -PROBATION_YEARS)
    out: dict[int, dict[str, str]] = {}
    for position, (birth, joined, confirmed, left, category, phone, id_number) in enumerate(
        zip(births, joins, confirms, lefts, categories, phones, id_numbers, strict=True)
    ):
        errors: dict[str, str] = {}
        # Each date's window verdict: None usable, a message, or absent/"" (neither).
        usable: set[str] = set()
        for name, value in (
            ("birth_date", birth),
            ("joined_on", joined),
            ("confirmed_on", confirmed),
            ("left_on", left),
        ):
            verdict = window[name].get(value, "")
            if verdict is None:
                usable.add(name)
            elif verdict:
                errors[name] = verdict
        birth_ok, joined_ok = "birth_date" in usable, "joined_on" in usable
        confirmed_ok, left_ok = "confirmed_on" in usable, "left_on" in usable
        if birth_ok and joined_ok and joined < add_years(birth, 18):
            errors["joined_on"] = "入党时应年满十八岁"
        if category == MemberCategory.PROBATIONARY and isinstance(confirmed, datetime.date):
            errors["confirmed_on"] = "预备党员不应有转正日期"
        elif joined_ok and confirmed_ok:
            first, last = add_years(joined, PROBATION_YEARS), add_years(joined, PROBATION_MAX_YEARS)
            if confirmed < joined:
                errors["confirmed_on"] = "转正日期不能早于入党日期"
            elif confirmed < first:
                errors["confirmed_on"] = (
                    f"转正日期不能早于 {first:%Y-%m-%d}（入党满一年，预备期为一年）"
                )
            elif confirmed > last:
                errors["confirmed_on"] = f"转正日期不能晚于 {last:%Y-%m-%d}（预备期最多延长一年）"
        if category == MemberCategory.FULL and not confirmed and joined_ok and joined > full_by:
            errors.setdefault("category", "入党未满一年，应为预备党员（预备期为一年）")
        if joined_ok and left_ok and left < joined:
            errors["left_on"] = "离开日期不能早于入党日期"
        if isinstance(phone, str) and phone and not _PHONE_RE.fullmatch(phone):
            errors["phone"] = "手机号码应为 11 位数字，以 1 开头"
        if isinstance(id_number, str) and id_number and not is_valid_id_number(id_number):
            errors["id_number"] = "身份证号格式或校验位不正确"
        if errors:
            out[position] = errors
    return out


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"\d{17}[\dXx]")
_PHONE_RE = re.compile(r"1\d{10}")


def is_valid_id_number(value: str) -> bool:
    """A mainland resident ID (GB 11643): 17 digits and a check character."""
    if not _ID_RE.fullmatch(value or ""):
        return False
    total = sum(map(operator.mul, map(int, value[:17]), _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == value[17].upper()


class MemberTransfer(models.Model):
    """A move of a member between organisations (组织关系转接); kept forever as history."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="transfers")
    from_org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="转出组织"
    )
    to_org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="转入组织"
    )
    date = models.DateField("转接日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    actor_name = models.CharField("经办人", max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    DATE_WINDOWS = {"date": HISTORY}

    class Meta:
        verbose_name = "组织关系转接"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.member} {self.from_org} → {self.to_org}"


def describe(value: Any) -> str:
    """A list field as the text users type (``、``-separated)."""
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


class OrgFigures(models.Model):
    """What the scope-wide figures need of one organisation, in one narrow row: its
    current-member counts (its own members, not its subtree's) and copies of the
    organisation fields the warning rules and the scope read (``path``, ``kind``,
    ``is_partner``, ``dissolved``, ``term_end``). A derived row that
    :mod:`lianjian.orgs.figures` keeps equal to the organisation and a recount of its
    ``Member`` rows, so that the figures of a whole scope are one aggregate over this table
    alone (home page: no join with the wide organisation table).

    Every organisation has one row. Not a record of its own: nothing here is entered by
    anyone, so it is not audited. Scoped like its organisation, on its own copy of the
    path (``OrgFigures.objects.visible_to(user)`` reaches exactly the rows of the
    organisations ``Organisation.objects.visible_to(user)`` does).
    """

    SCOPE = ScopeRules(view=[Sees()])

    org = models.OneToOneField(
        Organisation, primary_key=True, on_delete=models.CASCADE, related_name="figures"
    )
    members = models.PositiveIntegerField(default=0)
    full_members = models.PositiveIntegerField(default=0)
    probationary = models.PositiveIntegerField(default=0)
    floating = models.PositiveIntegerField(default=0)
    committee_members = models.PositiveIntegerField(default=0)
    # Copies of the organisation's fields (orgs.figures.ORG_FIELDS).
    path = models.CharField(max_length=600, db_index=True, default="")
    kind = models.CharField(max_length=8, choices=OrgKind.choices, default="")
    is_partner = models.BooleanField(default=False)
    dissolved = models.DateField(null=True, blank=True)
    term_end = models.DateField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "党组织人数统计"

    def __str__(self) -> str:
        return f"{self.org_id}：党员 {self.members} 名"
