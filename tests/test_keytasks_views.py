"""Key-task screens: every screen answers by scope (matrix), forms refuse bad input in
Chinese and change nothing, the state actions, milestones, reports and evidence go through
the services, the tree and timeline show progress against 序时进度 with colours, pinned
query counts."""

from __future__ import annotations

import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lianjian.activities.services import activity_record
from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.keytasks import services
from lianjian.keytasks.models import (
    Evidence,
    KeyTask,
    KeyTaskList,
    Milestone,
    ProgressReport,
)
from tests.keytask_helpers import category, make_tasks
from tests.matrix import assert_write, by_persona, client_for


@pytest.fixture
def t(world):
    return make_tasks(world)


def url(name: str, *args) -> str:
    return reverse(f"keytasks:{name}", args=args)


GET_MATRIX = {
    ("tasklist_list",): [200, 200, 200, 200, 200, 200],
    ("tasklist_create",): [200, 200, 200, 403, 200, 200],
    ("my_tasks",): [200, 200, 200, 200, 200, 200],
    ("rollup",): [200, 200, 200, 200, 200, 200],
    ("tasklist_detail", "QD-T"): [200, 200, 200, 200, 200, 404],
    ("tasklist_timeline", "QD-T"): [200, 200, 200, 200, 200, 404],
    ("tasklist_export", "QD-T"): [200, 200, 200, 200, 200, 404],
    ("tasklist_edit", "QD-T"): [200, 200, 403, 403, 403, 404],
    ("task_create", "QD-T"): [200, 200, 403, 403, 403, 404],
    ("task_detail", "QD-T-1"): [200, 200, 404, 404, 404, 404],
    ("task_detail", "QD-T-1-A"): [200, 200, 200, 200, 404, 404],
    ("task_detail", "QD-T-1-B"): [200, 200, 404, 404, 200, 404],
    ("task_edit", "QD-T-1-A"): [200, 200, 403, 403, 404, 404],
    ("task_detail", "NOPE"): [404, 404, 404, 404, 404, 404],
}


@pytest.mark.parametrize("key", list(GET_MATRIX), ids=["-".join(k) for k in GET_MATRIX])
def test_every_screen_answers_by_scope(world, t, key):
    got = by_persona(lambda p: client_for(world, p).get(url(*key)).status_code)
    assert got == GET_MATRIX[key]


def test_rollup_of_a_list_out_of_sight_is_404(world, t):
    got = by_persona(
        lambda p: client_for(world, p).get(url("rollup"), {"list": "QD-T"}).status_code
    )
    assert got == [200, 200, 200, 200, 200, 404]


def test_the_menu_offers_key_tasks(world, t):
    response = client_for(world, "member_a").get(reverse("home:home"))
    assert url("tasklist_list") in response.content.decode()


