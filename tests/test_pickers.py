"""Choose, don't type (#18 point 7): the one picker of organisations, members and alliances.

The lookup answers only the rows the user may choose for that field (an out-of-scope row
never appears, not even by its exact code), finds them by name, pinyin initials or code,
is limited and costs the same number of queries however many rows match; every form field
that names an organisation, a member or an alliance uses it; an edit form shows the chosen
name; a code typed by hand (no JavaScript) outside the scope is refused as before.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianjian.alliances import services as alliance_services
from lianjian.alliances.models import Alliance, AllianceMember, AllianceType
from lianjian.core.audit import AuditLog
from lianjian.core.pickers import LIMIT, get_source
from lianjian.core.widgets import Picker
from lianjian.orgs.models import Organisation
from lianjian.orgs.services import org_create, org_update
from tests.alliance_helpers import make_alliances


def client_for(world, persona: str) -> Client:
    c = Client()
    c.force_login(getattr(world, persona))
    return c


def pick(client: Client, source: str, q: str = "", **params: str) -> list[str]:
    """The codes the picker offers, in order."""
    response = client.get(reverse("core:picker", args=[source]), {"q": q, **params})
    assert response.status_code == 200
    return re.findall(r'data-code="([^"]+)"', response.content.decode())


# --- the stored initials --------------------------------------------------------------------


def test_an_organisation_keeps_the_pinyin_initials_of_its_name(world):
    assert Organisation.objects.get(code="ZB-A").initials == "yxfwdzb"
    org_update(actor=None, org=world.zb_b, name="桓仁县供电分公司党支部")
    assert Organisation.objects.get(code="ZB-B").initials == "hrxgdfgsdzb"


def test_an_alliance_keeps_the_pinyin_initials_of_its_name(world):
    aw = make_alliances(world)
    assert Alliance.objects.get(code="LJ-A").initials == "yxzqlj"
    alliance_services.alliance_update(actor=None, alliance=aw.lj_a, name="桓仁联建网")
    assert Alliance.objects.get(code="LJ-A").initials == "hrljw"


def test_organisations_imported_from_excel_get_their_initials_and_keep_them_on_rename(
    world, tmp_path
):
    from tests.excel_helpers import make_xlsx, run

    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [
            ["ZB-HR", "桓仁县供电分公司党支部", "党支部", "DW"],
            ["ZB-B", "本溪满族自治县党支部", "党支部", "DW"],
        ],
    )
    assert run("import", "orgs", str(path))[0] == 0
    assert Organisation.objects.get(code="ZB-HR").initials == "hrxgdfgsdzb"
    assert Organisation.objects.get(code="ZB-B").initials == "bxmzzzxdzb"


# --- matching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "first"),
    [
        ("营销服务", "ZB-A"),  # part of the name
        ("运维", "ZB-B"),
        ("ywjx", "ZB-B"),  # pinyin initials
        ("YWJX", "ZB-B"),  # … in capitals
        ("zb-b", "ZB-B"),  # the code, in any case
        ("XZ-A1", "XZ-A1"),  # the exact code first
    ],
)
def test_the_picker_finds_an_organisation_by_name_initials_or_code(world, q, first):
    assert pick(client_for(world, "company"), "orgs.managed", q)[0] == first


def test_an_exact_code_comes_before_codes_that_merely_begin_with_it(world):
    org_create(actor=None, code="ZB-AB", name="营销二支部", kind="党支部", parent=world.dw)
    assert pick(client_for(world, "company"), "orgs.managed", "zb-a")[:2] == ["ZB-A", "ZB-AB"]


def test_a_member_is_found_by_name_initials_or_number(world):
    c = client_for(world, "manager_a")
    assert pick(c, "orgs.members", "张三") == ["M-A1"]
    assert pick(c, "orgs.members", "zs") == ["M-A1"]
    assert pick(c, "orgs.members", "m-a2") == ["M-A2"]


def test_an_alliance_is_found_by_name_initials_or_code(world):
    make_alliances(world)
    c = client_for(world, "manager_b")
    assert pick(c, "alliances.visible", "营销") == ["LJ-A"]
    assert pick(c, "alliances.visible", "yxzq") == ["LJ-A"]
    assert pick(c, "alliances.visible", "lj-a") == ["LJ-A"]


def test_the_answer_names_each_row_and_shows_its_code_small(world):
    page = (
        client_for(world, "company")
        .get(reverse("core:picker", args=["orgs.managed"]), {"q": "ywjx"})
        .content.decode()
    )
    assert 'data-label="运维检修党支部"' in page
    assert "<small" in page and "ZB-B · 本溪供电公司党委" in page


def test_a_search_without_a_match_says_so_in_chinese(world):
    page = (
        client_for(world, "company")
        .get(reverse("core:picker", args=["orgs.managed"]), {"q": "不存在的"})
        .content.decode()
    )
    assert "没有匹配“不存在的”的组织" in page


# --- scope ----------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["ZB-X", "zb-x", "外公司", "wgs", "DW2", ""])
def test_an_out_of_scope_organisation_never_appears_not_even_by_its_exact_code(world, q):
    for persona in ("company", "manager_a", "manager_b", "member_a"):
        for source in (
            "orgs.managed",
            "orgs.managed_internal",
            "orgs.visible_internal",
            "orgs.partners",
        ):
            codes = pick(client_for(world, persona), source, q)
            assert "ZB-X" not in codes and "DW2" not in codes, (persona, source)


def test_managed_sources_offer_only_what_the_user_manages(world):
    assert pick(client_for(world, "manager_a"), "orgs.managed") == ["ZB-A", "XZ-A1"]
    assert pick(client_for(world, "manager_a"), "orgs.managed", "ZB-B") == []
    assert pick(client_for(world, "member_a"), "orgs.managed") == []
    assert pick(client_for(world, "outsider"), "orgs.managed", "ZB-A") == []


def test_an_alliance_members_field_offers_partner_units_but_not_other_companies(world):
    codes = pick(client_for(world, "manager_a"), "orgs.partners")
    assert "WB-GOV" in codes and "ZB-B" not in codes and "ZB-X" not in codes


def test_a_member_out_of_scope_never_appears_not_even_by_number(world):
    c = client_for(world, "manager_a")
    assert pick(c, "orgs.members", "M-B1") == []
    assert pick(c, "orgs.members", "M-X1") == []
    assert pick(c, "orgs.members", "赵六") == []
    assert pick(client_for(world, "outsider"), "orgs.members") == ["M-X1"]


def test_an_invisible_alliance_never_appears_and_opens_no_organisations(world):
    make_alliances(world)
    c = client_for(world, "manager_a")
    assert pick(c, "alliances.visible", "LJ-X") == []
    # Co-organisers: what the user sees, and the organisations of an alliance the user sees.
    assert "ZB-X" not in pick(c, "alliances.co_organisers", "", alliance="LJ-X")
    assert "DW2" not in pick(c, "alliances.co_organisers", "dw2", alliance="LJ-X")
    outsider_view = pick(client_for(world, "outsider"), "alliances.co_organisers")
    assert "ZB-A" not in outsider_view


def test_co_organisers_include_the_chosen_alliances_organisations(world):
    aw = make_alliances(world)
    # ZB-X joins LJ-A: manager_a does not see ZB-X, but may hold an LJ-A activity with it.
    AllianceMember.objects.create(alliance=aw.lj_a, org=world.zb_x)
    c = client_for(world, "manager_a")
    assert "ZB-X" not in pick(c, "alliances.co_organisers", "ZB-X")
    assert pick(c, "alliances.co_organisers", "ZB-X", alliance="LJ-A") == ["ZB-X"]


def test_the_lookup_needs_a_login_and_a_known_source(world):
    response = Client().get(reverse("core:picker", args=["orgs.managed"]), {"q": "ZB"})
    assert response.status_code == 302 and "ZB-A" not in response.content.decode()
    assert client_for(world, "admin").get(reverse("core:picker", args=["nope"])).status_code == 404


# --- limits and cost ------------------------------------------------------------------------


def _queries(client: Client, source: str, q: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        pick(client, source, q)
    return len(ctx.captured_queries)


def test_the_answer_is_limited_and_its_query_count_does_not_grow_with_the_matches(world):
    c = client_for(world, "company")
    few = _queries(c, "orgs.managed", "zb")
    for i in range(LIMIT + 5):
        org_create(
            actor=None, code=f"ZB-Q{i:02d}", name=f"桓仁第{i}党支部", kind="党支部", parent=world.dw
        )
    assert _queries(c, "orgs.managed", "zb") == few
    response = c.get(reverse("core:picker", args=["orgs.managed"]), {"q": "hr"})
    assert len(re.findall(r'role="option"', response.content.decode())) == LIMIT
    assert f"仅显示前 {LIMIT} 项" in response.content.decode()


# --- every field uses it --------------------------------------------------------------------

FORM_MODULES = [
    "lianjian.activities.forms",
    "lianjian.alliances.forms",
    "lianjian.assessment.forms",
    "lianjian.consultations.forms",
    "lianjian.orgs.forms",
    "lianjian.sharing.forms",
]
PICKED = {
    ("AllianceForm", "lead"),
    ("AllianceForm", "members"),
    ("MembershipForm", "org"),
    ("ActivityForm", "host"),
    ("ActivityForm", "co_orgs"),
    ("ActivityForm", "alliance"),
    ("ProblemForm", "alliance"),
    ("ProblemForm", "raised_by"),
    ("MeetingForm", "alliance"),
    ("MeetingForm", "convener"),
    ("AssignForm", "owners"),
    ("ResourceForm", "owner"),
    ("ResourceForm", "member"),
    ("BookingForm", "org"),
    ("NeedForm", "org"),
    ("ProjectForm", "org"),
    ("SchemeForm", "owner"),
    ("SchemeForm", "applies_orgs"),
    ("OrgForm", "parent"),
    ("MemberForm", "org"),
    ("TransferForm", "to_org"),
}


def _picker_fields() -> set[tuple[str, str, str]]:
    found = set()
    for module in FORM_MODULES:
        for name, form in inspect.getmembers(importlib.import_module(module), inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module:
                for field_name, field in form.base_fields.items():
                    if isinstance(field.widget, Picker):
                        found.add((name, field_name, field.widget.source))
    return found


def test_the_fields_naming_an_organisation_a_member_or_an_alliance_use_the_picker():
    fields = _picker_fields()
    assert {(form, field) for form, field, _ in fields} >= PICKED
    for form, field, source in fields:
        assert get_source(source) is not None, f"{form}.{field}: no source {source!r}"


# --- the forms ------------------------------------------------------------------------------


def test_the_alliance_form_offers_the_picker_and_names_the_chosen_lead_on_edit(world):
    make_alliances(world)
    page = (
        client_for(world, "manager_a")
        .get(reverse("alliances:alliance_edit", args=["LJ-A"]))
        .content.decode()
    )
    assert "data-picker" in page and reverse("core:picker", args=["orgs.managed"]) in page
    chips = re.findall(
        r'<span class="lj-chip" data-code="([^"]+)"><span class="lj-chip-name">([^<]+)</span>', page
    )
    assert ("ZB-A", "营销服务党支部") in chips
    # Without JavaScript the field is still the code input.
    assert re.search(r'<input type="text" name="lead" value="ZB-A"', page)


def test_the_activity_form_names_chosen_co_organisers_and_alliance(world):
    from lianjian.activities import services as activity_services
    from lianjian.activities.models import ActivityStatus

    aw = make_alliances(world)
    import datetime

    from django.utils import timezone

    start = timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0))
    act = activity_services.activity_record(
        actor=None,
        code="A-1",
        type="主题党日",
        host=world.zb_a,
        co_orgs=[world.partner],
        alliance=aw.lj_a,
        start=start,
        topic="联学",
        status=ActivityStatus.DRAFT,
    )
    page = (
        client_for(world, "manager_a")
        .get(reverse("activities:activity_edit", args=[act.code]))
        .content.decode()
    )
    chips = dict(
        re.findall(
            r'<span class="lj-chip" data-code="([^"]+)"><span class="lj-chip-name">([^<]+)</span>',
            page,
        )
    )
    assert chips["WB-GOV"] == "本溪县人民政府机关党委"
    assert chips["LJ-A"] == "营销政企联建"
    assert chips["ZB-A"] == "营销服务党支部"


def test_a_code_typed_outside_the_scope_is_shown_as_typed_never_named(world):
    c = client_for(world, "manager_a")
    response = c.post(
        reverse("alliances:alliance_create"),
        {
            "code": "LJ-NEW",
            "name": "新联建",
            "type": AllianceType.objects.first().pk,
            "lead": "ZB-X",
            "members": "ZB-B、DW2",
            "status": "运行",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "外公司党支部" not in page and "另一公司党委" not in page
    assert '<span class="lj-chip" data-code="ZB-X"><span class="lj-chip-name">ZB-X</span>' in page


def test_a_post_with_an_out_of_scope_code_is_refused_and_changes_nothing(world):
    before = (Alliance.objects.count(), AllianceMember.objects.count(), AuditLog.objects.count())
    c = client_for(world, "manager_a")
    response = c.post(
        reverse("alliances:alliance_create"),
        {
            "code": "LJ-NEW",
            "name": "新联建",
            "type": AllianceType.objects.first().pk,
            "lead": "ZB-X",
            "members": "WB-GOV",
            "status": "运行",
        },
    )
    assert response.status_code == 400
    assert "组织编码不存在或不在您的管理范围内" in response.content.decode()
    response = c.post(
        reverse("alliances:alliance_create"),
        {
            "code": "LJ-NEW",
            "name": "新联建",
            "type": AllianceType.objects.first().pk,
            "lead": "ZB-A",
            "members": "WB-GOV、ZB-X",
            "status": "运行",
        },
    )
    assert response.status_code == 400
    assert "组织编码不存在或不可见：ZB-X" in response.content.decode()
    assert (
        Alliance.objects.count(),
        AllianceMember.objects.count(),
        AuditLog.objects.count(),
    ) == before


def test_an_alliance_made_with_codes_chosen_in_the_picker_is_created(world):
    c = client_for(world, "manager_a")
    response = c.post(
        reverse("alliances:alliance_create"),
        {
            "code": "LJ-NEW",
            "name": "新联建",
            "type": AllianceType.objects.first().pk,
            "lead": "ZB-A",
            "members": "WB-GOV、ZB-A",
            "status": "运行",
        },
    )
    assert response.status_code == 302
    alliance = Alliance.objects.get(code="LJ-NEW")
    assert alliance.lead == world.zb_a and alliance.initials == "xlj"


@pytest.mark.parametrize(
    "q", ["\x00", "a\x00b", "%", "_", "'; drop table x; --", "桓" * 5000, "\u202e", "<script>"]
)
def test_hostile_searches_answer_a_list_never_an_error(world, q):
    c = client_for(world, "company")
    for source in ("orgs.managed", "orgs.members", "alliances.visible", "alliances.co_organisers"):
        response = c.get(reverse("core:picker", args=[source]), {"q": q, "alliance": q})
        # The middleware refuses a NUL anywhere in a request (400) before the lookup runs.
        assert response.status_code == (400 if "\x00" in q else 200)
        assert "<script>" not in response.content.decode()
    assert pick(c, "orgs.managed", "%") == [] and pick(c, "orgs.managed", "_") == []


def test_a_meeting_convener_is_chosen_among_the_alliances_organisations_only(world):
    make_alliances(world)
    c = client_for(world, "manager_a")
    assert sorted(pick(c, "alliances.orgs", "", alliance="LJ-A")) == ["WB-GOV", "ZB-A", "ZB-B"]
    assert pick(c, "alliances.orgs", "", alliance="LJ-X") == []
    assert pick(c, "alliances.orgs", "") == []


def test_a_field_depending_on_a_disabled_field_sends_its_value_with_the_search(world):
    from lianjian.consultations.forms import MeetingForm

    aw = make_alliances(world)
    form = MeetingForm(user=world.manager_a, initial={"alliance": "LJ-A", "convener": "ZB-B"})
    form.fields["alliance"].disabled = True
    html = str(form["convener"])
    assert 'hx-vals="{&quot;alliance&quot;: &quot;LJ-A&quot;}"' in html and "hx-include" not in html
    assert '<span class="lj-chip-name">运维检修党支部</span>' in html
    form = MeetingForm(user=world.manager_a, initial={"alliance": aw.lj_a.code})
    assert 'hx-include="[name=&#x27;alliance&#x27;]"' in str(form["convener"])


def test_adding_a_member_to_an_activity_roster_uses_the_member_picker(world):
    import datetime

    from django.utils import timezone

    from lianjian.activities import services as activity_services

    act = activity_services.activity_record(
        actor=None,
        code="A-2",
        type="主题党日",
        host=world.zb_a,
        topic="学习",
        start=timezone.make_aware(datetime.datetime(2026, 3, 2, 9, 0)),
    )
    page = (
        client_for(world, "manager_a")
        .get(reverse("activities:activity_detail", args=[act.code]))
        .content.decode()
    )
    form = page[page.index(reverse("activities:attendance_add", args=[act.code])) :]
    assert reverse("core:picker", args=["orgs.members"]) in form
    assert re.search(r'<input type="text" name="number"[^>]*aria-label="加入的党员"', form)


def test_problem_owners_are_the_alliances_organisations_or_visible_internal_ones(world):
    from tests.consultation_helpers import make_consultations

    make_consultations(world)
    c = client_for(world, "manager_a")
    assert sorted(pick(c, "consultations.owners", "", problem="WT-P")) == ["WB-GOV", "ZB-A", "ZB-B"]
    assert "WB-GOV" not in pick(c, "consultations.owners", "", problem="WT-L")
    assert "ZB-A" in pick(c, "consultations.owners", "", problem="WT-L")
    # A problem the user does not see opens nothing, nor does no problem.
    assert pick(c, "consultations.owners", "", problem="WT-X") == []
    assert pick(c, "consultations.owners", "") == []


PERSONAS = ["admin", "company", "manager_a", "member_a", "manager_b", "outsider"]


def _user_forms():
    from lianjian.activities.forms import ActivityForm
    from lianjian.alliances.forms import AllianceForm, MembershipForm
    from lianjian.assessment.forms import SchemeForm
    from lianjian.consultations.forms import MeetingForm, ProblemForm
    from lianjian.orgs.forms import MemberForm, OrgForm, TransferForm
    from lianjian.sharing.forms import BookingForm, NeedForm, ProjectForm, ResourceForm

    return [
        ActivityForm,
        AllianceForm,
        MembershipForm,
        SchemeForm,
        MeetingForm,
        ProblemForm,
        MemberForm,
        OrgForm,
        TransferForm,
        BookingForm,
        NeedForm,
        ProjectForm,
        ResourceForm,
    ]


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_picker_never_offers_a_row_its_field_would_refuse(world, persona):
    """Where the form limits a field to a queryset, the picker's rows are among them."""
    make_alliances(world)
    user = getattr(world, persona)
    checked = 0
    for form_class in _user_forms():
        form = form_class(user=user)
        for name, field in form.fields.items():
            queryset = getattr(field, "queryset", None)
            if not isinstance(field.widget, Picker) or queryset is None:
                continue
            offered = set(
                get_source(field.widget.source).choosable(user).values_list("pk", flat=True)
            )
            assert offered <= set(queryset.values_list("pk", flat=True)), (
                f"{form_class.__name__}.{name}"
            )
            checked += 1
    assert checked >= 14


