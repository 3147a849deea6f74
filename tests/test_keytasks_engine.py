"""The pure progress engine and rules of key tasks (fusion.md §1 worked examples)."""

from __future__ import annotations

import datetime

import pytest

from lianjian.keytasks import progress, rules
from lianjian.keytasks.progress import Child, MilestoneFact, Node


def test_children_mean_example():
    kids = [Child(100), Child(60), Child(20)]
    assert progress.children_progress(kids) == pytest.approx(60)


def test_children_excluded_example():
    kids = [Child(100), Child(60), Child(20, excluded=True)]
    assert progress.children_progress(kids) == pytest.approx(80)


def test_children_weighted_example():
    kids = [Child(100, 500), Child(60, 300), Child(20, 200)]
    assert progress.children_progress(kids) == pytest.approx(72)


def test_child_without_progress_counts_zero():
    assert progress.children_progress([Child(100), Child(None)]) == pytest.approx(50)


def test_children_none_counted():
    assert progress.children_progress([Child(50, excluded=True)]) is None
    assert progress.children_progress([]) is None
    assert progress.children_progress([Child(50, 0)]) is None


def test_milestones():
    ms = [MilestoneFact(2, True), MilestoneFact(1, False), MilestoneFact(1, True)]
    assert progress.milestone_progress(ms) == pytest.approx(75)
    assert progress.milestone_progress([]) is None
    assert progress.milestone_progress([MilestoneFact(0, True)]) is None


def test_kpi_higher_and_lower_and_cap():
    assert progress.kpi_progress(100, 200, 150, rules.HIGHER) == pytest.approx(50)
    assert progress.kpi_progress(100, 200, 250, rules.HIGHER) == pytest.approx(100)
    assert progress.kpi_progress(100, 200, 50, rules.HIGHER) == pytest.approx(0)
    # 越低越好: 线损率 8 % → 6 %; at 7 % half way
    assert progress.kpi_progress(8, 6, 7, rules.LOWER) == pytest.approx(50)
    assert progress.kpi_progress(8, 6, 5, rules.LOWER) == pytest.approx(100)
    assert progress.kpi_progress(8, 6, 9, rules.LOWER) == pytest.approx(0)
    # contradicting direction or no span: no progress
    assert progress.kpi_progress(8, 6, 7, rules.HIGHER) is None
    assert progress.kpi_progress(8, 8, 7, rules.HIGHER) is None
    assert progress.kpi_progress(8, 9, None, rules.HIGHER) is None


def test_roll_up_tree_in_one_pass():
    nodes = [
        Node(1, None, rules.CHILDREN),
        Node(2, 1, rules.CHILDREN, weight=500),
        Node(3, 1, rules.MANUAL, weight=300, manual=60),
        Node(4, 1, rules.MANUAL, weight=200, manual=20),
        Node(5, 2, rules.MILESTONES, milestones=(MilestoneFact(1, True),)),
        Node(6, 2, rules.KPI, kpi_baseline=0, kpi_target=10, kpi_current=10),
        Node(7, 2, rules.MANUAL, excluded=True),
    ]
    result = progress.roll_up(nodes)
    assert result[5] == pytest.approx(100)
    assert result[6] == pytest.approx(100)
    assert result[2] == pytest.approx(100)  # 7 is 不计入
    assert result[1] == pytest.approx(72)
    assert result[7] is None


def test_roll_up_deep_tree_and_cycle():
    deep = [Node(1, None, rules.CHILDREN)] + [
        Node(i, i - 1, rules.CHILDREN) for i in range(2, 3000)
    ]
    deep.append(Node(3000, 2999, rules.MANUAL, manual=40))
    assert progress.roll_up(deep)[1] == pytest.approx(40)
    cyc = [Node(1, 2, rules.CHILDREN), Node(2, 1, rules.CHILDREN)]
    result = progress.roll_up(cyc)
    assert set(result) == {1, 2}


@pytest.mark.parametrize(
    ("action", "state", "target"),
    [
        ("issue", rules.DRAFT, rules.ISSUED),
        ("claim", rules.ISSUED, rules.CLAIMED),
        ("start", rules.CLAIMED, rules.IN_PROGRESS),
        ("request_acceptance", rules.IN_PROGRESS, rules.ACCEPTANCE),
        ("accept", rules.ACCEPTANCE, rules.ACCEPTED),
        ("archive", rules.ACCEPTED, rules.ARCHIVED),
        ("return", rules.ACCEPTANCE, rules.RETURNED),
        ("start", rules.RETURNED, rules.IN_PROGRESS),
        ("suspend", rules.IN_PROGRESS, rules.SUSPENDED),
        ("start", rules.SUSPENDED, rules.IN_PROGRESS),
        ("cancel", rules.SUSPENDED, rules.CANCELLED),
    ],
)
def test_transitions(action, state, target):
    assert rules.task_next_state(action, state) == target


@pytest.mark.parametrize(
    ("action", "state"),
    [
        ("claim", rules.DRAFT),
        ("accept", rules.IN_PROGRESS),
        ("cancel", rules.ACCEPTED),
        ("cancel", rules.CANCELLED),
        ("archive", rules.ACCEPTANCE),
        ("fly", rules.DRAFT),
    ],
)
def test_illegal_transitions(action, state):
    with pytest.raises(rules.IllegalTransition) as exc:
        rules.task_next_state(action, state)
    assert "不能" in str(exc.value) or "未知" in str(exc.value)


