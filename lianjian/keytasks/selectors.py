"""Reads of key tasks for the screens, the API, the command line and the Excel export.

Progress, 序时进度 and colour are computed in one place, :func:`task_statuses`: over the tasks
of whole lists (a parent's progress counts every child, also those the user may not see),
with the milestones loaded in one query and the tree rolled up in one pass
(:func:`lianjian.keytasks.progress.roll_up`); the colour comes from the deadlines mechanism
(:mod:`lianjian.deadlines`) with the task's preset (default: the preset of kind ``key_task``,
进度滞后). A list of any size costs a fixed number of queries.

"Today" is always passed in, so that figures and colours are reproducible.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from lianjian.core.filters import register_list
from lianjian.deadlines import engine
from lianjian.deadlines.models import DeadlineKind, DeadlinePreset
from lianjian.deadlines.services import rule_for
from lianjian.keytasks import progress, rules
from lianjian.keytasks.models import (
    KeyTask,
    KeyTaskList,
    Milestone,
    PackageClaim,
    PackageItem,
    ProgressReport,
    ReportState,
    TaskPackage,
)
from lianjian.keytasks.schemas import (
    KeyTaskListFilter,
    MilestoneFilter,
    PackageFilter,
    ReportFilter,
    TaskFilter,
)
from lianjian.orgs.models import Organisation

# States whose tasks colour (being worked on, or done: judged on the acceptance date).
COLOURED_STATES = (*rules.ACTIVE_STATES, *rules.DONE_STATES)


@dataclass(frozen=True)
class TaskStatus:
    """Progress (%), 序时进度 (%) and colour of one task; colour "" when the task's state
    does not colour (草拟, 暂缓, 撤销)."""

    progress: float | None
    expected: float | None
    colour: str


def _node(task: KeyTask, milestones: tuple[progress.MilestoneFact, ...]) -> progress.Node:
    return progress.Node(
        id=task.pk,
        parent_id=task.parent_id,
        mode=task.progress_mode,
        weight=task.weight,
        # a cancelled task counts no more than one marked 不计入
        excluded=task.excluded or task.state == rules.CANCELLED,
        manual=task.manual_progress,
        milestones=milestones,
        kpi_baseline=task.kpi_baseline,
        kpi_target=task.kpi_target,
        kpi_current=task.kpi_current,
        kpi_direction=task.kpi_direction or rules.HIGHER,
    )


def milestone_facts(ids: set[int]) -> dict[int, tuple[progress.MilestoneFact, ...]]:
    """The milestones of the tasks ``ids`` as the engine needs them, summed per task in SQL
    (one query, one row per task however many milestones): the accepted weight and the rest.
    The engine only adds the weights, so two facts give the same progress as every milestone.
    """
    if not ids:
        return {}
    rows = (
        Milestone.objects.filter(task_id__in=ids)
        .values("task_id")
        .order_by()
        .annotate(
            weight_total=Sum("weight"),
            weight_accepted=Sum("weight", filter=Q(accepted_on__isnull=False), default=0.0),
        )
        .values_list("task_id", "weight_total", "weight_accepted")
    )
    return {
        task_id: (
            progress.MilestoneFact(float(accepted), True),
            progress.MilestoneFact(float(total) - float(accepted), False),
        )
        for task_id, total, accepted in rows
    }


def preset_rules(codes: Iterable[str]) -> dict[str, engine.PresetRule]:
    """The rules of the presets named by ``codes`` (one query; none for no code)."""
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return {p.code: p.rule for p in DeadlinePreset.objects.filter(code__in=wanted)}


def task_statuses(tasks: Sequence[KeyTask], today: datetime.date) -> dict[int, TaskStatus]:
    """Progress, 序时进度 and colour of ``tasks`` — whole lists, so that parents count all
    their children — by task id. Two queries (milestones; the presets named, if any) plus
    the cached rule of kind ``key_task``."""
    facts = milestone_facts({t.pk for t in tasks})
    rolled = progress.roll_up([_node(t, facts.get(t.pk, ())) for t in tasks])
    default = rule_for(DeadlineKind.Code.KEY_TASK)
    named = preset_rules(t.preset for t in tasks)
    out: dict[int, TaskStatus] = {}
    for t in tasks:
        value = rolled.get(t.pk)
        expected = engine.expected_progress(t.planned_start, t.planned_end, today)
        colour = ""
        if t.state in COLOURED_STATES:
            done = t.accepted_on if t.state in rules.DONE_STATES else None
            colour = engine.colour(
                named.get(t.preset, default),
                today=today,
                due=t.planned_end,
                done_on=done or (today if t.state in rules.DONE_STATES else None),
                progress=value,
                expected=expected,
                planned_start=t.planned_start,
                started=t.started_on,
            ).value
        out[t.pk] = TaskStatus(
            None if value is None else round(value, 1), round(expected, 1), colour
        )
    return out


def milestone_colours(milestones: Iterable[Milestone], today: datetime.date) -> dict[int, str]:
    """The colour of each milestone by the preset of kind ``milestone`` (逾期天数): judged
    on the done date once done, on today while not."""
    rule = rule_for(DeadlineKind.Code.MILESTONE)
    return {
        m.pk: engine.colour(rule, today=today, due=m.planned_on, done_on=m.done_on).value
        for m in milestones
    }


def list_tasks(task_list: KeyTaskList) -> QuerySet[KeyTask]:
    """Every task of ``task_list`` with what a row shows, in tree order keys (one query)."""
    return (
        KeyTask.objects.filter(task_list=task_list)
        .select_related("parent", "category", "owner_org", "owner", "sponsor")
        .order_by("position", "code")
    )


def list_status(task_list: KeyTaskList, today: datetime.date) -> list[tuple[KeyTask, TaskStatus]]:
    """Every task of the list with its status, parents before children (depth first, by
    position and code) — the ``lianjian tasks status`` output and the API's."""
    tasks = list(list_tasks(task_list))
    status = task_statuses(tasks, today)
    kids: dict[int | None, list[KeyTask]] = defaultdict(list)
    ids = {t.pk for t in tasks}
    for t in tasks:
        kids[t.parent_id if t.parent_id in ids else None].append(t)
    out: list[tuple[KeyTask, TaskStatus]] = []
    stack = list(reversed(kids[None]))
    seen: set[int] = set()
    while stack:
        t = stack.pop()
        if t.pk in seen:
            continue
        seen.add(t.pk)
        out.append((t, status[t.pk]))
        stack.extend(reversed(kids[t.pk]))
    return out


