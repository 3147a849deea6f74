"""The 三重一大 decision register (supervision.md §2): the company's 事项清单 and the items
routed by it, with their prior studies, decisions, execution and post-evaluation.

Who sees what (supervision.md §3): the board office (role 决策管理, grant ``BOARD``) keeps the
register of its organisation's subtree; the managers of the item's organisation (the
party committee) see it and change nothing; the organisation that owns an item's
execution sees that item and its execution only (action ``view``, not ``view_all``).
Nothing is deleted: a list line is withdrawn, an item ends 不予提交 or 已否决, a re-study
is a new study record.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianjian.core.models import CodedRecord
from lianjian.core.scope import BOARD, Also, Manages, Reaches, ScopedQuerySet, ScopeRules
from lianjian.core.validation import HISTORY, date_errors, instance_values, raise_errors
from lianjian.decisions import rules
from lianjian.keytasks.models import KeyTask
from lianjian.orgs.models import Organisation, validate_code


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v, v) for v in values]


CATEGORY_CHOICES = _choices(rules.CATEGORIES)
BODY_CHOICES = _choices(rules.BODIES)
MAX_AMOUNT = 10**9  # 万元; anything above is a typing error


def _register(lookup: str) -> list[Any]:
    """The board office of the subtree and the managers (party committee) of the
    organisation at ``lookup``."""
    return [Reaches(lookup, BOARD), Manages(lookup)]


class MatterListQuerySet(ScopedQuerySet["MatterList"]):
    pass


class MatterList(CodedRecord):
    """事项清单: which matters of an organisation (at a level, for a year) are 三重一大, their
    amount thresholds, which need 前置研究 and which body decides. Reviewed yearly (a new
    list per year); a list is never deleted, it is replaced by next year's."""

    SCOPE = ScopeRules(view=_register("organisation"), change=[Reaches("organisation", BOARD)])
    AUDIT_FIELDS = ("code", "organisation_id", "level", "year", "title", "reviewed_on")
    DATE_WINDOWS = {"reviewed_on": HISTORY}

    code = models.CharField("清单编码", max_length=32, unique=True, validators=[validate_code])
    organisation = models.ForeignKey(
        Organisation, verbose_name="所属组织", on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField("层级", max_length=20, default="公司")
    year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("清单名称", max_length=200)
    reviewed_on = models.DateField("审定日期", null=True, blank=True)

    objects = MatterListQuerySet.as_manager()

    class Meta:
        verbose_name = "事项清单"
        ordering = ["-year", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "level", "year"],
                name="decisions_list_org_level_year",
                violation_error_message="该组织本层级本年度已有事项清单",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="decisions_list_year_range",
                violation_error_message="年度应在 2000 到 2100 之间",
            ),
        ]

    def clean(self) -> None:
        raise_errors(self.own_date_errors())


class MatterLineQuerySet(ScopedQuerySet["MatterLine"]):
    pass


class MatterLine(models.Model):
    """One line of a 事项清单. Withdrawn (``active`` off, with a reason), never deleted: the
    items it routed keep pointing at it."""

    SCOPE = ScopeRules(view=[Also("matter_list", "view")], change=[Also("matter_list", "change")])
    AUDIT_FIELDS = (
        "matter_list_id",
        "category",
        "matter",
        "threshold",
        "needs_prior_study",
        "body",
        "active",
        "withdrawn_reason",
    )

    matter_list = models.ForeignKey(
        MatterList, verbose_name="事项清单", on_delete=models.PROTECT, related_name="lines"
    )
    category = models.CharField("类别", max_length=10, choices=CATEGORY_CHOICES)
    matter = models.CharField("事项", max_length=200)
    threshold = models.DecimalField(
        "金额起点（万元，含）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    needs_prior_study = models.BooleanField("需党委前置研究", default=True)
    body = models.CharField("决策主体", max_length=10, choices=BODY_CHOICES)
    active = models.BooleanField("有效", default=True)
    withdrawn_reason = models.CharField("撤回原因", max_length=200, blank=True)

    objects = MatterLineQuerySet.as_manager()

    class Meta:
        verbose_name = "事项清单条目"
        ordering = ["matter_list", "category", "threshold", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__isnull=True) | Q(threshold__gte=0),
                name="decisions_line_threshold_positive",
                violation_error_message="金额起点不能为负数",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}·{self.matter}"

    @property
    def audit_key(self) -> str:
        return str(self.pk)

    @property
    def threshold_text(self) -> str:
        if self.threshold is None:
            return "不限金额"
        return f"≥ {self.threshold.normalize():f} 万元"

    def as_rule(self) -> rules.Line:
        return rules.Line(self.pk, self.category, self.threshold, self.needs_prior_study, self.body)


class DecisionItemQuerySet(ScopedQuerySet["DecisionItem"]):
    pass


STATE_CHOICES = _choices(rules.ALL_STATES)


