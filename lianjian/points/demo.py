"""Demo 党员积分 of 2026 for the Benxi company: the scheme of points.md on BXDW, the
automatic entries recomputed from the demo's activities, milestones and problems, a
deduction recorded by a branch, and claims of the member dangyuan — one 生效 (counted),
one in 公示 — plus one of another member of the branch waiting for 党小组初核.

Deterministic and idempotent: nothing is created when the scheme ``BX-JF-2026`` exists.
Writes go through the services as the system (audited).
"""

from __future__ import annotations

import datetime
from typing import Any, Protocol

from django.db import transaction

from lianjian.accounts.models import User
from lianjian.core.validation import today
from lianjian.orgs.models import Member, Organisation
from lianjian.points import services
from lianjian.points.models import PointsScheme

D = datetime.date
CODE = "BX-JF-2026"
YEAR = 2026


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


def scheme_file() -> dict[str, Any]:
    """The scheme file of points.md on the demo company."""
    return {
        "code": CODE, "name": "国网本溪供电公司2026年党员积分办法", "org": "BXDW", "year": YEAR,
        "period": "quarter", "base": 80, "bonus_cap": 20, "floor": None, "ceiling": 100,
        "exempt_categories": ["特殊"], "publicity_days": 3,
        "rules": [
            {"code": "A1", "text": "参加三会一课", "category": "任务", "points": 3,
             "cap_period": 6, "cap_year": 12, "source": "attendance",
             "activity_types": ["支部党员大会", "支部委员会", "党小组会", "党课"]},
            {"code": "A2", "text": "参加主题党日", "category": "任务", "points": 2, "cap_year": 8,
             "source": "attendance", "activity_types": ["主题党日"]},
            {"code": "B1", "text": "关键任务节点验收", "category": "奖励", "points": 2,
             "source": "milestone_accepted"},
            {"code": "B2", "text": "获得表彰", "category": "奖励", "points": 5, "source": "claim"},
            {"code": "B3", "text": "事务共商问题销号（责任人）", "category": "奖励", "points": 2,
             "cap_year": 6, "source": "problem_closed"},
            {"code": "B4", "text": "岗区队复核保持称号", "category": "奖励", "points": 3,
             "cap_year": 6, "source": "carrier"},
            {"code": "C1", "text": "无故缺席组织生活", "category": "扣分", "points": -2,
             "source": "absence"},
            {"code": "V1", "text": "受到党纪处分", "category": "一票否决", "source": "claim",
             "veto_total": 0},
        ],
    }  # fmt: skip


@transaction.atomic
def demo_points(stdout: Writer | None = None) -> int:
    """Create the demo scheme and its entries when missing; returns the entries written."""
    if PointsScheme.objects.filter(code=CODE).exists():
        return 0
    if not Organisation.objects.filter(code="BXDW").exists():
        return 0
    scheme = services.import_scheme(actor=None, data=scheme_file())
    written, _ = services.recompute(actor=None, scheme=scheme)
    day = today()
    user = User.objects.filter(username="dangyuan").select_related("member").first()
    member = user.member if user is not None else None
    if member is not None and day >= D(YEAR, 11, 20):
        award = scheme.rules.get(code="B2")
        done = services.file_claim(
            actor=None, member=member, rule=award, happened_on=D(YEAR, 9, 28),
            text="获国网本溪供电公司“优秀共产党员”表彰",
            evidence="https://www.example.org/bx/2026/honours",
        )  # fmt: skip
        for action, on in (
            ("group", D(YEAR, 10, 9)),
            ("committee", D(YEAR, 10, 15)),
            ("publish", D(YEAR, 10, 15)),
            ("effective", D(YEAR, 10, 19)),
        ):
            done = services.claim_step(actor=None, claim=done, action=action, today=on)
        public = services.file_claim(
            actor=None, member=member, rule=award, happened_on=D(YEAR, 11, 12),
            text="迎峰度冬保供电突击队“先进个人”",
        )  # fmt: skip
        for action in ("group", "committee", "publish"):
            public = services.claim_step(actor=None, claim=public, action=action, today=day)
        other = (
            Member.objects.filter(org=member.org, left_on__isnull=True)
            .exclude(pk=member.pk)
            .order_by("number")
            .first()
        )
        if other is not None:
            services.file_claim(
                actor=None, member=other, rule=award, happened_on=D(YEAR, 11, 18),
                text="市公司青年岗位能手",
            )  # fmt: skip
            services.add_manual_entry(
                actor=None, member=other, rule=scheme.rules.get(code="C1"),
                happened_on=D(YEAR, 7, 3), reason="无故缺席7月支部党员大会（支委会认定）",
            )  # fmt: skip
            written += 1
        written += 1
    if stdout is not None:
        stdout.write(f"党员积分：积分办法 {CODE}，写入积分 {written} 条。")
    return written
