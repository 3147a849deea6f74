"""The pure rules of 揭榜挂帅 (lianjian/projects/rules.py): state machines, who may bid, the
deadline, stage checks and the dashboard's level counts."""

from __future__ import annotations

import datetime

import pytest

from lianjian.projects import rules

D = datetime.date
TODAY = D(2026, 12, 6)


def test_call_and_bid_state_machines():
    assert rules.call_next_state("publish", "草拟") == "发布"
    assert rules.call_next_state("close", "发布") == "截止"
    with pytest.raises(rules.IllegalTransition, match="不能发布"):
        rules.call_next_state("publish", "发布")
    assert rules.bid_next_state("shortlist", "已提交") == "入围"
    assert rules.bid_next_state("defence", "入围") == "答辩"
    assert rules.bid_next_state("award", "答辩") == "中榜"
    assert rules.bid_next_state("reject", "入围") == "未中"
    with pytest.raises(rules.IllegalTransition, match="不能确定中榜"):
        rules.bid_next_state("award", "已提交")
    with pytest.raises(rules.IllegalTransition):
        rules.bid_next_state("withdraw", "入围")


def test_the_deadline_day_still_takes_bids_and_then_the_call_shows_closed():
    assert rules.bidding_problem("发布", TODAY, TODAY) == ""
    assert "截止" in rules.bidding_problem("发布", TODAY - datetime.timedelta(days=1), TODAY)
    assert rules.shown_call_state("发布", TODAY - datetime.timedelta(days=1), TODAY) == "截止"
    assert rules.shown_call_state("发布", TODAY, TODAY) == "发布"
    assert rules.review_problem("发布", TODAY, TODAY) != ""
    assert rules.review_problem("发布", TODAY - datetime.timedelta(days=1), TODAY) == ""
    assert rules.deadline_problem(None, TODAY, publishing=False) == "请填写揭榜截止日期"
    assert "已过" in rules.deadline_problem(D(2026, 1, 1), TODAY, publishing=True)


def test_who_may_bid():
    who = rules.Eligibility(
        issuer="/DW/",
        orgs=("/DW/ZB-A/",),
        alliances={"LJ1": ("/DW/ZB-B/", "/OTHER/")},
    )
    assert who.problem("/DW/ZB-A/", True) == ""
    assert "不在本榜" in who.problem("/DW/ZB-B/", True)
    assert who.problem("/DW/ZB-B/", True, "LJ1") == ""
    assert "不是该联建网的成员" in who.problem("/DW/ZB-C/", True, "LJ1")
    assert "下属" in who.problem("/OTHER/", True, "LJ1")  # outside the issuer's subtree
    assert "下属" in who.problem("/DW/", True)  # the issuer itself
    assert "共建单位" in who.problem("/DW/ZB-A/", False)
    assert "不在本榜的揭榜范围内" in who.problem("/DW/ZB-A/XZ/", True)  # listed exactly
    assert who.open_to("/DW/ZB-B/", True, ["LJ1"]) and not who.open_to("/DW/ZB-C/", True, ["LJ1"])


def test_stages_and_grades():
    assert rules.stage_next("立项") == "季度督导" and rules.stage_next("推广应用") is None
    assert rules.advance_problem("中期评估", "", "") != ""
    assert rules.advance_problem("中期评估", "", "良好") == ""
    assert "不合格" in rules.advance_problem("结项评价", "不合格", "")
    assert rules.advance_problem("结项评价", "合格", "") == ""


def test_level_counts_take_each_projects_best_award():
    best = [rules.best_level(x) for x in (["省部", "国家"], ["省部"], ["公司", "地市"], [])]
    assert best == ["国家", "省部", "地市", None]
    counts = rules.level_counts(best)
    assert counts["省部及以上"] == 2 and counts["国家"] == 1 and counts["total"] == 3
    assert rules.award_score(["省部", "公司"]) == 6.0