class DecisionItem(CodedRecord):
    """A 三重一大 item: routed by its organisation's 事项清单 (``line`` — derived, never chosen),
    carried through prior study, decision, execution and post-evaluation (``state``).

    ``needs_prior_study`` and ``body`` are the routing at submission, kept with the item so
    that a later change of the list does not rewrite history. ``post_evaluation_due`` is set
    when the item is decided (12 months on). ``follows`` links an item created by a
    post-evaluation's 调整 to the item it adjusts."""

    KEY_FIELD: ClassVar[str] = "number"
    SCOPE = ScopeRules(
        view=[*_register("organisation"), Manages("execution__owner_org")],
        view_all=_register("organisation"),
        change=[Reaches("organisation", BOARD)],
    )
    AUDIT_FIELDS = (
        "number",
        "organisation_id",
        "matter_list_id",
        "title",
        "category",
        "amount",
        "department",
        "sponsor",
        "line_id",
        "needs_prior_study",
        "body",
        "state",
        "materials",
        "decided_on",
        "post_evaluation_due",
        "follows_id",
    )

    number = models.CharField("事项编号", max_length=32, unique=True, validators=[validate_code])
    organisation = models.ForeignKey(
        Organisation, verbose_name="所属组织", on_delete=models.PROTECT, related_name="+"
    )
    matter_list = models.ForeignKey(
        MatterList, verbose_name="事项清单", on_delete=models.PROTECT, related_name="items"
    )
    title = models.CharField("事项名称", max_length=200)
    category = models.CharField("类别", max_length=10, choices=CATEGORY_CHOICES)
    amount = models.DecimalField(
        "金额（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    department = models.CharField("提出部门", max_length=100)
    sponsor = models.CharField("分管领导", max_length=50)
    line = models.ForeignKey(
        MatterLine,
        verbose_name="适用清单条目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="items",
    )
    needs_prior_study = models.BooleanField("需党委前置研究", default=False)
    body = models.CharField("决策主体", max_length=10, choices=BODY_CHOICES, blank=True)
    state = models.CharField("状态", max_length=6, choices=STATE_CHOICES, default=rules.DRAFT)
    # {"feasibility": "link or note", ...}: a material is present when its value is non-empty.
    materials = models.JSONField("决策材料", default=dict, blank=True)
    decided_on = models.DateField("决策日期", null=True, blank=True)
    post_evaluation_due = models.DateField("后评估应完成日期", null=True, blank=True)
    follows = models.ForeignKey(
        "self",
        verbose_name="调整自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = DecisionItemQuerySet.as_manager()

    class Meta:
        verbose_name = "三重一大事项"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | (Q(amount__gte=0) & Q(amount__lte=MAX_AMOUNT)),
                name="decisions_item_amount_range",
                violation_error_message="金额应在 0 到 10 亿万元之间",
            ),
        ]
        indexes = [models.Index(fields=["state", "post_evaluation_due"], name="dec_item_due_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def material_rows(self) -> list[tuple[str, str, str]]:
        """(key, label, link or note) for every material of the checklist."""
        given = self.materials or {}
        return [(key, label, str(given.get(key) or "")) for key, label in rules.MATERIALS]

    @property
    def year(self) -> int:
        return self.matter_list.year


class _ItemRecord(models.Model):
    """A record of one step of an item, seen with the item's full record (``view_all``)."""

    SCOPE: ClassVar[ScopeRules] = ScopeRules(view=[Also("item", "view_all")])
    created_at = models.DateTimeField(auto_now_add=True)
    created_by_name = models.CharField("记录人", max_length=150, blank=True)

    class Meta:
        abstract = True

    @property
    def audit_key(self) -> str:
        return str(self.pk)


class PriorStudyQuerySet(ScopedQuerySet["PriorStudy"]):
    pass


class PriorStudy(_ItemRecord):
    """One 党委会 prior study of an item. A re-study after 建议修改后复议 is a new record
    (``round`` counts them); a study is never changed once recorded."""

    AUDIT_FIELDS = (
        "item_id",
        "round",
        "meeting",
        "meeting_date",
        "members",
        "present",
        "recusals",
        "opinions",
        "outcome",
        "note",
    )
    DATE_WINDOWS = {"meeting_date": HISTORY}

    item = models.ForeignKey(
        DecisionItem, verbose_name="事项", on_delete=models.PROTECT, related_name="studies"
    )
    round = models.PositiveSmallIntegerField("研究轮次")
    meeting = models.CharField("党委会会议", max_length=200)
    meeting_date = models.DateField("会议日期")
    members = models.PositiveSmallIntegerField("应到人数")
    present = models.PositiveSmallIntegerField("实到人数")
    recusals = models.JSONField("回避人员", default=list, blank=True)
    # [{"name": …, "opinion": …}, …]: each member's opinion.
    opinions = models.JSONField("发表意见", default=list, blank=True)
    outcome = models.CharField("研究结论", max_length=10, choices=_choices(rules.STUDY_OUTCOMES))
    note = models.TextField("说明", blank=True)

    objects = PriorStudyQuerySet.as_manager()

    class Meta:
        verbose_name = "前置研究"
        ordering = ["item", "round"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "round"],
                name="decisions_study_round",
                violation_error_message="该轮前置研究已记录",
            )
        ]

    def __str__(self) -> str:
        return f"第{self.round}次前置研究（{self.outcome}）"

    def clean(self) -> None:
        errors = self.own_date_errors()
        problems = rules.study_problems(self.members, self.present, self.recusals, [])
        if problems:
            errors["present"] = "；".join(problems)
        raise_errors(errors)

    def own_date_errors(self) -> dict[str, str]:
        return date_errors(type(self), instance_values(self))


