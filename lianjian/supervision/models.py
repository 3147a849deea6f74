"""监督台账: batches of supervision (巡视巡察, 纪检, 审计 …), their problems (items), the
measures that rectify them, leads between bodies, recommendations and accountability.

The rules (due dates, states, the closing gate, bands) are :mod:`lianjian.supervision.rules`.

Who sees what (supervision.md §3, ``SCOPE`` of each model, :mod:`lianjian.core.scope`):

- the issuing body's users reach the batches their kind of body issues under their
  organisation: 巡视/巡察 → 巡察办 (grant ``INSPECTION``), 纪检监督检查/信访 → 纪检
  (``DISCIPLINE``), 国家审计/内部审计/经济责任审计 → 审计 (``AUDIT``); 专项检查 and 自查 have
  no body of their own and are run by the managers of the inspected organisation. The body
  sees, edits and decides (销号, 退回, 回头看) every item of its batches;
- a branch — the managers of an item's responsible organisation — sees that item and its
  measures (never another unit's items, never leads), adds and advances measures and
  applies for 销号; the batch header (code, source, dates) is visible with the items;
- the responsible leader and the responsible person (members) see their own items;
- a lead (线索移交) is seen only by the bodies involved (from or to) under the lead's
  organisation; every read of a lead is recorded (:class:`LeadRead`);
- the 党建工作部 sees counts (the dashboard), not lead contents.

Nothing is deleted: items and measures are voided with a reason, leads are closed.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.core.models import CodedRecord, Timestamped
from lianjian.core.scope import (
    AUDIT,
    BOARD,
    DISCIPLINE,
    INSPECTION,
    Also,
    IsOwnMember,
    Manages,
    Only,
    Reaches,
    Rule,
    ScopedQuerySet,
    ScopeRules,
)
from lianjian.core.validation import HISTORY, PLANNED, raise_errors
from lianjian.decisions.models import DecisionItem, PriorStudy
from lianjian.orgs.models import Member, Organisation, validate_code
from lianjian.supervision import rules

# The choices are the rules' words (the engine holds them, without Django).
SOURCE_CHOICES = [(s, s) for s in rules.SOURCES]
STATE_CHOICES = [(s, s) for s in rules.STATES]
MEASURE_STATE_CHOICES = [(s, s) for s in rules.MEASURE_STEPS]

BODY_GRANT = {
    rules.INSPECTION_BODY: INSPECTION,
    rules.DISCIPLINE_BODY: DISCIPLINE,
    rules.AUDIT_BODY: AUDIT,
}


def sources_of(body: str) -> list[str]:
    return [s for s, b in rules.BODY_OF_SOURCE.items() if b == body]


def body_rules(batch: str) -> list[Rule]:
    """The issuing body's reach on rows whose batch is at ``batch`` (``""`` for a batch):
    the body of the batch's source, under the batch's issuing organisation; the managers of
    the inspected organisation for 专项检查 and 自查."""
    prefix = f"{batch}__" if batch else ""

    def source_of(obj: Any) -> str:
        row = obj
        for part in batch.split("__") if batch else ():
            row = getattr(row, part)
            if row is None:  # a decision's accountability has no item (no batch)
                return ""
        return str(row.source)

    def of_sources(sources: list[str]) -> Callable[[Any], bool]:
        def holds(obj: Any) -> bool:
            return source_of(obj) in sources

        return holds

    out: list[Rule] = []
    for body, grant in BODY_GRANT.items():
        sources = sources_of(body)
        out.append(
            Only(
                Q(**{f"{prefix}source__in": sources}),
                of_sources(sources),
                Reaches(f"{prefix}issuing_org", grant),
            )
        )
    own = sources_of(rules.OWN_BODY)
    out.append(
        Only(
            Q(**{f"{prefix}source__in": own}),
            of_sources(own),
            Manages(f"{prefix}inspected_org"),
        )
    )
    return out


class BatchQuerySet(ScopedQuerySet["Batch"]):
    pass


class Batch(CodedRecord):
    """One inspection, audit or check (批次) and its rectification report dates.

    ``report_due`` (the first rectification report) is derived from the source and the
    feedback date on save (:func:`rules.report_due`); an internal audit then owes a monthly
    report until every item is closed (:meth:`due_dates`)."""

    SCOPE = ScopeRules(
        view=[*body_rules(""), Manages("items__responsible_org")],
        change=body_rules(""),
        decide=body_rules(""),
    )
    AUDIT_FIELDS = (
        "code",
        "title",
        "source",
        "issuing_body",
        "issuing_org_id",
        "inspected_org_id",
        "feedback_date",
        "report_due",
        "plan_meeting",
        "published_on",
        "voided",
        "void_reason",
    )
    DATE_WINDOWS = {"feedback_date": HISTORY, "published_on": HISTORY}

    code = models.CharField("批次编码", max_length=32, unique=True, validators=[validate_code])
    title = models.CharField("名称", max_length=200)
    source = models.CharField("来源", max_length=10, choices=SOURCE_CHOICES)
    issuing_body = models.CharField("下发单位", max_length=100)
    issuing_org = models.ForeignKey(
        Organisation,
        verbose_name="下发组织",
        on_delete=models.PROTECT,
        related_name="issued_supervision_batches",
    )
    inspected_org = models.ForeignKey(
        Organisation,
        verbose_name="被检查组织",
        on_delete=models.PROTECT,
        related_name="inspected_supervision_batches",
    )
    feedback_date = models.DateField("反馈日期")
    report_due = models.DateField("整改报告应报日期", blank=True, editable=False)
    plan_meeting = models.CharField("整改方案审议会议", max_length=200, blank=True)
    published_on = models.DateField("整改情况公开日期", null=True, blank=True)
    voided = models.BooleanField("已作废", default=False)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        verbose_name = "监督批次"
        ordering = ["-feedback_date", "-id"]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.feedback_date and self.source:
            self.report_due = rules.report_due(self.source, self.feedback_date)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = self.own_date_errors()
        if self.feedback_date and self.source and "feedback_date" not in errors:
            self.report_due = rules.report_due(self.source, self.feedback_date)
        if (
            self.published_on
            and self.feedback_date
            and "published_on" not in errors
            and self.published_on < self.feedback_date
        ):
            errors["published_on"] = "整改情况公开日期不能早于反馈日期"
        raise_errors(errors)

    def due_dates(
        self, until: datetime.date, all_closed_on: datetime.date | None
    ) -> list[datetime.date]:
        return rules.reports_due(
            self.source, self.feedback_date, until, all_closed_on=all_closed_on
        )


class ReportQuerySet(ScopedQuerySet["Report"]):
    pass


class Report(Timestamped):
    """A rectification report submitted for a batch (整改报告), meeting its due dates in order."""

    SCOPE = ScopeRules(view=[Also("batch")], change=body_rules("batch"))
    AUDIT_FIELDS = ("batch_id", "submitted_on", "title", "link")
    DATE_WINDOWS = {"submitted_on": HISTORY}

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="reports")
    submitted_on = models.DateField("报送日期")
    title = models.CharField("报告名称", max_length=200)
    link = models.URLField("报告链接", blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "整改报告"
        ordering = ["submitted_on", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        from lianjian.core.validation import date_errors, instance_values

        errors = date_errors(type(self), instance_values(self))
        batch = self.batch if self.batch_id else None
        if (
            batch is not None
            and self.submitted_on
            and "submitted_on" not in errors
            and self.submitted_on < batch.feedback_date
        ):
            errors["submitted_on"] = "报送日期不能早于反馈日期"
        raise_errors(errors)


class ItemType(models.TextChoices):
    IMMEDIATE = "立行立改", "立行立改"
    DEADLINE = "限期整改", "限期整改"
    LONG_TERM = "长期坚持", "长期坚持"


class ItemQuerySet(ScopedQuerySet["Item"]):
    pass


class Item(Timestamped):
    """A problem (问题) of a batch, its responsible unit and people, deadline and state.

    The state moves only through :func:`lianjian.supervision.services.item_act` by the rules
    of :mod:`rules`; ``first_closed_on`` keeps the first closing when a 回头看 reopens the
    item (``second_round`` then marks it 二次整改)."""

    SCOPE = ScopeRules(
        view=[
            *body_rules("batch"),
            Manages("responsible_org"),
            IsOwnMember("responsible_leader"),
            IsOwnMember("responsible_person"),
        ],
        change=body_rules("batch"),
        decide=body_rules("batch"),
        rectify=[Manages("responsible_org")],
    )
    AUDIT_FIELDS = (
        "batch_id",
        "number",
        "description",
        "tags",
        "important",
        "suspected_violation",
        "needs_accountability",
        "responsible_org_id",
        "responsible_leader_id",
        "responsible_person_id",
        "tracker",
        "kind",
        "deadline",
        "progress",
        "results",
        "evidence",
        "state",
        "second_round",
        "closed_on",
        "first_closed_on",
        "voided",
        "void_reason",
    )
    DATE_WINDOWS = {"deadline": PLANNED}

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="items")
    number = models.CharField("问题编号", max_length=20)
    description = models.TextField("问题描述", max_length=4000)
    tags = models.CharField("类别", max_length=200, blank=True)
    important = models.BooleanField("重要", default=False)
    suspected_violation = models.BooleanField("疑似违纪", default=False)
    needs_accountability = models.BooleanField("需问责", default=False)
    responsible_org = models.ForeignKey(
        Organisation,
        verbose_name="责任组织",
        on_delete=models.PROTECT,
        related_name="supervision_items",
    )
    responsible_leader = models.ForeignKey(
        Member,
        verbose_name="责任领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_items_led",
    )
    responsible_person = models.ForeignKey(
        Member,
        verbose_name="责任人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_items_owned",
    )
    tracker = models.CharField("跟踪人", max_length=50, blank=True)
    kind = models.CharField("整改类型", max_length=4, choices=ItemType.choices)
    deadline = models.DateField("整改时限")
    progress = models.TextField("整改进展", blank=True, max_length=4000)
    results = models.TextField("整改成效", blank=True, max_length=4000)
    evidence = models.TextField("佐证材料链接", blank=True, max_length=4000)
    state = models.CharField("状态", max_length=4, choices=STATE_CHOICES, default=rules.PENDING)
    second_round = models.BooleanField("二次整改", default=False)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    first_closed_on = models.DateField("首次销号日期", null=True, blank=True)
    voided = models.BooleanField("已作废", default=False)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)

    objects = ItemQuerySet.as_manager()

    class Meta:
        verbose_name = "问题"
        ordering = ["batch_id", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "number"],
                name="supervision_item_number_unique",
                violation_error_message="同一批次的问题编号不能重复",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description[:30]}"

    @property
    def audit_key(self) -> str:
        return f"{self.batch.code}/{self.number}"

    def clean(self) -> None:
        raise_errors(self.own_errors())

    def own_errors(self) -> dict[str, str]:
        from lianjian.core.validation import date_errors, instance_values

        return date_errors(type(self), instance_values(self))

    @property
    def done(self) -> bool:
        return self.state in rules.DONE_STATES

    def overdue(self, today: datetime.date) -> bool:
        return rules.is_overdue(self.state, self.deadline, today, self.closed_on)


class MeasureQuerySet(ScopedQuerySet["Measure"]):
    pass


class Measure(Timestamped):
    """A rectification measure (整改措施) of an item: 未开始 → 推进中 → 已完成 (the unit) →
    已核验 (the issuing body)."""

    SCOPE = ScopeRules(
        view=[Also("item")],
        change=[Manages("item__responsible_org")],
        verify=body_rules("item__batch"),
    )
    AUDIT_FIELDS = ("item_id", "text", "owner", "deadline", "state", "voided", "void_reason")
    DATE_WINDOWS = {"deadline": PLANNED}

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="measures")
    text = models.TextField("措施", max_length=2000)
    owner = models.CharField("责任人", max_length=50, blank=True)
    deadline = models.DateField("完成时限")
    state = models.CharField(
        "状态", max_length=4, choices=MEASURE_STATE_CHOICES, default=rules.NOT_STARTED
    )
    voided = models.BooleanField("已作废", default=False)
    void_reason = models.CharField("作废原因", max_length=300, blank=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = "整改措施"
        ordering = ["item_id", "id"]

    def __str__(self) -> str:
        return self.text[:40]

    def clean(self) -> None:
        from lianjian.core.validation import date_errors, instance_values

        raise_errors(date_errors(type(self), instance_values(self)))


class Feedback(Timestamped):
    """A dated feedback on a measure, with evidence links (反馈)."""

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="feedback")
    day = models.DateField("反馈日期")
    text = models.TextField("反馈内容", max_length=2000)
    evidence = models.TextField("佐证链接", blank=True, max_length=2000)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    AUDIT_FIELDS = ("measure_id", "day", "text", "evidence")

    class Meta:
        verbose_name = "措施反馈"
        ordering = ["day", "id"]

    def __str__(self) -> str:
        return self.text[:40]


class ItemEvent(models.Model):
    """One step of an item's history (申请销号, 同意, 退回 with its reason, 回头看 …)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField("时间", auto_now_add=True)
    day = models.DateField("日期")
    action = models.CharField("操作", max_length=10)
    from_state = models.CharField("原状态", max_length=4)
    to_state = models.CharField("新状态", max_length=4)
    reason = models.CharField("说明", max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "问题历史"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"

    @property
    def label(self) -> str:
        return rules.ACTION_LABELS.get(self.action, self.action)


class SystemChangeQuerySet(ScopedQuerySet["SystemChange"]):
    pass


class SystemChange(Timestamped):
    """以案促改: a rule made or revised because of items, with a link to its text."""

    class Kind(models.TextChoices):
        NEW = "新建", "新建"
        REVISED = "修订", "修订"

    SCOPE = ScopeRules(
        view=[Manages("org"), *[Reaches("org", g) for g in BODY_GRANT.values()]],
        change=[Manages("org")],
    )
    AUDIT_FIELDS = ("org_id", "title", "kind", "link", "adopted_on")
    DATE_WINDOWS = {"adopted_on": HISTORY}

    org = models.ForeignKey(
        Organisation, verbose_name="制定组织", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("制度名称", max_length=200)
    kind = models.CharField("类型", max_length=2, choices=Kind.choices)
    link = models.URLField("制度链接", blank=True)
    adopted_on = models.DateField("印发日期")
    items = models.ManyToManyField(Item, related_name="system_changes", verbose_name="相关问题")

    objects = SystemChangeQuerySet.as_manager()

    def clean(self) -> None:
        from lianjian.core.validation import date_errors, instance_values

        raise_errors(date_errors(type(self), instance_values(self)))

    class Meta:
        verbose_name = "以案促改制度"
        ordering = ["-adopted_on", "id"]

    def __str__(self) -> str:
        return self.title


# The bodies a lead passes between and the grant that reaches each.
LEAD_BODIES = {"纪委": DISCIPLINE, "派驻组": DISCIPLINE, "审计": AUDIT, "巡察": INSPECTION}
LEAD_BODY_CHOICES = [(b, b) for b in LEAD_BODIES]


def _involves(bodies: list[str]) -> Callable[[Any], bool]:
    def holds(obj: Any) -> bool:
        return obj.from_body in bodies or obj.to_body in bodies

    return holds


def _lead_rules() -> list[Rule]:
    out: list[Rule] = []
    for grant in sorted(set(LEAD_BODIES.values())):
        bodies = [b for b, g in LEAD_BODIES.items() if g == grant]
        out.append(
            Only(
                Q(from_body__in=bodies) | Q(to_body__in=bodies),
                _involves(bodies),
                Reaches("org", grant),
            )
        )
    return out


class LeadQuerySet(ScopedQuerySet["Lead"]):
    pass


class Lead(Timestamped):
    """A lead handed from one body to another (线索移交): only the bodies involved see it,
    under ``org`` (the organisation whose bodies hand it over); settle within 6 months,
    at most 12 (:func:`rules.lead_colour`)."""

    SCOPE = ScopeRules(view=_lead_rules(), change=_lead_rules())
    AUDIT_FIELDS = (
        "org_id",
        "item_id",
        "from_body",
        "to_body",
        "transferred_on",
        "case",
        "result",
        "feedback_on",
    )
    DATE_WINDOWS = {"transferred_on": HISTORY, "feedback_on": HISTORY}

    org = models.ForeignKey(
        Organisation, verbose_name="所属组织", on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        Item,
        verbose_name="来源问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    from_body = models.CharField("移交单位", max_length=4, choices=LEAD_BODY_CHOICES)
    to_body = models.CharField("接收单位", max_length=4, choices=LEAD_BODY_CHOICES)
    transferred_on = models.DateField("移交日期")
    case = models.TextField("线索内容", max_length=4000)
    result = models.TextField("处置结果", blank=True, max_length=4000)
    feedback_on = models.DateField("反馈日期", null=True, blank=True)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = "问题线索"
        ordering = ["-transferred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.from_body}→{self.to_body} {self.transferred_on:%Y-%m-%d}"

    def clean(self) -> None:
        errors = self.own_errors()
        if self.from_body and self.from_body == self.to_body:
            errors["to_body"] = "移交单位和接收单位不能相同"
        if (
            self.feedback_on
            and self.transferred_on
            and "feedback_on" not in errors
            and self.feedback_on < self.transferred_on
        ):
            errors["feedback_on"] = "反馈日期不能早于移交日期"
        raise_errors(errors)

    def own_errors(self) -> dict[str, str]:
        from lianjian.core.validation import date_errors, instance_values

        return date_errors(type(self), instance_values(self))


class LeadRead(models.Model):
    """One read of a lead (every read is recorded: who, when, through which edge)."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", auto_now_add=True)
    via = models.CharField("途径", max_length=10)

    class Meta:
        verbose_name = "线索查阅记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.reader_id}"


class RecommendationQuerySet(ScopedQuerySet["Recommendation"]):
    pass


class Recommendation(Timestamped):
    """A 纪检监察建议 or 审计建议: who issued it, to whom, for which items, the reply and its
    follow-up (谁提出、谁督办)."""

    class Kind(models.TextChoices):
        DISCIPLINE = "纪检监察建议", "纪检监察建议"
        AUDIT = "审计建议", "审计建议"

    SCOPE = ScopeRules(
        view=[
            Only(
                Q(kind="纪检监察建议"),
                lambda o: o.kind == "纪检监察建议",
                Reaches("issuer_org", DISCIPLINE),
            ),
            Only(Q(kind="审计建议"), lambda o: o.kind == "审计建议", Reaches("issuer_org", AUDIT)),
            Manages("recipient"),
        ],
        change=[
            Only(
                Q(kind="纪检监察建议"),
                lambda o: o.kind == "纪检监察建议",
                Reaches("issuer_org", DISCIPLINE),
            ),
            Only(Q(kind="审计建议"), lambda o: o.kind == "审计建议", Reaches("issuer_org", AUDIT)),
        ],
        reply=[Manages("recipient")],
    )
    AUDIT_FIELDS = (
        "kind",
        "issuer_org_id",
        "recipient_id",
        "text",
        "reply_due",
        "reply",
        "replied_on",
        "follow_up",
    )
    DATE_WINDOWS = {"reply_due": PLANNED, "replied_on": HISTORY}

    kind = models.CharField("类型", max_length=6, choices=Kind.choices)
    issuer_org = models.ForeignKey(
        Organisation, verbose_name="提出组织", on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.ForeignKey(
        Organisation, verbose_name="接收组织", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField("建议内容", max_length=4000)
    items = models.ManyToManyField(
        Item, blank=True, related_name="recommendations", verbose_name="相关问题"
    )
    reply_due = models.DateField("回复期限")
    reply = models.TextField("回复", blank=True, max_length=4000)
    replied_on = models.DateField("回复日期", null=True, blank=True)
    follow_up = models.TextField("督办情况", blank=True, max_length=4000)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        verbose_name = "监督建议"
        ordering = ["-reply_due", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.text[:20]}"

    def clean(self) -> None:
        from lianjian.core.validation import date_errors, instance_values

        raise_errors(date_errors(type(self), instance_values(self)))


class AccountabilityQuerySet(ScopedQuerySet["Accountability"]):
    pass


class Accountability(Timestamped):
    """双重问责 of an item: the 经营 track (loss amount → band, 国资委令第46号) and/or the 党内
    track (组织处理 due within 1 month of the decision); of a person or an organisation."""

    class Responsibility(models.TextChoices):
        DIRECT = "直接", "直接责任"
        SUPERVISING = "主管", "主管责任"
        LEADING = "领导", "领导责任"

    # Of an item: its issuing body. Of a decision: the board office that keeps the register
    # (and, to read, the party committee's managers who see the register).
    SCOPE = ScopeRules(
        view=[
            *body_rules("item__batch"),
            Reaches("decision__organisation", BOARD),
            Manages("decision__organisation"),
        ],
        change=[*body_rules("item__batch"), Reaches("decision__organisation", BOARD)],
    )
    AUDIT_FIELDS = (
        "item_id",
        "decision_id",
        "prior_study_id",
        "business_track",
        "party_track",
        "loss",
        "band",
        "subject",
        "responsibility",
        "handling",
        "decided_on",
        "org_handling_due",
    )
    DATE_WINDOWS = {"decided_on": HISTORY}

    item = models.ForeignKey(
        Item, on_delete=models.PROTECT, null=True, blank=True, related_name="accountabilities"
    )
    decision = models.ForeignKey(
        DecisionItem,
        verbose_name="三重一大事项",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # A 较大 or 重大 loss on a decision links the decision's prior study (supervision.md §1).
    prior_study = models.ForeignKey(
        PriorStudy,
        verbose_name="前置研究记录",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    business_track = models.BooleanField("经营问责", default=False)
    party_track = models.BooleanField("党内问责", default=False)
    loss = models.DecimalField(
        "损失金额（元）", max_digits=16, decimal_places=2, null=True, blank=True
    )
    band = models.CharField("损失等级", max_length=2, blank=True)
    subject = models.CharField("问责对象", max_length=100)
    responsibility = models.CharField("责任类型", max_length=2, choices=Responsibility.choices)
    handling = models.CharField("处理方式", max_length=200)
    decided_on = models.DateField("决定日期")
    org_handling_due = models.DateField("组织处理期限", null=True, blank=True)

    objects = AccountabilityQuerySet.as_manager()

    class Meta:
        verbose_name = "问责"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False, decision__isnull=True)
                | Q(item__isnull=True, decision__isnull=False),
                name="accountability_of_an_item_or_a_decision",
                violation_error_message="问责须针对一个问题或一个三重一大事项",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.handling}"

    def clean(self) -> None:
        from lianjian.core.validation import date_errors, instance_values

        errors = date_errors(type(self), instance_values(self))
        if not (self.business_track or self.party_track):
            errors["business_track"] = "至少选择经营问责或党内问责之一"
        if self.business_track and self.loss is None:
            errors["loss"] = "经营问责须填写损失金额"
        if self.loss is not None and self.loss < Decimal(0):
            errors["loss"] = "损失金额不能为负"
        band = rules.loss_band(self.loss) if self.loss is not None and self.loss >= 0 else ""
        problem = rules.decision_accountability_problem(
            on_decision=self.decision_id is not None,
            band=band,
            business_track=self.business_track,
            party_track=self.party_track,
        )
        if problem:
            errors.setdefault("party_track", problem)
        raise_errors(errors)
        self.band = band
        self.org_handling_due = (
            rules.org_handling_due(self.decided_on)
            if self.party_track and self.decided_on
            else None
        )
