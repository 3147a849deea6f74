"""The demo activities show a voided draft and the "2025年度" annual meetings held in 2026."""

from __future__ import annotations

import datetime
import io

import pytest

from lianjian.activities import demo
from lianjian.activities.models import Activity, ActivityOrg, ActivityStatus, ActivityType
from lianjian.activities.selectors import compliance_rows
from lianjian.core.models import AuditLog
from lianjian.orgs.models import Organisation
from tests.conftest import module_transaction

TODAY = datetime.date(2026, 11, 21)


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Organisations, alliances and activities of the demo, loaded once for the module and
    rolled back at the end."""
    from lianjian.alliances.demo import demo_alliances
    from lianjian.orgs.demo import demo_load

    with module_transaction(django_db_blocker):
        demo_load(stdout=io.StringIO(), accounts=False)
        demo_alliances()
        made = demo.demo_activities(stdout=io.StringIO())
        yield made


pytestmark = pytest.mark.django_db


def row(rows, org: str, rule: str, period: str):
    return next(r for r in rows if (r.org, r.rule, r.period) == (org, rule, period))


def test_one_duplicate_draft_is_voided_with_its_reason_and_audited(loaded):
    voided = Activity.objects.get(status=ActivityStatus.VOID)
    assert (voided.code, voided.void_reason) == (demo.VOID_CODE, demo.VOID_REASON)
    original = Activity.objects.get(
        code=demo.demo_code(demo.VOID_BRANCH, ActivityType.THEME_DAY, demo.VOID_MONTH)
    )
    assert (voided.type, voided.host_id, voided.start) == (
        original.type,
        original.host_id,
        original.start,
    )
    assert set(ActivityOrg.objects.filter(activity=voided).values_list("status", flat=True)) == {
        ActivityStatus.VOID
    }
    log = AuditLog.objects.get(target_type="activities.activity", note=f"作废：{demo.VOID_REASON}")
    assert log.target_id in (voided.code, str(voided.pk))
    assert (log.before["status"], log.after["status"], log.after["void_reason"]) == (
        ActivityStatus.DRAFT,
        ActivityStatus.VOID,
        demo.VOID_REASON,
    )


def test_the_voided_duplicate_is_not_counted_in_compliance(loaded):
    rows = compliance_rows(
        year=2026, today=TODAY, orgs=Organisation.objects.filter(code=demo.VOID_BRANCH)
    )
    assert row(rows, demo.VOID_BRANCH, "主题党日", f"2026-{demo.VOID_MONTH:02d}").held == 1


def test_the_2025_annual_meetings_held_in_february_2026_count_for_2025_not_2026(loaded):
    annual = Activity.objects.filter(code__startswith="DM26-", type__in=demo.PREVIOUS_YEAR_TYPES)
    assert annual.count() > 0
    assert {(a.start.month, a.for_year) for a in annual} == {(2, 2025)}
    assert all(a.topic.startswith("2025年度") for a in annual)
    branch = annual.order_by("code").first().host.code
    orgs = Organisation.objects.filter(code=branch)
    rows_2025 = compliance_rows(year=2025, today=TODAY, orgs=orgs)
    rows_2026 = compliance_rows(year=2026, today=TODAY, orgs=orgs)
    for rule in ("组织生活会", "民主评议党员"):
        assert (
            row(rows_2025, branch, rule, "2025").held,
            row(rows_2025, branch, rule, "2025").status,
        ) == (1, "ok")
        assert (
            row(rows_2026, branch, rule, "2026").held,
            row(rows_2026, branch, rule, "2026").status,
        ) == (0, "open")


def test_loading_the_activities_again_changes_nothing(loaded):
    before = list(
        Activity.objects.order_by("code").values_list("code", "status", "for_year", "void_reason")
    )
    assert demo.demo_activities(stdout=io.StringIO()) == {"activities": 0, "attendance": 0}
    assert (
        list(
            Activity.objects.order_by("code").values_list(
                "code", "status", "for_year", "void_reason"
            )
        )
        == before
    )