class DecisionQuerySet(ScopedQuerySet["Decision"]):
    pass


class Decision(_ItemRecord):
    """The deciding meeting's record of an item: 通过, 否决 or 暂缓 (a deferred item may be
    decided again later: each meeting is its own record)."""

    AUDIT_FIELDS = (
        "item_id",
        "meeting",
        "meeting_date",
        "body",
        "opinions",
        "resolution",
        "conditions",
        "result",
    )
    DATE_WINDOWS = {"meeting_date": HISTORY}

    item = models.ForeignKey(
        DecisionItem, verbose_name="事项", on_delete=models.PROTECT, related_name="decisions"
    )
    meeting = models.CharField("决策会议", max_length=200)
    meeting_date = models.DateField("会议日期")
    body = models.CharField("决策主体", max_length=10, choices=BODY_CHOICES)
    opinions = models.TextField("与会意见", blank=True)
    resolution = models.TextField("决议内容")
    conditions = models.TextField("附加条件", blank=True)
    result = models.CharField("决策结果", max_length=4, choices=_choices(rules.DECISION_RESULTS))

    objects = DecisionQuerySet.as_manager()

    class Meta:
        verbose_name = "决策"
        ordering = ["item", "meeting_date", "id"]

    def __str__(self) -> str:
        return f"{self.meeting}（{self.result}）"

    def clean(self) -> None:
        raise_errors(date_errors(type(self), instance_values(self)))


class ExecutionQuerySet(ScopedQuerySet["Execution"]):
    pass


class Execution(models.Model):
    """The execution of a decided item: the owner organisation, the key tasks that carry it
    (their colours show on the item) and the deviations found."""

    SCOPE = ScopeRules(
        view=[Also("item", "view")],
        change=[Reaches("item__organisation", BOARD)],
    )
    AUDIT_FIELDS = ("item_id", "owner_org_id", "owner_name", "started_on", "deviations")
    DATE_WINDOWS = {"started_on": HISTORY}

    item = models.OneToOneField(
        DecisionItem, verbose_name="事项", on_delete=models.PROTECT, related_name="execution"
    )
    owner_org = models.ForeignKey(
        Organisation, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    owner_name = models.CharField("责任人", max_length=50)
    started_on = models.DateField("开始执行日期")
    key_tasks = models.ManyToManyField(
        KeyTask, verbose_name="关联关键任务", blank=True, related_name="+"
    )
    deviations = models.TextField("执行偏差", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ExecutionQuerySet.as_manager()

    class Meta:
        verbose_name = "决策执行"

    def __str__(self) -> str:
        return f"{self.item} 的执行"

    @property
    def audit_key(self) -> str:
        return str(self.pk)

    def clean(self) -> None:
        raise_errors(date_errors(type(self), instance_values(self)))


class PostEvaluationQuerySet(ScopedQuerySet["PostEvaluation"]):
    pass


class PostEvaluation(_ItemRecord):
    """The post-evaluation (后评估) of a decided item: the five dimensions, a conclusion and
    an action; 调整 created the linked item ``follow_up``."""

    AUDIT_FIELDS = (
        "item_id",
        "evaluator",
        "evaluated_on",
        "dimensions",
        "conclusion",
        "action",
        "lessons",
        "follow_up_id",
    )
    DATE_WINDOWS = {"evaluated_on": HISTORY}

    item = models.OneToOneField(
        DecisionItem, verbose_name="事项", on_delete=models.PROTECT, related_name="evaluation"
    )
    evaluator = models.CharField("评估人", max_length=100)
    evaluated_on = models.DateField("评估日期")
    # {"objectives": …, "process": …, "benefits": …, "impact": …, "sustainability": …}
    dimensions = models.JSONField("评估维度", default=dict, blank=True)
    conclusion = models.CharField("评估结论", max_length=4, choices=_choices(rules.CONCLUSIONS))
    action = models.CharField("处理", max_length=2, choices=_choices(rules.EVAL_ACTIONS))
    lessons = models.TextField("经验教训", blank=True)
    follow_up = models.ForeignKey(
        DecisionItem,
        verbose_name="调整后新事项",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = PostEvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = "后评估"

    def __str__(self) -> str:
        return f"{self.item} 的后评估（{self.conclusion}）"

    def clean(self) -> None:
        raise_errors(date_errors(type(self), instance_values(self)))

    @property
    def dimension_rows(self) -> list[tuple[str, str]]:
        given = self.dimensions or {}
        return [(label, str(given.get(key) or "")) for key, label in rules.DIMENSIONS]


__all__ = [
    "Decision",
    "DecisionItem",
    "Execution",
    "MatterLine",
    "MatterList",
    "PostEvaluation",
    "PriorStudy",
]