def statuses_for(tasks: Sequence[KeyTask], today: datetime.date) -> dict[int, TaskStatus]:
    """The statuses of some tasks (a page of the API), each computed with its whole list:
    the lists' tasks in one query, then :func:`task_statuses`."""
    list_ids = {t.task_list_id for t in tasks}
    if not list_ids:
        return {}
    every = list(KeyTask.objects.filter(task_list_id__in=list_ids))
    return task_statuses(every, today)


# --- the figures assessment reads (key_task_rate, key_task_progress) -------------------


@dataclass
class OrgTaskFigures:
    """One organisation's key tasks for an assessment period (docs/assessment.md):
    ``due`` — the codes of its tasks due in the period, ``on_time`` — those accepted by
    their planned end; ``progress`` — (code, progress, 序时进度) of its tasks running in the
    period, both as of the period's last counted day."""

    due: list[str]
    on_time: list[str]
    progress: list[tuple[str, float, float]]


# Tasks that count for assessment: issued and not cancelled (a draft is not a task yet).
_NOT_COUNTED = (rules.DRAFT, rules.CANCELLED)


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def progress_as_of(tasks: Sequence[KeyTask], day: datetime.date) -> dict[int, float | None]:
    """The progress of ``tasks`` (whole lists) as it stood at the end of ``day``, from dated
    records only: milestones accepted on or before ``day``; for 手动 and 指标 the latest
    进度报送 (by period) confirmed on or before ``day``; 子任务 rolled up from those. A
    value typed into a task without a report has no date and does not count. Two queries."""
    ids = [t.pk for t in tasks]
    facts: dict[int, list[progress.MilestoneFact]] = defaultdict(list)
    percent: dict[int, float] = {}
    kpi: dict[int, float] = {}
    if ids:
        for task_id, weight, accepted_on in Milestone.objects.filter(task_id__in=ids).values_list(
            "task_id", "weight", "accepted_on"
        ):
            done = accepted_on is not None and accepted_on <= day
            facts[task_id].append(progress.MilestoneFact(weight, done))
        reports = (
            ProgressReport.objects.filter(
                task_id__in=ids, state=ReportState.CONFIRMED, confirmed_at__isnull=False
            )
            .values_list("task_id", "percent", "kpi_value", "confirmed_at")
            .order_by("task_id", "period", "confirmed_at")
        )
        for task_id, pct, kpi_value, confirmed_at in reports:
            if confirmed_at is None or _local_day(confirmed_at) > day:
                continue
            percent[task_id] = pct
            if kpi_value is not None:
                kpi[task_id] = kpi_value
    nodes = []
    for t in tasks:
        node = _node(t, ())
        nodes.append(
            replace(
                node,
                excluded=t.excluded or t.state == rules.CANCELLED,
                manual=percent.get(t.pk),
                milestones=tuple(facts[t.pk]),
                kpi_current=kpi.get(t.pk),
            )
        )
    return progress.roll_up(nodes)


