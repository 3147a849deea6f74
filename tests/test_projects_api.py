"""The 揭榜挂帅 API end to end: the company publishes a call, branches bid, the company
awards, the project's dashboard; bad input answers 4xx with a Chinese detail and changes
nothing; the lists cost a fixed number of queries."""

from __future__ import annotations

import datetime

from lianjian.core.validation import today
from lianjian.projects.models import Bid, Call, Project
from tests.api_helpers import call
from tests.keytask_helpers import make_tasks
from tests.project_helpers import award_a, make_scene


def _call_body(**extra):
    return {
        "code": "JB-API",
        "issuer": "DW",
        "title": "配网故障快速定位",
        "problem": "定位慢",
        "budget": "40",
        "deadline": (today() + datetime.timedelta(days=5)).isoformat(),
        "eligible_orgs": ["ZB-A", "ZB-B"],
        **extra,
    }


def _bid_body(**extra):
    return {
        "call": "JB-API",
        "bidder_org": "ZB-A",
        "lead": "M-A1",
        "team": ["M-A2"],
        "plan": "三个月完成",
        "budget_asked": "20",
        "planned_end": (today() + datetime.timedelta(days=100)).isoformat(),
        **extra,
    }


def test_publish_bid_review_award_over_the_api(world):
    make_tasks(world)
    status, data = call("post", "/calls", user=world.company, body=_call_body())
    assert status == 201 and data["state"] == "草拟"
    status, data = call(
        "post", "/calls/JB-API/transition", user=world.company, body={"action": "publish"}
    )
    assert status == 200 and data["state"] == "发布"
    status, data = call("post", "/bids", user=world.manager_a, body=_bid_body())
    assert status == 201, data
    bid = data["code"]
    assert data["team"] == ["M-A2"]
    # ZB-B's manager cannot name ZB-A (400, as if unknown) nor see ZB-A's bid (404); a
    # member of ZB-A sees it but may not bid in its name (403)
    status, data = call("post", "/bids", user=world.manager_b, body=_bid_body(code="X"))
    assert status == 400 and "揭榜组织不存在" in data["detail"]
    status, data = call("post", "/bids", user=world.member_a, body=_bid_body(code="X"))
    assert status == 403 and "无权" in data["detail"]
    assert call("get", f"/bids/{bid}", user=world.manager_b)[0] == 404
    status, data = call(
        "post", f"/bids/{bid}/transition", user=world.company, body={"action": "shortlist"}
    )
    assert status == 400 and "截止后才能评审" in data["detail"]
    call("post", "/calls/JB-API/transition", user=world.company, body={"action": "close"})
    for action in ("shortlist", "defence", "award"):
        body = (
            {"action": action, "on": today().isoformat()}
            if action == "defence"
            else {"action": action}
        )
        status, data = call("post", f"/bids/{bid}/transition", user=world.company, body=body)
        assert status == 200, data
    assert data["state"] == "中榜" and data["project"]
    status, project = call("get", f"/projects/{data['project']}", user=world.manager_a)
    assert status == 200
    assert project["task"] == data["project"] and project["owner_org"] == "ZB-A"
    assert call("get", f"/bids/{bid}", user=world.manager_b)[0] == 200  # the winner is public
    status, dash = call("get", "/projects/dashboard", user=world.company)
    assert status == 200 and dash["levels"]["total"] == 0 and dash["kinds"]["揭榜挂帅"] == 1
    status, award = call(
        "post",
        f"/projects/{data['project']}/awards",
        user=world.company,
        body={"level": "省部", "name": "省级奖", "awarded_on": today().isoformat()},
    )
    assert status == 201
    status, dash = call("get", "/projects/dashboard", user=world.company)
    assert dash["levels"]["省部及以上"] == 1
    status, _ = call(
        "post",
        f"/projects/{data['project']}/awards",
        user=world.manager_a,
        body={"level": "国家", "name": "自评", "awarded_on": today().isoformat()},
    )
    assert status == 403


def test_bad_input_answers_4xx_and_changes_nothing(world):
    cases = [
        (_call_body(deadline="1900-01-01"), 400),  # outside the window
        (_call_body(issuer="DW2"), 400),  # an organisation the company does not see
        (_call_body(eligible_orgs=["ZB-X"]), 400),
        (_call_body(budget="-1"), 422),
        (_call_body(title=""), 422),
        (_call_body(kind="别的"), 422),
    ]
    for body, expected in cases:
        status, data = call("post", "/calls", user=world.company, body=body)
        assert status == expected, (body, data)
        assert isinstance(data["detail"], str) and data["detail"]
    assert not Call.objects.exists()
    status, data = call("post", "/calls", user=world.manager_a, body=_call_body(issuer="DW"))
    assert status == 400  # DW is not the branch manager's to see
    status, data = call("post", "/calls", user=world.member_a, body=_call_body(issuer="ZB-A"))
    assert status == 403
    assert call("get", "/calls/NOPE", user=world.company)[0] == 404


def test_lists_cost_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    s = make_scene(world)
    award_a(world, s)
    for path in ("/calls", "/bids", "/projects"):
        with django_assert_max_num_queries(16):
            status, data = call("get", path, user=world.company)
        assert status == 200 and data["count"] >= 1
    assert Bid.objects.count() == 2 and Project.objects.count() == 1


def test_stages_metrics_and_voiding_over_the_api(world):
    project = award_a(world, make_scene(world))
    base = f"/projects/{project.code}"
    status, data = call("post", f"{base}/advance", user=world.company, body={"note": "督导"})
    assert status == 200 and data["stage"] == "季度督导"
    status, data = call("post", f"{base}/advance", user=world.company, body={"grade": "一般"})
    assert status == 422
    status, data = call(
        "post",
        f"{base}/metrics",
        user=world.company,
        body={"name": "节约成本", "unit": "万元", "value": 12},
    )
    assert status == 200 and data["metrics"] == [
        {"name": "节约成本", "unit": "万元", "value": 12.0}
    ]
    status, award = call(
        "post",
        f"{base}/awards",
        user=world.company,
        body={"level": "地市", "name": "市级奖", "awarded_on": today().isoformat()},
    )
    assert status == 201
    assert (
        call(
            "post", f"{base}/awards/{award['id']}/void", user=world.manager_a, body={"reason": "x"}
        )[0]
        == 403
    )
    assert (
        call("post", f"{base}/awards/999999/void", user=world.company, body={"reason": "x"})[0]
        == 404
    )
    status, data = call(
        "post", f"{base}/awards/{award['id']}/void", user=world.company, body={"reason": "误录"}
    )
    assert status == 200 and data["voided"] is True
    status, data = call(
        "post", f"{base}/awards/{award['id']}/void", user=world.company, body={"reason": "再次"}
    )
    assert status == 400 and "已作废" in data["detail"]
