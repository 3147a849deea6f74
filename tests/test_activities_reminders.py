"""三色 reminders into the inbox, and the demo activities."""

from __future__ import annotations

import datetime
import io

import pytest

from lianjian.activities.models import Activity
from lianjian.activities.reminders import compliance_reminders
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import deliver, providers

D = datetime.date


@pytest.mark.django_db
def test_yellow_and_recent_red_reminders_reach_the_responsible_managers_once(world):
    assert "组织生活" in providers()
    reminders = list(compliance_reminders(D(2026, 11, 21)))
    keys = {r.key for r in reminders}
    assert "compliance:ZB-A:主题党日:2026-11:yellow" in keys
    assert "compliance:ZB-A:主题党日:2026-10:red" in keys
    assert "compliance:ZB-A:主题党日:2026-09:red" not in keys  # ended more than 31 days ago
    assert "compliance:XZ-A1:党小组会:2026-11:yellow" in keys
    assert not any(":WB-GOV:" in k or ":DW:" in k for k in keys)
    by_key = {r.key: r for r in reminders}
    assert by_key["compliance:ZB-A:主题党日:2026-11:yellow"].user_ids == (world.manager_a.pk,)
    assert (
        by_key["compliance:ZB-A:主题党日:2026-11:yellow"].title
        == "营销服务党支部2026-11尚未开展主题党日"
    )
    created = deliver(reminders)
    assert created == len(reminders) > 0
    assert deliver(compliance_reminders(D(2026, 11, 21))) == 0
    assert (
        Notification.objects.filter(
            user=world.manager_a, key="compliance:ZB-A:主题党日:2026-10:red", level="red"
        ).count()
        == 1
    )


@pytest.mark.django_db
def test_demo_activities_are_deterministic_idempotent_and_have_gaps():
    from lianjian.activities.demo import demo_activities
    from lianjian.activities.selectors import compliance_rows
    from lianjian.alliances.demo import demo_alliances
    from lianjian.orgs.demo import demo_load
    from lianjian.orgs.models import Organisation

    demo_load(stdout=io.StringIO())
    demo_alliances()
    first = demo_activities(stdout=io.StringIO())
    assert first["activities"] > 1000
    assert demo_activities(stdout=io.StringIO()) == {"activities": 0, "attendance": 0}
    joint = Activity.objects.filter(type="联建活动")
    assert joint.count() == 36
    assert sum(joint.values_list("present_count", flat=True)) == 1056
    rows = compliance_rows(year=2026, today=D(2026, 11, 21), orgs=Organisation.objects.all())
    missing = {(r.org, r.rule, r.period) for r in rows if r.status == "missing"}
    assert ("BX-ZB23", "主题党日", "2026-05") in missing and (
        "BX-ZB14",
        "支部委员会",
        "2026-03",
    ) in missing
    assert {r.org for r in rows if r.level == "yellow" and r.rule == "主题党日"} >= {
        "BX-ZB05",
        "BX-ZB12",
        "BX-ZB21",
        "BX-ZB33",
        "BX-ZB40",
    }
