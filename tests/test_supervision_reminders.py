"""The ledger's deadline reminders: yellow to the responsible organisation's managers, red
also to the responsible leader, once per colour; closed items remind nobody."""

from __future__ import annotations

import datetime

import pytest

from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import deliver
from lianjian.supervision.reminders import item_reminders
from tests.supervision_helpers import Ledger, make_ledger

D = datetime.date


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def test_yellow_then_red_once_each(ledger):
    w = ledger.world
    # item 2 (ZB-B) is due 11-30: yellow from 11-23, red from 12-01
    assert deliver(item_reminders(D(2026, 11, 25))) == 1
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["manager_b"]
    assert deliver(item_reminders(D(2026, 11, 26))) == 0  # once per colour
    assert deliver(item_reminders(D(2026, 12, 1))) >= 1
    assert Notification.objects.filter(user=w.manager_b).count() == 2
    assert not Notification.objects.filter(user__in=[w.manager_a, w.outsider]).exists()


def test_red_reaches_the_responsible_leader(ledger):
    w = ledger.world
    leader = w.member_a  # the account of M-A1
    # item 1 (ZB-A, leader M-A1) is due 2027-03-31
    deliver(item_reminders(D(2027, 4, 2)))
    assert Notification.objects.filter(user=leader).exists()
    assert Notification.objects.filter(user=w.manager_a).exists()