def test_the_lists_page_filters_and_names_nothing_hidden(world, t):
    client = client_for(world, "company")

    def rows(**q):
        return [x.code for x in client.get(url("tasklist_list"), q).context["page"]]

    assert rows() == ["QD-T"]
    assert rows(q="qd-") == ["QD-T"]
    assert rows(state="草拟") == []
    assert rows(year=str(today().year)) == ["QD-T"]
    # An organisation out of sight matches nothing.
    response = client_for(world, "manager_b").get(url("tasklist_list"), {"org": "DW2"})
    assert list(response.context["page"]) == []
    response = client.get(url("tasklist_list"), {"q": "QD"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.content.decode() and "QD-T" in response.content.decode()


def test_a_branch_sees_its_own_sub_tasks_of_the_company_list(world, t):
    response = client_for(world, "manager_a").get(url("tasklist_detail", "QD-T"))
    assert [r.task.code for r in response.context["rows"]] == ["QD-T-1-A"]
    response = client_for(world, "company").get(url("tasklist_detail", "QD-T"))
    rows = response.context["rows"]
    assert [(r.task.code, r.depth) for r in rows] == [
        ("QD-T-1", 0),
        ("QD-T-1-A", 1),
        ("QD-T-1-B", 1),
    ]


def test_a_branch_task_links_its_parent_only_for_those_who_may_open_it(world, t):
    """QD-T-1 is the company's: a link to it on the branch's QD-T-1-A page would be a 404."""
    parent = url("task_detail", "QD-T-1")
    branch = client_for(world, "manager_a").get(url("task_detail", "QD-T-1-A")).content.decode()
    assert parent not in branch
    company = client_for(world, "company").get(url("task_detail", "QD-T-1-A")).content.decode()
    assert f'href="{parent}"' in company


def test_the_tree_shows_progress_against_expected_and_colours(world, t):
    year = today().year
    services.task_update(
        None, t.a, planned_start=datetime.date(year, 1, 1), planned_end=datetime.date(year, 12, 31)
    )
    services.task_transition(None, t.a, "claim")
    services.report_submit(None, t.a, period=f"{today():%Y-%m}", percent=100)
    report = ProgressReport.objects.get(task=t.a)
    services.report_confirm(world.company, report)
    response = client_for(world, "company").get(url("tasklist_detail", "QD-T"))
    rows = {r.task.code: r for r in response.context["rows"]}
    assert rows["QD-T-1-A"].progress == 100.0
    assert rows["QD-T-1"].progress == 50.0  # the mean of 100 and 0 (B has no progress)
    assert rows["QD-T-1-A"].colour == "green"
    expected = rows["QD-T-1-B"].expected
    assert rows["QD-T-1-B"].colour == (
        "red" if expected > 30 else "green" if expected < 10 else "yellow"
    )
    html = response.content.decode()
    assert 'data-code="QD-T-1-A" data-colour="green"' in html
    assert 'width="100.0%"' in html  # the SVG bar, an attribute (no inline style)
    # Filters: by colour, by owner organisation (its subtree), by state; htmx gets the tree.
    client = client_for(world, "company")

    def codes(**q):
        return [r.task.code for r in client.get(url("tasklist_detail", "QD-T"), q).context["rows"]]

    assert codes(colour="green") == ["QD-T-1-A"]
    assert codes(owner_org="ZB-B") == ["QD-T-1-B"]
    assert codes(state="推进中") == ["QD-T-1-A"]
    assert codes(q="运检") == ["QD-T-1-B"]
    assert codes(colour="purple") == ["QD-T-1", "QD-T-1-A", "QD-T-1-B"]  # a bad value is dropped
    partial = client.get(
        url("tasklist_detail", "QD-T"), {"colour": "green"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in partial.content.decode()


def test_the_timeline_draws_bars_from_start_to_end_and_a_today_line(world, t):
    response = client_for(world, "company").get(url("tasklist_timeline", "QD-T"))
    html = response.content.decode()
    bars = response.context["bars"]
    assert [r.task.code for r, _ in bars] == ["QD-T-1", "QD-T-1-A", "QD-T-1-B"]
    _, b = bars[0]
    assert (b.x, b.width) == (0.0, 100.0)  # the whole year, the window being that year
    assert "data-today" in html and "style=" not in html.split('id="timeline"')[1]
    assert "1月" in html and "12月" in html


def test_creating_a_list_and_a_task_through_the_forms(world):
    client = client_for(world, "company")
    year = today().year
    response = client.post(
        url("tasklist_create"),
        {
            "code": "GS-KT",
            "organisation": "DW",
            "year": year,
            "name": "公司关键任务",
            "approval_ref": "党委会",
        },
    )
    assert response.status_code == 302
    lst = KeyTaskList.objects.get(code="GS-KT")
    assert lst.state == "草拟" and AuditLog.objects.filter(target_id="GS-KT").exists()
    data = {
        "code": "GS-KT-1",
        "name": "主变增容改造",
        "category": str(category().pk),
        "theme": "党建+安全生产",
        "owner_org": "ZB-A",
        "owner": "M-A1",
        "participants": "M-A2",
        "planned_start": f"{year}-02-01",
        "planned_end": f"{year}-11-30",
        "progress_mode": "手动",
        "weight": "1",
    }
    response = client.post(url("task_create", "GS-KT"), data)
    assert response.status_code == 302, response.context["form"].errors
    task = KeyTask.objects.get(code="GS-KT-1")
    assert (task.owner.number, [m.number for m in task.participants.all()]) == ("M-A1", ["M-A2"])
    # 下达 with its confirmation button; the task follows.
    response = client.post(url("tasklist_transition", "GS-KT", "issue"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert (KeyTaskList.objects.get(code="GS-KT").state, task.state) == ("已下达", "已下达")


BAD_TASKS = [
    ({"planned_end": "2000-01-01"}, "planned_end", "计划"),
    ({"owner": "M-X1"}, "owner", "人员编号不存在或不在您的范围内"),
    ({"owner_org": "DW2"}, "owner_org", "组织编码不存在或不在您的管理范围内"),
    ({"weight": "-1"}, "weight", "0"),
    ({"code": "QD-T-1"}, "code", "任务编码已存在"),
    ({"name": ""}, "name", "必填"),
    (
        {
            "progress_mode": "指标",
            "kpi_baseline": "5",
            "kpi_target": "3",
            "kpi_direction": "越高越好",
        },
        "kpi_target",
        "目标值应大于基准值",
    ),
]


@pytest.mark.parametrize(("change", "field", "words"), BAD_TASKS)
def test_the_task_form_refuses_bad_input_in_chinese(world, t, change, field, words):
    year = today().year
    data = {
        "code": "QD-T-9",
        "name": "新任务",
        "category": str(category().pk),
        "owner_org": "ZB-A",
        "planned_start": f"{year}-03-01",
        "planned_end": f"{year}-06-30",
        "progress_mode": "手动",
        "weight": "1",
        **change,
    }
    client = client_for(world, "company")
    response = assert_write(
        lambda: KeyTask.objects.count(),
        lambda: client.post(url("task_create", "QD-T"), data),
        400,
    )
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field]), errors


def test_an_owner_who_is_not_a_party_member_of_the_owner_org_is_refused(world, t):
    client = client_for(world, "company")
    year = today().year
    data = {
        "code": "QD-T-8",
        "name": "新任务",
        "category": str(category().pk),
        "owner_org": "ZB-A",
        "owner": "M-B1",  # a 党员, but of ZB-B
        "planned_start": f"{year}-03-01",
        "planned_end": f"{year}-06-30",
        "progress_mode": "手动",
        "weight": "1",
    }
    response = assert_write(
        lambda: KeyTask.objects.count(), lambda: client.post(url("task_create", "QD-T"), data), 400
    )
    assert "owner" in response.context["form"].errors


def test_the_list_form_refuses_bad_input(world, t):
    client = client_for(world, "manager_a")
    response = assert_write(
        lambda: KeyTaskList.objects.count(),
        lambda: client.post(
            url("tasklist_create"),
            {"code": "QD-T", "organisation": "DW", "year": "1999", "name": ""},
        ),
        400,
    )
    errors = response.context["form"].errors
    assert errors["code"] == ["清单编码已存在"]
    assert errors["organisation"] == ["组织编码不存在或不在您的管理范围内"]
    assert "year" in errors and "name" in errors


def _state(code: str):
    task = KeyTask.objects.get(code=code)
    return (task.state, task.state_reason)


def test_claim_return_suspend_cancel_by_the_right_side(world, t):
    a = client_for(world, "manager_a")
    company = client_for(world, "company")
    # The owner organisation claims; the issuing side may not claim its own task (DW's).
    assert_write(
        lambda: _state("QD-T-1"), lambda: a.post(url("task_transition", "QD-T-1", "claim")), 404
    )
    assert_write(
        lambda: _state("QD-T-1-A"), lambda: a.post(url("task_transition", "QD-T-1-A", "claim")), 302
    )
    assert _state("QD-T-1-A") == ("已认领", "")
    # 退回 needs a reason: refused without, in Chinese, nothing changed.
    response = assert_write(
        lambda: _state("QD-T-1-A"),
        lambda: company.post(url("task_transition", "QD-T-1-A", "return"), {"return-reason": " "}),
        400,
    )
    assert "这个字段是必填项" in response.content.decode() or "必填" in response.content.decode()
    assert_write(
        lambda: _state("QD-T-1-A"),
        lambda: a.post(
            url("task_transition", "QD-T-1-A", "return"), {"return-reason": "不是我们的"}
        ),
        403,
    )
    assert_write(
        lambda: _state("QD-T-1-A"),
        lambda: company.post(
            url("task_transition", "QD-T-1-A", "return"), {"return-reason": "责任人需调整"}
        ),
        302,
    )
    assert _state("QD-T-1-A") == ("退回", "责任人需调整")
    # 暂缓 is not allowed from 退回: the reason is shown, status 400, nothing changed.
    response = assert_write(
        lambda: _state("QD-T-1-A"),
        lambda: company.post(
            url("task_transition", "QD-T-1-A", "suspend"), {"suspend-reason": "等待资金"}
        ),
        400,
    )
    assert "不能暂缓" in response.content.decode()
    assert_write(
        lambda: _state("QD-T-1-B"),
        lambda: company.post(
            url("task_transition", "QD-T-1-B", "cancel"), {"cancel-reason": "项目取消"}
        ),
        302,
    )
    assert _state("QD-T-1-B") == ("撤销", "项目取消")
    assert a.post(url("task_transition", "QD-T-1-A", "explode")).status_code == 404
    assert (
        client_for(world, "manager_b").post(url("task_transition", "QD-T-1-A", "claim")).status_code
        == 404
    )


def test_milestones_are_added_done_and_accepted_by_the_right_side(world, t):
    company, a = client_for(world, "company"), client_for(world, "manager_a")
    year = today().year
    count = lambda: Milestone.objects.count()  # noqa: E731
    assert_write(
        count,
        lambda: a.post(
            url("milestone_add", "QD-T-1-A"),
            {"name": "可研", "weight": "1", "planned_on": f"{year}-03-01"},
        ),
        403,
    )
    response = assert_write(
        count,
        lambda: company.post(
            url("milestone_add", "QD-T-1-A"),
            {"name": "可研", "weight": "-2", "planned_on": f"{year}-03-01"},
        ),
        400,
    )
    assert "weight" in response.context["forms"]["milestone"].errors
    assert_write(
        count,
        lambda: company.post(
            url("milestone_add", "QD-T-1-A"),
            {"name": "可研", "weight": "1", "planned_on": f"{year}-03-01"},
        ),
        302,
    )
    m = Milestone.objects.get(task__code="QD-T-1-A")
    done = lambda: Milestone.objects.get(pk=m.pk).done_on  # noqa: E731
    member = client_for(world, "member_a")  # the owner 张三
    assert_write(
        done,
        lambda: client_for(world, "manager_b").post(url("milestone_done", "QD-T-1-A", m.pk)),
        404,
    )
    assert_write(
        done,
        lambda: member.post(url("milestone_done", "QD-T-1-A", m.pk), {"on": "2999-01-01"}),
        400,
    )
    assert_write(done, lambda: member.post(url("milestone_done", "QD-T-1-A", m.pk)), 302)
    accepted = lambda: Milestone.objects.get(pk=m.pk).accepted_on  # noqa: E731
    assert_write(accepted, lambda: a.post(url("milestone_accept", "QD-T-1-A", m.pk)), 403)
    assert_write(accepted, lambda: company.post(url("milestone_accept", "QD-T-1-A", m.pk)), 302)
    # A milestone of another task is not reached through this one.
    assert company.post(url("milestone_done", "QD-T-1-B", m.pk)).status_code == 404


def test_reporting_progress_with_evidence_then_confirm_or_return(world, t):
    a, member, company = (client_for(world, p) for p in ("manager_a", "member_a", "company"))
    a.post(url("task_transition", "QD-T-1-A", "claim"))
    activity = activity_record(
        actor=None,
        code="HD-KT-1",
        type="主题党日",
        host=world.zb_a,
        start=datetime.datetime.combine(today(), datetime.time(9), tzinfo=datetime.UTC),
        topic="配网改造党员突击队主题党日",
    )
    period = f"{today():%Y-%m}"
    reports = lambda: list(ProgressReport.objects.values_list("period", "percent", "state"))  # noqa: E731
    # Bad input: percent out of range, a period not begun, an activity out of sight.
    for bad in (
        {"period": period, "percent": "120"},
        {"period": "2999-01", "percent": "10"},
        {"period": period, "percent": "10", "activity": "NOPE"},
    ):
        response = assert_write(
            reports, lambda bad=bad: member.post(url("report_submit", "QD-T-1-A"), bad), 400
        )
        assert response.context["forms"]["report"].errors
    # The owner member reports with the activity as evidence.
    assert_write(
        reports,
        lambda: member.post(
            url("report_submit", "QD-T-1-A"),
            {"period": period, "percent": "40", "text": "完成可研", "activity": "HD-KT-1"},
        ),
        302,
    )
    report = ProgressReport.objects.get(task__code="QD-T-1-A")
    assert Evidence.objects.get(report=report).activity_id == activity.pk
    # The owner side never confirms; the issuing side returns with a reason, then confirms.
    assert_write(reports, lambda: a.post(url("report_confirm", "QD-T-1-A", report.pk)), 403)
    response = assert_write(
        reports,
        lambda: company.post(url("report_return", "QD-T-1-A", report.pk), {"report-reason": ""}),
        400,
    )
    assert response.status_code == 400
    assert_write(
        reports,
        lambda: company.post(
            url("report_return", "QD-T-1-A", report.pk), {"report-reason": "请补充佐证"}
        ),
        302,
    )
    assert ProgressReport.objects.get(pk=report.pk).reason == "请补充佐证"
    member.post(url("report_submit", "QD-T-1-A"), {"period": period, "percent": "45"})
    assert_write(reports, lambda: company.post(url("report_confirm", "QD-T-1-A", report.pk)), 302)
    page = member.get(url("task_detail", "QD-T-1-A"))
    assert page.context["row"].progress == 45.0
    assert "配网改造党员突击队主题党日" in page.content.decode()
    history = [(e.target_repr, e.note) for e in page.context["history"]]
    assert ("营销片区配网改造", "认领") in history
    assert any(note == "确认" for _, note in history) and any(note == "退回" for _, note in history)


def test_evidence_links_an_existing_record_or_a_document(world, t):
    member = client_for(world, "member_a")
    count = lambda: Evidence.objects.count()  # noqa: E731
    response = assert_write(
        count, lambda: member.post(url("evidence_add", "QD-T-1-A"), {"kind": "活动"}), 400
    )
    assert response.context["forms"]["evidence"].errors["activity"] == ["请选择活动或会议记录"]
    response = assert_write(
        count,
        lambda: member.post(url("evidence_add", "QD-T-1-A"), {"kind": "文件", "url": "not a url"}),
        400,
    )
    assert "url" in response.context["forms"]["evidence"].errors
    assert_write(
        count,
        lambda: member.post(
            url("evidence_add", "QD-T-1-A"),
            {"kind": "文件", "title": "可研批复", "url": "https://example.com/k.pdf"},
        ),
        302,
    )


def test_my_tasks_and_a_sponsors_red_and_yellow_items(world, t):
    services.task_update(None, t.b, sponsor=world.m_a1)
    response = client_for(world, "member_a").get(url("my_tasks"))
    assert [r.task.code for r in response.context["mine"]] == ["QD-T-1-A"]
    sponsored = [(r.task.code, r.colour) for r in response.context["sponsored"]]
    expected = response.context["mine"][0].expected
    if expected >= 10:  # late enough in the year for an unreported task to colour
        assert sponsored == [("QD-T-1-B", "red" if expected > 30 else "yellow")]
    else:
        assert sponsored == []
    assert client_for(world, "company").get(url("my_tasks")).context["has_member"] is False


def test_rollups_per_organisation_and_theme(world, t):
    response = client_for(world, "company").get(url("rollup"), {"list": "QD-T"})
    orgs = {line.key: line.figures.total for line in response.context["orgs"]}
    assert orgs == {"DW": 1, "ZB-A": 1, "ZB-B": 1}
    themes = {line.label: line.figures.total for line in response.context["themes"]}
    assert themes == {"党建+技改": 1, "未设主题": 2}
    html = response.content.decode()
    assert 'id="rollup-data"' in html and "rollup.js" in html
    # A branch's roll-up counts only what it sees.
    response = client_for(world, "manager_b").get(url("rollup"), {"list": "QD-T"})
    assert {line.key for line in response.context["orgs"]} == {"ZB-B"}


def test_names_are_escaped_in_the_chart_data(world, t):
    services.task_update(None, t.a, theme="</script><script>alert(1)</script>")
    html = client_for(world, "company").get(url("rollup")).content.decode()
    assert "<script>alert(1)" not in html


def test_the_tree_costs_a_fixed_number_of_queries(world, t):
    client = client_for(world, "company")
    client.get(url("tasklist_detail", "QD-T"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url("tasklist_detail", "QD-T"))
        return len(ctx.captured_queries)

    before = count()
    year = today().year
    for i in range(5):
        services.task_create(
            actor=None,
            task_list=t.lst,
            code=f"QD-T-2-{i}",
            parent=t.a,
            name=f"子任务{i}",
            category=category(),
            owner_org=world.zb_a,
            planned_start=datetime.date(year, 1, 1),
            planned_end=datetime.date(year, 12, 31),
        )
    assert count() == before


# Queries of the tree, the timeline and the roll-up, pinned (issue #11 "Speed"): the same
# whatever the number of tasks, milestones, owners, categories and organisations of the list.
PINNED_QUERIES = {"tasklist_detail": 14, "tasklist_timeline": 11, "rollup": 12}


def test_tree_timeline_and_rollup_cost_pinned_queries_however_large_the_list(world, t):
    client = client_for(world, "company")
    pages = {
        "tasklist_detail": url("tasklist_detail", "QD-T"),
        "tasklist_timeline": url("tasklist_timeline", "QD-T"),
        "rollup": url("rollup") + "?list=QD-T",
    }

    def counts() -> dict[str, int]:
        out = {}
        for name, path in pages.items():
            client.get(path)
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(path).status_code == 200
            out[name] = len(ctx.captured_queries)
        return out

    before = counts()
    year = today().year
    names = ("技改项目", "生产任务指标", "设备运维", "安全环保")
    for i in range(12):
        task = services.task_create(
            actor=None,
            task_list=t.lst,
            code=f"QD-T-3-{i}",
            parent=t.a if i % 2 else t.parent,
            name=f"子任务{i}",
            category=category(names[i % 4]),
            owner_org=(world.zb_a, world.zb_b)[i % 2],
            owner=(world.m_a1, world.m_b1)[i % 2],
            planned_start=datetime.date(year, 1, 1),
            planned_end=datetime.date(year, 12, 31),
            progress_mode="里程碑",
        )
        for k in range(3):
            services.milestone_save(
                None, task, name=f"节点{k}", weight=k + 1, planned_on=datetime.date(year, 6, 1 + k)
            )
    after = counts()
    assert after == before == PINNED_QUERIES
    html = client.get(pages["tasklist_detail"]).content.decode()
    assert world.m_b1.name in html  # the owners of the page are shown (read in one query)


def test_the_list_exports_its_tasks_in_the_columns_of_the_tasks_kind(world, t):
    make_tasks(world, code="QD-U")  # another list of the same organisation: not exported

    def codes(persona: str) -> list[str]:
        response = client_for(world, persona).get(url("tasklist_export", "QD-T"))
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        header = [c.value for c in sheet[1]]
        column = header.index("任务编码*") if "任务编码*" in header else header.index("任务编码")
        return [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]

    assert codes("company") == ["QD-T-1", "QD-T-1-A", "QD-T-1-B"]
    assert codes("manager_b") == ["QD-T-1-B"]  # only what the branch sees


def test_a_refused_list_action_says_why_and_changes_nothing(world):
    client = client_for(world, "company")
    services.list_create(
        actor=None, organisation=world.dw, year=today().year, name="空清单", code="KONG"
    )
    response = assert_write(
        lambda: KeyTaskList.objects.get(code="KONG").state,
        lambda: client.post(url("tasklist_transition", "KONG", "issue")),
        400,
    )
    assert "审议" in response.content.decode() or "还没有任务" in response.content.decode()
    assert client.post(url("tasklist_transition", "KONG", "explode")).status_code == 404
    assert (
        client_for(world, "manager_a").post(url("tasklist_transition", "KONG", "issue")).status_code
        == 404
    )
