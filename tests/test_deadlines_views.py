"""The 党建工作部's screen of the deadline colours: admins only (404 for everyone else, like
the audit log), thresholds edited with a Chinese refusal and nothing changed on bad input,
the preset of a kind, escalation ladders; every change audited."""

from __future__ import annotations

import pytest

from lianjian.core.models import AuditLog
from lianjian.deadlines import services
from lianjian.deadlines.models import DeadlineKind, DeadlinePreset, EscalationLadder
from tests.consultation_helpers import make_consultations
from tests.matrix import assert_write, cases, client_for, expected

ADMIN_ONLY = [200, 404, 404, 404, 404, 404]
PAGES = {
    "/deadlines/": ADMIN_ONLY,
    "/deadlines/presets/due/": ADMIN_ONLY,
    "/deadlines/ladders/new/": ADMIN_ONLY,
}


@pytest.mark.parametrize(("page", "persona"), cases(PAGES))
def test_every_page_answers_by_role(world, page, persona):
    response = client_for(world, persona).get(page)
    assert response.status_code == expected(PAGES, page, persona)


def thresholds() -> list[tuple]:
    return list(
        DeadlinePreset.objects.order_by("code").values_list("code", "name", "yellow", "red", "note")
    )


def kinds() -> list[tuple]:
    return list(DeadlineKind.objects.order_by("code").values_list("code", "preset__code"))


def ladders() -> list[tuple]:
    return list(
        EscalationLadder.objects.order_by("id").values_list(
            "name", "kind__code", "active", "steps__name", "steps__days"
        )
    )


WRITES = {
    "preset": ADMIN_ONLY[:1] + [404] * 5,
    "kind": ADMIN_ONLY[:1] + [404] * 5,
    "ladder": ADMIN_ONLY[:1] + [404] * 5,
}


@pytest.mark.parametrize(("write", "persona"), cases(WRITES))
def test_every_write_is_the_admins_and_a_refused_one_changes_nothing(world, write, persona):
    client = client_for(world, persona)
    status = 302 if expected(WRITES, write, persona) == 200 else 404
    if write == "preset":
        body = {"name": "临期", "yellow": "10", "red": "-1", "note": ""}
        assert_write(thresholds, lambda: client.post("/deadlines/presets/due/", body), status)
    elif write == "kind":
        assert_write(
            kinds, lambda: client.post("/deadlines/kinds/problem/", {"preset": "late"}), status
        )
    else:
        body = {
            "name": "问题督办",
            "kind": "problem",
            "step_name": ["提醒", "约谈"],
            "step_days": ["3", "7"],
        }
        assert_write(ladders, lambda: client.post("/deadlines/ladders/new/", body), status)


def test_the_page_lists_presets_kinds_and_ladders(world):
    services.ladder_create(
        actor=world.admin,
        kind=DeadlineKind.objects.get(code="problem"),
        name="问题督办",
        steps=[("提醒", 3), ("督办通知", 5), ("约谈", 7)],
    )
    html = client_for(world, "admin").get("/deadlines/").content.decode()
    for text in (
        "进度滞后",
        "剩余 &gt; 7 天为绿，剩余 ≤ 7 天为黄，逾期即红",
        "按期为绿，逾期 1–14 天为黄，逾期 15 天及以上为红",
        "事务共商问题",
        "关键任务里程碑",
        "提醒（3 天）",
        "约谈（7 天）",
    ):
        assert text in html, text
    assert "三色预警设置" in client_for(world, "admin").get("/").content.decode()
    assert "三色预警设置" not in client_for(world, "company").get("/").content.decode()


def test_new_thresholds_are_saved_audited_and_recolour_the_problems(world):
    make_consultations(world)
    admin = client_for(world, "admin")
    rows = dict((p.code, colour) for p, colour in admin.get("/consultations/").context["rows"])
    assert rows["WT-L"] == "green"
    response = admin.post(
        "/deadlines/presets/due/",
        {"name": "临期", "yellow": "25", "red": "-1", "note": "二十五天预警"},
    )
    assert response.status_code == 302
    assert DeadlinePreset.objects.filter(code="due", yellow=25, note="二十五天预警").exists()
    log = AuditLog.objects.filter(target_type="deadlines.deadlinepreset").latest("id")
    assert (log.actor, log.after["yellow"]) == (world.admin, 25)
    rows = dict((p.code, colour) for p, colour in admin.get("/consultations/").context["rows"])
    assert rows["WT-L"] == "yellow"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": "临期", "yellow": "3", "red": "5"}, "临期：红色阈值（剩余天数）不能大于黄色阈值"),
        ({"name": "临期", "yellow": "abc", "red": "-1"}, "输入整数"),
        ({"name": "临期", "yellow": "999", "red": "-1"}, "366"),
        ({"name": "", "yellow": "7", "red": "-1"}, "这个字段是必填项"),
        ({"name": "逾期天数", "yellow": "7", "red": "-1"}, "名称"),
    ],
)
def test_bad_thresholds_are_refused_in_chinese_and_change_nothing(world, body, message):
    before = thresholds()
    response = client_for(world, "admin").post("/deadlines/presets/due/", body)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert thresholds() == before


