"""Every deadline of the product follows the presets of lianjian.deadlines: a preset's new
thresholds, or another preset for a kind, recolour problems (screen, filter in SQL, API,
inbox), agreements, organisational life and key tasks."""

from __future__ import annotations

import datetime

import pytest

from lianjian.activities.selectors import compliance_rows
from lianjian.alliances.reminders import agreement_reminders
from lianjian.consultations.models import Problem
from lianjian.consultations.reminders import problem_reminders
from lianjian.consultations.selectors import colour_q
from lianjian.deadlines import services
from lianjian.deadlines.engine import Kind, PresetRule
from lianjian.deadlines.models import DeadlineKind, DeadlinePreset
from lianjian.keytasks.models import KeyTask, TaskState
from lianjian.keytasks.selectors import task_statuses
from lianjian.notifications.models import Notification
from lianjian.notifications.reminders import deliver
from lianjian.orgs.models import Organisation
from tests.api_helpers import call
from tests.consultation_helpers import days, make_consultations
from tests.keytask_helpers import make_tasks
from tests.matrix import client_for


@pytest.fixture
def c(world):
    return make_consultations(world)


def preset(code: str) -> DeadlinePreset:
    return DeadlinePreset.objects.get(code=code)


def screen(world, **params) -> dict[str, str]:
    response = client_for(world, "admin").get("/consultations/", params)
    assert response.status_code == 200
    return {p.code: colour for p, colour in response.context["rows"]}


def api(world, code: str) -> str:
    status, data = call("get", f"/problems/{code}", user=world.admin)
    assert status == 200
    return data["colour"]


def api_list(world, colour: str) -> set[str]:
    status, data = call("get", f"/problems?colour={colour}", user=world.admin)
    assert status == 200
    return {p["code"] for p in data["items"]}


def test_a_preset_change_recolours_problems_on_screen_in_the_filter_and_in_the_api(world, c):
    # WT-W is due in 30 days, WT-L in 20: green under the seeded 临期 (7 / overdue)
    assert {k: v for k, v in screen(world).items() if v} == {"WT-W": "green", "WT-L": "green"}
    assert (api(world, "WT-L"), api_list(world, "yellow")) == ("green", set())
    services.preset_update(actor=world.admin, preset=preset("due"), yellow=25, red=-1)
    assert screen(world)["WT-L"] == "yellow"
    assert screen(world)["WT-W"] == "green"
    assert set(screen(world, colour="yellow")) == {"WT-L"}
    assert (api(world, "WT-L"), api_list(world, "yellow")) == ("yellow", {"WT-L"})
    services.preset_update(actor=world.admin, preset=preset("due"), yellow=30, red=20)
    assert {k: v for k, v in screen(world).items() if v} == {"WT-W": "yellow", "WT-L": "red"}
    assert set(screen(world, colour="red")) == {"WT-L"}
    assert (api(world, "WT-W"), api_list(world, "red")) == ("yellow", {"WT-L"})
    # another preset for problems: 逾期天数 — nothing is late yet
    kind = DeadlineKind.objects.get(code="problem")
    services.kind_set_preset(actor=world.admin, kind=kind, preset=preset("late"))
    assert {k: v for k, v in screen(world).items() if v} == {"WT-W": "green", "WT-L": "green"}
    assert api_list(world, "green") == {"WT-W", "WT-L"}


@pytest.mark.parametrize(
    "rule",
    [
        PresetRule(Kind.DAYS_LEFT, 7, -1),
        PresetRule(Kind.DAYS_LEFT, 25, 21),
        PresetRule(Kind.DAYS_LEFT, 30, 20),
        PresetRule(Kind.DAYS_LATE, 1, 15),
        PresetRule(Kind.LAG, 10, 30),
    ],
)
@pytest.mark.parametrize("offset", [-40, -21, -20, -19, 0, 10, 11, 30, 31, 50])
def test_the_filter_in_sql_agrees_with_the_colour_of_every_problem(world, c, rule, offset):
    today = days(offset)
    for colour in ("red", "yellow", "green"):
        found = set(
            Problem.objects.filter(colour_q(colour, today, rule)).values_list("code", flat=True)
        )
        expected = {p.code for p in Problem.objects.all() if p.colour(today, rule) == colour}
        assert found == expected, colour