def test_partner_units_are_not_listed_to_a_member_who_builds_no_alliance(world):
    assert pick(client_for(world, "member_a"), "orgs.partners", "") == []
    assert "WB-GOV" in pick(client_for(world, "manager_b"), "orgs.partners", "")


def test_the_alliance_list_filters_its_member_organisation_with_a_picker(world):
    """The 成员组织 filter of the alliance list offers the current members (partner units
    included) of the alliances the user sees — never one only an unseen alliance has — and
    names the chosen organisation."""
    make_alliances(world)
    c = client_for(world, "manager_a")
    offered = pick(c, "alliances.member_orgs")
    assert "WB-GOV" in offered and "ZB-A" in offered and "ZB-B" in offered
    assert "ZB-X" not in offered and "DW2" not in offered
    assert pick(c, "alliances.member_orgs", "DW2") == []
    assert "DW2" in pick(client_for(world, "outsider"), "alliances.member_orgs")
    page = c.get(reverse("alliances:alliance_list"), {"org": "WB-GOV"})
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("core:picker", args=["alliances.member_orgs"]) in html
    chip = re.search(r'<span class="lj-chip" data-code="WB-GOV">.*?</span>', html)
    assert chip and world.partner.name in chip.group(0)
    assert 'placeholder="成员组织编码"' not in html
    rows = re.findall(r"/alliances/([A-Z0-9-]+)/", html)
    assert "LJ-A" in rows and "LJ-X" not in rows
