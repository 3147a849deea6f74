"""Permission matrices of 民主评议党员, screens and API: out of scope → 404, a visible
appraisal the caller may not run → 403, a member never receives others' votes nor the
tally, and a refused write changes nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from lianjian.appraisals import services
from lianjian.appraisals.models import Appraisal, Decision, SelfAssessment, Vote
from lianjian.core.models import AuditLog
from tests import matrix
from tests.appraisal_setup import appraisal, part

pytestmark = pytest.mark.django_db

#                  admin company manager_a member_a manager_b outsider
SCREENS = {
    "list": [200, 200, 200, 200, 200, 200],
    "detail": [200, 200, 200, 200, 404, 404],
    "create": [200, 200, 200, 403, 200, 200],
}
API_READ = {
    "list": [200, 200, 200, 200, 200, 200],
    "detail": [200, 200, 200, 200, 404, 404],
}


def _url(view: str, code: str) -> str:
    if view == "list":
        return reverse("appraisals:appraisal_list")
    if view == "create":
        return reverse("appraisals:appraisal_create")
    return reverse("appraisals:appraisal_detail", args=[code])


@pytest.mark.parametrize(("view", "persona"), matrix.cases(SCREENS))
def test_screens_answer_by_scope(world, view, persona):
    a = appraisal(world)
    response = matrix.client_for(world, persona).get(_url(view, a.code))
    assert response.status_code == matrix.expected(SCREENS, view, persona)


@pytest.mark.parametrize(("view", "persona"), matrix.cases(API_READ))
def test_api_reads_answer_by_scope(world, view, persona):
    a = appraisal(world)
    url = "/appraisals" if view == "list" else f"/appraisals/{a.code}"
    status, body = matrix.api_call(world, persona, "GET", url)
    assert status == matrix.expected(API_READ, view, persona)
    if view == "list":
        codes = [i["code"] for i in body["items"]]
        assert codes == (
            [a.code] if persona in ("admin", "company", "manager_a", "member_a") else []
        )


def test_the_list_shows_the_same_rows_to_the_same_persona_on_both_edges(world):
    a = appraisal(world)
    for persona in matrix.PERSONAS:
        screen = matrix.client_for(world, persona).get(
            reverse("appraisals:appraisal_list"), {"year": 2026, "state": "测评中", "org": "DW"}
        )
        _, body = matrix.api_call(
            world, persona, "GET", "/appraisals?year=2026&state=测评中&org=DW"
        )
        on_screen = a.code in screen.content.decode()
        assert on_screen == (a.code in [i["code"] for i in body["items"]])


def test_a_member_never_receives_others_votes_nor_the_tally(world):
    a = appraisal(world)
    services.vote_cast(actor=world.committee_a, appraisal=a, votee=part(a, "M-A1"), grade="不合格")
    services.vote_cast(actor=world.member_a, appraisal=a, votee=part(a, "M-A3"), grade="优秀")
    status, body = matrix.api_call(world, "member_a", "GET", f"/appraisals/{a.code}")
    assert status == 200 and body["tally"] is None
    assert all(p["votes_cast"] is None for p in body["participants"])
    assert body["me"]["rated"] == ["M-A3"] and "不合格" not in str(body)
    page = matrix.client_for(world, "member_a").get(
        reverse("appraisals:appraisal_detail", args=[a.code])
    )
    html = page.content.decode()
    assert 'id="tally"' not in html and 'data-given="不合格"' not in html
    assert 'data-given="优秀"' in html  # the member's own rating, shown to them
    # The manager sees counts, not voters.
    status, body = matrix.api_call(world, "manager_a", "GET", f"/appraisals/{a.code}")
    tally = {r["member"]: r for r in body["tally"]}
    assert tally["M-A1"]["不合格"] == 1 and tally["M-A3"]["优秀"] == 1
    assert body["me"] is None and "voter" not in str(body)


# Writes: (endpoint, persona) → status. A member of ZB-A may write their own
# self-assessment and vote; only the branch's managers (and those above) run the steps.
#                      admin company manager_a member_a manager_b outsider
API_WRITES = {
    "self": [403, 403, 403, 200, 404, 404],
    "vote": [403, 403, 403, 200, 404, 404],
    "close": [200, 200, 200, 403, 404, 404],
}


def _write(world, a, key, persona):
    if key == "self":
        return matrix.api_call(
            world, persona, "PUT", f"/appraisals/{a.code}/self-assessment", {"text": "自评"}
        )
    if key == "vote":
        return matrix.api_call(
            world,
            persona,
            "POST",
            f"/appraisals/{a.code}/votes",
            {"member": "M-A4", "grade": "合格"},
        )
    return matrix.api_call(
        world, persona, "POST", f"/appraisals/{a.code}/transition", {"action": "close"}
    )


def _state(a):
    return (
        Appraisal.objects.get(pk=a.pk).state,
        SelfAssessment.objects.count(),
        Vote.objects.count(),
    )


@pytest.mark.parametrize(("key", "persona"), matrix.cases(API_WRITES))
def test_api_writes_answer_by_scope_and_a_refusal_changes_nothing(world, key, persona):
    a = appraisal(world)
    audit = AuditLog.objects.count()
    status, _ = matrix.assert_write(
        lambda: _state(a),
        lambda: _write(world, a, key, persona),
        matrix.expected(API_WRITES, key, persona),
    )
    # Every accepted write is audited; a refused one leaves no audit row.
    assert (AuditLog.objects.count() > audit) == (status in matrix.SUCCESS)


SCREEN_WRITES = {
    "self": [403, 403, 403, 302, 404, 404],
    "close": [302, 302, 302, 403, 404, 404],
}


@pytest.mark.parametrize(("key", "persona"), matrix.cases(SCREEN_WRITES))
def test_screen_writes_answer_by_scope_and_a_refusal_changes_nothing(world, key, persona):
    a = appraisal(world)
    client = matrix.client_for(world, persona)
    url = reverse(
        "appraisals:self_assessment" if key == "self" else "appraisals:appraisal_close",
        args=[a.code],
    )
    body = {"text": "自评"} if key == "self" else {}

    def send():
        return client.post(url, body)

    matrix.assert_write(lambda: _state(a), send, matrix.expected(SCREEN_WRITES, key, persona))


def test_the_quota_is_refused_on_the_api_with_a_clear_message_and_nothing_changes(world):
    a = appraisal(world)  # 4 正式 → at most 1 优秀
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    status, _ = matrix.api_call(
        world,
        "manager_a",
        "POST",
        f"/appraisals/{a.code}/decisions",
        {"member": "M-A1", "grade": "优秀"},
    )
    assert status == 200
    status, body = matrix.api_call(
        world,
        "manager_a",
        "POST",
        f"/appraisals/{a.code}/decisions",
        {"member": "M-A4", "grade": "优秀"},
    )
    assert status == 400 and "优秀名额已满" in body["detail"] and "1 名" in body["detail"]
    assert not Decision.objects.filter(participant=part(a, "M-A4")).exists()
    # Own grade: 403 for a participating manager.
    status, body = matrix.api_call(
        world,
        "committee_a",
        "POST",
        f"/appraisals/{a.code}/decisions",
        {"member": "M-A3", "grade": "合格"},
    )
    assert status == 403 and "本人" in body["detail"]
    # Bad input: 4xx with a detail, never 500.
    for payload in ({"member": "NOPE", "grade": "合格"}, {"member": "M-A4", "grade": "良好"}, {}):
        status, body = matrix.api_call(
            world, "manager_a", "POST", f"/appraisals/{a.code}/decisions", payload
        )
        assert 400 <= status < 500 and body["detail"]


def test_the_screen_refuses_the_eleventh_excellent_with_the_message_and_400(world):
    a = appraisal(world)
    services.appraisal_close_rating(actor=world.manager_a, appraisal=a)
    client = matrix.client_for(world, "manager_a")
    url = reverse("appraisals:decide", args=[a.code])
    assert client.post(url, {"participant": part(a, "M-A1").pk, "grade": "优秀"}).status_code == 302
    response = client.post(url, {"participant": part(a, "M-A4").pk, "grade": "优秀"})
    assert response.status_code == 400 and "优秀名额已满" in response.content.decode()


def test_api_create_checks_the_branch(world):
    status, body = matrix.api_call(
        world,
        "manager_b",
        "POST",
        "/appraisals",
        {"branch": "ZB-A", "year": 2026, "held_on": "2026-06-01"},
    )
    assert status == 400 and "党支部不存在" in body["detail"]
    status, body = matrix.api_call(
        world,
        "member_a",
        "POST",
        "/appraisals",
        {"branch": "ZB-A", "year": 2026, "held_on": "2026-06-01"},
    )
    assert status == 403
    status, body = matrix.api_call(
        world,
        "manager_a",
        "POST",
        "/appraisals",
        {"branch": "ZB-A", "year": 2026, "held_on": "1900-01-01"},
    )
    assert status == 400 and body["detail"]
    status, body = matrix.api_call(
        world,
        "manager_a",
        "POST",
        "/appraisals",
        {"branch": "ZB-A", "year": 2026, "held_on": "2026-06-01"},
    )
    assert status == 201 and body["state"] == "准备" and body["excellent_quota"] == 0


def test_a_member_whose_account_belongs_to_a_group_takes_part_in_the_branchs_appraisal(world):
    from lianjian.accounts.models import User

    a = appraisal(world)
    user = User.objects.create(
        username="group_member", role="member", org=world.xz_a1, member=world.m_a5
    )
    world.group_member = user
    status, body = matrix.api_call(world, "group_member", "GET", f"/appraisals/{a.code}")
    assert status == 200 and body["me"]["member"] == "M-A5"
    status, _ = matrix.api_call(
        world,
        "group_member",
        "POST",
        f"/appraisals/{a.code}/votes",
        {"member": "M-A1", "grade": "合格"},
    )
    assert status == 200
    _, body = matrix.api_call(world, "group_member", "GET", "/appraisals")
    assert [i["code"] for i in body["items"]] == [a.code]
