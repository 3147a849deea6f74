"""The ledger's writes: scope on every write (403 on a visible row, 404 before), the
state machine with the closing gate, 回头看 keeping the first closing, audit rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.core.models import AuditLog
from lianjian.supervision import rules, services
from lianjian.supervision.models import Batch, Item, ItemEvent, Lead, Measure
from tests.supervision_helpers import Ledger, make_ledger

D = datetime.date


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def test_report_due_is_derived_from_source_and_feedback(ledger):
    assert ledger.batch.report_due == D(2026, 12, 15)
    assert ledger.audit.report_due == D(2026, 10, 10)


def test_who_sees_which_items(ledger):
    w = ledger.world
    seen = lambda user: set(Item.objects.visible_to(user).values_list("number", flat=True))  # noqa: E731
    assert seen(ledger.xuncha) == {"1", "2"}
    assert seen(w.manager_a) == {"1"}  # a branch never sees another branch's items
    assert seen(w.manager_b) == {"2"}
    assert seen(w.member_a) == {"1"}  # the responsible leader
    assert seen(w.company) == {"1", "2"}
    assert seen(w.outsider) == set()
    assert seen(ledger.jijian) == set()  # 巡察 batches are 巡察办's
    assert seen(ledger.shenji) == set()


def test_who_sees_which_batches(ledger):
    w = ledger.world
    seen = lambda user: set(Batch.objects.visible_to(user).values_list("code", flat=True))  # noqa: E731
    assert seen(ledger.xuncha) == {"XC-2026-01"}
    assert seen(ledger.shenji) == {"NS-2026-01"}
    assert seen(w.manager_a) == {"XC-2026-01"}
    assert seen(w.outsider) == set()


def test_only_the_bodies_involved_see_a_lead(ledger):
    w = ledger.world
    for user in (ledger.shenji, ledger.jijian):
        assert list(Lead.objects.visible_to(user)) == [ledger.lead]
    for user in (ledger.xuncha, w.company, w.manager_b, w.manager_a, w.member_a, w.outsider):
        assert not Lead.objects.visible_to(user).exists()


def test_a_body_cannot_issue_another_bodys_source(ledger):
    with pytest.raises(PermissionDenied):
        services.batch_create(
            actor=ledger.jijian,
            code="XC-X",
            title="越权",
            source="巡察",
            issuing_body="x",
            issuing_org=ledger.world.dw,
            inspected_org=ledger.world.dw,
            feedback_date=D(2026, 1, 1),
        )
    assert not Batch.objects.filter(code="XC-X").exists()


def test_self_check_is_run_by_the_inspected_orgs_managers(ledger):
    w = ledger.world
    batch = services.batch_create(
        actor=w.manager_a,
        code="ZC-A",
        title="支部自查",
        source="自查",
        issuing_body="营销服务党支部",
        issuing_org=w.zb_a,
        inspected_org=w.zb_a,
        feedback_date=D(2026, 11, 1),
    )
    assert Batch.objects.visible_to(w.manager_a).filter(pk=batch.pk).exists()
    assert not Batch.objects.visible_to(w.manager_b).filter(pk=batch.pk).exists()


def test_the_full_loop_apply_return_accept_and_look_back(ledger):
    w = ledger.world
    item = ledger.item_a
    # the closing gate: no measure yet
    with pytest.raises(ValidationError, match="没有整改措施"):
        services.item_act(actor=w.manager_a, item=item, action=rules.START)
        services.item_act(actor=w.manager_a, item=item, action=rules.APPLY)
    item.refresh_from_db()
    m = services.measure_add(
        actor=w.manager_a, item=item, text="逐月检查记录", deadline=D(2027, 1, 31), owner="张三"
    )
    item.refresh_from_db()
    assert item.state == rules.IN_PROGRESS
    with pytest.raises(ValidationError, match="未核验"):
        services.item_act(actor=w.manager_a, item=item, action=rules.APPLY)
    services.measure_step(actor=w.manager_a, measure=m, state=rules.ADVANCING)
    services.measure_step(actor=w.manager_a, measure=m, state=rules.COMPLETED)
    with pytest.raises(PermissionDenied):  # the unit cannot verify its own measure
        services.measure_step(actor=w.manager_a, measure=m, state=rules.VERIFIED)
    services.measure_step(actor=ledger.xuncha, measure=m, state=rules.VERIFIED)
    services.item_act(actor=w.manager_a, item=item, action=rules.APPLY)
    with pytest.raises(PermissionDenied):  # the unit cannot close its own item
        services.item_act(actor=w.manager_a, item=item, action=rules.ACCEPT)
    with pytest.raises(ValidationError, match="原因"):
        services.item_act(actor=ledger.xuncha, item=item, action=rules.RETURN)
    item = services.item_act(actor=ledger.xuncha, item=item, action=rules.RETURN, reason="佐证不足")
    assert item.state == rules.IN_PROGRESS
    item = services.item_act(actor=w.manager_a, item=item, action=rules.APPLY)
    item = services.item_act(
        actor=ledger.xuncha, item=item, action=rules.ACCEPT, day=D(2026, 12, 1)
    )
    assert (item.state, item.closed_on, item.first_closed_on) == (
        rules.CLOSED,
        D(2026, 12, 1),
        D(2026, 12, 1),
    )
    item = services.item_act(actor=ledger.xuncha, item=item, action=rules.REOPEN, reason="问题反弹")
    assert item.state == rules.REOPENED and item.second_round
    assert item.first_closed_on == D(2026, 12, 1) and item.closed_on is None
    actions = list(ItemEvent.objects.filter(item=item).values_list("action", flat=True))
    assert actions == ["start", "apply", "return", "apply", "accept", "reopen"]
    assert ItemEvent.objects.get(item=item, action="return").reason == "佐证不足"
    assert (
        AuditLog.objects.filter(target_type="supervision.item", target_id="XC-2026-01/1").count()
        >= 7
    )


def test_another_branch_cannot_touch_an_item(ledger):
    m_count = Measure.objects.count()
    with pytest.raises(PermissionDenied):
        services.measure_add(
            actor=ledger.world.manager_b, item=ledger.item_a, text="x", deadline=D(2027, 1, 1)
        )
    assert Measure.objects.count() == m_count


def test_accountability_band_and_party_due(ledger):
    rec = services.accountability_create(
        actor=ledger.xuncha,
        item=ledger.item_b,
        subject="某物资管理员",
        responsibility="直接",
        handling="诫勉谈话",
        decided_on=D(2026, 11, 30),
        business_track=True,
        party_track=True,
        loss=Decimal(5_000_000),
    )
    assert rec.band == "较大"
    assert rec.org_handling_due == D(2026, 12, 30)
    with pytest.raises(ValidationError):
        services.accountability_create(
            actor=ledger.xuncha,
            item=ledger.item_b,
            subject="x",
            responsibility="直接",
            handling="x",
            decided_on=D(2026, 11, 30),
            business_track=True,
        )


def test_lead_reads_are_recorded(ledger):
    services.lead_read(reader=ledger.jijian, lead=ledger.lead, via="screen")
    assert ledger.lead.reads.get().reader == ledger.jijian
