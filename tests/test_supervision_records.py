"""Leads recorded on the screens and the API (issue #14): 移交线索 by a body in its own
name, the receiving body's result which settles the lead; the permission matrices of the
new screens and endpoints (404 outside the bodies involved, 403 for a visible lead the
caller may not settle, nothing changed), dates validated, every write audited."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.supervision import rules, selectors, services
from lianjian.supervision.models import Lead
from tests import matrix
from tests.supervision_helpers import PERSONAS, Ledger, make_ledger

D = datetime.date


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def lead_post(led: Ledger, **over: str) -> dict[str, str]:
    data = {
        "from_body": "巡察",
        "to_body": "纪委",
        "org": led.world.dw.code,
        "item": str(led.item_a.pk),
        "case": "党费收缴疑似挪用",
        "transferred_on": "2026-11-02",
    }
    data.update(over)
    return data


# --- services -------------------------------------------------------------------------------


def test_a_body_hands_over_a_lead_in_its_own_name_only(ledger):
    lead = services.lead_create(
        actor=ledger.xuncha,
        org=ledger.world.dw,
        from_body="巡察",
        to_body="纪委",
        transferred_on=D(2026, 11, 2),
        case="  党费收缴疑似挪用 ",
        item=ledger.item_a,
    )
    assert (lead.case, lead.item) == ("党费收缴疑似挪用", ledger.item_a)
    assert AuditLog.objects.filter(
        action=AuditLog.Action.CREATE, target_id=str(lead.pk), target_type="supervision.lead"
    ).exists()
    with pytest.raises(PermissionDenied):  # 巡察办 cannot speak as 审计
        services.lead_create(
            actor=ledger.xuncha,
            org=ledger.world.dw,
            from_body="审计",
            to_body="纪委",
            transferred_on=D(2026, 11, 2),
            case="x",
        )
    assert services.lead_bodies_of(ledger.jijian) == ["纪委", "派驻组"]
    assert services.lead_bodies_of(ledger.world.manager_a) == []


@pytest.mark.parametrize(
    ("day", "field"),
    [(D(1999, 12, 31), "transferred_on"), (None, "transferred_on")],
)
def test_a_lead_date_lies_between_2000_and_today(ledger, day, field):
    day = day or today() + datetime.timedelta(days=1)
    before = Lead.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.lead_create(
            actor=ledger.xuncha,
            org=ledger.world.dw,
            from_body="巡察",
            to_body="纪委",
            transferred_on=day,
            case="线索",
        )
    assert field in exc.value.message_dict
    assert Lead.objects.count() == before


def test_only_the_receiving_body_settles_a_lead_once(ledger):
    lead = ledger.lead  # 审计 → 纪委
    with pytest.raises(PermissionDenied):
        services.lead_settle(actor=ledger.shenji, lead=lead, result="已立案", feedback_on=today())
    with pytest.raises(ValidationError):  # before the transfer
        services.lead_settle(
            actor=ledger.jijian, lead=lead, result="已立案", feedback_on=D(2026, 10, 1)
        )
    services.lead_settle(actor=ledger.jijian, lead=lead, result=" 已立案审查 ", feedback_on=today())
    lead.refresh_from_db()
    assert (lead.result, lead.feedback_on) == ("已立案审查", today())
    assert selectors.lead_colour(lead, today() + datetime.timedelta(days=400)) == rules.lead_colour(
        lead.transferred_on, today(), lead.feedback_on
    )
    log = AuditLog.objects.filter(
        action=AuditLog.Action.UPDATE, target_id=str(lead.pk), target_type="supervision.lead"
    ).get()
    assert log.after["result"] == "已立案审查"
    with pytest.raises(ValidationError):
        services.lead_settle(actor=ledger.jijian, lead=lead, result="改", feedback_on=today())


# --- screens --------------------------------------------------------------------------------

#                     admin company a    member b    outsider xuncha jijian shenji
SCREENS = {
    "lead_create": [403, 403, 403, 403, 403, 403, 200, 200, 200],
    # settle the 审计 → 纪委 lead: only 纪委 (jijian); 审计 sees it but may not (403)
    "lead_settle": [404, 404, 404, 404, 404, 404, 404, 302, 403],
}


@pytest.mark.parametrize(("view", "persona"), matrix.cases(SCREENS, PERSONAS))
def test_the_lead_screens_answer_by_scope(ledger, view, persona):
    c = matrix.client_for(ledger.world, persona)
    if view == "lead_create":
        response = c.get(reverse("supervision:lead_create"))
    else:
        response = c.post(
            reverse("supervision:lead_settle", args=[ledger.lead.pk]),
            {"result": "已立案", "feedback_on": today().isoformat()},
        )
    assert response.status_code == SCREENS[view][PERSONAS.index(persona)]
    ledger.lead.refresh_from_db()
    assert (ledger.lead.feedback_on is not None) is (view == "lead_settle" and persona == "jijian")


def test_the_lead_form_records_a_lead_and_refuses_bad_input(ledger):
    c = matrix.client_for(ledger.world, "xuncha")
    before = Lead.objects.count()
    bad = c.post(reverse("supervision:lead_create"), lead_post(ledger, transferred_on="1999-01-01"))
    assert bad.status_code == 400 and "2000-01-01" in bad.content.decode()
    same = c.post(reverse("supervision:lead_create"), lead_post(ledger, to_body="巡察"))
    assert same.status_code == 400 and "不能相同" in same.content.decode()
    other = c.post(reverse("supervision:lead_create"), lead_post(ledger, from_body="审计"))
    assert other.status_code == 400
    assert Lead.objects.count() == before
    ok = c.post(reverse("supervision:lead_create"), lead_post(ledger))
    lead = Lead.objects.get(case="党费收缴疑似挪用")
    assert ok.status_code == 302 and ok["Location"].endswith(f"/leads/{lead.pk}/")
    assert lead.item == ledger.item_a
    # the receiving body sees the settle form, the handing-over body does not
    assert (
        "登记处置结果"
        in matrix.client_for(ledger.world, "jijian").get(ok["Location"]).content.decode()
    )
    assert "登记处置结果" not in c.get(ok["Location"]).content.decode()


def test_the_lead_list_offers_the_form_to_bodies_only(ledger):
    link = reverse("supervision:lead_create")
    for persona, shown in (("jijian", True), ("manager_a", False), ("admin", False)):
        body = matrix.client_for(ledger.world, persona).get(reverse("supervision:lead_list"))
        assert (link in body.content.decode()) is shown


def test_a_settle_refused_shows_the_reason_and_changes_nothing(ledger):
    c = matrix.client_for(ledger.world, "jijian")
    url = reverse("supervision:lead_settle", args=[ledger.lead.pk])
    r = c.post(url, {"result": "已立案", "feedback_on": "2026-10-01"})
    assert r.status_code == 400 and "反馈日期不能早于移交日期" in r.content.decode()
    r = c.post(url, {"result": "", "feedback_on": today().isoformat()})
    assert r.status_code == 400
    ledger.lead.refresh_from_db()
    assert ledger.lead.feedback_on is None


# --- API ------------------------------------------------------------------------------------

API = {
    # admin/outsider/member: the organisation is not theirs to name (400); a manager names
    # it but is no body (403)
    "create": [403, 403, 400, 400, 400, 400, 201, 201, 201],
    "settle": [404, 404, 404, 404, 404, 404, 404, 200, 403],
}


@pytest.mark.parametrize(("call", "persona"), matrix.cases(API, PERSONAS))
def test_the_lead_endpoints_answer_by_scope(ledger, call, persona):
    bodies = {"xuncha": "巡察", "jijian": "纪委", "shenji": "审计"}
    if call == "create":
        frm = bodies.get(persona, "巡察")
        status, body = matrix.api_call(
            ledger.world,
            persona,
            "post",
            "/supervision/leads",
            {
                "from_body": frm,
                "to_body": "派驻组" if frm != "纪委" else "审计",
                "org": ledger.world.dw.code,
                "case": "线索内容",
                "transferred_on": "2026-11-02",
            },
        )
    else:
        status, body = matrix.api_call(
            ledger.world,
            persona,
            "post",
            f"/supervision/leads/{ledger.lead.pk}/settle",
            {"result": "已立案", "feedback_on": today().isoformat()},
        )
    assert status == API[call][PERSONAS.index(persona)], body
    if status >= 400:
        assert isinstance(body["detail"], str | list)
    created = Lead.objects.exclude(pk=ledger.lead.pk).count()
    assert created == (1 if call == "create" and status == 201 else 0)


def test_the_api_refuses_bad_leads_with_a_chinese_detail(ledger):
    payload = {
        "from_body": "巡察",
        "to_body": "纪委",
        "org": ledger.world.dw.code,
        "case": "线索",
        "transferred_on": "1999-05-01",
    }
    status, body = matrix.api_call(ledger.world, "xuncha", "post", "/supervision/leads", payload)
    assert status == 400 and "2000" in str(body["detail"])
    payload.update(transferred_on="2026-11-02", item_id=999999)
    status, body = matrix.api_call(ledger.world, "xuncha", "post", "/supervision/leads", payload)
    assert status == 400 and "来源问题" in str(body["detail"])
    assert Lead.objects.count() == 1


# --- recommendations: the recipient's reply, the issuer's follow-up ---------------------------


@pytest.fixture
def rec_ledger(world) -> Ledger:
    return make_ledger(world, recommendation=True)


def test_the_recipient_replies_once_and_the_issuer_follows_up(rec_ledger):
    from lianjian.supervision.models import Recommendation

    rec = Recommendation.objects.get()
    with pytest.raises(PermissionDenied):  # the issuer does not answer its own
        services.recommendation_reply(
            actor=rec_ledger.shenji, rec=rec, reply="已整改", replied_on=today()
        )
    with pytest.raises(PermissionDenied):  # the recipient does not follow up
        services.recommendation_follow_up(actor=rec_ledger.world.manager_b, rec=rec, note="已办")
    with pytest.raises(ValidationError):
        services.recommendation_reply(
            actor=rec_ledger.world.manager_b, rec=rec, reply="已整改", replied_on=D(1900, 1, 1)
        )
    rec.refresh_from_db()
    assert rec.replied_on is None
    services.recommendation_reply(
        actor=rec_ledger.world.manager_b, rec=rec, reply="已建立台账", replied_on=today()
    )
    with pytest.raises(ValidationError):
        services.recommendation_reply(
            actor=rec_ledger.world.manager_b, rec=rec, reply="改", replied_on=today()
        )
    services.recommendation_follow_up(actor=rec_ledger.shenji, rec=rec, note="电话督办")
    services.recommendation_follow_up(actor=rec_ledger.shenji, rec=rec, note="现场核查")
    rec.refresh_from_db()
    assert rec.reply == "已建立台账"
    assert rec.follow_up.splitlines() == [
        f"{today():%Y-%m-%d} 电话督办",
        f"{today():%Y-%m-%d} 现场核查",
    ]
    logs = AuditLog.objects.filter(target_id=str(rec.pk), action=AuditLog.Action.UPDATE)
    assert logs.count() == 3


REC_API = {
    "reply": [200, 200, 404, 404, 200, 404, 404, 404, 403],
    "follow-up": [200, 403, 404, 404, 403, 404, 404, 404, 200],
}


@pytest.mark.parametrize(("call", "persona"), matrix.cases(REC_API, PERSONAS))
def test_the_recommendation_endpoints_answer_by_scope(rec_ledger, call, persona):
    from lianjian.supervision.models import Recommendation

    rec = Recommendation.objects.get()
    body = (
        {"reply": "已建立台账", "replied_on": today().isoformat()}
        if call == "reply"
        else {"note": "电话督办"}
    )
    status, out = matrix.api_call(
        rec_ledger.world, persona, "post", f"/supervision/recommendations/{rec.pk}/{call}", body
    )
    assert status == REC_API[call][PERSONAS.index(persona)], out
    rec.refresh_from_db()
    changed = bool(rec.replied_on) if call == "reply" else bool(rec.follow_up)
    assert changed is (status == 200)


#                       admin company a    member b    outsider xuncha jijian shenji
REC_SCREENS = {
    "detail": [200, 200, 404, 404, 200, 404, 404, 404, 200],
    "reply": [302, 302, 404, 404, 302, 404, 404, 404, 403],
    "follow-up": [302, 403, 404, 404, 403, 404, 404, 404, 302],
}


@pytest.mark.parametrize(("view", "persona"), matrix.cases(REC_SCREENS, PERSONAS))
def test_the_recommendation_screens_answer_by_scope(rec_ledger, view, persona):
    from lianjian.supervision.models import Recommendation

    rec = Recommendation.objects.get()
    c = matrix.client_for(rec_ledger.world, persona)
    if view == "detail":
        response = c.get(reverse("supervision:recommendation_detail", args=[rec.pk]))
    elif view == "reply":
        response = c.post(
            reverse("supervision:recommendation_reply", args=[rec.pk]),
            {"reply": "已建立台账", "replied_on": today().isoformat()},
        )
    else:
        response = c.post(
            reverse("supervision:recommendation_follow_up", args=[rec.pk]), {"note": "电话督办"}
        )
    assert response.status_code == REC_SCREENS[view][PERSONAS.index(persona)]
    rec.refresh_from_db()
    assert bool(rec.replied_on) is (view == "reply" and response.status_code == 302)
    assert bool(rec.follow_up) is (view == "follow-up" and response.status_code == 302)


def test_the_recommendation_page_offers_each_its_own_form(rec_ledger):
    from lianjian.supervision.models import Recommendation

    rec = Recommendation.objects.get()
    url = reverse("supervision:recommendation_detail", args=[rec.pk])
    recipient = matrix.client_for(rec_ledger.world, "manager_b").get(url).content.decode()
    issuer = matrix.client_for(rec_ledger.world, "shenji").get(url).content.decode()
    assert "回复建议" in recipient and "督办</h3>" not in recipient
    assert "回复建议" not in issuer and "督办</h3>" in issuer
    bad = matrix.client_for(rec_ledger.world, "manager_b").post(
        reverse("supervision:recommendation_reply", args=[rec.pk]),
        {"reply": "已建立台账", "replied_on": "1900-01-01"},
    )
    assert bad.status_code == 400
    rec.refresh_from_db()
    assert rec.replied_on is None
    listing = matrix.client_for(rec_ledger.world, "manager_b").get(
        reverse("supervision:recommendation_list")
    )
    assert url in listing.content.decode()
