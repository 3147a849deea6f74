"""党员积分 screens and API by scope: the permission matrices of every screen and
endpoint, a member seeing only their own points, the review steps on both edges, and the
query counts of the lists."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from lianjian.points import services
from lianjian.points.models import ClaimState, PointsClaim, PointsEntry
from lianjian.points.schemas import ClaimFilter, EntryFilter
from lianjian.points.selectors import claim_list, entry_list
from tests import matrix
from tests.points_helpers import YEAR, held_meeting, make_scheme

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def pts(world):
    scheme = make_scheme()
    held_meeting(world.zb_a, D(YEAR, 2, 10), present=[world.m_a1], absent=[world.m_a2])
    held_meeting(world.zb_b, D(YEAR, 2, 12), present=[world.m_b1])
    services.recompute(actor=None, scheme=scheme)
    rule = scheme.rules.get(code="B2")
    claim_a = services.file_claim(
        actor=world.member_a, member=world.m_a1, rule=rule, happened_on=D(YEAR, 4, 1),
        text="获评优秀共产党员", evidence="https://example.org/a",
    )  # fmt: skip
    claim_b = services.file_claim(
        actor=world.manager_b, member=world.m_b1, rule=rule, happened_on=D(YEAR, 4, 2),
        text="获评岗位能手",
    )  # fmt: skip
    world.scheme, world.claim_a, world.claim_b = scheme, claim_a, claim_b
    return world


SCREENS = {
    "schemes": ([], [200, 200, 200, 200, 200, 200]),
    "scheme": (["2026-JF"], [200, 200, 200, 200, 200, 404]),
    "ledger": ([], [200, 200, 200, 200, 200, 200]),
    "claims": ([], [200, 200, 200, 200, 200, 200]),
    "mine": ([], [404, 404, 404, 200, 404, 404]),
    "claim_new": ([], [404, 404, 404, 200, 404, 404]),
}
NAMES = {
    "schemes": "points:scheme_list",
    "scheme": "points:scheme_detail",
    "ledger": "points:entry_list",
    "claims": "points:claim_list",
    "mine": "points:mine",
    "claim_new": "points:claim_create",
}


@pytest.mark.parametrize(("screen", "persona"), matrix.cases(SCREENS))
def test_every_screen_answers_by_scope(pts, screen, persona):
    args, row = SCREENS[screen]
    response = matrix.client_for(pts, persona).get(reverse(NAMES[screen], args=args))
    assert response.status_code == row[matrix.PERSONAS.index(persona)]


def _numbers(response) -> set[str]:
    return {e.member.number for e in response.context["page"].object_list}


def test_the_ledger_shows_a_member_only_their_own_entries(pts):
    seen = {
        p: _numbers(matrix.client_for(pts, p).get(reverse(NAMES["ledger"])))
        for p in matrix.PERSONAS
    }
    assert seen["member_a"] == {"M-A1"}
    assert seen["manager_a"] == {"M-A1", "M-A2"}
    assert seen["company"] == {"M-A1", "M-A2", "M-B1"}
    assert seen["outsider"] == set()
    status, data = matrix.api_call(pts, "member_a", "get", "/points/entries")
    assert status == 200 and {e["member"] for e in data["items"]} == {"M-A1"}
    status, data = matrix.api_call(pts, "member_a", "get", "/points/claims")
    assert [c["id"] for c in data["items"]] == [pts.claim_a.pk]


def test_the_scheme_totals_show_a_member_only_themself_and_no_ranking(pts):
    response = matrix.client_for(pts, "member_a").get(
        reverse(NAMES["scheme"], args=["2026-JF"]), {"period": f"{YEAR}Q1"}
    )
    assert [t.number for t in response.context["page"].object_list] == ["M-A1"]
    response = matrix.client_for(pts, "company").get(
        reverse(NAMES["scheme"], args=["2026-JF"]), {"period": f"{YEAR}Q1"}
    )
    totals = {t.number: t.total.total for t in response.context["page"].object_list}
    assert totals["M-A1"] == 83 and totals["M-A2"] == 78 and totals["M-B1"] == 83
    mine = matrix.client_for(pts, "member_a").get(reverse("points:mine"))
    assert mine.context["data"].rank is None
    assert "排第" not in mine.content.decode()


def test_my_points_shows_the_source_of_every_entry(pts):
    response = matrix.client_for(pts, "member_a").get(reverse("points:mine"))
    html = response.content.decode()
    entry = PointsEntry.objects.get(member=pts.m_a1)
    assert reverse("activities:activity_detail", args=[entry.attendance.activity.code]) in html
    assert "获评优秀共产党员" in html and "已申报" in html
    home = matrix.client_for(pts, "member_a").get(reverse("home:mine"))
    assert 'id="my-points"' in home.content.decode()
    assert home.context["points"].year.total == 83


STEP = [302, 302, 302, 403, 404, 404]


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_a_review_step_on_the_screen(pts, persona):
    claim = pts.claim_a
    url = reverse("points:claim_step", args=[claim.pk, "group"])
    matrix.assert_write(
        lambda: PointsClaim.objects.get(pk=claim.pk).state,
        lambda: matrix.client_for(pts, persona).post(url),
        STEP[matrix.PERSONAS.index(persona)],
    )


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_a_review_step_over_the_api(pts, persona):
    claim = pts.claim_a
    status = [200, 200, 200, 403, 404, 404][matrix.PERSONAS.index(persona)]
    matrix.assert_write(
        lambda: PointsClaim.objects.get(pk=claim.pk).state,
        lambda: matrix.api_call(pts, persona, "post", f"/points/claims/{claim.pk}/group", {}),
        status,
    )


def test_the_api_refuses_a_step_the_state_does_not_allow_and_a_missing_reason(pts):
    status, data = matrix.api_call(
        pts, "manager_a", "post", f"/points/claims/{pts.claim_a.pk}/publish", {}
    )
    assert status == 400 and "不能开始公示" in data["detail"]
    status, data = matrix.api_call(
        pts, "manager_a", "post", f"/points/claims/{pts.claim_a.pk}/reject", {}
    )
    assert status == 400 and "理由" in data["detail"]
    status, _ = matrix.api_call(
        pts, "manager_a", "post", f"/points/claims/{pts.claim_a.pk}/vanish", {}
    )
    assert status == 422
    assert PointsClaim.objects.get(pk=pts.claim_a.pk).state == ClaimState.FILED


CREATE = {"scheme": "2026-JF", "rule": "B2", "happened_on": f"{YEAR}-05-01", "text": "获表彰"}


@pytest.mark.parametrize(
    ("persona", "member", "status"),
    [
        ("member_a", None, 201),
        ("member_a", "M-A2", 403),
        ("manager_a", "M-A2", 201),
        ("manager_a", None, 400),
        ("manager_b", "M-A1", 400),
        ("outsider", "M-A1", 400),
    ],
)
def test_filing_a_claim_over_the_api(pts, persona, member, status):
    body = {**CREATE, **({"member": member} if member else {})}
    matrix.assert_write(
        lambda: PointsClaim.objects.count(),
        lambda: matrix.api_call(pts, persona, "post", "/points/claims", body),
        status,
    )


def test_a_claim_refused_for_an_auto_rule_or_a_bad_date_over_the_api(pts):
    for body in (
        {**CREATE, "rule": "A1"},
        {**CREATE, "happened_on": "1900-01-01"},
        {**CREATE, "rule": "V1"},
    ):
        status, data = matrix.api_call(pts, "member_a", "post", "/points/claims", body)
        assert status == 400, data


def test_the_claim_form_on_the_phone_screen(pts):
    client = matrix.client_for(pts, "member_a")
    rule = pts.scheme.rules.get(code="B2")
    bad = client.post(
        reverse("points:claim_create"), {"rule": rule.pk, "happened_on": "2025-01-01", "text": "x"}
    )
    assert bad.status_code == 400 and "发生日期应在" in bad.content.decode()
    ok = client.post(
        reverse("points:claim_create"),
        {"rule": rule.pk, "happened_on": f"{YEAR}-06-01", "text": "获评先进", "evidence": ""},
    )
    assert ok.status_code == 302
    assert PointsClaim.objects.filter(member=pts.m_a1).count() == 2
    # only claimable rules are offered
    form = client.get(reverse("points:claim_create")).context["form"]
    assert [r.code for r in form.fields["rule"].queryset] == ["B2"]


def test_recompute_button_for_the_scheme_managers_only(pts):
    url = reverse("points:scheme_recompute", args=["2026-JF"])
    assert matrix.client_for(pts, "manager_a").post(url).status_code == 403
    assert matrix.client_for(pts, "outsider").post(url).status_code == 404
    assert matrix.client_for(pts, "company").post(url).status_code == 302


def test_list_selectors_issue_a_fixed_number_of_queries(pts, django_assert_max_num_queries):
    for i in range(5):
        held_meeting(pts.zb_a, D(YEAR, 3, 1 + i), present=[pts.m_a1, pts.m_a2])
    services.recompute(actor=None, scheme=pts.scheme)
    with django_assert_max_num_queries(2):
        rows = list(entry_list(pts.company, EntryFilter()))
        assert len(rows) > 10 and all(r.member.org.name for r in rows)
    with django_assert_max_num_queries(2):
        rows = list(claim_list(pts.company, ClaimFilter()))
        assert len(rows) == 2 and all(r.rule.text for r in rows)


def test_my_points_page_answers_in_the_same_queries_however_many_entries(pts):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = matrix.client_for(pts, "member_a")
    client.get(reverse("points:mine"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("points:mine")).status_code == 200
        return len(ctx)

    before = count()
    for i in range(4):
        held_meeting(pts.zb_a, D(YEAR, 5, 1 + i), present=[pts.m_a1], type="主题党日")
    services.recompute(actor=None, scheme=pts.scheme)
    services.add_manual_entry(
        actor=None, member=pts.m_a1, rule=pts.scheme.rules.get(code="C1"),
        happened_on=D(YEAR, 6, 1), reason="缺席",
    )  # fmt: skip
    assert PointsEntry.objects.filter(member=pts.m_a1).count() >= 6
    assert count() == before


MEMBER_PAGE = [200, 200, 200, 404, 404, 404]


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_the_member_page_of_the_managers(pts, persona):
    url = reverse("points:member_detail", args=["2026-JF", "M-A1"])
    response = matrix.client_for(pts, persona).get(url)
    assert response.status_code == MEMBER_PAGE[matrix.PERSONAS.index(persona)]


@pytest.mark.parametrize("persona", matrix.PERSONAS)
def test_a_manual_entry_on_the_screen(pts, persona):
    url = reverse("points:entry_add", args=["2026-JF", "M-A1"])
    body = {
        "rule": pts.scheme.rules.get(code="C1").pk,
        "happened_on": f"{YEAR}-03-03",
        "reason": "无故缺席支部党员大会",
    }
    matrix.assert_write(
        lambda: PointsEntry.objects.count(),
        lambda: matrix.client_for(pts, persona).post(url, body),
        [302, 302, 302, 404, 404, 404][matrix.PERSONAS.index(persona)],
    )


def test_manual_entry_refusals_and_withdrawal_and_exemption_on_the_screen(pts):
    client = matrix.client_for(pts, "manager_a")
    url = reverse("points:entry_add", args=["2026-JF", "M-A1"])
    c1 = pts.scheme.rules.get(code="C1").pk
    bad = client.post(
        url, {"rule": c1, "happened_on": f"{YEAR}-03-03", "points": "3", "reason": "x"}
    )
    assert bad.status_code == 400 and "分值应与规则同号" in bad.content.decode()
    assert (
        client.post(url, {"rule": c1, "happened_on": f"{YEAR}-03-03", "reason": "缺席"}).status_code
        == 302
    )
    entry = PointsEntry.objects.get(source="manual")
    withdraw = reverse("points:entry_withdraw", args=[entry.pk])
    assert matrix.client_for(pts, "member_a").post(withdraw, {"reason": "x"}).status_code == 403
    assert matrix.client_for(pts, "manager_b").post(withdraw, {"reason": "x"}).status_code == 404
    client.post(withdraw, {"reason": ""})
    entry.refresh_from_db()
    assert entry.status == "生效"
    client.post(withdraw, {"reason": "实为请假"})
    entry.refresh_from_db()
    assert entry.status == "已撤回" and entry.withdrawn_reason == "实为请假"
    auto = PointsEntry.objects.filter(source="auto", member=pts.m_a1).first()
    client.post(reverse("points:entry_withdraw", args=[auto.pk]), {"reason": "手工撤回"})
    auto.refresh_from_db()
    assert auto.status == "生效"  # an auto entry follows its record
    standing = reverse("points:standing_set", args=["2026-JF", "M-A2"])
    assert (
        client.post(standing, {"category": "特殊", "exempt": "on", "reason": ""}).status_code == 400
    )
    assert (
        client.post(
            standing, {"category": "普通", "exempt": "on", "reason": "长期病休"}
        ).status_code
        == 302
    )
    assert (
        matrix.client_for(pts, "manager_b").post(standing, {"category": "普通"}).status_code == 404
    )
    totals = matrix.client_for(pts, "company").get(
        reverse("points:scheme_detail", args=["2026-JF"]), {"period": f"{YEAR}Q1"}
    )
    assert {t.number: t.total.exempt for t in totals.context["page"].object_list}["M-A2"] is True
