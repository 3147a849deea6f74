"""Permission matrix of the 智能分组 screens: out of scope 404, read-only 403, denial changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.alliances.models import Alliance
from lianjian.core.models import AuditLog
from lianjian.orgs.services import org_create
from lianjian.proposals.models import GroupingRun
from tests.matrix import PERSONAS, assert_write, cases, client_for, expected

FORM = {
    "root": "DW",
    "groups": "2",
    "min_size": "1",
    "max_size": "2",
    "w_profession": "1",
    "w_geography": "1",
    "w_complementarity": "1",
    "geo_scale_km": "30",
    "time_limit": "5",
}


@pytest.fixture
def run(world, settings):
    settings.GROUPING_RUN_INLINE = True
    org_create(
        actor=None,
        code="ZB-C",
        name="客户服务党支部",
        kind="党支部",
        parent=world.dw,
        professions=["营销服务"],
        lat=41.31,
        lon=123.71,
    )
    c = Client()
    c.force_login(world.admin)
    assert c.post(reverse("proposals:run_form"), FORM).status_code == 302
    return GroupingRun.objects.get()


def _url(run, name: str) -> str:
    return {
        "form": reverse("proposals:run_form"),
        "run": reverse("proposals:run_detail", args=[run.pk]),
        "adopt": reverse("proposals:run_adopt", args=[run.pk]),
        "partners_a": reverse("proposals:partners", args=["ZB-A"]),
        "partners_b": reverse("proposals:partners", args=["ZB-B"]),
        "partners_x": reverse("proposals:partners", args=["ZB-X"]),
    }[name]


MATRIX = {
    "form": [200, 200, 200, 403, 200, 200],
    "run": [200, 200, 404, 404, 404, 404],
    "adopt": [200, 200, 404, 404, 404, 404],
    "partners_a": [200, 200, 200, 403, 404, 404],
    "partners_b": [200, 200, 404, 404, 200, 404],
    "partners_x": [200, 404, 404, 404, 404, 200],
}


@pytest.mark.parametrize(("view", "persona"), cases(dict(sorted(MATRIX.items()))))
def test_every_view_answers_by_scope(world, run, view, persona):
    response = client_for(world, persona).get(_url(run, view))
    assert response.status_code == expected(MATRIX, view, persona), (
        view,
        persona,
        response.status_code,
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_progress_fragment_answers_by_scope(world, run, persona):
    response = client_for(world, persona).get(
        _url(run, "run"), {"poll": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == expected(MATRIX, "run", persona)


@pytest.mark.parametrize(
    ("persona", "status"),
    [("manager_a", 404), ("member_a", 404), ("manager_b", 404), ("outsider", 404)],
)
def test_adopting_out_of_scope_changes_nothing(world, run, persona, status):
    assert_write(
        lambda: (
            Alliance.objects.count(),
            AuditLog.objects.count(),
            GroupingRun.objects.values().get(pk=run.pk),
        ),
        lambda: client_for(world, persona).post(_url(run, "adopt")).status_code,
        status,
    )
    assert Alliance.objects.count() == 0
    run.refresh_from_db()
    assert run.adopted_at is None


def test_a_member_may_not_start_a_run(world, run):
    response = client_for(world, "member_a").post(_url(run, "form"), FORM)
    assert response.status_code == 403
    assert GroupingRun.objects.count() == 1


def test_a_manager_cannot_group_outside_their_scope(world, run):
    # DW is not among the outsider's roots: the choice is refused, the page shows their own
    # committee DW2 instead, nothing is created and DW's orgs never show.
    response = client_for(world, "outsider").post(_url(run, "form"), FORM)
    assert response.status_code == 400
    html = response.content.decode()
    assert "选择一个有效的选项。 DW 不在可用的选项中。" in html
    assert [o.code for o in response.context["orgs"]] == ["ZB-X"]
    assert "营销服务党支部" not in html
    assert GroupingRun.objects.count() == 1


def test_the_nav_shows_grouping_to_planners_only(world):
    assert "智能分组" in client_for(world, "company").get(reverse("home:home")).content.decode()
    assert (
        "智能分组" not in client_for(world, "member_a").get(reverse("home:home")).content.decode()
    )


def test_the_org_page_links_to_the_partner_finder(world):
    html = (
        client_for(world, "manager_a")
        .get(reverse("orgs:org_detail", args=["ZB-A"]))
        .content.decode()
    )
    assert reverse("proposals:partners", args=["ZB-A"]) in html
    assert "寻找联建伙伴" in html
    assert (
        "寻找联建伙伴"
        not in client_for(world, "member_a")
        .get(reverse("orgs:org_detail", args=["ZB-A"]))
        .content.decode()
    )


@pytest.mark.parametrize("view", sorted(MATRIX))
def test_anonymous_is_sent_to_login(world, run, view):
    response = Client().get(_url(run, view))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
