"""岗区队 records: 班组 (the working groups a 责任区 covers), carriers with their members,
the history of their states, reviews and veto events.

Scope: a carrier is seen by whoever sees its organisation, by its leader and members
themselves, and by the 纪检 body over that organisation (veto events are theirs to raise);
it is changed (declared, edited, submitted, passed by the branch) by the organisation's
managers, and approved, named, reviewed and vetoed by a manager above it (the 党委).
History, reviews and veto events are facts: never edited, never deleted.
"""

from __future__ import annotations

from django.db import models

from lianjian.alliances.models import Alliance
from lianjian.carriers import rules
from lianjian.core.models import CodedRecord, coordinate_constraints
from lianjian.core.scope import (
    DISCIPLINE,
    Also,
    IsOwnMember,
    Manages,
    ManagesBelow,
    Reaches,
    ScopedQuerySet,
    ScopeRules,
    Sees,
)
from lianjian.core.validation import HISTORY, PLANNED, raise_errors
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.models import Member, Organisation, validate_code


class WorkGroup(CodedRecord):
    """A 班组 of a branch: the unit a 党员责任区 covers (coverage counts them)."""

    SCOPE = ScopeRules(view=[Sees("org")], change=[Manages("org")])
    LABEL_FIELD = "name"
    AUDIT_FIELDS = ("code", "org_id", "name", "retired")

    code = models.CharField("班组编码", max_length=32, unique=True, validators=[validate_code])
    org = models.ForeignKey(
        Organisation,
        verbose_name="所属党支部",
        on_delete=models.PROTECT,
        related_name="work_groups",
    )
    name = models.CharField("班组名称", max_length=100)
    retired = models.BooleanField("已撤销", default=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "班组"
        ordering = ("org__code", "code")


class Carrier(CodedRecord):
    """A 岗区队: a post and its holder (示范岗), an area (责任区), a task force with an end
    date (突击队) or a standing service team (服务队). ``state`` is the current state; the
    history (:class:`CarrierStep`) says which state it was in on any day."""

    SCOPE = ScopeRules(
        view=[
            Sees("org"),
            IsOwnMember("leader"),
            IsOwnMember("memberships__member"),
            Reaches("org", DISCIPLINE),
        ],
        change=[Manages("org")],
        approve=[ManagesBelow("org")],
    )
    LABEL_FIELD = "name"
    AUDIT_FIELDS = (
        "code",
        "kind",
        "name",
        "org_id",
        "theme",
        "leader_id",
        "post_name",
        "area",
        "duties",
        "commitments",
        "alliance_id",
        "plaque_no",
        "established",
        "end_date",
        "lat",
        "lon",
        "state",
        "state_reason",
        "previous_id",
    )
    DATE_WINDOWS = {"established": HISTORY, "end_date": PLANNED}

    code = models.CharField("编号", max_length=32, unique=True, validators=[validate_code])
    kind = models.CharField(
        "类型", max_length=8, choices=[(k, rules.KIND_LABELS[k]) for k in rules.KINDS]
    )
    name = models.CharField("名称", max_length=200)
    org = models.ForeignKey(
        Organisation, verbose_name="所属党组织", on_delete=models.PROTECT, related_name="carriers"
    )
    theme = models.CharField(
        "主题", max_length=100, blank=True, help_text="党建+X，如 党建+安全生产"
    )
    leader = models.ForeignKey(
        Member,
        verbose_name="岗位党员/负责人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_carriers",
    )
    post_name = models.CharField("岗位", max_length=100, blank=True)
    area = models.CharField("责任范围", max_length=200, blank=True, help_text="班组、设备、标段等")
    work_groups = models.ManyToManyField(
        WorkGroup, verbose_name="覆盖班组", blank=True, related_name="areas"
    )
    duties = models.TextField("职责", blank=True)
    commitments = models.TextField("公开承诺", blank=True)
    key_tasks = models.ManyToManyField(
        KeyTask, verbose_name="关联关键任务", blank=True, related_name="carriers"
    )
    alliance = models.ForeignKey(
        Alliance,
        verbose_name="联建网",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carriers",
    )
    plaque_no = models.CharField("牌匾编号", max_length=50, blank=True)
    established = models.DateField("成立日期", null=True, blank=True)
    end_date = models.DateField("任务结束日期", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    lon = models.FloatField("经度", null=True, blank=True)
    state = models.CharField(
        "状态", max_length=8, choices=[(s, s) for s in rules.STATES], default=rules.DECLARED
    )
    state_reason = models.CharField("状态说明", max_length=300, blank=True)
    previous = models.ForeignKey(
        "self",
        verbose_name="重新申报自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reapplications",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "岗区队"
        ordering = ("org__code", "kind", "code")
        indexes = [models.Index(fields=["org", "kind", "state"])]
        constraints = [
            *coordinate_constraints("carrier"),
            models.UniqueConstraint(
                fields=["plaque_no"],
                condition=~models.Q(plaque_no=""),
                name="carrier_plaque_unique",
                violation_error_message="牌匾编号已被使用",
            ),
        ]

    def clean(self) -> None:
        errors = self.own_date_errors()
        for field, problem in rules.kind_problems(
            self.kind, self.end_date, self.established
        ).items():
            errors.setdefault(field, problem)
        if self.kind == rules.POST and self.leader_id is None:
            errors.setdefault("leader", "党员示范岗须指定岗位党员")
        if (
            self.leader is not None
            and self.org_id is not None
            and self.leader.org_id != self.org_id
        ):
            leader_org = self.leader.org
            if not leader_org.path.startswith(self.org.path):
                errors.setdefault("leader", "负责人应是本组织或下级组织的党员")
        raise_errors(errors)

    @property
    def kind_label(self) -> str:
        return rules.KIND_LABELS.get(self.kind, self.kind)

    @property
    def is_active(self) -> bool:
        return self.state in rules.ACTIVE_STATES


class CarrierMember(models.Model):
    """A member of a carrier: a 党员 of the organisation (``member``), or an 积极分子 / 团员
    given by name. ``masses`` are the 群众 this member links with (usually 2–3, 责任区)."""

    SCOPE = ScopeRules(view=[Also("carrier", "view")], change=[Also("carrier", "change")])
    AUDIT_FIELDS = ("carrier_id", "member_id", "name", "kind", "masses", "left_on")

    carrier = models.ForeignKey(
        Carrier, verbose_name="岗区队", on_delete=models.PROTECT, related_name="memberships"
    )
    member = models.ForeignKey(
        Member,
        verbose_name="党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carrier_memberships",
    )
    name = models.CharField("姓名", max_length=50)
    kind = models.CharField(
        "身份", max_length=8, choices=[(k, k) for k in rules.MEMBER_KINDS], default=rules.PARTY
    )
    masses = models.CharField("联系群众", max_length=200, blank=True, help_text="用、分隔")
    left_on = models.DateField("退出日期", null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "岗区队成员"
        ordering = ("carrier", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "member"],
                condition=models.Q(member__isnull=False, left_on__isnull=True),
                name="carrier_member_once",
                violation_error_message="该党员已是成员",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.kind}）"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == rules.PARTY and self.member_id is None:
            errors["member"] = "党员成员须选择党员"
        if self.kind != rules.PARTY and self.member_id is not None:
            errors["member"] = "积极分子、团员只填姓名"
        raise_errors(errors)


class CarrierStep(models.Model):
    """One step of a carrier's history: on ``day`` it entered ``state`` by ``action``."""

    SCOPE = ScopeRules(view=[Also("carrier", "view")])

    carrier = models.ForeignKey(
        Carrier, verbose_name="岗区队", on_delete=models.PROTECT, related_name="steps"
    )
    day = models.DateField("日期")
    action = models.CharField("操作", max_length=20)
    from_state = models.CharField("原状态", max_length=8, blank=True)
    state = models.CharField("新状态", max_length=8)
    reason = models.CharField("说明", max_length=300, blank=True)
    actor_name = models.CharField("经办人", max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "岗区队历程"
        ordering = ("carrier", "day", "id")
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.state}"


class CarrierReview(models.Model):
    """A review (复核) of a carrier by a preset: item scores, the mean, its band, and the
    state it left. A period (``2026H2``, ``2026``) is reviewed once."""

    SCOPE = ScopeRules(view=[Also("carrier", "view")])

    carrier = models.ForeignKey(
        Carrier, verbose_name="岗区队", on_delete=models.PROTECT, related_name="reviews"
    )
    preset = models.CharField("复核方案", max_length=20)
    period = models.CharField("复核期", max_length=10)
    day = models.DateField("复核日期")
    scores = models.JSONField("分项得分", default=dict)
    score = models.FloatField("得分")
    band = models.CharField("等次", max_length=8)
    state_after = models.CharField("复核结论", max_length=8)
    note = models.CharField("说明", max_length=300, blank=True)
    reviewer_name = models.CharField("复核人", max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "岗区队复核"
        ordering = ("-day", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "period"],
                name="carrier_review_once",
                violation_error_message="该复核期已复核",
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.score}"


class VetoEvent(models.Model):
    """A veto event (责任事故, 违纪) on a carrier's holder or area: it withdraws the title at
    once, whatever the last score."""

    SCOPE = ScopeRules(view=[Also("carrier", "view")])

    carrier = models.ForeignKey(
        Carrier, verbose_name="岗区队", on_delete=models.PROTECT, related_name="vetoes"
    )
    kind = models.CharField("类别", max_length=8, choices=[(k, k) for k in rules.VETO_KINDS])
    day = models.DateField("发生日期")
    description = models.CharField("事由", max_length=300)
    recorded_by = models.CharField("记录人", max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "一票否决事件"
        ordering = ("-day", "-id")

    def __str__(self) -> str:
        return f"{self.kind} {self.day}"