def test_a_colour_change_reminds_once_through_the_preset(world, c):
    assert not [r for r in problem_reminders(days(0)) if r.key.startswith("problem:WT-L:")]
    services.preset_update(actor=world.admin, preset=preset("due"), yellow=20, red=-1)
    assert deliver(problem_reminders(days(0))) == 1
    assert deliver(problem_reminders(days(0))) == 0
    assert deliver(problem_reminders(days(1))) == 0
    assert list(
        Notification.objects.filter(key__contains=":yellow:").values_list("key", "level")
    ) == [(f"problem:WT-L:yellow:{days(20):%Y-%m-%d}", "yellow")]


def test_the_problem_page_says_what_the_colour_means_under_any_preset(world, c):
    admin = client_for(world, "admin")
    services.preset_update(actor=world.admin, preset=preset("due"), yellow=30, red=20)
    html = admin.get("/consultations/p/WT-L/").content.decode()
    assert "距办理期限还有 20 天" in html
    assert "红色预警" in html
    assert "已超过办理期限" not in html
    kind = DeadlineKind.objects.get(code="problem")
    services.kind_set_preset(actor=world.admin, kind=kind, preset=preset("late"))
    Problem.objects.filter(code="WT-L").update(deadline=days(-3))
    html = admin.get("/consultations/p/WT-L/").content.decode()
    assert "已超过办理期限 3 天" in html
    assert "黄色预警" in html


def _agreement(world, al, end):
    from lianjian.alliances import services as alliance_services

    ag = alliance_services.agreement_create(
        actor=None,
        alliance=al.lj_a,
        parties=[world.zb_a, world.zb_b],
        title="年底到期协议",
        start=datetime.date(2024, 1, 1),
        end=end,
    )
    for status in ("已签署", "生效"):
        alliance_services.agreement_set_status(
            actor=None, agreement=ag, status=status, on=datetime.date(2024, 1, 1)
        )
    return ag


def test_one_preset_switched_and_problems_agreements_org_life_and_key_tasks_all_follow(world, c):
    today = datetime.date(2026, 3, 25)  # the first quarter ends in 6 days
    ag = _agreement(world, c.al, today + datetime.timedelta(days=20))
    Problem.objects.filter(code="WT-L").update(deadline=today + datetime.timedelta(days=20))
    # a key task under way, due in 20 days at 65 %: 序时进度 on 03-25 is 83 / 103 days = 80.6 %
    t = make_tasks(world)
    KeyTask.objects.filter(pk=t.a.pk).update(
        state=TaskState.IN_PROGRESS,
        started_on=datetime.date(2026, 1, 5),
        planned_start=datetime.date(2026, 1, 1),
        planned_end=today + datetime.timedelta(days=20),
        manual_progress=65,
    )

    def colours() -> tuple[str, set[str], set[str], str]:
        services.forget_rules()
        problem = Problem.objects.get(code="WT-L").colour(today)
        agreement = {
            r.key.split(":")[2]
            for r in agreement_reminders(today)
            if r.key.startswith(f"agreement:{ag.pk}:")
        }
        org_life = {
            r.level
            for r in compliance_rows(
                year=2026, today=today, orgs=Organisation.objects.filter(code="ZB-A")
            )
            if r.period == "2026Q1"
        }
        key_task = task_statuses(list(KeyTask.objects.filter(task_list=t.lst)), today)[t.a.pk]
        return problem, agreement, org_life, key_task.colour

    # the seeded presets: 临期 (7), 协议到期 (30 / 7), 组织生活临期 (10), 进度滞后 (10 / 30):
    # the task lags 15.6 points — yellow
    assert colours() == ("green", {"yellow"}, {"yellow"}, "yellow")
    for code in ("problem", "agreement", "org_life", "key_task"):
        services.kind_set_preset(
            actor=world.admin, kind=DeadlineKind.objects.get(code=code), preset=preset("due")
        )
    assert colours() == ("green", set(), {"yellow"}, "green")
    services.preset_update(actor=world.admin, preset=preset("due"), yellow=25, red=20)
    assert colours() == ("red", {"red"}, {"red"}, "red")
    services.preset_update(actor=world.admin, preset=preset("due"), yellow=5, red=-1)
    assert colours() == ("green", set(), {""}, "green")
    # and back to 进度滞后 for key tasks alone: the others keep 临期
    services.kind_set_preset(
        actor=world.admin, kind=DeadlineKind.objects.get(code="key_task"), preset=preset("lag")
    )
    assert colours() == ("green", set(), {""}, "yellow")
