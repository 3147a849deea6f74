"""The assessment source ``project_awards`` (docs/assessment.md): the level weights of the
standing awards won in the period by the organisation's 揭榜挂帅 projects, each linked to its
project; a voided award no longer counts; no award is 0, not missing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.assessment.services import assessment_run, scheme_import, scheme_orgs
from lianjian.assessment.sources import collect
from lianjian.core.validation import today
from lianjian.projects import services
from tests.assessment_engine_helpers import example
from tests.project_helpers import award_a, make_scene


def _period() -> str:
    return str(today().year)


@pytest.fixture
def scheme(world):
    data = example(code="JB", period=_period())
    data["indicators"].append(
        {
            "code": "JB1",
            "name": "揭榜项目获奖",
            "dimension": "DJ",
            "max": 20,
            "rule": "per_item",
            "per": 1,
            "source": "project_awards",
        }
    )
    return scheme_import(data, actor=None)[0]


def test_awards_count_by_level_weight_and_a_voided_award_not_at_all(world, scheme):
    s = make_scene(world)
    project = award_a(world, s)
    services.award_add(world.company, project, level="省部", name="省级一等奖", awarded_on=today())
    wrong = services.award_add(
        world.company, project, level="国家", name="误录", awarded_on=today()
    )
    services.award_add(world.company, project, level="公司", name="公司奖", awarded_on=today())
    services.award_void(world.company, wrong, "误录")
    values = collect(scheme, _period(), scheme_orgs(scheme, _period()))
    value, evidence = values[world.zb_a.pk]["JB1"]
    assert value == 5.0 + 1.0
    assert [a[0] for a in evidence["awards"]] == [project.code, project.code]
    assert sorted(a[1] for a in evidence["awards"]) == ["公司", "省部"]
    assert values[world.zb_b.pk]["JB1"] == (0.0, {"awards": []})


def test_the_result_page_links_each_award_to_its_project(world, scheme):
    s = make_scene(world)
    project = award_a(world, s)
    services.award_add(world.company, project, level="省部", name="省级一等奖", awarded_on=today())
    run = assessment_run(None, scheme, _period())
    client = Client()
    client.force_login(world.company)
    page = client.get(reverse("assessment:result_detail", args=[run.pk, "ZB-A"]))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="{reverse("projects:project_detail", args=[project.code])}"' in html