def assessment_figures(
    orgs: Any, start: datetime.date, end: datetime.date, today: datetime.date
) -> dict[int, OrgTaskFigures]:
    """Per organisation (``orgs``: ids or a subquery of them), its own key tasks (责任组织)
    for the period ``start``–``end`` as of ``today``, in three queries plus two:

    * due — planned end inside the period and either passed (before ``today``) or already
      accepted by then; on time — accepted on or before the planned end (and on or before
      ``today``), so acceptance after the deadline never counts, whenever it is recorded;
    * progress — tasks started by the counted day (the period's end, or ``today`` while the
      period runs) and not ending before the period, not accepted before it began; progress
      as of that day (:func:`progress_as_of`) and 序时进度 as of that day.

    Tasks 草拟 or 撤销 and those marked 不计入 are left out."""
    as_of = min(end, today)
    own = list(
        KeyTask.objects.filter(owner_org__in=orgs, excluded=False)
        .exclude(state__in=_NOT_COUNTED)
        .filter(planned_start__lte=end, planned_end__gte=start)
        .order_by("owner_org_id", "planned_end", "code")
    )
    out: dict[int, OrgTaskFigures] = {}
    running: list[KeyTask] = []
    for t in own:
        figures = out.setdefault(t.owner_org_id, OrgTaskFigures([], [], []))
        accepted = t.accepted_on is not None and t.accepted_on <= today
        on_time = accepted and t.accepted_on is not None and t.accepted_on <= t.planned_end
        if t.planned_end <= end and (t.planned_end < today or on_time):
            figures.due.append(t.code)
            if on_time:
                figures.on_time.append(t.code)
        if t.planned_start <= as_of and not (t.accepted_on is not None and t.accepted_on < start):
            running.append(t)
    if running:
        every = list(KeyTask.objects.filter(task_list_id__in={t.task_list_id for t in running}))
        values = progress_as_of(every, as_of)
        for t in running:
            value = values.get(t.pk) or 0.0
            expected = engine.expected_progress(t.planned_start, t.planned_end, as_of)
            out[t.owner_org_id].progress.append((t.code, round(value, 1), round(expected, 1)))
    return out


# --- the lists (one filter for the screens and the API) ---------------------------------


def _subtree(code: str) -> Q:
    return Q(path__contains=f"/{code}/")


def keytask_lists(user: Any, f: KeyTaskListFilter) -> QuerySet[KeyTaskList]:
    """The key-task lists ``user`` sees matching ``f``, newest year first, with their task
    counts (one query)."""
    qs = KeyTaskList.objects.visible_to(user).select_related("organisation", "approval_activity")
    if f.q:
        qs = qs.filter(Q(code__icontains=f.q) | Q(name__icontains=f.q))
    if f.org:
        qs = qs.filter(organisation__in=Organisation.objects.filter(_subtree(f.org)))
    if f.year:
        qs = qs.filter(year=f.year)
    if f.state:
        qs = qs.filter(state=f.state)
    return qs.annotate(task_count=Count("tasks", distinct=True)).order_by("-year", "code")


def package_list(user: Any, f: PackageFilter) -> QuerySet[TaskPackage]:
    """The task packages ``user`` sees matching ``f`` (a member: the published ones of their
    organisation), newest month first, with their item and claim counts (one query)."""
    qs = TaskPackage.objects.visible_to(user).select_related("organisation")
    if f.q:
        qs = qs.filter(name__icontains=f.q)
    if f.org:
        qs = qs.filter(organisation__in=Organisation.objects.filter(_subtree(f.org)))
    if f.month:
        qs = qs.filter(month=f.month)
    return qs.annotate(
        item_count=Count("items", filter=Q(items__withdrawn=False), distinct=True),
        claim_count=Count(
            "items__claims",
            filter=Q(items__withdrawn=False, items__claims__withdrawn=False),
            distinct=True,
        ),
    ).order_by("-month", "organisation__code", "name", "id")


