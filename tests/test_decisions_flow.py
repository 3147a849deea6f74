"""The 三重一大 register through its services: routing derived from the list, the prior
study rounds, decisions, execution with key tasks, post-evaluation due and overdue, the
register figures, audit on every write, and bad input that changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.core.models import AuditLog
from lianjian.deadlines.engine import Colour
from lianjian.decisions import rules, selectors, services
from lianjian.decisions.models import DecisionItem, PriorStudy
from tests.decisions_helpers import decide, make_register, study
from tests.keytask_helpers import make_tasks


@pytest.fixture
def reg(world):
    return make_register(world)


def fresh(item):
    return DecisionItem.objects.get(pk=item.pk)


def test_routing_is_derived_from_the_list_on_the_inclusive_threshold(reg):
    item = reg.draft  # exactly 1000万
    assert item.line == reg.big and item.needs_prior_study and item.body == "董事会"
    services.item_update(actor=reg.board, item=item, amount=Decimal("999.99"))
    item = fresh(item)
    assert item.line == reg.small and not item.needs_prior_study and item.body == "经理层"
    services.item_update(actor=reg.board, item=item, amount=Decimal("99"))
    assert fresh(item).line is None
    with pytest.raises(ValidationError, match="不属于三重一大事项"):
        services.item_submit(actor=reg.board, item=fresh(item))
    assert fresh(item).state == rules.DRAFT


def test_a_withdrawn_line_no_longer_routes(reg):
    services.line_withdraw(actor=reg.board, line=reg.big, reason="并入一般资金调度")
    services.item_submit(actor=reg.board, item=reg.draft)
    item = fresh(reg.draft)
    assert item.line == reg.small and item.state == rules.PENDING
    with pytest.raises(ValidationError, match="撤回原因"):
        services.line_withdraw(actor=reg.board, line=reg.small, reason=" ")


def test_a_re_study_is_a_new_record_and_the_item_goes_back_to_draft(reg):
    services.item_submit(actor=reg.board, item=reg.draft)
    assert fresh(reg.draft).state == rules.PRIOR
    first = study(reg.board, fresh(reg.draft), "建议修改后复议", note="补充风险评估")
    assert fresh(reg.draft).state == rules.DRAFT
    services.item_update(actor=reg.board, item=fresh(reg.draft), materials={"risk": "风险评估报告"})
    services.item_submit(actor=reg.board, item=fresh(reg.draft))
    second = study(reg.board, fresh(reg.draft), "建议同意", day=datetime.date(2026, 4, 1))
    assert (first.round, second.round) == (1, 2)
    assert PriorStudy.objects.get(pk=first.pk).outcome == "建议修改后复议"  # kept as it was
    assert fresh(reg.draft).state == rules.PENDING
    view = selectors.register_view(reg.board, datetime.date(2026, 12, 6))
    assert (view.studied, view.restudied, view.restudy_rate) == (1, 1, 100.0)


def test_not_submitted_ends_the_item(reg):
    services.item_submit(actor=reg.board, item=reg.draft)
    study(reg.board, fresh(reg.draft), "建议不予提交")
    item = fresh(reg.draft)
    assert item.state == rules.NOT_SUBMITTED
    for step in (services.item_submit, services.item_archive):
        with pytest.raises(ValidationError):
            step(actor=reg.board, item=item)
    with pytest.raises(ValidationError, match="不能决策"):
        decide(reg.board, item)


def test_a_study_without_quorum_is_refused_and_changes_nothing(reg):
    services.item_submit(actor=reg.board, item=reg.draft)
    audits = AuditLog.objects.count()
    with pytest.raises(ValidationError) as exc:
        study(reg.board, fresh(reg.draft), members=7, present=3)
    assert "不足法定人数" in str(exc.value)
    assert not PriorStudy.objects.exists() and fresh(reg.draft).state == rules.PRIOR
    assert AuditLog.objects.count() == audits
    with pytest.raises(ValidationError):
        study(reg.board, fresh(reg.draft), day=datetime.date(1900, 1, 1))


def test_an_item_without_prior_study_skips_it(reg):
    item = services.item_create(
        actor=reg.board,
        matter_list=reg.ml,
        title="办公楼维修",
        category="大额度资金运作",
        amount=Decimal("100"),
        department="后勤部",
        sponsor="赵副总",
    )
    services.item_submit(actor=reg.board, item=item)
    assert fresh(item).state == rules.PENDING
    assert item.number.startswith("JC-2026-")


def test_a_decision_sets_the_post_evaluation_due_and_it_turns_red_when_overdue(reg):
    services.item_submit(actor=reg.board, item=reg.draft)
    study(reg.board, fresh(reg.draft), day=datetime.date(2025, 10, 1))
    with pytest.raises(ValidationError, match="不能早于党委前置研究日期"):
        decide(reg.board, fresh(reg.draft), day=datetime.date(2025, 9, 30))
    decide(reg.board, fresh(reg.draft), day=datetime.date(2025, 10, 31))
    item = fresh(reg.draft)
    assert item.state == rules.DECIDED and item.decided_on == datetime.date(2025, 10, 31)
    assert item.post_evaluation_due == datetime.date(2026, 10, 31)
    assert selectors.evaluation_colour(item, datetime.date(2026, 10, 1)) is Colour.GREEN
    assert selectors.evaluation_colour(item, datetime.date(2026, 10, 25)) is Colour.YELLOW
    assert selectors.evaluation_colour(item, datetime.date(2026, 11, 1)) is Colour.RED
    # 2026-12-06 (today in these tests' product calendar) it is overdue on the register.
    view = selectors.register_view(reg.board, datetime.date(2026, 12, 6))
    assert [i.number for i in view.overdue] == [item.number]


def test_vetoed_and_deferred_decisions(reg):
    services.item_submit(actor=reg.board, item=reg.draft)
    study(reg.board, fresh(reg.draft))
    decide(reg.board, fresh(reg.draft), "暂缓")
    assert fresh(reg.draft).state == rules.PENDING
    decide(reg.board, fresh(reg.draft), "否决", day=datetime.date(2026, 4, 1))
    item = fresh(reg.draft)
    assert item.state == rules.REJECTED and item.decided_on is None
    assert item.decisions.count() == 2


def test_execution_links_key_tasks_with_their_colours(world, reg):
    tasks = make_tasks(world)
    execution = services.execution_update(
        actor=reg.board,
        execution=reg.executing.execution,
        key_tasks=[tasks.a.code],
        deviations="工期滞后两周",
    )
    assert list(execution.key_tasks.values_list("code", flat=True)) == [tasks.a.code]
    page = selectors.item_page(fresh(reg.executing), True, datetime.date(2026, 12, 6))
    assert [t.code for t, _ in page.tasks] == [tasks.a.code]
    assert page.tasks[0][1] in {"green", "yellow", "red"}
    audit = AuditLog.objects.filter(target_type="decisions.execution").order_by("-id").first()
    assert audit.after == {"key_tasks": [tasks.a.code]}
    with pytest.raises(ValidationError, match="关键任务不存在"):
        services.execution_update(actor=reg.board, execution=execution, key_tasks=["NOPE"])


def test_an_owner_outside_the_organisation_is_refused(world, reg):
    services.item_submit(actor=reg.board, item=reg.draft)
    study(reg.board, fresh(reg.draft))
    decide(reg.board, fresh(reg.draft))
    with pytest.raises(ValidationError, match="本组织或其下级组织"):
        services.execution_start(
            actor=reg.board,
            item=fresh(reg.draft),
            owner_org=world.zb_x,
            owner_name="外人",
            started_on=datetime.date(2026, 4, 1),
        )
    assert fresh(reg.draft).state == rules.DECIDED


def test_post_evaluation_adjust_creates_a_new_linked_item_then_archive(reg):
    services.execution_finish(actor=reg.board, item=reg.executing)
    evaluation = services.evaluation_record(
        actor=reg.board,
        item=fresh(reg.executing),
        evaluator="审计部",
        evaluated_on=datetime.date(2026, 11, 1),
        conclusion="部分达到",
        action="调整",
        dimensions={"objectives": "基本实现", "benefits": "低于预期"},
        follow_up_title="营销服务中心改造（二期调整）",
    )
    follow = evaluation.follow_up
    assert (
        follow is not None and follow.follows_id == reg.executing.pk and follow.state == rules.DRAFT
    )
    assert fresh(reg.executing).state == rules.EVALUATED
    services.item_archive(actor=reg.board, item=fresh(reg.executing))
    assert fresh(reg.executing).state == rules.ARCHIVED
    with pytest.raises(ValidationError):
        services.item_update(actor=reg.board, item=fresh(reg.executing), materials={"legal": "x"})


def test_every_write_is_audited_with_before_and_after(reg):
    services.item_submit(actor=reg.board, item=reg.draft)
    row = AuditLog.objects.filter(target_type="decisions.decisionitem", target_id="JC-T-1").latest(
        "id"
    )
    assert row.before["state"] == "草拟" and row.after["state"] == "待前置"
    assert row.actor == reg.board


def test_only_the_board_office_writes(world, reg):
    for actor in (world.company, world.manager_a, world.member_a, world.outsider):
        with pytest.raises(PermissionDenied):
            services.item_submit(actor=actor, item=reg.draft)
        with pytest.raises(PermissionDenied):
            services.matter_list_create(actor=actor, organisation=world.dw, year=2027, title="x")
    assert fresh(reg.draft).state == rules.DRAFT


def test_the_register_filter(reg):
    from lianjian.decisions.schemas import DecisionFilter

    def numbers(**kw):
        return sorted(i.number for i in selectors.item_list(reg.board, DecisionFilter(**kw)))

    assert numbers() == ["JC-T-1", "JC-T-2"]
    assert numbers(prior=True) == ["JC-T-1"]
    assert numbers(state="执行中") == ["JC-T-2"]
    assert numbers(year=2025) == []
    assert numbers(q="融资") == ["JC-T-1"]
    assert numbers(overdue=True) == []


def test_an_overdue_post_evaluation_reminds_the_board_office_once(world, reg):
    from lianjian.decisions.reminders import post_evaluation_reminders
    from lianjian.notifications.models import Notification
    from lianjian.notifications.reminders import deliver

    on = datetime.date(2027, 3, 11)  # JC-T-2 was decided 2026-03-10: due 2027-03-10
    assert deliver(post_evaluation_reminders(on)) == 1
    note = Notification.objects.get(user=reg.board)
    assert "后评估逾期" in note.title and note.link == "/decisions/i/JC-T-2/"
    assert deliver(post_evaluation_reminders(on)) == 0
    assert not Notification.objects.exclude(user=reg.board).exists()
    assert deliver(post_evaluation_reminders(datetime.date(2026, 12, 6))) == 0  # not yet due
