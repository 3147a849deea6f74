"""The key-task API: lists with filters, details, creation, transitions; permission matrices
(tests/matrix.py) — out of scope 404, visible but not the caller's to change 403, nothing
changed on a refusal; the owner must be a 党员; the assessed side never confirms."""

from __future__ import annotations

import datetime

import pytest

from lianjian.core.validation import today
from lianjian.keytasks import services
from lianjian.keytasks.models import KeyTask, ProgressReport
from tests import matrix
from tests.keytask_helpers import make_tasks

READ = {
    "/task-lists/QD-T": [200, 200, 200, 200, 200, 404],
    "/tasks/QD-T-1": [200, 200, 404, 404, 404, 404],
    "/tasks/QD-T-1-A": [200, 200, 200, 200, 404, 404],
    "/tasks/QD-T-1-B": [200, 200, 404, 404, 200, 404],
    "/task-lists/QD-T/status": [200, 200, 200, 200, 200, 404],
}


@pytest.mark.parametrize(("url", "persona"), matrix.cases(READ))
def test_reads_answer_by_scope(world, url, persona):
    make_tasks(world)
    status, _ = matrix.api_call(world, persona, "get", url)
    assert status == matrix.expected(READ, url, persona)


def test_lists_show_only_what_the_caller_sees(world):
    t = make_tasks(world)
    _, data = matrix.api_call(world, "manager_a", "get", "/tasks")
    assert [i["code"] for i in data["items"]] == [t.a.code]
    assert data["items"][0]["progress"] is None and data["items"][0]["expected"] is not None
    _, data = matrix.api_call(world, "company", "get", "/tasks?owner_org=ZB-B")
    assert [i["code"] for i in data["items"]] == [t.b.code]
    _, data = matrix.api_call(world, "outsider", "get", "/task-lists")
    assert data == {"items": [], "count": 0}
    _, data = matrix.api_call(world, "manager_b", "get", "/task-lists/QD-T/status")
    assert [r["code"] for r in data["tasks"]] == [t.b.code]


CLAIM = {"claim_a": [200, 200, 200, 403, 404, 404]}


@pytest.mark.parametrize(("key", "persona"), matrix.cases(CLAIM))
def test_claim_matrix(world, key, persona):
    make_tasks(world)

    def state():
        return KeyTask.objects.get(code="QD-T-1-A").state

    matrix.assert_write(
        state,
        lambda: matrix.api_call(
            world, persona, "post", "/tasks/QD-T-1-A/transition", {"action": "claim"}
        ),
        matrix.expected(CLAIM, key, persona),
    )


CONFIRM = {"confirm_a": [200, 200, 403, 403, 404, 404]}


@pytest.mark.parametrize(("key", "persona"), matrix.cases(CONFIRM))
def test_confirm_matrix_the_assessed_side_never_confirms(world, key, persona):
    t = make_tasks(world)
    services.task_transition(None, t.a, "claim")
    report = services.report_submit(world.member_a, t.a, period=f"{today():%Y-%m}", percent=40)

    def state():
        return ProgressReport.objects.get(pk=report.pk).state

    matrix.assert_write(
        state,
        lambda: matrix.api_call(
            world, persona, "post", f"/task-reports/{report.pk}/action", {"action": "confirm"}
        ),
        matrix.expected(CONFIRM, key, persona),
    )


def _task_body(**extra):
    year = today().year
    return {
        "code": "QD-T-2",
        "list": "QD-T",
        "name": "带电作业能力提升",
        "category": "设备运维",
        "theme": "党建+设备运维",
        "owner_org": "ZB-A",
        "owner": "M-A2",
        "planned_start": f"{year}-02-01",
        "planned_end": f"{year}-11-30",
        **extra,
    }


def test_create_task_and_refusals(world):
    make_tasks(world)
    status, data = matrix.api_call(world, "company", "post", "/tasks", _task_body())
    assert status == 201, data
    assert data["state"] == "已下达" and data["owner"] == "M-A2"
    # a branch manager cannot add tasks to the company's list
    status, data = matrix.api_call(world, "manager_a", "post", "/tasks", _task_body(code="X1"))
    assert status == 403, data
    # bad dates, unknown category, owner out of sight, KPI target equal to baseline
    year = today().year
    for body, word in (
        (_task_body(code="X2", planned_end=f"{year}-01-01"), "计划完成"),
        (_task_body(code="X3", category="不存在"), "类别"),
        (_task_body(code="X4", owner="M-X1"), "责任人不存在"),
        (
            _task_body(
                code="X5",
                progress_mode="指标",
                kpi_baseline=5,
                kpi_target=5,
                kpi_direction="越高越好",
            ),
            "目标值",
        ),
        (_task_body(code="X6", planned_start="1900-01-01"), "计划开始"),
    ):
        status, data = matrix.api_call(world, "company", "post", "/tasks", body)
        assert status == 400, data
        assert word in data["detail"]
    assert not KeyTask.objects.filter(code__startswith="X").exists()


