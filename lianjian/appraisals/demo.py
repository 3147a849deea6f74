"""Demo 民主评议党员 of the managed branch BX-ZB19 (营销服务中心党支部, accounts zhibu and
dangyuan):

* 2025年度 — decided and published: self-assessments, ratings, grades within the quota with
  feedback, the decision meeting being the 2025年度民主评议党员 activity the branch already
  recorded in February 2026 (one record, used twice; a new one when the activities demo
  is absent);
* 2026年度 — rating in progress: some members have written and rated; dangyuan has not, so
  their 我的 page offers the appraisal to respond to.

Every step goes through the services. The branch's manager (zhibu) runs the appraisal, the
company's (dangwei) grades zhibu, whom zhibu may not grade; members' own self-assessments
and ratings are written as each member (the audit shows 系统, the demo loader). Deterministic
and idempotent: nothing is created when BX-ZB19 already has a 2025 appraisal.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import transaction

from lianjian.accounts.models import User
from lianjian.activities.times import TZ
from lianjian.appraisals import rules, services
from lianjian.appraisals.models import Appraisal, Participant
from lianjian.core.demo import record_demo
from lianjian.orgs.models import Organisation

BRANCH = "BX-ZB19"
SELF_TEXTS = (
    "本年度认真学习党的二十大精神，积极参加三会一课和主题党日，带头完成电费回收任务。",
    "坚持立足岗位作表率，参与客户服务提升攻关，按时足额缴纳党费，不足是理论学习不够系统。",
    "能够遵守党的纪律，完成本职工作；今后要在志愿服务和帮扶结对中多发挥作用。",
)
FEEDBACK = {
    rules.EXCELLENT: "在关键任务中发挥了先锋模范作用，望继续保持。",
    rules.QUALIFIED: "履职尽责，能够发挥党员作用；希望加强理论学习。",
    rules.BASIC: "希望进一步增强党员意识，积极参加组织生活。",
}


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


@dataclass(frozen=True)
class AsMember:
    """A member writing their own self-assessment or rating in the demo (not signed in: the
    audit shows the system)."""

    member_id: int
    pk: int | None = None  # the member's account, whose 待办 closes when they have answered
    is_authenticated: bool = False


def _as(member_id: int) -> AsMember:
    account = User.objects.filter(member_id=member_id).values_list("pk", flat=True).first()
    return AsMember(member_id, account)


def _rate_all(a: Appraisal, voters: list[Participant], full: list[Participant]) -> int:
    votes = 0
    for i, voter in enumerate(voters):
        for j, votee in enumerate(full):
            if votee.pk == voter.pk:
                continue
            grade = rules.GRADES[0] if (i + j) % 4 == 0 else rules.GRADES[1]
            services.vote_cast(actor=_as(voter.member_id), appraisal=a, votee=votee, grade=grade)
            votes += 1
    return votes


def _self(a: Appraisal, people: list[Participant]) -> None:
    for i, p in enumerate(people):
        services.self_assess(
            actor=_as(p.member_id), appraisal=a, text=SELF_TEXTS[i % len(SELF_TEXTS)]
        )


@transaction.atomic
def demo_appraisals(*, stdout: Writer | None = None) -> dict[str, int]:
    """Create the two demo appraisals when missing; returns what was created."""
    made = {"appraisals": 0, "votes": 0, "decisions": 0}
    branch = Organisation.objects.filter(code=BRANCH).first()
    users = {
        u.username: u for u in User.objects.filter(username__in=("zhibu", "dangwei", "dangyuan"))
    }
    if branch is None or len(users) < 3:
        return made
    if Appraisal.objects.filter(branch=branch, year=2025).exists():
        return made
    zhibu, dangwei, dangyuan = users["zhibu"], users["dangwei"], users["dangyuan"]

    # 2025: decided and published.
    old = services.appraisal_create(
        actor=zhibu, branch=branch, year=2025, held_on=datetime.date(2025, 12, 20)
    )
    old = services.appraisal_start(actor=zhibu, appraisal=old)
    people = list(old.participants.order_by("-is_full", "member__number"))
    full = [p for p in people if p.is_full]
    _self(old, people)
    made["votes"] += _rate_all(old, people, full)
    old = services.appraisal_close_rating(actor=zhibu, appraisal=old)
    quota = rules.excellent_quota(len(full))
    for i, p in enumerate(full):
        grade = rules.EXCELLENT if i < quota else rules.QUALIFIED
        if i == len(full) - 1 and len(full) > 3:
            grade = rules.BASIC
        # zhibu takes part: their own grade is decided by the company's manager.
        actor = dangwei if p.member_id == zhibu.member_id else zhibu
        services.decide(
            actor=actor, appraisal=old, participant=p, grade=grade, feedback=FEEDBACK[grade]
        )
        made["decisions"] += 1
    held = services.meeting_candidates(old).first()
    if held is not None:
        old = services.record_meeting(actor=zhibu, appraisal=old, activity=held)
    else:
        start = datetime.datetime(2026, 1, 15, 14, 30, tzinfo=TZ)
        old = services.record_meeting(actor=zhibu, appraisal=old, start=start, venue="党员活动室")
    services.appraisal_publish(actor=zhibu, appraisal=old)

    # 2026: in progress; dangyuan has still to respond.
    new = services.appraisal_create(
        actor=zhibu, branch=branch, year=2026, held_on=datetime.date(2026, 11, 25)
    )
    new = services.appraisal_start(actor=zhibu, appraisal=new)
    people = [
        p
        for p in new.participants.order_by("-is_full", "member__number")
        if p.member_id != dangyuan.member_id
    ]
    full = [p for p in new.participants.filter(is_full=True).order_by("member__number")]
    half = people[: max(1, len(people) // 2)]
    _self(new, half)
    made["votes"] += _rate_all(new, half[:3], full)
    made["appraisals"] = 2
    record_demo("appraisals.appraisal", "民主评议党员", made)
    if stdout is not None:
        stdout.write(
            f"民主评议：新建 {made['appraisals']} 次评议、互评 {made['votes']} 条、评定 {made['decisions']} 名。\n"
        )
    return made
