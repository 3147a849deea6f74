"""The scope mechanism (core.scope): one rule per model and action, asked two ways.

For every scoped model, action and persona, the rows ``restrict`` returns are exactly the
rows ``may`` accepts — so the screens (which check loaded rows) and the lists, the API and
the exports (which filter querysets) can never disagree.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser

from lianjian.core.masking import may_see_private
from lianjian.core.scope import CHANGE, VIEW, Scope, ScopeRules, may, rules_of
from lianjian.orgs.models import Member, Organisation
from tests.assessment_screens_helpers import make_assessed
from tests.consultation_helpers import make_consultations
from tests.matrix import PERSONAS
from tests.sharing_helpers import make_sharing


def scoped_models():
    return [m for m in apps.get_models() if isinstance(getattr(m, "SCOPE", None), ScopeRules)]


@pytest.fixture(params=["consultations", "sharing", "assessment"])
def populated(request, world):
    # The makers each build their own alliances, so one world holds one maker's rows.
    {"consultations": make_consultations, "sharing": make_sharing, "assessment": make_assessed}[
        request.param
    ](world)
    return world


def test_every_model_with_a_visible_to_declares_its_scope():
    # No queryset method of its own: a model that is filtered by user declares SCOPE.
    names = {m.__name__ for m in scoped_models()}
    assert {
        "Organisation",
        "Member",
        "Alliance",
        "Activity",
        "JointMeeting",
        "Problem",
        "Resource",
        "Need",
        "Project",
        "Booking",
        "Scheme",
        "KpiValue",
        "ManualScore",
        "AssessmentRun",
        "AssessmentResult",
        "GroupingRun",
    } <= names


@pytest.mark.parametrize("persona", PERSONAS)
def test_restrict_and_may_agree_for_every_model_and_action(populated, persona):
    user = getattr(populated, persona)
    checked = 0
    for model in scoped_models():
        rows = list(model._base_manager.all())
        for action in rules_of(model).actions:
            allowed = set(
                model._default_manager.all().restrict(user, action).values_list("pk", flat=True)
            )
            accepted = {row.pk for row in rows if may(user, action, row)}
            assert allowed == accepted, (model.__name__, action, persona)
            checked += len(rows)
    assert checked > 50


def test_rows_reached_through_several_organisations_are_not_repeated(populated):
    # An activity or alliance listed with two organisations the manager sees comes once.
    for model in scoped_models():
        qs = model._default_manager.all().restrict(populated.company, VIEW)
        assert qs.count() == len(set(qs.values_list("pk", flat=True))), model.__name__


def test_an_undeclared_action_reaches_nothing_but_for_the_admin(world):
    assert not Organisation.objects.restrict(world.company, "no-such-action").exists()
    assert not may(world.company, "no-such-action", world.zb_a)
    assert (
        Organisation.objects.restrict(world.admin, "no-such-action").count()
        == Organisation.objects.count()
    )


@pytest.mark.parametrize("who", ["anonymous", "inactive", "none"])
def test_anonymous_and_inactive_users_reach_nothing(world, who):
    if who == "anonymous":
        user = AnonymousUser()
    elif who == "inactive":
        user = world.company
        user.is_active = False
        user.__dict__.pop("scope", None)
    else:
        user = None
    assert not Organisation.objects.restrict(user, VIEW).exists()
    assert not Member.objects.restrict(user, VIEW).exists()
    assert not may(user, VIEW, world.zb_a)


def test_a_manager_manages_below_but_never_restructures_their_own_organisation(world):
    assert may(world.manager_a, CHANGE, world.zb_a)
    assert not may(world.manager_a, "restructure", world.zb_a)
    assert may(world.manager_a, "restructure", world.xz_a1)
    assert may(world.company, "restructure", world.zb_a)
    assert not may(world.company, "restructure", world.dw)


def test_a_member_sees_their_organisation_exactly_and_their_own_private_data(world):
    visible = set(
        Organisation.objects.restrict(world.member_a, VIEW).values_list("code", flat=True)
    )
    assert visible == {"ZB-A"}
    assert may_see_private(world.member_a, world.m_a1)
    assert not may_see_private(world.member_a, world.m_a2)
    assert may_see_private(world.manager_a, world.m_a2)
    assert not may_see_private(world.manager_b, world.m_a2)
    assert not may(world.member_a, CHANGE, world.m_a1)


def test_an_organisation_scope_sees_only_that_organisation():
    scope = Scope.of_org("/DW/ZB-A/")
    assert scope.of("see")[0].covers("/DW/ZB-A/")
    assert not scope.of("see")[0].covers("/DW/ZB-A/XZ-A1/")
    assert not scope.of("manage")


@pytest.mark.parametrize("role", ["discipline", "audit", "inspection", "board"])
def test_a_body_sees_its_own_organisation_and_holds_its_grant_not_the_subtree(world, role):
    from tests.conftest import _user

    body = _user(f"body_{role}", role, world.dw)
    assert set(Organisation.objects.restrict(body, VIEW)) == {world.dw}
    assert not Member.objects.restrict(body, VIEW).exists()
    assert not may(body, CHANGE, world.dw)
    grants = body.scope.of(role)
    assert [g.path for g in grants] == [world.dw.path]
    assert grants[0].covers(world.zb_a.path) and not grants[0].covers(world.zb_x.path)
