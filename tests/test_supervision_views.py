"""The ledger's screens: the permission matrix of every view (404 outside the user's sight,
403 for a write refused on a visible row, nothing changed), the 销号 loop through the
screens, lead reads recorded, query counts pinned."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.supervision import rules, services
from lianjian.supervision.models import Item, LeadRead, Measure
from tests import matrix
from tests.report_helpers import report_download
from tests.supervision_helpers import PERSONAS, Ledger, make_ledger

D = datetime.date


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def client(world, persona: str) -> Client:
    return matrix.client_for(world, persona)


#                          admin company a    member b    outsider xuncha jijian shenji
READS = {
    "dashboard": ([200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "batch_list": ([200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "item_list": ([200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "lead_list": ([200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "recommendation_list": ([200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "batch_xc": ([200, 200, 200, 404, 200, 404, 200, 404, 404]),
    "batch_ns": ([200, 404, 404, 404, 404, 404, 404, 404, 200]),
    "item_a": ([200, 200, 200, 200, 404, 404, 200, 404, 404]),
    "item_b": ([200, 200, 404, 404, 200, 404, 200, 404, 404]),
    # a lead: only the bodies involved (审计 → 纪委)
    # the admin's everything-scope does not reach a lead's content
    "lead": ([404, 404, 404, 404, 404, 404, 404, 200, 200]),
}


def url(led, view: str) -> str:
    if view == "batch_xc":
        return reverse("supervision:batch_detail", args=[led.batch.code])
    if view == "batch_ns":
        return reverse("supervision:batch_detail", args=[led.audit.code])
    if view == "item_a":
        return reverse("supervision:item_detail", args=[led.item_a.pk])
    if view == "item_b":
        return reverse("supervision:item_detail", args=[led.item_b.pk])
    if view == "lead":
        return reverse("supervision:lead_detail", args=[led.lead.pk])
    return reverse(f"supervision:{view}")


@pytest.mark.parametrize(("view", "persona"), matrix.cases(READS, PERSONAS))
def test_every_screen_answers_by_scope(ledger, view, persona):
    response = client(ledger.world, persona).get(url(ledger, view))
    assert response.status_code == READS[view][PERSONAS.index(persona)]


def test_a_branch_sees_only_its_items_on_the_lists(ledger):
    body = client(ledger.world, "manager_a").get(reverse("supervision:item_list")).content.decode()
    assert "三会一课" in body and "物资台账" not in body
    body = client(ledger.world, "manager_b").get(reverse("supervision:item_list")).content.decode()
    assert "三会一课" not in body and "物资台账" in body


def test_nobody_outside_the_bodies_sees_a_lead_on_the_list(ledger):
    for persona in ("jijian", "shenji"):
        body = client(ledger.world, persona).get(reverse("supervision:lead_list")).content.decode()
        assert f'data-lead="{ledger.lead.pk}"' in body
    for persona in ("admin", "company", "manager_b", "xuncha", "outsider"):
        body = client(ledger.world, persona).get(reverse("supervision:lead_list")).content.decode()
        assert "data-lead=" not in body


def test_every_read_of_a_lead_is_recorded(ledger):
    c = client(ledger.world, "jijian")
    c.get(url(ledger, "lead"))
    c.get(url(ledger, "lead"))
    client(ledger.world, "company").get(url(ledger, "lead"))  # 404: not recorded as a read
    assert LeadRead.objects.filter(lead=ledger.lead, reader=ledger.jijian).count() == 2
    assert LeadRead.objects.count() == 2


def test_the_dashboard_shows_counts_not_leads(ledger):
    body = client(ledger.world, "company").get(reverse("supervision:dashboard")).content.decode()
    assert 'data-figure="total">2<' in body
    assert 'data-figure="leads"' not in body and "拆分合同" not in body
    body = client(ledger.world, "jijian").get(reverse("supervision:dashboard")).content.decode()
    assert 'data-figure="leads"' in body


#                 admin company a    member b    outsider xuncha jijian shenji
WRITES = {
    "measure_add_a": [302, 302, 302, 403, 404, 404, 403, 404, 404],
    "apply_a": [400, 400, 400, 403, 404, 404, 403, 404, 404],  # 400: no measure yet (the gate)
    "accept_a": [400, 403, 403, 403, 404, 404, 400, 404, 404],  # 400: not applied for
    "progress_a": [302, 302, 302, 403, 404, 404, 403, 404, 404],
    "verify_a": [302, 403, 403, 403, 404, 404, 302, 404, 404],  # only the issuing body verifies
}


def _write(led, key: str, c: Client):
    pk = led.item_a.pk
    if key == "measure_add_a":
        return c.post(
            reverse("supervision:measure_add", args=[pk]),
            {"text": "规范记录", "deadline": "2027-01-31", "owner": "张三"},
        )
    if key == "apply_a":
        return c.post(reverse("supervision:item_apply", args=[pk]))
    if key == "progress_a":
        return c.post(
            reverse("supervision:item_progress", args=[pk]),
            {"progress": "已整改一半", "results": "", "evidence": ""},
        )
    if key == "verify_a":
        measure = Measure.objects.get(item_id=pk)
        return c.post(reverse("supervision:measure_step", args=[measure.pk]), {"state": "已核验"})
    return c.post(reverse("supervision:item_accept", args=[pk]))


def _state(led):
    item = Item.objects.get(pk=led.item_a.pk)
    measures = list(Measure.objects.filter(item=item).values_list("state", flat=True))
    return (item.state, item.progress, measures)


@pytest.mark.parametrize(("key", "persona"), matrix.cases(WRITES, PERSONAS))
def test_every_write_answers_by_scope_and_a_refusal_changes_nothing(ledger, key, persona):
    if key == "apply_a":
        services.item_act(actor=None, item=ledger.item_a, action=rules.START)
    if key == "verify_a":
        m = services.measure_add(
            actor=None, item=ledger.item_a, text="措施", deadline=D(2027, 1, 1)
        )
        for state in (rules.ADVANCING, rules.COMPLETED):
            services.measure_step(actor=None, measure=m, state=state)
    matrix.assert_write(
        lambda: _state(ledger),
        lambda: _write(ledger, key, client(ledger.world, persona)),
        WRITES[key][PERSONAS.index(persona)],
    )


def test_the_loop_through_the_screens(ledger):
    w = ledger.world
    unit, body = client(w, "manager_a"), client(w, "xuncha")
    pk = ledger.item_a.pk
    detail = reverse("supervision:item_detail", args=[pk])
    assert (
        unit.post(
            reverse("supervision:measure_add", args=[pk]),
            {"text": "规范记录", "deadline": "2027-01-31"},
        ).status_code
        == 302
    )
    m = Measure.objects.get(item_id=pk)
    for state in ("推进中", "已完成"):
        assert (
            unit.post(
                reverse("supervision:measure_step", args=[m.pk]), {"state": state}
            ).status_code
            == 302
        )
    # the unit cannot verify: 403, nothing changed
    assert (
        unit.post(reverse("supervision:measure_step", args=[m.pk]), {"state": "已核验"}).status_code
        == 403
    )
    refused = unit.post(reverse("supervision:item_apply", args=[pk]))
    assert refused.status_code == 400 and "未核验" in refused.content.decode()
    assert (
        body.post(reverse("supervision:measure_step", args=[m.pk]), {"state": "已核验"}).status_code
        == 302
    )
    assert unit.post(reverse("supervision:item_apply", args=[pk])).status_code == 302
    refused = body.post(reverse("supervision:item_return", args=[pk]), {"reason": ""})
    assert refused.status_code == 400 and "原因" in refused.content.decode()
    assert (
        body.post(reverse("supervision:item_return", args=[pk]), {"reason": "佐证不全"}).status_code
        == 302
    )
    assert unit.post(reverse("supervision:item_apply", args=[pk])).status_code == 302
    assert body.post(reverse("supervision:item_accept", args=[pk])).status_code == 302
    page = body.get(detail).content.decode()
    assert "已销号" in page and "佐证不全" in page and 'id="act-confirm"' in page
    assert Item.objects.get(pk=pk).state == rules.CLOSED


def test_another_branch_cannot_reach_an_item_by_address(ledger):
    c = client(ledger.world, "manager_b")
    pk = ledger.item_a.pk
    assert c.get(reverse("supervision:item_detail", args=[pk])).status_code == 404
    assert c.post(reverse("supervision:item_apply", args=[pk])).status_code == 404


@pytest.mark.parametrize("view", ["item_list", "batch_list", "dashboard", "batch_xc"])
def test_query_counts_do_not_grow_with_rows(ledger, view, django_assert_max_num_queries):
    for n in range(3, 15):
        services.item_create(
            actor=None,
            batch=ledger.batch,
            number=str(n),
            description=f"问题{n}",
            responsible_org=ledger.world.zb_a,
            kind="限期整改",
            deadline=D(2027, 6, 30),
        )
    c = client(ledger.world, "xuncha")
    with django_assert_max_num_queries(12):
        assert c.get(url(ledger, view)).status_code == 200


def test_the_word_report_lists_the_items_the_user_sees(ledger):
    services.measure_add(
        actor=ledger.world.manager_a,
        item=ledger.item_a,
        text="逐月检查记录",
        deadline=D(2027, 1, 31),
    )
    url_ = reverse("supervision:batch_report", args=[ledger.batch.code])
    doc = report_download(client(ledger.world, "xuncha"), url_)
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert "整改情况报告" in text and "问题1" in text and "问题2" in text
    assert "逐月检查记录" in cells and "公司党委第一巡察组" in cells
    # a branch gets the report of its own items only; another body gets 404
    doc = report_download(client(ledger.world, "manager_b"), url_, method="get")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "问题2" in text and "问题1" not in text and "共 2 个" in text
    assert client(ledger.world, "jijian").get(url_).status_code == 404


def test_a_body_filters_its_items_by_any_organisation_under_it(ledger):
    c = client(ledger.world, "xuncha")
    page = c.get(reverse("supervision:item_list"), {"org": "ZB-A"})
    assert [i.number for i in page.context["page"].object_list] == ["1"]
    # the picker offers the organisations under the body's grant, not only its own
    found = c.get(reverse("core:picker", args=["supervision.orgs"]), {"q": "ZB"}).content.decode()
    assert "ZB-A" in found and "ZB-B" in found and "ZB-X" not in found
    # another company's organisation matches nothing
    page = client(ledger.world, "manager_a").get(reverse("supervision:item_list"), {"org": "ZB-B"})
    assert list(page.context["page"].object_list) == []


#                 admin company a    member b    outsider xuncha jijian shenji
CREATE = {
    "batch_form": [200, 200, 200, 403, 200, 200, 200, 200, 200],
    "item_form": [200, 403, 403, 404, 403, 404, 200, 404, 404],
}


@pytest.mark.parametrize(("key", "persona"), matrix.cases(CREATE, PERSONAS))
def test_the_create_screens_answer_by_scope(ledger, key, persona):
    url_ = (
        reverse("supervision:batch_create")
        if key == "batch_form"
        else reverse("supervision:item_create", args=[ledger.batch.code])
    )
    assert (
        client(ledger.world, persona).get(url_).status_code == CREATE[key][PERSONAS.index(persona)]
    )


def _batch_post(source: str = "巡察") -> dict[str, str]:
    return {
        "code": "XC-2026-02",
        "title": "第二轮巡察",
        "source": source,
        "issuing_body": "第二巡察组",
        "issuing_org": "DW",
        "inspected_org": "ZB-B",
        "feedback_date": "2026-11-01",
    }


def test_a_body_issues_its_own_sources_only(ledger):
    from lianjian.supervision.models import Batch

    refused = client(ledger.world, "jijian").post(
        reverse("supervision:batch_create"), _batch_post()
    )
    assert refused.status_code == 400 and "无权" in refused.content.decode()
    assert not Batch.objects.filter(code="XC-2026-02").exists()
    done = client(ledger.world, "xuncha").post(reverse("supervision:batch_create"), _batch_post())
    assert done.status_code == 302
    assert Batch.objects.get(code="XC-2026-02").report_due == D(2027, 1, 1)


def test_the_body_adds_an_item_with_pickers(ledger):
    c = client(ledger.world, "xuncha")
    response = c.post(
        reverse("supervision:item_create", args=[ledger.batch.code]),
        {
            "number": "3",
            "description": "党员教育培训学时不足",
            "responsible_org": "ZB-A",
            "responsible_leader": "M-A1",
            "kind": "限期整改",
            "deadline": "2027-02-28",
            "important": "on",
        },
    )
    assert response.status_code == 302
    item = Item.objects.get(batch=ledger.batch, number="3")
    assert (item.responsible_org.code, item.responsible_leader.number, item.important) == (
        "ZB-A",
        "M-A1",
        True,
    )
    # another company's organisation cannot be named: the form refuses, nothing written
    bad = c.post(
        reverse("supervision:item_create", args=[ledger.batch.code]),
        {
            "number": "4",
            "description": "x",
            "responsible_org": "ZB-X",
            "kind": "限期整改",
            "deadline": "2027-02-28",
        },
    )
    assert bad.status_code == 400 and not Item.objects.filter(number="4").exists()


def test_the_item_page_shows_its_rule_changes_and_accountability_to_the_body_only(ledger):
    from decimal import Decimal

    services.system_change_create(
        actor=None,
        org=ledger.world.dw,
        title="物资管理办法（修订）",
        kind="修订",
        adopted_on=D(2026, 11, 1),
        items=[ledger.item_b],
    )
    services.accountability_create(
        actor=ledger.xuncha,
        item=ledger.item_b,
        subject="物资管理员",
        responsibility="直接",
        handling="诫勉谈话",
        decided_on=D(2026, 11, 20),
        business_track=True,
        loss=Decimal(6_000_000),
    )
    url_ = reverse("supervision:item_detail", args=[ledger.item_b.pk])
    body = client(ledger.world, "xuncha").get(url_).content.decode()
    assert "物资管理办法（修订）" in body and "诫勉谈话" in body and "较大" in body
    body = client(ledger.world, "manager_b").get(url_).content.decode()
    assert "物资管理办法（修订）" not in body  # ZB-B does not see the company's rule record
    assert "诫勉谈话" not in body  # accountability is the body's


def test_the_body_records_a_report_and_the_due_date_moves_on(ledger):
    url_ = reverse("supervision:report_submit", args=[ledger.audit.code])
    assert client(ledger.world, "xuncha").get(url_).status_code == 404  # not its batch
    c = client(ledger.world, "shenji")
    bad = c.post(url_, {"title": "首次整改报告", "submitted_on": "2026-09-01"})
    assert bad.status_code == 400 and "反馈日期" in bad.content.decode()
    assert not ledger.audit.reports.exists()
    assert c.post(url_, {"title": "首次整改报告", "submitted_on": "2026-10-09"}).status_code == 302
    assert ledger.audit.reports.count() == 1
    page = c.get(reverse("supervision:batch_detail", args=[ledger.audit.code])).content.decode()
    assert "首次整改报告" in page
