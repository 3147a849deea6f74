"""Template context shared by every screen: the sidebar shows only modules that exist."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest

from lianjian.core.scope import (
    AUDIT,
    BOARD,
    DISCIPLINE,
    INSPECTION,
    MANAGE,
    manages_any,
    scope_of,
)

KEYTASKS = ("keytasks:tasklist_list", "关键任务", "keytasks")
CARRIERS = ("carriers:carrier_list", "岗区队", "carriers")
PROJECTS = ("projects:project_list", "揭榜挂帅", "projects")
SUPERVISION = ("supervision:dashboard", "监督台账", "supervision")
POINTS = ("points:scheme_list", "党员积分", "points")
APPRAISALS = ("appraisals:appraisal_list", "民主评议", "appraisals")
CONSULTATIONS = ("consultations:problem_list", "事务共商", "consultations")
ASSESSMENT = ("assessment:scheme_list", "双维度考核", "assessment")


def reaches_supervision(user: object) -> bool:
    """Whether the 监督台账 may hold something for ``user``, from the scope alone (no query):
    the admin, the supervising bodies, and managers (the units items are assigned to)."""
    scope = scope_of(user)
    return (
        scope.everything
        or bool(scope.of(DISCIPLINE) or scope.of(AUDIT) or scope.of(INSPECTION))
        or manages_any(user)
    )


def body_only(user: object) -> bool:
    """Whether ``user`` is a supervising or deciding body's account (纪检, 审计, 巡察办,
    决策管理): it holds a body's grant and neither manages an organisation nor is a member.
    Its screens are the 监督台账 and the 三重一大 register; the organisation's own modules
    (members, activities …) would show it nothing, so they are not offered."""
    scope = scope_of(user)
    return (
        not scope.everything
        and scope.member_id is None
        and not scope.of(MANAGE)
        and any(scope.of(kind) for kind in (DISCIPLINE, AUDIT, INSPECTION, BOARD))
    )


def body_home(user: object) -> str:
    """The URL name of a body's own first screen: the ledger, or the register for the board."""
    return "decisions:item_list" if scope_of(user).of(BOARD) else SUPERVISION[0]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if body_only(user):
        items = []
        if scope_of(user).of(BOARD):
            items.append(("decisions:item_list", "三重一大", "decisions"))
        if apps.is_installed("lianjian.supervision") and reaches_supervision(user):
            items.append(SUPERVISION)
        items.append(("notifications:inbox", "消息与待办", "inbox"))
        items.append(("accounts:profile", "我的账户", "account"))
        return {
            "nav_items": items,
            "nav_groups": group_navigation(items),
            "user_manages": False,
        }
    items = [("home:home", "首页", "home")]
    if user.member_id:
        items.append(("home:mine", "我的", "mine"))
    items += [
        ("orgs:org_tree", "党组织", "orgs"),
        ("orgs:member_list", "党员", "members"),
        ("alliances:alliance_list", "联建共建", "alliances"),
        ("alliances:network", "联建网络图", "network"),
        ("activities:activity_list", "活动", "activities"),
        ("activities:compliance_matrix", "组织生活", "compliance"),
        ASSESSMENT,
        CONSULTATIONS,
        ("sharing:resource_list", "资源共享", "sharing"),
    ]
    scope = scope_of(user)
    if not scope.is_empty:
        # Whoever reaches an organisation (or is a member) may see key-task lists of it, its
        # 岗区队, 揭榜挂帅 projects, 民主评议 and 党员积分; no query here, so every page costs
        # the same.
        items.insert(items.index(ASSESSMENT), KEYTASKS)
        items.insert(items.index(KEYTASKS), APPRAISALS)
        if apps.is_installed("lianjian.projects"):
            items.insert(items.index(KEYTASKS) + 1, PROJECTS)
        items.insert(items.index(KEYTASKS) + 1, CARRIERS)
        items.insert(items.index(CONSULTATIONS), POINTS)
    if scope.everything or scope.of(BOARD) or manages_any(user):
        # 三重一大: the board office keeps the register, the managers of the company see it,
        # a branch's managers see the items whose execution their organisation owns.
        items.append(("decisions:item_list", "三重一大", "decisions"))
    if apps.is_installed("lianjian.supervision") and reaches_supervision(user):
        items.append(SUPERVISION)
    if manages_any(user):
        items.append(("proposals:run_form", "智能分组", "grouping"))
        items.append(("orgs:import_start", "导入导出", "excel"))
    if scope.everything:
        items.append(("core:audit_list", "审计日志", "audit"))
        items.append(("deadlines:settings", "三色预警设置", "deadlines"))
    items.append(("notifications:inbox", "消息与待办", "inbox"))
    items.append(("accounts:profile", "我的账户", "account"))
    return {
        "nav_items": items,
        "nav_groups": group_navigation(items),
        "user_manages": manages_any(user),
    }


# The sidebar's sections, by item key: 23 links in one column ran past a laptop's screen, so
# they are shown under headings; the rarely used administration links fold away (``<details>``,
# no script) unless one of them is the current page.
NAV_SECTIONS: tuple[tuple[str, frozenset[str], bool], ...] = (
    ("", frozenset({"home", "mine"}), False),
    ("组织与党员", frozenset({"orgs", "members", "activities", "compliance"}), False),
    (
        # Not the menu item's own words: a heading reading 联建共建 would stand in for the link.
        "联建与共享",
        frozenset({"alliances", "network", "consultations", "sharing", "grouping"}),
        False,
    ),
    (
        "党建+业务",
        frozenset({"appraisals", "keytasks", "carriers", "projects", "assessment", "points"}),
        False,
    ),
    ("监督与决策", frozenset({"decisions", "supervision"}), False),
    ("系统管理", frozenset({"excel", "audit", "deadlines"}), True),
    ("", frozenset({"inbox", "account"}), False),
)


def group_navigation(items: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """The sidebar items under their sections (:data:`NAV_SECTIONS`), each item exactly once and
    in its order within ``items``; an item of no section goes to the last one. Sections with
    no item of this user are left out."""
    placed: list[list[tuple[str, str, str]]] = [[] for _ in NAV_SECTIONS]
    for item in items:
        home = next(
            (i for i, (_, keys, _) in enumerate(NAV_SECTIONS) if item[2] in keys),
            len(NAV_SECTIONS) - 1,
        )
        placed[home].append(item)
    sections = [
        {"title": title, "keys": keys, "folds": folds, "items": placed[i]}
        for i, (title, keys, folds) in enumerate(NAV_SECTIONS)
    ]
    return [s for s in sections if s["items"]]
