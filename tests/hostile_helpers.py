"""Shared pieces of the hostile-input tests (tests/test_edges_hostile_*.py): a world with
something of every kind to write to, the hostile values by the shape of the value they
replace, and the row counts of every model.

Every hostile variation runs inside a savepoint that is rolled back afterwards, so each one
starts from the same state and a write that was accepted does not disturb the next.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from lianjian.activities import services as activity_services
from lianjian.assessment.models import Indicator
from lianjian.consultations import services as consultation_services
from lianjian.consultations.models import JointMeeting, Problem
from lianjian.keytasks import services as keytask_services
from lianjian.sharing import services as sharing_services
from lianjian.sharing.models import Booking
from lianjian.supervision import services as supervision_services
from tests.assessment_screens_helpers import Assessed, make_assessed
from tests.keytask_helpers import make_tasks
from tests.sharing_helpers import Sharing, at, future_monday, make_sharing
from tests.supervision_helpers import make_ledger

TOMORROW = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?")
NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")

# Values that no field may accept: whatever the field, the request is refused and nothing
# is stored.
CONTROL = "支部\x01"
YEAR_ONE_DATE, YEAR_9999_DATE = "0001-01-01", "9999-12-31"
YEAR_ONE, YEAR_9999 = "0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00"
ALWAYS_REFUSED = {
    CONTROL,
    YEAR_ONE_DATE,
    YEAR_9999_DATE,
    YEAR_ONE,
    YEAR_9999,
    "0001-01-01T00:00",
    "9999-12-31T23:59",
}
LONG = "长" * 20_000


def hostile_texts() -> list[Any]:
    return [CONTROL, "一\t二", LONG]


def hostile_dates() -> list[str]:
    return [YEAR_ONE_DATE, "1900-01-01", "1921-06-30", YEAR_9999_DATE, TOMORROW]


def hostile_datetimes(*, form: bool) -> list[str]:
    if form:  # a datetime-local input
        return [
            "0001-01-01T00:00",
            "1900-01-01T09:00",
            "1921-06-30T09:00",
            "9999-12-31T23:59",
            f"{TOMORROW}T09:00",
        ]
    return [
        YEAR_ONE,
        "1900-01-01T09:00:00",
        "1921-06-30T09:00:00",
        YEAR_9999,
        f"{TOMORROW}T09:00:00",
    ]


def hostile_numbers(*, form: bool) -> list[Any]:
    values: list[Any] = [10**30, 2**63, -1, "NaN"]
    return [str(v) for v in values] if form else values


class Rotation:
    """Keeps the suite quick: of the hostile values of a field, those that must always be
    refused are all sent, and of the others the next one in turn (every value is used,
    across the fields), so each field gets two or three requests instead of five."""

    def __init__(self) -> None:
        self.turn = 0

    def __call__(self, values: list[Any]) -> list[Any]:
        always = [v for v in values if str(v) in ALWAYS_REFUSED]
        others = [v for v in values if str(v) not in ALWAYS_REFUSED]
        if others:
            always.append(others[self.turn % len(others)])
            self.turn += 1
        return always


def hostile_for(value: Any, *, form: bool) -> list[Any]:
    """The hostile values to put where ``value`` (a valid one) was, by its shape."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return hostile_numbers(form=form)
    if isinstance(value, str):
        if DATETIME_RE.fullmatch(value):
            return hostile_datetimes(form=form)
        if DATE_RE.fullmatch(value):
            return hostile_dates()
        if form and NUMBER_RE.fullmatch(value):
            return hostile_numbers(form=True)
        return hostile_texts()
    return []


def row_counts() -> dict[str, int]:
    """The number of rows of every model of the project (the audit log included), in one query."""
    models = [
        m for m in apps.get_models() if m.__module__.startswith("lianjian.") and not m._meta.proxy
    ]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(m._meta.db_table)})" for m in models)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        row = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, row, strict=True)}


@contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@dataclass
class Hostile:
    """Something of every kind to write to, on top of the ``world`` fixture."""

    sharing: Sharing
    assessed: Assessed
    pending_booking: Booking
    own_booking: Booking
    pending: Problem
    assigned: Problem
    solved: Problem
    meeting: JointMeeting
    review: Indicator
    draft: Any
    returned: Any
    # key tasks (tests/keytask_helpers.py): the list QD-H, issued; QD-H-1-A claimed with a
    # milestone to mark done, one done to accept, and a submitted report
    milestone_open: Any = None
    milestone_done: Any = None
    report: Any = None
    # task packages of ZB-A: a draft with an item; a published one with a free item and an
    # item 张三 (member_a) claimed
    package_draft: Any = None
    package_open: Any = None
    item_free: Any = None
    claim: Any = None
    # the supervision ledger (tests/supervision_helpers.py) and a measure of its item 2
    ledger: Any = None
    sv_measure: Any = None


