"""Personal numbers on every output, per persona (issue #16, item 2).

The liaison phone of an alliance member and an expert's contact phone follow the one masking
rule (docs/security.md §2) on the alliance page, in the alliances and resources API, in the
audit log and its history, in the edit form and in the Excel exports: a viewer who may see
the number gets it in clear, one who may not gets it masked and never in clear.
"""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from lianjian.alliances import services as alliance_services
from lianjian.alliances.models import AllianceMember
from lianjian.core.audit import snapshot
from lianjian.core.excel import get_kind
from lianjian.core.models import AuditLog
from lianjian.sharing import services as sharing_services
from tests.alliance_helpers import make_alliances
from tests.api_helpers import call
from tests.excel_helpers import read_xlsx, run

# ---- the liaison phone: alliance page, API, audit, edit form --------------------------------

GOV_PHONE, GOV_MASKED = "024-44556677", "024****6677"


@pytest.fixture
def aw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    alliances = make_alliances(world)
    # ZB-A's liaison is its member 张三 (M-A1): the phone is his own.
    own = alliances.lj_a.memberships.get(org=world.zb_a)
    alliance_services.alliance_member_update(
        actor=None, membership=own, liaison="张三", liaison_phone="13812345678"
    )
    return alliances


def test_a_liaison_phone_that_is_a_members_own_is_linked_to_that_member(world, aw):
    rows = {
        m.org.code: m for m in AllianceMember.objects.filter(alliance=aw.lj_a).select_related("org")
    }
    assert (
        rows["ZB-A"].liaison_member_id,
        rows["WB-GOV"].liaison_member_id,
        rows["ZB-B"].liaison_member_id,
    ) == (world.m_a1.pk, None, None)
    # Only the row's own subtree is searched: M-A1's phone on ZB-B's row stays ZB-B's to guard.
    alliance_services.alliance_member_update(
        actor=None, membership=rows["ZB-B"], liaison_phone="13812345678"
    )
    assert AllianceMember.objects.get(pk=rows["ZB-B"].pk).liaison_member_id is None


# (persona, WB-GOV's liaison phone, ZB-A's liaison phone = M-A1's own)
PAGE_CASES = [
    ("manager_b", GOV_MASKED, "138****5678"),  # sees the alliance through ZB-B, manages neither
    ("manager_a", GOV_MASKED, "13812345678"),  # manages the alliance (its lead) but not WB-GOV
    ("member_a", GOV_MASKED, "13812345678"),  # M-A1 sees his own number
    ("company", GOV_PHONE, "13812345678"),  # manages DW: WB-GOV and ZB-A
    ("admin", GOV_PHONE, "13812345678"),
]


def test_the_alliance_page_shows_liaison_phones_by_the_rule(world, aw):
    for persona, gov, zb_a in PAGE_CASES:
        client = Client()
        client.force_login(getattr(world, persona))
        html = client.get(reverse("alliances:alliance_detail", args=["LJ-A"])).content.decode()
        cells = dict(
            re.findall(
                r'<tr data-org="([^"]+)">.*?<td class="hide-sm"[^>]*>([^<]*)</td>', html, re.S
            )
        )
        assert (persona, cells) == (persona, {"WB-GOV": gov, "ZB-A": zb_a, "ZB-B": "—"})
        for clear in {GOV_PHONE, "13812345678"} - {gov, zb_a}:
            assert clear not in html, persona


def test_the_alliances_api_shows_liaison_phones_by_the_rule(world, aw):
    for persona, gov, zb_a in PAGE_CASES:
        user = getattr(world, persona)
        status, data = call("get", "/alliances/LJ-A", user=user)
        phones = {m["org"]: m["liaison_phone"] for m in data["current_members"]}
        assert (persona, status, phones) == (
            persona,
            200,
            {"WB-GOV": gov, "ZB-A": zb_a, "ZB-B": ""},
        )
        status, listing = call("get", "/alliances", user=user)
        assert status == 200
        for clear in {GOV_PHONE, "13812345678"} - {gov, zb_a}:
            assert clear not in str(data) and clear not in str(listing), persona


def test_a_past_members_liaison_phone_is_masked_too(world, aw):
    gov = aw.lj_a.memberships.get(org=world.partner)
    alliance_services.alliance_member_update(actor=None, membership=gov, left_on=aw.lj_a.founded)
    status, data = call("get", "/alliances/LJ-A", user=world.manager_b)
    assert (status, [(m["org"], m["liaison_phone"]) for m in data["past_members"]]) == (
        200,
        [("WB-GOV", GOV_MASKED)],
    )


