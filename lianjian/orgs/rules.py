"""Organisation rules from 《中国共产党支部工作条例（试行）》 as data, and the warnings they give.

Pure Python, no Django: callers pass plain numbers. Enterprises tighten these; override
any value with the ``LIANJIAN_ORG_RULES`` setting (a dict with the same keys).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

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
            out.append(Warning("few_full", "danger",
                               f"正式党员 {full_members} 名，不足 {r['branch_min_full_members']} 名（可成立联合党支部）"))
        if members > r["branch_max_members"]:
            out.append(Warning("too_many", "warning",
                               f"党员 {members} 名，超过 {r['branch_max_members']} 名，宜分设支部或成立党总支"))
        if full_members >= r["committee_threshold"] and committee_members < r["committee_min_size"]:
            out.append(Warning("no_committee", "warning",
                               f"正式党员 {full_members} 名（≥{r['committee_threshold']}），应设立支部委员会"))
    if term_end is not None:
        days = (term_end - today).days
        if days < 0:
            out.append(Warning("term_overdue", "danger", f"本届任期已于 {term_end:%Y-%m-%d} 届满，逾期 {-days} 天未换届"))
        elif days <= r["term_warning_days"]:
            out.append(Warning("term_due", "warning", f"本届任期将于 {term_end:%Y-%m-%d} 届满（还有 {days} 天），请准备换届"))
    return out
