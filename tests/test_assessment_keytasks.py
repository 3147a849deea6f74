"""The assessment sources read from key tasks (docs/assessment.md): ``key_task_rate`` (due
tasks accepted on time) and ``key_task_progress`` (progress against 序时进度), each linked to
its tasks, as of the period — a closed period never changes because of something done today."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianjian.assessment.services import assessment_run, scheme_import, scheme_orgs
from lianjian.assessment.sources import collect
from lianjian.keytasks import services
from lianjian.keytasks.models import KeyTask, ProgressReport
from lianjian.keytasks.selectors import assessment_figures
from tests.assessment_engine_helpers import example
from tests.keytask_helpers import category

D = datetime.date
Q1_END = D(2026, 3, 31)


def _indicators(data):
    data["indicators"] += [
        {
            "code": "RW1",
            "name": "关键任务按期验收率",
            "dimension": "DJ",
            "max": 10,
            "rule": "ratio",
            "target": 1.0,
            "floor": 0.0,
            "direction": "higher",
            "source": "key_task_rate",
        },
        {
            "code": "RW2",
            "name": "关键任务进度",
            "dimension": "DJ",
            "max": 10,
            "rule": "ratio",
            "target": 1.0,
            "floor": 0.0,
            "direction": "higher",
            "source": "key_task_progress",
        },
    ]
    return data


@pytest.fixture
def scheme(world):
    return scheme_import(_indicators(example(code="Q", period="2026Q1")), actor=None)[0]


def _list(world):
    lst = services.list_create(
        actor=None,
        organisation=world.dw,
        year=2026,
        name="2026年党建+关键任务清单",
        code="QD-K",
        approval_ref="2026年第2次党委会",
        approved_on=D(2026, 1, 5),
    )
    return lst


def _task(lst, world, code, start, end, *, org=None, mode="手动"):
    return services.task_create(
        actor=None,
        task_list=lst,
        code=code,
        name=f"任务{code}",
        category=category(),
        owner_org=org or world.zb_a,
        owner=world.m_a1 if (org or world.zb_a) == world.zb_a else world.m_b1,
        planned_start=start,
        planned_end=end,
        progress_mode=mode,
    )


def _accept(task, on):
    for action in ("claim", "start", "request_acceptance"):
        services.task_transition(None, task, action, on=on)
    services.task_transition(None, task, "accept", on=on)


@pytest.fixture
def tasks(world):
    """ZB-A's tasks for 2026Q1: on time, late, due and never accepted, not yet due, cancelled,
    not counted (不计入); one draft list task of ZB-B stays a draft."""
    lst = _list(world)
    made = {
        "ON": _task(lst, world, "K-ON", D(2026, 1, 1), D(2026, 3, 31)),
        "LATE": _task(lst, world, "K-LATE", D(2026, 1, 1), D(2026, 3, 15)),
        "OPEN": _task(lst, world, "K-OPEN", D(2026, 1, 1), D(2026, 2, 28)),
        "LATER": _task(lst, world, "K-LATER", D(2026, 1, 1), D(2026, 6, 30)),
        "GONE": _task(lst, world, "K-GONE", D(2026, 1, 1), D(2026, 2, 1)),
        "OUT": _task(lst, world, "K-OUT", D(2026, 1, 1), D(2026, 2, 1)),
    }
    services.task_update(None, made["OUT"], excluded=True)
    services.list_transition(None, lst, "issue")
    for t in made.values():
        t.refresh_from_db()
    _accept(made["ON"], D(2026, 3, 20))
    _accept(made["LATE"], D(2026, 4, 10))
    services.task_transition(None, made["GONE"], "cancel", reason="项目取消")
    return made


def test_due_tasks_accepted_on_time_count_late_and_not_yet_due_do_not(world, tasks):
    f = assessment_figures([world.zb_a.pk], D(2026, 1, 1), Q1_END, D(2026, 12, 1))[world.zb_a.pk]
    # due by planned end inside Q1 (OPEN, LATE, ON); K-LATER is due in Q2; cancelled and 不计入 out
    assert f.due == ["K-OPEN", "K-LATE", "K-ON"]
    assert f.on_time == ["K-ON"]
    assert world.zb_b.pk not in assessment_figures(
        [world.zb_b.pk], D(2026, 1, 1), Q1_END, D(2026, 12, 1)
    )


def test_while_the_period_runs_only_passed_deadlines_are_due(world, tasks):
    f = assessment_figures([world.zb_a.pk], D(2026, 1, 1), Q1_END, D(2026, 3, 16))[world.zb_a.pk]
    # on 03-16: OPEN (02-28) and LATE (03-15) have passed; ON (03-31) is not due and not
    # accepted yet
    assert f.due == ["K-OPEN", "K-LATE"] and f.on_time == []
    f = assessment_figures([world.zb_a.pk], D(2026, 1, 1), Q1_END, D(2026, 3, 25))[world.zb_a.pk]
    # accepted on time before its deadline: it counts as soon as it is accepted
    assert f.due == ["K-OPEN", "K-LATE", "K-ON"] and f.on_time == ["K-ON"]


def test_collect_gives_the_rate_with_its_tasks_and_missing_without_due_tasks(world, scheme, tasks):
    values = collect(scheme, "2026Q1", scheme_orgs(scheme, "2026Q1"), today=D(2026, 12, 1))
    assert values[world.zb_a.pk]["RW1"] == (
        1 / 3,
        {"due": ["K-OPEN", "K-LATE", "K-ON"], "on_time": ["K-ON"]},
    )
    assert "RW1" not in values[world.zb_b.pk]  # no due task: missing, not 0
    assert "RW2" not in values[world.zb_b.pk]


def test_progress_against_expected_as_of_the_period_end(world, scheme, tasks):
    lst = tasks["ON"].task_list
    m = _task(lst, world, "K-MS", D(2026, 1, 1), D(2026, 12, 31), org=world.zb_b, mode="里程碑")
    first = services.milestone_save(None, m, name="设计", weight=1, planned_on=D(2026, 2, 1))
    services.milestone_save(None, m, name="施工", weight=3, planned_on=D(2026, 9, 1))
    services.milestone_done(None, first, D(2026, 2, 1))
    services.milestone_accept(None, first, D(2026, 2, 3))
    values = collect(scheme, "2026Q1", scheme_orgs(scheme, "2026Q1"), today=D(2026, 12, 1))
    value, evidence = values[world.zb_b.pk]["RW2"]
    expected = round(89 * 100 / 364, 1)  # 01-01 → 03-31 of a year-long task
    assert evidence == {"tasks": [["K-MS", 25.0, expected]], "as_of": "2026-03-31"}
    assert value == pytest.approx(25.0 / expected)


def test_a_closed_period_does_not_change_because_of_today(world, scheme, tasks):
    def q1():
        return collect(scheme, "2026Q1", scheme_orgs(scheme, "2026Q1"), today=D(2026, 12, 1))[
            world.zb_a.pk
        ]

    before = q1()
    # today: the overdue task is accepted (late), a report is confirmed and the 不计入 task's
    # progress typed in — none of it was so at the end of Q1
    _accept(tasks["OPEN"], timezone.localdate())
    services.task_transition(None, tasks["LATER"], "claim")
    services.task_transition(None, tasks["LATER"], "start")
    report = services.report_submit(None, tasks["LATER"], period="2026-03", percent=80)
    services.report_confirm(None, report)
    assert KeyTask.objects.get(pk=tasks["LATER"].pk).manual_progress == 80
    assert q1() == before
    assert before["RW1"][0] == 1 / 3
    # a report confirmed within Q1 counts for Q1
    ProgressReport.objects.filter(pk=report.pk).update(
        confirmed_at=datetime.datetime(2026, 3, 30, 10, tzinfo=datetime.UTC)
    )
    after = q1()
    assert ["K-LATER", 80.0, round(89 * 100 / 180, 1)] in after["RW2"][1]["tasks"]
    assert after["RW2"][0] > before["RW2"][0]


def test_a_run_stores_the_values_and_their_evidence(world, scheme, tasks):
    run = assessment_run(None, scheme, "2026Q1", today=D(2026, 12, 1))
    result = run.results.get(org=world.zb_a)
    assert result.indicators["RW1"]["value"] == 1 / 3
    assert result.indicators["RW1"]["evidence"]["on_time"] == ["K-ON"]
    assert result.indicators["RW2"]["evidence"]["as_of"] == "2026-03-31"


def test_the_breakdown_links_each_value_to_its_tasks(world, scheme, tasks):
    run = assessment_run(None, scheme, "2026Q1", today=D(2026, 12, 1))
    client = Client()
    client.force_login(world.company)  # the scheme's owner side: sees the draft
    page = client.get(reverse("assessment:result_detail", args=[run.pk, "ZB-A"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "33.3%" in html and "按期验收 1 / 到期 3 项关键任务" in html
    for code in ("K-OPEN", "K-LATE", "K-ON", "K-LATER"):
        assert f'href="{reverse("keytasks:task_detail", args=[code])}"' in html
    assert "截至 2026-03-31" in html


def test_the_key_task_sources_take_a_flat_number_of_queries(world, scheme, tasks):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            collect(scheme, "2026Q1", scheme_orgs(scheme, "2026Q1"), today=D(2026, 12, 1))
        return len(ctx.captured_queries)

    small = count()
    lst = tasks["ON"].task_list
    for i in range(6):
        t = _task(lst, world, f"K-B{i}", D(2026, 1, 1), D(2026, 3, 1 + i), org=world.zb_b)
        m = services.milestone_save(None, t, name="节点", weight=1, planned_on=D(2026, 2, 1))
        services.milestone_done(None, m, D(2026, 2, 1))
        services.milestone_accept(None, m, D(2026, 2, 2))
        if i % 2:
            _accept(t, D(2026, 3, 1))
    assert count() == small
