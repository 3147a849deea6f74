"""Template context shared by every screen: the sidebar shows only modules that exist."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest

from lianjian.core.scope import BOARD, manages_any, scope_of

KEYTASKS = ("keytasks:tasklist_list", "关键任务", "keytasks")
CARRIERS = ("carriers:carrier_list", "岗区队", "carriers")
PROJECTS = ("projects:project_list", "揭榜挂帅", "projects")
from lianjian.core.scope import AUDIT, DISCIPLINE, INSPECTION, manages_any, scope_of

KEYTASKS = ("keytasks:tasklist_list", "关键任务", "keytasks")
SUPERVISION = ("supervision:dashboard", "监督台账", "supervision")


def reaches_supervision(user: object) -> bool:
    """Whether the 监督台账 may hold something for ``user``, from the scope alone (no query):
    the admin, the supervising bodies, and managers (the units items are assigned to)."""
    scope = scope_of(user)
    return (
        scope.everything
        or bool(scope.of(DISCIPLINE) or scope.of(AUDIT) or scope.of(INSPECTION))
        or manages_any(user)
    )
POINTS = ("points:scheme_list", "党员积分", "points")
APPRAISALS = ("appraisals:appraisal_list", "民主评议", "appraisals")


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
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
        ("assessment:scheme_list", "双维度考核", "assessment"),
        ("consultations:problem_list", "事务共商", "consultations"),
        ("sharing:resource_list", "资源共享", "sharing"),
    ]
    if not scope_of(user).is_empty:
        # Whoever reaches an organisation (or is a member) may see key-task lists of it; no
        # query here, so every page costs the same.
        items.insert(items.index(("assessment:scheme_list", "双维度考核", "assessment")), KEYTASKS)
    scope = scope_of(user)
    if scope.everything or scope.of(BOARD) or manages_any(user):
        # 三重一大: the board office keeps the register, the managers of the company see it,
        # a branch's managers see the items whose execution their organisation owns.
        items.append(("decisions:item_list", "三重一大", "decisions"))
        # 岗区队 likewise: seen with the organisation, by its holders and members.
        items.insert(items.index(KEYTASKS) + 1, CARRIERS)
        if apps.is_installed("lianjian.projects"):
            # 揭榜挂帅 projects are key tasks with a call behind them: shown to the same users.
            items.insert(items.index(KEYTASKS) + 1, PROJECTS)
    if apps.is_installed("lianjian.supervision") and reaches_supervision(user):
        items.append(SUPERVISION)
        items.insert(
            items.index(("consultations:problem_list", "事务共商", "consultations")), POINTS
        )
        # 民主评议党员 of the branches the user reaches (a member: their own branch's).
        items.insert(items.index(KEYTASKS), APPRAISALS)
    if manages_any(user):
        items.append(("proposals:run_form", "智能分组", "grouping"))
        items.append(("orgs:import_start", "导入导出", "excel"))
    if scope_of(user).everything:
        items.append(("core:audit_list", "审计日志", "audit"))
        items.append(("deadlines:settings", "三色预警设置", "deadlines"))
    items.append(("notifications:inbox", "消息与待办", "inbox"))
    items.append(("accounts:profile", "我的账户", "account"))
    return {"nav_items": items, "user_manages": manages_any(user)}
