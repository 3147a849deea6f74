"""The page groups of the load test, shared by the Locust users and the report (no Locust
import here: importing Locust patches the standard library with gevent)."""

from __future__ import annotations

import re

# The pages each role walks (what the menu offers it), by page group.
MANAGER_PAGES = {
    "首页": "/",
    "组织列表": "/orgs/",
    "党员列表": "/orgs/members/",
    "活动列表": "/activities/",
    "活动日历": "/activities/calendar/",
    "组织生活合规": "/activities/compliance/",
    "活动统计": "/activities/stats/",
    "联建列表": "/alliances/",
    "资源共享": "/sharing/",
    "预约列表": "/sharing/bookings/",
    "事务共商": "/consultations/",
    "共商统计": "/consultations/stats/",
    "关键任务": "/keytasks/",
    "岗区队": "/carriers/",
    "揭榜挂帅": "/projects/",
    "监督台账": "/supervision/",
    "待办": "/inbox/",
}
MEMBER_PAGES = {
    "我的": "/my/",
    "活动列表": "/activities/",
    "资源共享": "/sharing/",
    "待办": "/inbox/",
    "党员积分": "/points/mine/",
}
BODY_PAGES = {
    "首页": "/",
    "监督台账": "/supervision/",
    "监督批次": "/supervision/batches/",
    "监督问题": "/supervision/items/",
    "待办": "/inbox/",
}
BOARD_PAGES = {"首页": "/", "三重一大": "/decisions/", "待办": "/inbox/"}

# Requests that are not one fixed path: (method, pattern, group).
PATTERNS = (
    ("POST", re.compile(r"^/accounts/login/$"), "登录"),
    ("GET", re.compile(r"^/accounts/login/$"), "登录页"),
    ("POST", re.compile(r"^/activities/a/[^/]+/mark/$"), "写：记录出勤"),
    ("POST", re.compile(r"^/sharing/r/[^/]+/book/$"), "写：预约资源"),
    ("POST", re.compile(r"^/consultations/p/[^/]+/progress/$"), "写：报送办理进展"),
    ("GET", re.compile(r"^/activities/a/[^/]+/$"), "活动详情"),
    ("GET", re.compile(r"^/sharing/r/[^/]+/$"), "资源详情"),
    ("GET", re.compile(r"^/consultations/p/[^/]+/$"), "问题详情"),
    ("GET", re.compile(r"^/sharing/bookings/\d+/$"), "预约详情（写入后跳转）"),
)
BY_PATH = {
    path: name
    for pages in (MANAGER_PAGES, MEMBER_PAGES, BODY_PAGES, BOARD_PAGES)
    for name, path in pages.items()
}


def group_of(method: str, path: str) -> str:
    """The page group of a request as gunicorn's access log shows it (``其他`` if none)."""
    path = path.split("?", 1)[0]
    for m, pattern, name in PATTERNS:
        if m == method and pattern.match(path):
            return name
    if method == "GET" and path in BY_PATH:
        return BY_PATH[path]
    return "其他"