def test_a_kind_changes_its_preset_and_an_unknown_preset_is_refused(world):
    admin = client_for(world, "admin")
    assert admin.post("/deadlines/kinds/agreement/", {"preset": "due"}).status_code == 302
    assert dict(kinds())["agreement"] == "due"
    before = kinds()
    response = admin.post("/deadlines/kinds/agreement/", {"preset": "nothing"})
    assert response.status_code == 400
    assert "请选择一个存在的预警规则" in response.content.decode()
    assert kinds() == before
    assert admin.post("/deadlines/kinds/nothing/", {"preset": "due"}).status_code == 404
    assert admin.get("/deadlines/kinds/agreement/").status_code == 405


def test_ladders_are_created_edited_and_stopped_on_screen(world):
    admin = client_for(world, "admin")
    body = {
        "name": "问题督办",
        "kind": "problem",
        "step_name": ["提醒", "督办通知", ""],
        "step_days": ["3", "5", ""],
    }
    assert admin.post("/deadlines/ladders/new/", body).status_code == 302
    ladder = EscalationLadder.objects.get()
    assert [(s.name, s.days) for s in ladder.steps.all()] == [("提醒", 3), ("督办通知", 5)]
    # a second active ladder for the same kind is not offered nor accepted
    before = ladders()
    response = admin.post("/deadlines/ladders/new/", body)
    assert response.status_code == 400
    assert "请选择一个尚无启用督办升级的预警对象" in response.content.decode()
    assert ladders() == before
    # removing a step is refused; renaming and adding are not
    response = admin.post(
        f"/deadlines/ladders/{ladder.pk}/",
        {"name": "问题督办", "step_name": ["提醒"], "step_days": ["3"]},
    )
    assert response.status_code == 400
    assert "步骤不能删除" in response.content.decode()
    assert ladders() == before
    response = admin.post(
        f"/deadlines/ladders/{ladder.pk}/",
        {
            "name": "问题督办",
            "step_name": ["提醒", "督办通知书", "约谈"],
            "step_days": ["2", "5", "7"],
        },
    )
    assert response.status_code == 302
    assert [(s.name, s.days) for s in ladder.steps.all()] == [
        ("提醒", 2),
        ("督办通知书", 5),
        ("约谈", 7),
    ]
    for bad, message in (
        ({"step_name": ["提醒", "督办通知书", "约谈"], "step_days": ["2", "x", "7"]}, "应为整数天"),
        ({"step_name": ["提醒", "", "约谈"], "step_days": ["2", "5", "7"]}, "每个步骤都要有名称"),
        ({"step_name": ["提醒", "督办通知书", "约谈"], "step_days": ["2", "5", "0"]}, "1–365 天"),
    ):
        before = ladders()
        response = admin.post(f"/deadlines/ladders/{ladder.pk}/", {"name": "问题督办", **bad})
        assert response.status_code == 400
        assert message in response.content.decode()
        assert ladders() == before
    # stopping needs a reason
    response = admin.post(f"/deadlines/ladders/{ladder.pk}/void/", {"reason": " "})
    assert response.status_code == 400
    assert "请填写停用原因" in response.content.decode()
    assert (
        admin.post(f"/deadlines/ladders/{ladder.pk}/void/", {"reason": "改用新办法"}).status_code
        == 302
    )
    ladder.refresh_from_db()
    assert (ladder.active, ladder.void_reason) == (False, "改用新办法")
    assert admin.get(f"/deadlines/ladders/{ladder.pk}/").status_code == 404
    assert AuditLog.objects.filter(target_type="deadlines.escalationladder").count() == 3