def test_list_transitions():
    assert rules.list_next_state("issue", rules.LIST_DRAFT) == rules.LIST_ISSUED
    with pytest.raises(rules.IllegalTransition):
        rules.list_next_state("close", rules.LIST_DRAFT)


def test_reason_needed():
    assert rules.reason_problem("return", " ") == "退回须填写原因"
    assert rules.reason_problem("cancel", "") != ""
    assert rules.reason_problem("claim", "") == ""


def test_owner_must_be_party_member():
    assert rules.owner_problem("正式党员", left=False) == ""
    assert rules.owner_problem("预备党员", left=False) == ""
    assert "不是党员" in rules.owner_problem("群众", left=False, name="小王")
    assert "已离开" in rules.owner_problem("正式党员", left=True)


def test_dates():
    d = datetime.date
    assert rules.task_date_errors(d(2026, 1, 1), d(2026, 12, 31), 2026) == {}
    assert "planned_end" in rules.task_date_errors(d(2026, 5, 1), d(2026, 4, 1), 2026)
    assert "planned_start" in rules.task_date_errors(d(1900, 1, 1), d(2026, 4, 1), 2026)
    assert "planned_end" in rules.task_date_errors(d(2026, 1, 1), d(2028, 1, 1), 2026)
    assert rules.task_date_errors(d(2025, 12, 1), d(2027, 3, 1), 2026) == {}


def test_percent_weight_kpi():
    assert rules.percent_problem(0) == "" and rules.percent_problem(100) == ""
    assert rules.percent_problem(100.5) and rules.percent_problem(-1)
    assert rules.percent_problem(float("nan"))
    assert rules.weight_problem(0) == "" and rules.weight_problem(-0.1)
    ok = {
        "progress_mode": rules.KPI,
        "kpi_baseline": 1,
        "kpi_target": 2,
        "kpi_direction": rules.HIGHER,
    }
    assert rules.kpi_errors(ok) == {}
    assert "kpi_target" in rules.kpi_errors({**ok, "kpi_target": 1})
    assert "kpi_target" in rules.kpi_errors({**ok, "kpi_direction": rules.LOWER})
    assert "kpi_direction" in rules.kpi_errors({**ok, "kpi_direction": ""})
    assert rules.kpi_errors({**ok, "progress_mode": rules.MANUAL, "kpi_target": 1}) == {}


def test_periods():
    today = datetime.date(2026, 12, 6)
    assert rules.parse_period("2026-11") == (
        datetime.date(2026, 11, 1),
        datetime.date(2026, 11, 30),
    )
    assert rules.parse_period("2026Q4") == (datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))
    assert rules.parse_period("2026-13") is None
    assert rules.parse_period("2026H1") is None
    assert rules.period_problem("2026-11", 2026, today) == ""
    assert rules.period_problem("2027-01", 2026, today) == "不能报送尚未开始的期间"
    assert rules.period_problem("2020-01", 2026, today)
    assert rules.month_problem("2026-11") == "" and rules.month_problem("2026-1")


@pytest.mark.django_db
def test_status_of_a_list_costs_a_flat_number_of_queries(world):
    """The roll-up loads a list's tasks and milestones in a fixed number of queries, however
    many tasks it has."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from lianjian.core.validation import today
    from lianjian.deadlines.services import rule_for
    from lianjian.keytasks import selectors, services
    from tests.keytask_helpers import category, make_tasks

    t = make_tasks(world)
    rule_for("key_task")  # the rules are cached per run

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            rows = selectors.list_status(t.lst, today())
        assert rows
        return len(ctx.captured_queries)

    small = count()
    for i in range(30):
        task = services.task_create(
            actor=None,
            task_list=t.lst,
            code=f"Q-{i}",
            parent=t.a,
            name=f"子任务{i}",
            category=category(),
            owner_org=world.zb_a,
            planned_start=t.a.planned_start,
            planned_end=t.a.planned_end,
            progress_mode="里程碑",
        )
        services.milestone_save(None, task, name="节点", weight=1, planned_on=t.a.planned_end)
    assert count() == small <= 3


@pytest.mark.django_db
def test_milestone_weights_summed_in_sql_give_the_engines_progress(world):
    """The statuses read each task's milestone weights as two sums (all, accepted); the
    progress is the one the engine gives the milestones one by one."""
    from lianjian.core.validation import today
    from lianjian.keytasks import progress, selectors, services
    from tests.keytask_helpers import make_tasks

    t = make_tasks(world)
    services.task_update(None, t.a, progress_mode="里程碑")
    services.task_update(None, t.b, progress_mode="里程碑")  # no milestones: no progress
    weights = (1.0, 2.0, 5.0, 0.5)
    for i, weight in enumerate(weights):
        m = services.milestone_save(
            world.company, t.a, name=f"节点{i}", weight=weight, planned_on=t.a.planned_start
        )
        if i in (1, 2):
            services.milestone_done(world.member_a, m, today())
            services.milestone_accept(world.company, m)
    facts = [progress.MilestoneFact(w, i in (1, 2)) for i, w in enumerate(weights)]
    expected = progress.milestone_progress(facts)
    assert expected is not None and round(expected, 1) == 82.4  # 7 / 8.5
    status = {task.code: s for task, s in selectors.list_status(t.lst, today())}
    assert status["QD-T-1-A"].progress == 82.4
    assert status["QD-T-1-B"].progress is None
    assert status["QD-T-1"].progress == 41.2  # the mean of 82.35 and 0
