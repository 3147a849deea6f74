"""Demo 岗区队 of the Benxi company (fusion.md §3): 119 党员示范岗, 82 党员责任区 and 8 党员
服务队 named in 2025, spread over the demo branches (generated names, deterministic); the
2026 half-year review withdraws 3 示范岗 (scores below 70), so the registry shows 116 active,
119 ever named, 3 withdrawn and 206 active carriers in all. Each branch's 班组 are covered by
its 责任区 but for one gap in some branches. dangyuan (BX-ZB19) holds a 示范岗 so 我的 shows
it; BX-ZB19 also has a declaration waiting for the 党委's approval and one in 公示 whose
five working days have passed (the manager names it), and a 突击队 being declared.

Idempotent: nothing is created when the first demo carrier exists. Rows are written in bulk
with their history (one audit row for the whole load, :func:`lianjian.core.demo.record_demo`).
"""

from __future__ import annotations

import datetime
from typing import Any, Protocol

from django.db import transaction

from lianjian.accounts.models import User
from lianjian.carriers import rules
from lianjian.carriers.models import Carrier, CarrierMember, CarrierReview, CarrierStep, WorkGroup
from lianjian.core.demo import record_demo
from lianjian.orgs.models import Member, Organisation

D = datetime.date
FIRST = "SFG-001"
POSTS, AREAS, TEAMS = 119, 82, 8
WITHDRAWN_POSTS = 3
DECLARED, APPROVED, NAMED = D(2025, 3, 3), D(2025, 4, 1), D(2025, 4, 15)
REVIEWED = D(2026, 7, 15)
HOME_BRANCH = "BX-ZB19"
SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = ("丽", "强", "敏", "军", "芳", "磊", "洋", "静", "勇", "艳")
POST_TITLES = ("抄表服务", "配网抢修", "变电运维", "营业受理", "计量检验", "安全督查",
               "调度值班", "线路巡视", "客户经理", "带电作业")  # fmt: skip
AREA_TITLES = ("设备主人", "台区经理", "标段安全", "线路通道", "工器具管理", "班组安全")
TEAM_TITLES = ("红马甲", "光明驿站", "电力爱心", "乡村振兴", "应急保电", "社区连心",
               "助老用电", "校园用电")  # fmt: skip
COMMITMENT = "亮身份、作表率；承诺：服务零投诉、安全零事故、工作零差错。"
# The review of 2026H1: all but three 示范岗 score ≥ 80; three fall below 70 (摘牌).
ITEMS = rules.PRESETS["半年复核"].items


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


def _theme(branch: Organisation, n: int) -> str:
    """One of the branch's professions, taken in turn (党建+X)."""
    professions = list(branch.professions or ["安全生产"])
    return str(professions[n % len(professions)])


def _masses(i: int) -> str:
    return "、".join(f"{SURNAMES[(i + k) % 10]}{GIVEN[(i * 3 + k) % 10]}" for k in range(2))


def _steps(carrier: Carrier, path: tuple[tuple[str, str, D], ...]) -> list[CarrierStep]:
    out, before = [], ""
    for action, state, day in path:
        out.append(
            CarrierStep(
                carrier=carrier,
                day=day,
                action=action,
                from_state=before,
                state=state,
                actor_name="系统",
            )
        )
        before = state
    return out


NAMED_PATH = (
    ("declare", rules.DECLARED, DECLARED),
    ("submit", rules.BRANCH_REVIEW, DECLARED),
    ("branch_pass", rules.COMMITTEE, D(2025, 3, 10)),
    ("approve", rules.PUBLICITY, APPROVED),
    ("name", rules.NAMED, NAMED),
)


