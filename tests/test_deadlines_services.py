"""The deadline colours' data: seeded presets, the preset of each kind, audited edits,
escalation ladders, and colour_reminders (once per change, escalation steps recorded)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianjian.core.models import AuditLog
from lianjian.deadlines import services
from lianjian.deadlines.engine import Colour, Kind, PresetRule
from lianjian.deadlines.models import DeadlineKind, DeadlinePreset, Escalation
from lianjian.deadlines.notify import DeadlineItem, colour_reminders
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import deliver

TODAY = datetime.date(2026, 11, 21)


def day(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.mark.django_db
def test_the_presets_and_the_kinds_are_seeded():
    presets = {p.code: (p.name, p.kind, p.yellow, p.red) for p in DeadlinePreset.objects.all()}
    assert presets == {
        "lag": ("进度滞后", "lag", 10, 30),
        "due": ("临期", "days_left", 7, -1),
        "late": ("逾期天数", "days_late", 1, 15),
        # the thresholds the agreements and organisational life had before the mechanism
        "expiry": ("协议到期", "days_left", 30, 7),
        "org_life": ("组织生活临期", "days_left", 10, -1),
    }
    kinds = dict(DeadlineKind.objects.values_list("code", "preset__code"))
    assert kinds == {
        "problem": "due",
        "agreement": "expiry",
        "org_life": "org_life",
        "key_task": "lag",
        "supervision_item": "due",  # supervision.md §1: items colour by 临期
        "milestone": "late",
        "post_evaluation": "due",  # 三重一大 post-evaluations (decisions)
    }


@pytest.mark.django_db
def test_rule_for_is_one_query_cached_and_forgotten_on_change(world):
    with CaptureQueriesContext(connection) as q:
        assert services.rule_for("problem") == PresetRule(Kind.DAYS_LEFT, 7, -1)
        assert services.rule_for("key_task") == PresetRule(Kind.LAG, 10, 30)
        assert services.rule_for("milestone") == PresetRule(Kind.DAYS_LATE, 1, 15)
    assert len(q) == 1
    due = DeadlinePreset.objects.get(code="due")
    services.preset_update(actor=world.admin, preset=due, yellow=10, red=-3)
    assert services.rule_for("problem") == PresetRule(Kind.DAYS_LEFT, 10, -3)
    kind = DeadlineKind.objects.get(code="problem")
    services.kind_set_preset(
        actor=world.admin, kind=kind, preset=DeadlinePreset.objects.get(code="late")
    )
    assert services.rule_for("problem") == PresetRule(Kind.DAYS_LATE, 1, 15)
    with pytest.raises(LookupError):
        services.rule_for("nothing")


@pytest.mark.django_db
def test_preset_edits_are_audited_and_checked(world):
    due = DeadlinePreset.objects.get(code="due")
    services.preset_update(actor=world.admin, preset=due, yellow=10, red=-1, note="十天预警")
    log = AuditLog.objects.filter(target_type="deadlines.deadlinepreset").latest("at")
    assert (log.actor, log.before, log.after) == (
        world.admin,
        {"yellow": 7, "note": "距截止日期的剩余天数；截止当天剩余 0 天，逾期为负"},
        {"yellow": 10, "note": "十天预警"},
    )
    with pytest.raises(ValidationError) as err:
        services.preset_update(actor=world.admin, preset=due, yellow=3, red=5)
    assert "红色阈值（剩余天数）不能大于黄色阈值" in str(err.value)
    due.refresh_from_db()
    assert (due.yellow, due.red) == (10, -1)
    with pytest.raises(PermissionDenied):
        services.preset_update(actor=world.manager_a, preset=due, yellow=7, red=-1)
    due.refresh_from_db()
    assert due.yellow == 10


@pytest.mark.django_db
def test_kind_changes_are_audited(world):
    kind = DeadlineKind.objects.get(code="agreement")
    lag = DeadlinePreset.objects.get(code="lag")
    services.kind_set_preset(actor=world.admin, kind=kind, preset=lag)
    log = AuditLog.objects.filter(target_type="deadlines.deadlinekind").latest("at")
    assert log.after == {"preset_id": lag.pk}
    with pytest.raises(PermissionDenied):
        services.kind_set_preset(actor=world.member_a, kind=kind, preset=lag)


def item(world, colour: Colour, *, version: str = "2026-12-01", key: str = "problem:WT-1"):
    return DeadlineItem(
        kind="problem",
        key=key,
        title=f"问题“测试”{colour.label}",
        link="/consultations/p/WT-1/",
        colour=colour,
        due=day(10),
        owner_ids=(world.manager_a.pk,),
        leader_ids=(world.company.pk,),
        version=version,
    )


@pytest.mark.django_db
def test_yellow_to_the_owners_red_to_the_leaders_too_green_to_nobody(world):
    found = {r.key: r for r in colour_reminders([item(world, c) for c in Colour], TODAY)}
    assert set(found) == {"problem:WT-1:yellow:2026-12-01", "problem:WT-1:red:2026-12-01"}
    yellow, red = found["problem:WT-1:yellow:2026-12-01"], found["problem:WT-1:red:2026-12-01"]
    assert yellow.user_ids == (world.manager_a.pk,)
    assert yellow.level == "yellow"
    assert red.user_ids == tuple(sorted((world.manager_a.pk, world.company.pk)))
    assert red.level == "red"


@pytest.mark.django_db
def test_a_colour_change_notifies_once(world):
    def run(colour: Colour, version: str = "2026-12-01") -> int:
        return deliver(colour_reminders([item(world, colour, version=version)], TODAY))

    assert run(Colour.GREEN) == 0
    assert run(Colour.YELLOW) == 1
    assert run(Colour.YELLOW) == 0  # the next day, still yellow: nothing new
    assert run(Colour.RED) == 2  # owner and leader
    assert run(Colour.RED) == 0
    assert run(Colour.YELLOW, version="2027-01-01") == 1  # a new deadline reminds again
    keys = sorted(Notification.objects.values_list("user__username", "key", "level"))
    assert keys == sorted(
        [
            (world.manager_a.username, "problem:WT-1:yellow:2026-12-01", "yellow"),
            (world.manager_a.username, "problem:WT-1:red:2026-12-01", "red"),
            (world.company.username, "problem:WT-1:red:2026-12-01", "red"),
            (world.manager_a.username, "problem:WT-1:yellow:2027-01-01", "yellow"),
        ]
    )


@pytest.fixture
def ladder(world):
    kind = DeadlineKind.objects.get(code="problem")
    return services.ladder_create(
        actor=world.admin,
        kind=kind,
        name="问题督办",
        steps=[("提醒", 3), ("督办通知", 5), ("约谈", 7)],
    )


@pytest.mark.django_db
def test_an_escalation_ladder_issues_the_next_step_only_when_not_acted_on(world, ladder, client):
    red = item(world, Colour.RED)

    def run(today: datetime.date) -> set[str]:
        reminders = list(colour_reminders([red], today))
        deliver(reminders)
        return {r.key for r in reminders}

    assert run(TODAY) == {"problem:WT-1:red:2026-12-01", "problem:WT-1:2026-12-01:esc:0"}
    first = Escalation.objects.get()
    assert (first.step.name, first.issued_on, first.acted_on, first.kind, first.subject) == (
        "提醒",
        TODAY,
        None,
        "problem",
        "problem:WT-1:2026-12-01",
    )
    assert "problem:WT-1:2026-12-01:esc:1" not in run(day(2))  # 3 days to act on 提醒
    assert "problem:WT-1:2026-12-01:esc:1" in run(day(3))  # not acted on: 督办通知
    assert [(e.step.name, e.issued_on) for e in Escalation.objects.order_by("step__position")] == [
        ("提醒", TODAY),
        ("督办通知", day(3)),
    ]
    # 督办通知 is acted on in time (the owner marks its to-do 办结 in the inbox): no 约谈
    assert run(day(7)) == {"problem:WT-1:red:2026-12-01"}
    todo = Notification.objects.get(user=world.manager_a, key="problem:WT-1:2026-12-01:esc:1")
    client.force_login(world.manager_a)
    assert client.post(f"/inbox/{todo.pk}/mark/", {"action": "done"}).status_code == 302
    assert run(day(30)) == {"problem:WT-1:red:2026-12-01"}
    second = Escalation.objects.get(step__position=1)
    assert (second.acted_by, second.acted_on) == (world.manager_a, timezone.localdate())
    assert Escalation.objects.count() == 2


@pytest.mark.django_db
def test_escalation_steps_reach_the_inbox_and_are_recorded_once(world, ladder):
    red = item(world, Colour.RED)
    assert deliver(colour_reminders([red], TODAY)) == 4  # red + 提醒, to two people each
    assert deliver(colour_reminders([red], TODAY)) == 0
    step = Notification.objects.get(user=world.manager_a, key="problem:WT-1:2026-12-01:esc:0")
    assert step.title == "【提醒】问题“测试”逾期"
    assert step.kind == "todo"
    assert step.due == day(3)
    services.escalation_act(actor=world.manager_a, escalation=Escalation.objects.get())
    assert deliver(colour_reminders([red], day(10))) == 0
    assert Escalation.objects.count() == 1


@pytest.mark.django_db
def test_no_step_for_items_that_are_not_red_or_without_a_ladder(world, ladder):
    assert deliver(colour_reminders([item(world, Colour.YELLOW)], TODAY)) == 1
    other = DeadlineItem(
        kind="agreement",
        key="agreement:1",
        title="协议",
        link="",
        colour=Colour.RED,
        due=TODAY,
        owner_ids=(world.manager_a.pk,),
    )
    assert {r.key for r in colour_reminders([other], TODAY)} == {"agreement:1:red"}
    assert not Escalation.objects.exists()
    services.ladder_void(actor=world.admin, ladder=ladder, reason="不再使用")
    assert {r.key for r in colour_reminders([item(world, Colour.RED)], TODAY)} == {
        "problem:WT-1:red:2026-12-01"
    }


@pytest.mark.django_db
def test_ladders_are_checked_and_audited(world, ladder):
    kind = DeadlineKind.objects.get(code="problem")
    with pytest.raises(ValidationError, match="已有启用的督办升级"):
        services.ladder_create(actor=world.admin, kind=kind, name="又一个", steps=[("提醒", 3)])
    with pytest.raises(ValidationError, match="至少需要一个步骤"):
        services.ladder_create(
            actor=world.admin, kind=DeadlineKind.objects.get(code="agreement"), name="空", steps=[]
        )
    with pytest.raises(ValidationError, match="1–365 天"):
        services.ladder_update_steps(
            actor=world.admin, ladder=ladder, name="问题督办", steps=[("提醒", 0)]
        )
    with pytest.raises(ValidationError, match="步骤不能删除"):
        services.ladder_update_steps(
            actor=world.admin, ladder=ladder, name="问题督办", steps=[("提醒", 3)]
        )
    services.ladder_update_steps(
        actor=world.admin,
        ladder=ladder,
        name="问题督办",
        steps=[("提醒", 2), ("督办通知书", 5), ("约谈", 7), ("问责建议", 10)],
    )
    assert [(s.name, s.days) for s in ladder.steps.order_by("position")] == [
        ("提醒", 2),
        ("督办通知书", 5),
        ("约谈", 7),
        ("问责建议", 10),
    ]
    log = AuditLog.objects.filter(target_type="deadlines.escalationladder").latest("id")
    assert log.after["steps"][-1] == "问责建议（10天）"
    with pytest.raises(PermissionDenied):
        services.ladder_void(actor=world.manager_a, ladder=ladder, reason="x")
    with pytest.raises(ValidationError, match="停用原因"):
        services.ladder_void(actor=world.admin, ladder=ladder, reason=" ")
    with pytest.raises(ValidationError, match="不能超过 200"):
        services.ladder_void(actor=world.admin, ladder=ladder, reason="长" * 201)
    services.ladder_void(actor=world.admin, ladder=ladder, reason="改用新办法")
    ladder.refresh_from_db()
    assert (ladder.active, ladder.void_reason) == (False, "改用新办法")
    # another ladder may now be created for the kind
    services.ladder_create(actor=world.admin, kind=kind, name="新督办", steps=[("提醒", 3)])


@pytest.mark.django_db
def test_acting_on_a_step_is_recorded_once_and_audited(world, ladder):
    deliver(colour_reminders([item(world, Colour.RED)], TODAY))
    esc = Escalation.objects.get()
    services.escalation_act(actor=world.manager_a, escalation=esc)
    services.escalation_act(actor=world.company, escalation=esc)
    esc.refresh_from_db()
    assert (esc.acted_on, esc.acted_by) == (timezone.localdate(), world.manager_a)
    log = AuditLog.objects.filter(target_type="deadlines.escalation").get()
    assert (log.actor, log.note) == (world.manager_a, "督办已办理")
