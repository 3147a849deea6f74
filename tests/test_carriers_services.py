"""岗区队 writes (lianjian.carriers.services): the lifecycle with its history, who may take
each step, reviews by preset, the veto that withdraws at once, re-application, members and
the figures as of a date (closed periods never change)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lianjian.carriers import rules, selectors, services
from lianjian.carriers.models import Carrier, CarrierStep, WorkGroup
from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from tests.carrier_helpers import named_post

SCORES = {"履职尽责": 95.0, "承诺兑现": 92.0, "关键任务成效": 90.0, "群众满意度": 93.0}


def test_declared_by_the_branch_approved_and_named_by_the_committee(world):
    c = services.declare(
        world.manager_a,
        kind=rules.POST,
        org=world.zb_a,
        fields={"name": "营业受理党员示范岗", "leader": world.m_a1, "post_name": "营业受理"},
        day=today() - datetime.timedelta(days=20),
    )
    assert c.code.startswith("SFG-") and c.state == rules.DECLARED
    with pytest.raises(ValidationError, match="不能早于上一步"):
        services.transition(world.manager_a, c, "submit", day=today() - datetime.timedelta(days=21))
    services.transition(world.manager_a, c, "submit", day=today() - datetime.timedelta(days=20))
    services.transition(
        world.manager_a, c, "branch_pass", day=today() - datetime.timedelta(days=15)
    )
    with pytest.raises(PermissionDenied):  # a branch does not approve itself
        services.transition(world.manager_a, c, "approve")
    ten_days_ago = today() - datetime.timedelta(days=10)
    services.transition(world.company, c, "approve", day=ten_days_ago)
    c = services.transition(world.company, c, "name")
    assert c.state == rules.NAMED
    assert list(c.steps.values_list("state", flat=True)) == [
        rules.DECLARED, rules.BRANCH_REVIEW, rules.COMMITTEE, rules.PUBLICITY, rules.NAMED
    ]  # fmt: skip
    assert AuditLog.objects.filter(target_type="carriers.carrier", target_id=c.code).count() >= 5


def test_naming_before_the_publicity_ends_is_refused(world):
    c = named_post(world, upto="branch_pass")
    services.transition(world.company, c, "approve")
    with pytest.raises(ValidationError, match="公示期"):
        services.transition(world.company, c, "name")
    assert Carrier.objects.get(pk=c.pk).state == rules.PUBLICITY


def test_an_objection_returns_it_with_its_reason(world):
    c = named_post(world, upto="approve")
    with pytest.raises(ValidationError):
        services.transition(world.company, c, "object")  # a reason is needed
    c = services.transition(world.company, c, "object", reason="群众反映服务态度问题")
    assert c.state == rules.DECLARED and c.state_reason == "群众反映服务态度问题"


def test_a_post_needs_its_holder_and_a_task_force_its_end(world):
    with pytest.raises(ValidationError) as err:
        services.declare(
            world.manager_a, kind=rules.POST, org=world.zb_a, fields={"name": "无人岗"}
        )
    assert "leader" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        services.declare(
            world.manager_a, kind=rules.TASK_FORCE, org=world.zb_a, fields={"name": "突击队"}
        )
    assert "end_date" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        services.declare(
            world.manager_b, kind=rules.SERVICE_TEAM, org=world.zb_a, fields={"name": "x"}
        )
    assert not Carrier.objects.exists()


def test_a_review_below_70_withdraws_the_title(world):
    c = named_post(world)
    review = services.record_review(
        world.company, c, preset="半年复核", period="2026H1", scores=SCORES
    )
    assert (review.score, review.band, review.state_after) == (92.5, rules.EXCELLENT, rules.NAMED)
    low = dict.fromkeys(SCORES, 65.0)
    review = services.record_review(
        world.company, c, preset="半年复核", period="2026H2", scores=low
    )
    assert review.state_after == rules.WITHDRAWN
    assert Carrier.objects.get(pk=c.pk).state == rules.WITHDRAWN
    with pytest.raises(ValidationError):  # withdrawn: nothing left to review
        services.record_review(world.company, c, preset="半年复核", period="2027H1", scores=SCORES)


def test_a_period_is_reviewed_once_and_the_items_fit_the_preset(world):
    c = named_post(world)
    with pytest.raises(ValidationError, match="缺少"):
        services.record_review(world.company, c, preset="年度复核", period="2026", scores=SCORES)
    services.record_review(world.company, c, preset="半年复核", period="2026H1", scores=SCORES)
    with pytest.raises(ValidationError):
        services.record_review(world.company, c, preset="半年复核", period="2026H1", scores=SCORES)
    with pytest.raises(PermissionDenied):
        services.record_review(
            world.manager_a, c, preset="半年复核", period="2026H2", scores=SCORES
        )


def test_a_veto_withdraws_the_title_at_once_whatever_the_score(world):
    c = named_post(world)
    services.record_review(world.company, c, preset="半年复核", period="2026H1", scores=SCORES)
    event = services.record_veto(
        world.company, c, kind=rules.ACCIDENT, description="违章作业造成设备损坏"
    )
    c.refresh_from_db()
    assert c.state == rules.WITHDRAWN and "一票否决" in c.state_reason
    assert event.day == today()
    assert c.steps.last().action == "veto"
    figs = selectors.figures(world.admin, today())
    assert figs[rules.POST].withdrawn == 1 and figs[rules.POST].active == 0
    with pytest.raises(ValidationError):
        services.record_veto(world.company, c, kind=rules.DISCIPLINE, description="再次")


def test_figures_of_a_past_day_do_not_change(world):
    c = named_post(world)
    yesterday = today() - datetime.timedelta(days=1)
    assert selectors.figures(world.admin, yesterday)[rules.POST].active == 0  # named today
    before = selectors.figures(world.admin, today())
    assert before[rules.POST].active == 1
    services.record_veto(world.company, c, kind=rules.DISCIPLINE, description="违纪")
    tomorrow = today() + datetime.timedelta(days=1)
    assert selectors.figures(world.admin, tomorrow)[rules.POST].withdrawn == 1
    assert selectors.figures(world.admin, yesterday)[rules.POST].active == 0


def test_reapplying_waits_for_the_next_year(world):
    c = named_post(world)
    services.record_veto(world.company, c, kind=rules.DISCIPLINE, description="违纪")
    with pytest.raises(ValidationError, match="重新申报"):
        services.reapply(world.manager_a, c)
    CarrierStep.objects.filter(carrier=c, state=rules.WITHDRAWN).update(
        day=datetime.date(today().year - 1, 6, 1)
    )
    new = services.reapply(world.manager_a, c)
    assert new.state == rules.DECLARED and new.previous == c and new.pk != c.pk
    assert Carrier.objects.get(pk=c.pk).state == rules.WITHDRAWN


def test_members_join_and_leave_without_being_deleted(world):
    c = named_post(world)
    row = services.add_member(
        world.manager_a, c, kind=rules.PARTY, member=world.m_a2, masses="赵大、钱二"
    )
    services.add_member(world.manager_a, c, kind=rules.LEAGUE, name="孙小")
    with pytest.raises(ValidationError):
        services.add_member(world.manager_a, c, kind=rules.PARTY, member=world.m_b1)  # other branch
    services.remove_member(world.manager_a, row)
    assert c.memberships.count() == 2
    assert c.memberships.get(pk=row.pk).left_on == today()


def test_coverage_of_work_groups_by_areas_with_a_party_member(world):
    g1 = services.create_work_group(world.manager_a, org=world.zb_a, code="ZB-A-BZ1", name="抄表班")
    services.create_work_group(world.manager_a, org=world.zb_a, code="ZB-A-BZ2", name="营业班")
    with pytest.raises(PermissionDenied):
        services.create_work_group(world.manager_b, org=world.zb_a, code="ZB-A-BZ3", name="x")
    area = services.declare(
        None, kind=rules.AREA, org=world.zb_a, fields={"name": "抄表责任区", "leader": world.m_a1},
        work_groups=[g1], day=today() - datetime.timedelta(days=20),
    )  # fmt: skip
    for action in ("submit", "branch_pass", "approve"):
        services.transition(None, area, action, day=today() - datetime.timedelta(days=10))
    services.transition(None, area, "name")
    (row,) = selectors.coverage(world.manager_a)
    assert row.gap_names == ("抄表班", "营业班")  # no 党员 in the area yet
    services.add_member(None, area, kind=rules.PARTY, member=world.m_a1)
    (row,) = selectors.coverage(world.manager_a)
    assert (row.coverage.covered, row.gap_names) == (1, ("营业班",))
    assert selectors.coverage(world.manager_b) == []
    with pytest.raises(ValidationError):
        services.declare(None, kind=rules.POST, org=world.zb_b, fields={"name": "x", "leader": world.m_b1},
                         work_groups=[WorkGroup.objects.get(code="ZB-A-BZ2")])  # fmt: skip


def test_my_carriers_are_the_active_ones_i_hold_or_belong_to(world):
    c = named_post(world)
    assert selectors.my_carriers(world.member_a) == [c]
    services.record_veto(world.company, c, kind=rules.DISCIPLINE, description="违纪")
    assert selectors.my_carriers(world.member_a) == []
    assert selectors.my_carriers(world.manager_a) == []
