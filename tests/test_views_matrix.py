"""Permission matrix for every screen: out of scope → 404, read-only → 403, denial changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.orgs.models import Member, Organisation
from tests.matrix import assert_write, cases, client_for, expected


def _url(world, name: str) -> str:
    a1 = world.m_a1.pk
    table = {
        "home": reverse("home:home"),
        "audit": reverse("core:audit_list"),
        "tree": reverse("orgs:org_tree"),
        "detail_a": reverse("orgs:org_detail", args=["ZB-A"]),
        "detail_b": reverse("orgs:org_detail", args=["ZB-B"]),
        "detail_partner": reverse("orgs:org_detail", args=["WB-GOV"]),
        "children_dw": reverse("orgs:org_children", args=["DW"]),
        "create": reverse("orgs:org_create"),
        "edit_a": reverse("orgs:org_edit", args=["ZB-A"]),
        "dissolve_a": reverse("orgs:org_dissolve", args=["ZB-A"]),
        "dissolve_xz": reverse("orgs:org_dissolve", args=["XZ-A1"]),
        "members": reverse("orgs:member_list"),
        "member_create": reverse("orgs:member_create"),
        "member_a1": reverse("orgs:member_detail", args=[a1]),
        "member_edit_a1": reverse("orgs:member_edit", args=[a1]),
        "member_transfer_a1": reverse("orgs:member_transfer", args=[a1]),
        "profile": reverse("accounts:profile"),
    }
    return table[name]


# expected status per persona, in the order of PERSONAS
MATRIX = {
    "home": [200, 200, 200, 200, 200, 200],
    "audit": [200, 404, 404, 404, 404, 404],
    "tree": [200, 200, 200, 200, 200, 200],
    "detail_a": [200, 200, 200, 200, 404, 404],
    "detail_b": [200, 200, 404, 404, 200, 404],
    "detail_partner": [200, 200, 404, 404, 404, 404],
    "children_dw": [200, 200, 404, 404, 404, 404],
    "create": [200, 200, 200, 403, 200, 200],
    "edit_a": [200, 200, 200, 403, 404, 404],
    "dissolve_a": [200, 200, 403, 403, 404, 404],
    "dissolve_xz": [200, 200, 200, 404, 404, 404],
    "members": [200, 200, 200, 200, 200, 200],
    "member_create": [200, 200, 200, 403, 200, 200],
    "member_a1": [200, 200, 200, 200, 404, 404],
    "member_edit_a1": [200, 200, 200, 403, 404, 404],
    "member_transfer_a1": [200, 200, 200, 403, 404, 404],
    "profile": [200, 200, 200, 200, 200, 200],
}


@pytest.mark.parametrize(("view", "persona"), cases(dict(sorted(MATRIX.items()))))
def test_every_view_answers_by_scope(world, view, persona):
    response = client_for(world, persona).get(_url(world, view))
    assert response.status_code == expected(MATRIX, view, persona), (
        view,
        persona,
        response.status_code,
    )


@pytest.mark.parametrize("view", sorted(MATRIX))
def test_anonymous_is_sent_to_login(world, view):
    response = Client().get(_url(world, view))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "persona,expected", [("manager_b", 404), ("outsider", 404), ("member_a", 403)]
)
def test_denied_org_edit_changes_nothing(world, persona, expected):
    assert_write(
        lambda: Organisation.objects.values().get(code="ZB-A"),
        lambda: (
            client_for(world, persona)
            .post(
                reverse("orgs:org_edit", args=["ZB-A"]),
                {"name": "被篡改", "kind": "党支部", "parent": "DW", "code": "ZB-A"},
            )
            .status_code
        ),
        expected,
    )


@pytest.mark.parametrize(
    "persona,expected", [("manager_b", 404), ("outsider", 404), ("member_a", 403)]
)
def test_denied_member_transfer_changes_nothing(world, persona, expected):
    assert_write(
        lambda: (
            Member.objects.get(pk=world.m_a1.pk).org_id,
            list(world.m_a1.transfers.values_list()),
        ),
        lambda: (
            client_for(world, persona)
            .post(
                reverse("orgs:member_transfer", args=[world.m_a1.pk]),
                {"to_org": "ZB-B", "date": "2026-01-01"},
            )
            .status_code
        ),
        expected,
    )
    assert Member.objects.get(pk=world.m_a1.pk).org_id == world.zb_a.pk


@pytest.mark.parametrize(
    "persona,expected",
    [("manager_b", 404), ("outsider", 404), ("member_a", 403), ("manager_a", 403)],
)
def test_denied_dissolve_changes_nothing(world, persona, expected):
    assert_write(
        lambda: Organisation.objects.values().get(code="ZB-A"),
        lambda: (
            client_for(world, persona)
            .post(
                reverse("orgs:org_dissolve", args=["ZB-A"]),
                {"date": "2026-01-01", "reason": "测试"},
            )
            .status_code
        ),
        expected,
    )
    assert Organisation.objects.get(code="ZB-A").dissolved is None


def test_manager_cannot_create_an_org_outside_their_subtree(world):
    response = client_for(world, "manager_a").post(
        reverse("orgs:org_create"),
        {"code": "XZ-NEW", "name": "新党小组", "kind": "党小组", "parent": "ZB-B"},
    )
    assert response.status_code == 400
    assert "不在您的管理范围内" in response.content.decode()
    assert not Organisation.objects.filter(code="XZ-NEW").exists()


def test_manager_cannot_move_a_member_outside_their_subtree(world):
    response = client_for(world, "manager_a").post(
        reverse("orgs:member_transfer", args=[world.m_a1.pk]),
        {"to_org": "ZB-B", "date": "2026-01-01"},
    )
    assert response.status_code == 400
    assert Member.objects.get(pk=world.m_a1.pk).org_id == world.zb_a.pk


@pytest.mark.parametrize(
    "persona,codes",
    [
        ("admin", {"M-A1", "M-A2", "M-B1", "M-X1"}),
        ("company", {"M-A1", "M-A2", "M-B1"}),
        ("manager_a", {"M-A1", "M-A2"}),
        ("member_a", {"M-A1", "M-A2"}),
        ("manager_b", {"M-B1"}),
        ("outsider", {"M-X1"}),
    ],
)
def test_member_list_shows_exactly_the_scope(world, persona, codes):
    response = client_for(world, persona).get(reverse("orgs:member_list"))
    shown = {m.number for m in response.context["rows"]}
    assert shown == codes


@pytest.mark.parametrize(
    "persona,codes",
    [
        ("admin", {"DW", "ZB-A", "XZ-A1", "ZB-B", "WB-GOV", "DW2", "ZB-X"}),
        ("company", {"DW", "ZB-A", "XZ-A1", "ZB-B", "WB-GOV"}),
        ("manager_a", {"ZB-A", "XZ-A1"}),
        ("member_a", {"ZB-A"}),
        ("manager_b", {"ZB-B"}),
        ("outsider", {"DW2", "ZB-X"}),
    ],
)
def test_org_search_shows_exactly_the_scope(world, persona, codes):
    response = client_for(world, persona).get(
        reverse("orgs:org_tree"), {"q": "", "include_dissolved": "1"}
    )
    shown = {row["org"].code for row in response.context["rows"]}
    assert shown == codes


@pytest.mark.parametrize("param", ["org", "under"])
def test_a_foreign_org_code_in_the_member_filter_lists_nothing_and_names_nothing(world, param):
    # The same answer as the API: the filter matches none of the rows the user may see,
    # and the page does not name the hidden organisation.
    response = client_for(world, "manager_a").get(reverse("orgs:member_list"), {param: "ZB-B"})
    assert response.status_code == 200
    assert [m.number for m, _ in response.context["rows"]] == []
    assert world.zb_b.name not in response.content.decode()