def make_hostile(world) -> Hostile:
    s = make_sharing(world)
    assessed = make_assessed(world)
    day = future_monday()
    pending_booking = sharing_services.booking_request(
        actor=world.manager_b,
        resource=s.r["R-A"],
        org=world.zb_b,
        start=at(day, 9),
        end=at(day, 11),
        purpose="主题党日",
    )
    own_booking = sharing_services.booking_request(
        actor=world.manager_a,
        resource=s.r["R-B"],
        org=world.zb_a,
        start=at(day, 14),
        end=at(day, 16),
        purpose="党课",
    )
    raise_ = consultation_services.problem_raise
    lj_a = s.aw.lj_a
    pending = raise_(
        actor=None,
        raised_by=world.zb_b,
        alliance=lj_a,
        title="通道清障",
        category="安全生产",
        code="WT-P",
    )
    assigned = raise_(
        actor=None,
        raised_by=world.zb_b,
        alliance=lj_a,
        title="报装提速",
        category="营商环境",
        code="WT-W",
    )
    consultation_services.problem_assign(
        actor=None,
        problem=assigned,
        owners=[world.zb_a],
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    solved = raise_(
        actor=None,
        raised_by=world.zb_b,
        alliance=lj_a,
        title="电力保障",
        category="乡村振兴",
        code="WT-S",
    )
    consultation_services.problem_assign(
        actor=None,
        problem=solved,
        owners=[world.zb_a],
        deadline=timezone.localdate() + datetime.timedelta(days=10),
    )
    consultation_services.problem_solve(actor=None, problem=solved, resolution="新增配变。")
    start = datetime.datetime.combine(
        day, datetime.time(14, 30), tzinfo=timezone.get_current_timezone()
    )
    meeting = consultation_services.meeting_create(
        actor=None,
        alliance=lj_a,
        title="第1次联席会议",
        start=start,
        convener=world.zb_a,
        code="LX-A",
    )
    held = timezone.make_aware(datetime.datetime(2026, 11, 10, 9, 0))
    draft = activity_services.activity_record(
        actor=None, type="主题党日", host=world.zb_a, start=held, topic="学习会", code="HD-D"
    )
    activity_services.attendance_fill(actor=None, activity=draft)
    returned = activity_services.activity_record(
        actor=None,
        type="党课",
        host=world.zb_a,
        start=held,
        topic="党课",
        code="HD-R",
        lecturer="张三",
        status="已提交",
    )
    tasks = make_tasks(world, code="QD-H")
    keytask_services.task_transition(None, tasks.a, "claim")
    this_year = timezone.localdate().year
    milestone_open = keytask_services.milestone_save(
        None, tasks.a, name="可研", weight=1.0, planned_on=datetime.date(this_year, 3, 1)
    )
    milestone_done = keytask_services.milestone_save(
        None, tasks.a, name="初设", weight=1.0, planned_on=datetime.date(this_year, 4, 1)
    )
    keytask_services.milestone_done(None, milestone_done, timezone.localdate())
    report = keytask_services.report_submit(
        None, tasks.a, period=f"{timezone.localdate():%Y-%m}", percent=40.0, text="进展"
    )
    package_draft = keytask_services.package_create(
        None,
        organisation=world.zb_a,
        month=f"{timezone.localdate():%Y-%m}",
        name="草稿任务包",
        items=[("巡线", None)],
    )
    package_open = keytask_services.package_create(
        None,
        organisation=world.zb_a,
        month=f"{timezone.localdate():%Y-%m}",
        name="重点任务包",
        items=[("入户走访", None), ("政策宣讲", None)],
    )
    keytask_services.package_publish(None, package_open)
    item_free, item_claimed = package_open.items.order_by("id")
    claim = keytask_services.package_item_claim(None, item_claimed, world.m_a1)
    ledger = make_ledger(world, recommendation=True)
    sv_measure = supervision_services.measure_add(
        actor=None, item=ledger.item_b, text="清点物资", deadline=datetime.date(2027, 1, 31)
    )
    return Hostile(
        sharing=s,
        assessed=assessed,
        pending_booking=pending_booking,
        own_booking=own_booking,
        pending=pending,
        assigned=assigned,
        solved=solved,
        meeting=meeting,
        review=assessed.review,
        draft=draft,
        returned=returned,
        milestone_open=milestone_open,
        milestone_done=milestone_done,
        report=report,
        package_draft=package_draft,
        package_open=package_open,
        item_free=item_free,
        claim=claim,
        ledger=ledger,
        sv_measure=sv_measure,
    )


def variations(
    body: dict[str, Any], *, form: bool, pick: Callable[[list[Any]], list[Any]]
) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(field path, hostile value, body with that one value replaced) for every field of
    ``body`` — nested objects and the first item of lists included; ``pick`` chooses among
    a field's hostile values (a :class:`Rotation`)."""
    for key, value in body.items():
        if isinstance(value, dict):
            for path, bad, inner in variations(value, form=form, pick=pick):
                yield f"{key}.{path}", bad, {**body, key: inner}
        elif isinstance(value, list) and value:
            first = value[0]
            if isinstance(first, dict):
                for path, bad, inner in variations(first, form=form, pick=pick):
                    yield f"{key}.0.{path}", bad, {**body, key: [inner, *value[1:]]}
            else:
                for bad in pick(hostile_for(first, form=form)):
                    yield f"{key}.0", bad, {**body, key: [bad, *value[1:]]}
        else:
            for bad in pick(hostile_for(value, form=form)):
                yield key, bad, {**body, key: bad}
