"""``lianjian remind``: due events become notifications, once; agreements past their end expire.

Agreements of LJ-A (lead ZB-A) remind manager_a, the manager nearest to the lead; a
committee term of ZB-B reminds manager_b.
"""

from __future__ import annotations

import datetime

import pytest

from lianjian.alliances import services
from lianjian.alliances.models import Agreement
from lianjian.core.models import AuditLog
from lianjian.notifications.models import Notification
from lianjian.orgs.models import Organisation
from tests.alliance_helpers import make_alliances
from tests.excel_helpers import run

D = datetime.date


@pytest.fixture
def aw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_alliances(world)


def _active(world, aw, title: str, end: datetime.date) -> Agreement:
    ag = services.agreement_create(
        actor=None,
        alliance=aw.lj_a,
        parties=[world.zb_a, world.zb_b],
        title=title,
        start=D(2024, 1, 1),
        end=end,
    )
    services.agreement_set_status(actor=None, agreement=ag, status="已签署", on=D(2024, 1, 1))
    services.agreement_set_status(actor=None, agreement=ag, status="生效", on=D(2024, 1, 1))
    return ag


def remind(day: str) -> str:
    code, out, err = run("remind", "--date", day)
    assert (code, err) == (0, "")
    return out.splitlines()[-1]


def agreement_notes(agreement: Agreement | None = None) -> list[tuple]:
    prefix = f"agreement:{agreement.pk}:" if agreement is not None else "agreement:"
    return list(
        Notification.objects.filter(key__startswith=prefix)
        .order_by("key", "user__username")
        .values_list("key", "user__username", "level", "kind", "due", "link")
    )


def test_a_second_run_creates_nothing(world, aw):
    soon = _active(world, aw, "近期到期协议", D(2026, 12, 15))
    Organisation.objects.filter(pk=world.zb_b.pk).update(term_end=D(2026, 10, 1))

    first = remind("2026-11-21")
    assert [n[:3] for n in agreement_notes()] == [
        (f"agreement:{soon.pk}:yellow:2026-12-15", "manager_a", "yellow")
    ]
    assert Notification.objects.filter(
        key="org:ZB-B:term:20261001:overdue", user=world.manager_b
    ).exists()
    assert first != "共新增提醒 0 条（2026-11-21）"
    notes = list(Notification.objects.order_by("pk").values_list())

    assert remind("2026-11-21") == "共新增提醒 0 条（2026-11-21）"
    assert list(Notification.objects.order_by("pk").values_list()) == notes


def test_thirty_and_seven_day_thresholds_are_distinct_notifications(world, aw):
    ag = _active(world, aw, "年底到期协议", D(2026, 12, 15))
    remind("2026-11-14")  # 31 days before: nothing yet
    assert agreement_notes() == []
    remind("2026-11-15")  # 30 days before
    link = f"/alliances/agreements/{ag.pk}/"
    assert agreement_notes(ag) == [
        (
            f"agreement:{ag.pk}:yellow:2026-12-15",
            "manager_a",
            "yellow",
            "todo",
            D(2026, 12, 15),
            link,
        )
    ]
    remind("2026-12-01")  # still inside 30 days: the same event, nothing new
    assert len(agreement_notes(ag)) == 1
    remind("2026-12-08")  # 7 days before
    assert sorted(agreement_notes(ag), key=lambda n: n[2] == "red") == [
        (
            f"agreement:{ag.pk}:yellow:2026-12-15",
            "manager_a",
            "yellow",
            "todo",
            D(2026, 12, 15),
            link,
        ),
        (f"agreement:{ag.pk}:red:2026-12-15", "manager_a", "red", "todo", D(2026, 12, 15), link),
    ]
    note = Notification.objects.get(key=f"agreement:{ag.pk}:red:2026-12-15")
    assert (note.title, note.body) == (
        "联建协议“年底到期协议”将于 2026-12-15 到期",
        "营销政企联建，还有 7 天到期，请及时商议续签。",
    )
    remind("2026-12-10")
    assert len(agreement_notes(ag)) == 2


def test_drafts_and_terminated_agreements_do_not_remind(world, aw):
    ag = _active(world, aw, "已终止协议", D(2026, 12, 1))
    services.agreement_set_status(actor=None, agreement=ag, status="终止")
    services.agreement_create(
        actor=None,
        alliance=aw.lj_a,
        parties=[world.zb_a, world.zb_b],
        title="草拟协议",
        end=D(2026, 12, 1),
    )
    remind("2026-11-21")
    assert agreement_notes() == []


def test_overdue_term_is_red_and_a_coming_one_yellow(world, aw):
    Organisation.objects.filter(pk=world.zb_b.pk).update(term_end=D(2026, 10, 1))
    Organisation.objects.filter(pk=world.zb_a.pk).update(term_end=D(2027, 1, 31))
    remind("2026-11-21")
    notes = list(
        Notification.objects.filter(key__startswith="org:")
        .order_by("key")
        .values_list("key", "user__username", "level", "title")
    )
    assert notes == [
        (
            "org:ZB-A:term:20270131:due",
            "manager_a",
            "yellow",
            "营销服务党支部任期将于 2027-01-31 届满",
        ),
        (
            "org:ZB-B:term:20261001:overdue",
            "manager_b",
            "red",
            "运维检修党支部任期已届满，请尽快换届",
        ),
    ]


def test_an_active_agreement_past_its_end_expires_once_and_is_audited(world, aw):
    ended = _active(world, aw, "已过期协议", D(2026, 11, 20))
    last_day = _active(world, aw, "今天到期协议", D(2026, 11, 21))
    remind("2026-11-21")
    assert Agreement.objects.get(pk=ended.pk).status == "到期"
    assert Agreement.objects.get(pk=last_day.pk).status == "生效"  # still in force on its last day
    audit = AuditLog.objects.get(
        target_type="alliances.agreement", target_id=str(ended.pk), note="到期自动变更"
    )
    assert (audit.actor_id, audit.actor_name, audit.before, audit.after) == (
        None,
        "系统",
        {"status": "生效"},
        {"status": "到期"},
    )
    remind("2026-11-21")
    assert AuditLog.objects.filter(note="到期自动变更").count() == 1
    # an expired agreement no longer reminds
    assert not Notification.objects.filter(key__startswith=f"agreement:{ended.pk}:").exists()


def test_a_bad_date_is_refused(world):
    code, out, err = run("remind", "--date", "2026-02-30")
    assert (code, out, err) == (1, "", "日期格式应为 YYYY-MM-DD：2026-02-30\n")