def test_transition_needs_reason_and_legal_state(world):
    make_tasks(world)
    status, data = matrix.api_call(
        world, "company", "post", "/tasks/QD-T-1-A/transition", {"action": "return"}
    )
    assert status == 400 and "原因" in data["detail"]
    status, data = matrix.api_call(
        world, "company", "post", "/tasks/QD-T-1-A/transition", {"action": "accept"}
    )
    assert status == 400 and "不能验收" in data["detail"]


def test_report_and_milestone_flow(world):
    make_tasks(world)
    matrix.api_call(world, "manager_a", "post", "/tasks/QD-T-1-A/transition", {"action": "claim"})
    body = {"task": "QD-T-1-A", "period": f"{today():%Y-%m}", "percent": 55, "text": "完成一半"}
    status, data = matrix.api_call(world, "member_a", "post", "/task-reports", body)
    assert status == 201 and data["state"] == "已提交"
    status, data = matrix.api_call(
        world, "company", "post", f"/task-reports/{data['id']}/action", {"action": "return"}
    )
    assert status == 400 and "原因" in data["detail"]
    status, data = matrix.api_call(
        world, "member_a", "post", "/task-reports", {**body, "percent": 101}
    )
    assert status == 422
    status, m = matrix.api_call(
        world,
        "company",
        "post",
        "/milestones",
        {
            "task": "QD-T-1-A",
            "name": "完成设计",
            "weight": 2,
            "planned_on": f"{today().year}-03-01",
        },
    )
    assert status == 201, m
    status, data = matrix.api_call(
        world, "member_a", "post", f"/milestones/{m['id']}/action", {"action": "done"}
    )
    assert status == 200 and data["done_on"] == today().isoformat()
    status, _ = matrix.api_call(
        world, "manager_a", "post", f"/milestones/{m['id']}/action", {"action": "accept"}
    )
    assert status == 403
    status, data = matrix.api_call(
        world, "company", "post", f"/milestones/{m['id']}/action", {"action": "accept"}
    )
    assert status == 200 and data["accepted_by"] == "company"
    status, _ = matrix.api_call(world, "manager_b", "get", f"/milestones/{m['id']}")
    assert status == 404


def test_list_create_and_issue(world):
    status, data = matrix.api_call(
        world,
        "manager_a",
        "post",
        "/task-lists",
        {"code": "QD-A", "org": "ZB-A", "year": today().year, "name": "营销支部关键任务"},
    )
    assert status == 201, data
    status, data = matrix.api_call(
        world, "manager_a", "post", "/task-lists/QD-A/transition", {"action": "issue"}
    )
    assert status == 400 and "审议" in data["detail"]
    status, _ = matrix.api_call(
        world,
        "member_a",
        "post",
        "/task-lists",
        {"code": "QD-B", "org": "ZB-A", "year": 2026, "name": "x"},
    )
    assert status == 403
    status, data = matrix.api_call(
        world,
        "manager_b",
        "post",
        "/task-lists",
        {"code": "QD-B", "org": "ZB-A", "year": 2026, "name": "x"},
    )
    assert status == 400 and "组织不存在" in data["detail"]
    status, _ = matrix.api_call(world, "outsider", "patch", "/task-lists/QD-A", {"name": "改名"})
    assert status == 404
    status, data = matrix.api_call(
        world, "manager_a", "patch", "/task-lists/QD-A", {"approval_ref": "2026年第5次支委会"}
    )
    assert status == 200 and data["approval_ref"] == "2026年第5次支委会"


def test_status_endpoint_date(world):
    make_tasks(world)
    day = datetime.date(today().year, 6, 30)
    status, data = matrix.api_call(world, "company", "get", f"/task-lists/QD-T/status?date={day}")
    assert status == 200 and data["date"] == day.isoformat() and len(data["tasks"]) == 3
