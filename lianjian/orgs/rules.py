"""Organisation rules from 《中国共产党支部工作条例（试行）》 as data, and the warnings they give;
and the one home of the rules on the organisation tree and a member's organisation that the
model's ``clean()``, the services and the Excel kinds all ask (docs/decisions/0003).

Pure Python, no Django: callers pass plain values. Enterprises tighten the warning
thresholds; override any of them with the ``LIANJIAN_ORG_RULES`` setting (a dict with the
same keys).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# --- the tree and a member's organisation: refusals ------------------------------------------

# Which kinds may sit under which (党小组 only under a branch; a 党委 under a 党委).
ALLOWED_PARENT_KINDS: dict[str, set[str]] = {
    "党委": {"党委"},
    "党总支": {"党委"},
    "党支部": {"党委", "党总支"},
    "党小组": {"党支部"},
}


def nesting_problem(kind: Any, parent_kind: Any, *, is_partner: Any) -> str:
    """Why an organisation of ``kind`` may not sit under one of ``parent_kind``, or "".
    Partner organisations (外部单位) nest freely; a value that is not a kind is left to the
    check of its own field."""
    if (
        is_partner is not False
        or kind not in ALLOWED_PARENT_KINDS
        or parent_kind not in ALLOWED_PARENT_KINDS
    ):
        return ""
    if parent_kind in ALLOWED_PARENT_KINDS[kind]:
        return ""
    return f"{kind}不能设在{parent_kind}之下"


def parent_dissolved_problem(parent_code: str, *, dissolved: Any, parent_dissolved: Any) -> str:
    """An organisation that is not dissolved sits under one that is not either (dissolving
    needs every sub-organisation dissolved first, :func:`dissolve_problems`)."""
    if dissolved is None and isinstance(parent_dissolved, datetime.date):
        return f"上级组织 {parent_code} 已撤销"
    return ""


def children_nesting_problems(kind: Any, children: Iterable[tuple[str, str, bool]]) -> list[str]:
    """Why an organisation may not become of ``kind`` with these ``children`` (code, kind,
    is_partner) under it: one message per child that could not sit under it."""
    return [
        f"下级组织 {code}（{child_kind}）不能设在{kind}之下"
        for code, child_kind, child_partner in children
        if nesting_problem(child_kind, kind, is_partner=child_partner)
    ]


def partner_kind_problem(*, is_partner: Any, partner_kind: Any) -> str:
    """外部单位类别 belongs to partner organisations only."""
    if is_partner is False and isinstance(partner_kind, str) and partner_kind:
        return "仅外部单位可填写外部单位类别"
    return ""


def dissolve_problems(*, members: int, active_children: int) -> list[str]:
    """Why an organisation cannot be dissolved (撤销) yet: its current members must be
    transferred and its sub-organisations dissolved first."""
    problems = []
    if members:
        problems.append(f"还有 {members} 名党员，请先办理组织关系转接")
    if active_children:
        problems.append(f"还有 {active_children} 个下级组织未撤销")
    return problems


MEMBER_LEFT = "该党员已离开，不能转接"


def member_org_problem(
    *, dissolved: bool, is_partner: bool, transfer: bool, left: bool = False
) -> str:
    """Why a member cannot be placed in an organisation, or "": a new member (``transfer``
    false) not in a dissolved one; a member moved there (组织关系转接) neither, nor into a
    partner unit's organisation, nor once they have left."""
    if dissolved:
        return "转入组织已撤销" if transfer else "所在组织已撤销"
    if transfer and is_partner:
        return "不能转入外部单位党组织"
    if transfer and left:
        return MEMBER_LEFT
    return ""


# --- warnings ---------------------------------------------------------------------------------

DEFAULT_RULES: dict[str, int] = {
    # a branch needs at least 3 full members (fewer: set up a 联合党支部)
    "branch_min_full_members": 3,
    # a branch usually has no more than 50 members
    "branch_max_members": 50,
    # 7 or more full members → a branch committee (支部委员会) of 3–5 members
    "committee_threshold": 7,
    # a committee exists when this many members hold committee posts
    "committee_min_size": 3,
    # remind this many days before a committee term ends
    "term_warning_days": 90,
}


# The warning codes and their labels (filters, figures, the API).
WARNING_LABELS = {
    "few_full": "正式党员不足 3 名",
    "too_many": "党员超过 50 名",
    "no_committee": "应设未设支部委员会",
    "term_due": "任期 90 天内届满",
    "term_overdue": "任期届满未换届",
}


@dataclass(frozen=True)
class Warning:
    """One rule an organisation breaks; ``level`` is ``danger`` or ``warning``."""

    code: str
    level: str
    text: str


def org_warnings(
    *,
    kind: str,
    is_partner: bool,
    is_dissolved: bool,
    members: int,
    full_members: int,
    committee_members: int,
    term_end: datetime.date | None,
    today: datetime.date,
    rules: dict[str, int] | None = None,
) -> list[Warning]:
    """The warnings for one organisation, from its member counts and term.

    Partner and dissolved organisations get none: the rules are ours to keep, not theirs.
    """
    r = {**DEFAULT_RULES, **(rules or {})}
    if is_partner or is_dissolved:
        return []
    out: list[Warning] = []
    if kind == "党支部":
        if full_members < r["branch_min_full_members"]:
            out.append(
                Warning(
                    "few_full",
                    "danger",
                    f"正式党员 {full_members} 名，不足 {r['branch_min_full_members']} 名（可成立联合党支部）",
                )
            )
        if members > r["branch_max_members"]:
            out.append(
                Warning(
                    "too_many",
                    "warning",
                    f"党员 {members} 名，超过 {r['branch_max_members']} 名，宜分设支部或成立党总支",
                )
            )
        if full_members >= r["committee_threshold"] and committee_members < r["committee_min_size"]:
            out.append(
                Warning(
                    "no_committee",
                    "warning",
                    f"正式党员 {full_members} 名（≥{r['committee_threshold']}），应设立支部委员会",
                )
            )
    if term_end is not None:
        days = (term_end - today).days
        if days < 0:
            out.append(
                Warning(
                    "term_overdue",
                    "danger",
                    f"本届任期已于 {term_end:%Y-%m-%d} 届满，逾期 {-days} 天未换届",
                )
            )
        elif days <= r["term_warning_days"]:
            out.append(
                Warning(
                    "term_due",
                    "warning",
                    f"本届任期将于 {term_end:%Y-%m-%d} 届满（还有 {days} 天），请准备换届",
                )
            )
    return out