@transaction.atomic
def demo_carriers(stdout: Writer | None = None) -> int:
    """Create the demo carriers when missing; returns the number created."""
    if Carrier.objects.filter(code=FIRST).exists():
        return 0
    branches = list(
        Organisation.objects.filter(kind="党支部", is_partner=False, dissolved__isnull=True)
        .exclude(is_temporary=True)
        .order_by("code")
    )
    if not branches:
        return 0
    members: dict[int, list[Member]] = {b.pk: [] for b in branches}
    for m in Member.objects.filter(org__in=branches, left_on__isnull=True).order_by("number"):
        members[m.org_id].append(m)
    home_user = User.objects.filter(username="dangyuan").select_related("member").first()
    home_member = home_user.member if home_user is not None else None

    carriers: list[Carrier] = []
    leaders_used: set[int] = set()

    def leader(branch: Organisation, k: int) -> Member | None:
        pool = [m for m in members[branch.pk] if m.pk not in leaders_used] or members[branch.pk]
        if not pool:
            return None
        m = pool[k % len(pool)]
        leaders_used.add(m.pk)
        return m

    def add(
        kind: str, n: int, branch: Organisation, name: str, who: Member | None, **kw: Any
    ) -> Carrier:
        lat = (branch.lat or 41.29) + ((n * 37) % 21 - 10) * 0.004
        lon = (branch.lon or 123.77) + ((n * 53) % 21 - 10) * 0.004
        c = Carrier(
            code=f"{rules.CODE_PREFIX[kind]}-{n:03d}",
            kind=kind,
            name=name,
            org=branch,
            theme=f"党建+{_theme(branch, n)}",
            leader=who,
            duties=kw.pop("duties", "带头履行岗位职责，带动身边群众。"),
            commitments=COMMITMENT,
            established=DECLARED,
            lat=round(lat, 5) if kind in (rules.POST, rules.AREA) else None,
            lon=round(lon, 5) if kind in (rules.POST, rules.AREA) else None,
            state=kw.pop("state", rules.NAMED),
            **kw,
        )
        carriers.append(c)
        return c

    # 示范岗: dangyuan's first, then round the branches.
    home = next((b for b in branches if b.code == HOME_BRANCH), branches[0])
    for n in range(1, POSTS + 1):
        branch = home if n == 1 else branches[(n - 2) % len(branches)]
        who = home_member if n == 1 and home_member is not None else leader(branch, n)
        if who is not None:
            leaders_used.add(who.pk)
        title = POST_TITLES[n % len(POST_TITLES)]
        add(rules.POST, n, branch, f"{title}党员示范岗", who, post_name=title,
            plaque_no=f"BX-SFG-2025-{n:03d}")  # fmt: skip
    # 责任区: two per branch, each covering one 班组 (a third 班组 of every fifth branch is a gap).
    groups: list[WorkGroup] = []
    area_groups: list[tuple[Carrier, WorkGroup]] = []
    for n in range(1, AREAS + 1):
        branch = branches[(n - 1) % len(branches)]
        title = AREA_TITLES[n % len(AREA_TITLES)]
        g = WorkGroup(
            code=f"{branch.code}-BZ{(n - 1) // len(branches) + 1}", org=branch, name=f"{title}班"
        )
        groups.append(g)
        c = add(rules.AREA, n, branch, f"{title}党员责任区", leader(branch, n), area=f"{g.name}及其设备",
                plaque_no=f"BX-ZRQ-2025-{n:03d}")  # fmt: skip
        area_groups.append((c, g))
    for i, branch in enumerate(branches):
        if i % 5 == 0:
            groups.append(WorkGroup(code=f"{branch.code}-BZ9", org=branch, name="综合班"))
    # 服务队: in the first eight branches.
    for n in range(1, TEAMS + 1):
        branch = branches[(n - 1) % len(branches)]
        add(rules.SERVICE_TEAM, n, branch, f"{TEAM_TITLES[n - 1]}党员服务队", leader(branch, n),
            plaque_no=f"BX-FWD-2025-{n:03d}")  # fmt: skip
    # In flight at BX-ZB19: one awaiting the 党委, one in 公示 (five working days passed), a 突击队.
    waiting = add(rules.POST, POSTS + 1, home, "电费回收党员示范岗", leader(home, 1), post_name="电费回收",
                  state=rules.COMMITTEE)  # fmt: skip
    publicised = add(rules.POST, POSTS + 2, home, "智能电表运维党员示范岗", leader(home, 2),
                     post_name="智能电表运维", state=rules.PUBLICITY)  # fmt: skip
    force = add(rules.TASK_FORCE, 1, home, "迎峰度冬保供电党员突击队", leader(home, 3),
                end_date=D(2027, 3, 31), state=rules.DECLARED)  # fmt: skip

    Carrier.objects.bulk_create(carriers)
    WorkGroup.objects.bulk_create(groups)
    Carrier.work_groups.through.objects.bulk_create(
        [Carrier.work_groups.through(carrier_id=c.pk, workgroup_id=g.pk) for c, g in area_groups]
    )

    people: list[CarrierMember] = []
    for i, c in enumerate(carriers):
        if c.leader is not None:
            people.append(CarrierMember(carrier=c, member=c.leader, name=c.leader.name, kind=rules.PARTY,
                                        masses=_masses(i) if c.kind == rules.AREA else ""))  # fmt: skip
        if c.kind == rules.SERVICE_TEAM:
            people.append(
                CarrierMember(
                    carrier=c, name=f"{SURNAMES[i % 10]}晓{GIVEN[i % 10]}", kind=rules.ACTIVIST
                )
            )
            people.append(
                CarrierMember(
                    carrier=c,
                    name=f"{SURNAMES[(i + 4) % 10]}小{GIVEN[(i + 2) % 10]}",
                    kind=rules.LEAGUE,
                )
            )
    CarrierMember.objects.bulk_create(people)

    steps: list[CarrierStep] = []
    reviews: list[CarrierReview] = []
    preset = rules.PRESETS["半年复核"]
    for c in carriers:
        if c is waiting:
            steps += _steps(c, NAMED_PATH[:3])
        elif c is publicised:
            steps += _steps(c, NAMED_PATH[:4])
        elif c is force:
            steps += _steps(c, NAMED_PATH[:1])
        else:
            steps += _steps(c, NAMED_PATH)
    posts = [c for c in carriers if c.kind == rules.POST and c.state == rules.NAMED]
    for n, c in enumerate(posts):
        low = n >= len(posts) - WITHDRAWN_POSTS
        base = 60 + n % 5 if low else 80 + (n * 7) % 19
        scores = {item: float(base + (k % 2)) for k, item in enumerate(ITEMS)}
        score = rules.review_score(scores)
        after = rules.state_after_review(preset, score, rules.NAMED)
        reviews.append(
            CarrierReview(carrier=c, preset=preset.name, period="2026H1", day=REVIEWED, scores=scores,
                          score=score, band=rules.band(preset, score), state_after=after, reviewer_name="系统")
        )  # fmt: skip
        if after != rules.NAMED:
            reason = f"2026H1 复核 {score} 分，{rules.band(preset, score)}"
            steps.append(CarrierStep(carrier=c, day=REVIEWED, action="review", from_state=rules.NAMED,
                                     state=after, reason=reason, actor_name="系统"))  # fmt: skip
            c.state, c.state_reason = after, reason
    Carrier.objects.bulk_update(
        [c for c in posts if c.state != rules.NAMED], ["state", "state_reason"]
    )
    CarrierReview.objects.bulk_create(reviews)
    CarrierStep.objects.bulk_create(steps)
    record_demo(
        "carriers.carrier",
        "岗区队",
        {"carriers": len(carriers), "work_groups": len(groups), "reviews": len(reviews)},
    )
    if stdout is not None:
        stdout.write(
            f"岗区队：示范岗 {POSTS} 个、责任区 {AREAS} 个、服务队 {TEAMS} 个，复核摘牌 {WITHDRAWN_POSTS} 个示范岗。"
        )
    return len(carriers)
