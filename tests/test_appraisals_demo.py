"""The demo 民主评议党员 of BX-ZB19: 2025 decided and published (its meeting the activity
the branch recorded), 2026 in progress with some ratings; dangyuan's 我的 shows it."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import User
from lianjian.activities.demo import demo_activities
from lianjian.appraisals import rules, selectors
from lianjian.appraisals.demo import demo_appraisals
from lianjian.appraisals.models import Appraisal, Decision, Vote
from lianjian.orgs.demo import demo_load
from tests.conftest import module_transaction


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo company, its activities and appraisals, loaded once (rolled back after)."""
    with module_transaction(django_db_blocker):
        demo_load(stdout=io.StringIO())
        demo_activities()
        out = io.StringIO()
        made = demo_appraisals(stdout=out)
        yield made, out.getvalue()


pytestmark = pytest.mark.django_db


def test_two_appraisals_one_published_one_in_progress(loaded):
    made, text = loaded
    assert made["appraisals"] == 2 and "民主评议：新建 2 次评议" in text
    states = dict(Appraisal.objects.filter(branch__code="BX-ZB19").values_list("year", "state"))
    assert states == {2025: "已反馈", 2026: "测评中"}
    old = Appraisal.objects.get(branch__code="BX-ZB19", year=2025)
    full = old.participants.filter(is_full=True).count()
    excellent = Decision.objects.filter(participant__appraisal=old, grade="优秀").count()
    assert 0 < excellent <= rules.excellent_quota(full)
    assert Decision.objects.filter(participant__appraisal=old).count() == full
    # The meeting is the 2025年度 activity the activities demo recorded, not a second one.
    assert old.meeting is not None and old.meeting.for_year == 2025
    assert old.meeting.type == "民主评议党员" and old.meeting.host.code == "BX-ZB19"
    assert Vote.objects.filter(appraisal__year=2026).exists()


def test_loading_again_creates_nothing(loaded):
    assert demo_appraisals() == {"appraisals": 0, "votes": 0, "decisions": 0}


def test_dangyuan_is_offered_the_open_appraisal_and_sees_last_years_result(loaded):
    dangyuan = User.objects.get(username="dangyuan")
    card = selectors.mine_card(dangyuan)
    assert card is not None and card.appraisal.year == 2026 and card.to_rate > 0
    client = Client()
    client.force_login(dangyuan)
    page = client.get(reverse("home:mine")).content.decode()
    assert 'id="my-appraisal"' in page and "去评议" in page
    # zhibu answered in the demo: their 待办 is done; dangyuan's is open.
    from lianjian.notifications.models import Notification

    todos = Notification.objects.filter(key=f"appraisal:{card.appraisal.code}:respond")
    assert todos.get(user__username="dangyuan").done_at is None
    assert todos.get(user__username="zhibu").done_at is not None
    old = Appraisal.objects.get(branch__code="BX-ZB19", year=2025)
    mine = selectors.my_part(dangyuan, old)
    assert mine is not None
    assert mine.decision is not None or not mine.participant.is_full