def test_the_audit_row_of_a_liaison_change_holds_the_phone_masked(world, aw):
    gov = aw.lj_a.memberships.get(org=world.partner)
    alliance_services.alliance_member_update(
        actor=world.company, membership=gov, liaison_phone="13311112222"
    )
    log = AuditLog.objects.filter(target_type="alliances.alliance", target_id="LJ-A").first()
    assert (log.actor_name, log.before, log.after) == (
        "company",
        {"member": "WB-GOV", "liaison_phone": GOV_MASKED},
        {"member": "WB-GOV", "liaison_phone": "133****2222"},
    )
    client = Client()
    client.force_login(world.manager_b)
    html = client.get(reverse("alliances:alliance_detail", args=["LJ-A"])).content.decode()
    assert "13311112222" not in html and GOV_PHONE not in html


def test_snapshot_masks_every_declared_field_by_itself(world, aw):
    resource = sharing_services.resource_create(
        actor=None,
        code="R-S",
        name="专家",
        kind="专家",
        owner=world.zb_a,
        member=world.m_a1,
        contact="张三",
        contact_phone="13812345678",
    )
    gov = aw.lj_a.memberships.get(org=world.partner)
    assert snapshot(world.m_a1, ["phone", "id_number", "name"]) == {
        "phone": "138****5678",
        "id_number": "1101**********1233",
        "name": "张三",
    }
    assert snapshot(gov, ["liaison_phone"]) == {"liaison_phone": GOV_MASKED}
    assert snapshot(resource, ["contact_phone"]) == {"contact_phone": "138****5678"}


def test_the_migration_masks_liaison_phones_logged_in_clear(world, aw):
    old = AuditLog.objects.create(
        action="update",
        target_type="alliances.alliance",
        target_id="LJ-A",
        before={"member": "WB-GOV", "liaison_phone": "13311112222"},
        after={"member": "WB-GOV", "liaison_phone": GOV_PHONE},
    )
    migration = importlib.import_module("lianjian.alliances.migrations.0003_liaison_member")
    migration.mask_logged_phones(apps, None)
    old.refresh_from_db()
    assert (old.before, old.after) == (
        {"member": "WB-GOV", "liaison_phone": "133****2222"},
        {"member": "WB-GOV", "liaison_phone": GOV_MASKED},
    )


def test_the_liaison_form_prefills_masked_and_keeps_the_number_when_sent_back(world, aw):
    gov = aw.lj_a.memberships.get(org=world.partner)
    url = reverse("alliances:member_edit", args=["LJ-A", gov.pk])
    client = Client()
    client.force_login(world.manager_a)  # manages the alliance, not WB-GOV
    html = client.get(url).content.decode()
    assert GOV_PHONE not in html and f'value="{GOV_MASKED}"' in html
    response = client.post(
        url, {"liaison": "周联络二", "liaison_phone": GOV_MASKED, "liaison_post": "机关党委副书记"}
    )
    assert response.status_code == 302
    gov.refresh_from_db()
    assert (gov.liaison, gov.liaison_phone) == ("周联络二", GOV_PHONE)
    client.force_login(world.company)  # may see it: the form holds it in clear
    assert f'value="{GOV_PHONE}"' in client.get(url).content.decode()


# ---- exports ------------------------------------------------------------------------------


@pytest.fixture
def expert(world, settings, tmp_path):
    """A resource of ZB-A whose expert (and contact) is M-B1 of ZB-B."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return sharing_services.resource_create(
        actor=None,
        code="R-EXP",
        name="带电作业专家",
        kind="专家",
        owner=world.zb_a,
        member=world.m_b1,
        sharing="全部内部组织",
        contact="王五",
        contact_phone="13700000002",
    )


def test_the_resource_export_and_api_show_an_experts_phone_by_his_rule(world, expert, tmp_path):
    for persona, phone in [
        ("manager_a", "137****0002"),  # owns the resource, but the number is M-B1's
        ("manager_b", "13700000002"),  # M-B1's own branch: the number is his
        ("company", "13700000002"),
    ]:
        client = Client()
        client.force_login(getattr(world, persona))
        response = client.get(reverse("orgs:export_download"), {"kind": "resources"})
        _, rows = read_xlsx(b"".join(response.streaming_content))
        status, data = call("get", "/resources/R-EXP", user=getattr(world, persona))
        assert (persona, [(r[0], r[14]) for r in rows], status, data["phone"]) == (
            persona,
            [("R-EXP", phone)],
            200,
            phone,
        )
    # The command line is the system: it exports in clear.
    code, _, _ = run("export", "resources", str(tmp_path / "r.xlsx"))
    _, rows = read_xlsx(tmp_path / "r.xlsx")
    assert (code, [(r[0], r[14]) for r in rows]) == (0, [("R-EXP", "13700000002")])
    rows = list(get_kind("members").export_rows(user=None, org_code="ZB-B"))
    assert [(r[0], r[10]) for r in rows] == [("M-B1", "13700000002")]