@dataclass
class PackageItemRow:
    """One item of a package as its screen shows it: the standing claims (认领人), whether
    it is full and the viewer's own claim."""

    item: PackageItem
    claims: list[PackageClaim]
    mine: PackageClaim | None

    @property
    def taken(self) -> int:
        return len(self.claims)

    @property
    def full(self) -> bool:
        return self.taken >= self.item.capacity


def package_items(package: TaskPackage, member_id: int | None) -> list[PackageItemRow]:
    """The items of ``package`` (withdrawn ones left out) with their standing claims, in two
    queries however many items and claims."""
    items = list(package.items.filter(withdrawn=False).select_related("task").order_by("id"))
    claims: dict[int, list[PackageClaim]] = defaultdict(list)
    for claim in (
        PackageClaim.objects.filter(item__in=items, withdrawn=False)
        .select_related("member__org")
        .order_by("claimed_on", "id")
    ):
        claims[claim.item_id].append(claim)
    rows = []
    for item in items:
        standing = claims[item.pk]
        mine = next((c for c in standing if c.member_id == member_id), None)
        rows.append(PackageItemRow(item, standing, mine))
    return rows


def task_rows(qs: QuerySet[KeyTask]) -> QuerySet[KeyTask]:
    return qs.select_related(
        "task_list", "parent", "category", "owner_org", "owner", "sponsor"
    ).prefetch_related("participants")


def task_list(user: Any, f: TaskFilter) -> QuerySet[KeyTask]:
    """The key tasks ``user`` sees matching ``f``, by list and code."""
    qs = KeyTask.objects.visible_to(user)
    if f.list:
        qs = qs.filter(task_list__code=f.list)
    if f.q:
        qs = qs.filter(Q(code__icontains=f.q) | Q(name__icontains=f.q))
    if f.category:
        qs = qs.filter(category__name=f.category)
    if f.theme:
        qs = qs.filter(theme=f.theme)
    if f.owner_org:
        qs = qs.filter(owner_org__in=Organisation.objects.filter(_subtree(f.owner_org)))
    if f.owner:
        qs = qs.filter(owner__number=f.owner)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.year:
        qs = qs.filter(task_list__year=f.year)
    return task_rows(qs).order_by("task_list__code", "position", "code")


def milestone_list(user: Any, f: MilestoneFilter) -> QuerySet[Milestone]:
    """The milestones of the tasks ``user`` sees matching ``f``, by task and plan."""
    qs = Milestone.objects.filter(task__in=KeyTask.objects.visible_to(user))
    if f.task:
        qs = qs.filter(task__code=f.task)
    if f.list:
        qs = qs.filter(task__task_list__code=f.list)
    if f.accepted is not None:
        qs = qs.filter(accepted_on__isnull=not f.accepted)
    if f.done is not None:
        qs = qs.filter(done_on__isnull=not f.done)
    return qs.select_related("task", "accepted_by").order_by("task__code", "planned_on", "id")


def report_list(user: Any, f: ReportFilter) -> QuerySet[ProgressReport]:
    """The progress reports of the tasks ``user`` sees matching ``f``, newest period first."""
    qs = ProgressReport.objects.filter(task__in=KeyTask.objects.visible_to(user))
    if f.task:
        qs = qs.filter(task__code=f.task)
    if f.list:
        qs = qs.filter(task__task_list__code=f.list)
    if f.state:
        qs = qs.filter(state=f.state)
    if f.period:
        qs = qs.filter(period=f.period)
    if f.owner_org:
        qs = qs.filter(task__owner_org__in=Organisation.objects.filter(_subtree(f.owner_org)))
    return qs.select_related("task", "submitted_by", "confirmed_by").order_by(
        "-period", "task__code"
    )


register_list(
    "keytask_lists",
    screen="keytasks:tasklist_list",
    api="/task-lists",
    filter=KeyTaskListFilter,
    key="code",
    selector=keytask_lists,
)


register_list(
    "packages",
    screen="keytasks:package_list",
    api=None,
    filter=PackageFilter,
    key="pk",
    selector=package_list,
)
