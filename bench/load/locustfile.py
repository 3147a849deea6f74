"""Locust users for ``python -m bench.load`` (see :mod:`bench.load.run`): people of the demo's
roles who sign in once, then walk their main pages and write, pausing 1–3 s between steps.

Every request is named by its page group (``name=``), so the statistics are per group.
A write counts as *done* when the product answers with its success message, as *refused*
when it answers with a clear Chinese message (form error or an error banner); anything
else — a 5xx, a 403/404 on one's own objects, a refusal without a message — is a failure.
The run is bounded: ``run.py`` passes the time, and :data:`MAX_REQUESTS` stops it early.
Loopback only: the users refuse any other host.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import re
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

from bench.load.pages import BOARD_PAGES, BODY_PAGES, MANAGER_PAGES, MEMBER_PAGES

PASSWORD = "Demo@2026"
MAX_REQUESTS = int(os.environ.get("LOAD_MAX_REQUESTS", "30000"))
TARGETS: dict[str, Any] = json.loads(
    Path(os.environ.get("LOAD_TARGETS", "/tmp/bench-load/targets.json")).read_text(encoding="utf-8")
)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ALERT = re.compile(r'class="alert alert-(success|danger|warning|info)\b[^"]*"[^>]*>\s*([^<]+)')
FIELD_ERROR = re.compile(r'class="invalid-feedback d-block">([^<]+)<')
WRITES: Counter[str] = Counter()  # "预约:done", "预约:refused: 与已有预约时间冲突", …
_sent = 0


@events.test_start.add_listener
def _loopback_only(environment: Any, **_: Any) -> None:
    host = urlsplit(environment.host or "").hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"只对本机（127.0.0.1）做负载测试，拒绝 {environment.host!r}")


@events.request.add_listener
def _bounded(**_: Any) -> None:
    global _sent
    _sent += 1
    if _sent >= MAX_REQUESTS and _runner is not None:
        _runner.quit()


_runner: Any = None


@events.init.add_listener
def _keep_runner(environment: Any, **_: Any) -> None:
    global _runner
    _runner = environment.runner


@events.quitting.add_listener
def _write_outcomes(environment: Any, **_: Any) -> None:
    out = os.environ.get("LOAD_WRITES")
    if out:
        with open(out, "w", encoding="utf-8") as f:
            json.dump(dict(WRITES), f, ensure_ascii=False, indent=1)


class Person(HttpUser):
    """One signed-in person; subclasses say who and what they do."""

    abstract = True
    wait_time = between(1, 3)
    username = ""
    pages: dict[str, str] = {}

    def on_start(self) -> None:
        token = self._csrf("/accounts/login/", "登录页")
        with self.client.post(
            "/accounts/login/",
            data={"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": self.host + "/accounts/login/"},
            name="登录",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if r.status_code != 302:
                r.failure(f"登录失败：{self.username} → {r.status_code}")

    def _csrf(self, url: str, name: str) -> str:
        r = self.client.get(url, name=name)
        m = CSRF.search(r.text)
        return m.group(1) if m else self.client.cookies.get("csrftoken", "")

    @task(6)
    def walk(self) -> None:
        name, url = random.choice(list(self.pages.items()))
        with self.client.get(url, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{url} → {r.status_code}")

    def write(self, kind: str, page: str, page_name: str, url: str, data: dict[str, Any]) -> None:
        """POST ``data`` to ``url`` from ``page`` and classify the answer (module docstring)."""
        data["csrfmiddlewaretoken"] = self._csrf(page, page_name)
        with self.client.post(
            url,
            data=data,
            headers={"Referer": self.host + page},
            name=f"写：{kind}",
            catch_response=True,
        ) as r:
            alerts = ALERT.findall(r.text)
            errors = FIELD_ERROR.findall(r.text)
            if r.status_code == 200 and any(tag == "success" for tag, _ in alerts):
                WRITES[f"{kind}:完成"] += 1
            elif r.status_code in (200, 400) and (
                refusals := errors + [m for tag, m in alerts if tag in ("danger", "warning")]
            ):
                message = refusals[0].strip()
                WRITES[f"{kind}:拒绝：{message}"] += 1
                r.success()
            else:
                WRITES[f"{kind}:失败 {r.status_code}"] += 1
                r.failure(f"{url} → {r.status_code}，无提示信息")


class Manager(Person):
    """A branch or committee secretary: records attendance, books resources, reports progress."""

    abstract = True
    pages = MANAGER_PAGES

    def _mine(self) -> dict[str, Any]:
        return TARGETS[self.username]

    @task(1)
    def record_attendance(self) -> None:
        acts = self._mine()["activities"]
        if not acts:
            return
        act = random.choice(acts)
        members = random.sample(act["members"], k=min(len(act["members"]), random.randint(1, 3)))
        status = random.choice(["出席", "出席", "请假"])
        page = f"/activities/a/{act['code']}/"
        self.write(
            "记录出勤",
            page,
            "活动详情",
            f"{page}mark/",
            {"member": members, "status": status, "reason": "因公出差" if status == "请假" else ""},
        )

    @task(1)
    def book(self) -> None:
        mine = self._mine()
        code = random.choice(mine["resources"])
        day = datetime.date.today() + datetime.timedelta(days=random.randint(3, 90))
        hour = random.randint(9, 15)
        page = f"/sharing/r/{code}/"
        self.write(
            "预约资源",
            page,
            "资源详情",
            f"{page}book/",
            {
                "org": mine["org"],
                "start": f"{day:%Y-%m-%d} {hour:02d}:00",
                "end": f"{day:%Y-%m-%d} {hour + 1:02d}:30",
                "purpose": "联建主题党日活动",
                "expected_people": random.randint(5, 30),
            },
        )

    @task(1)
    def report_progress(self) -> None:
        problems = self._mine()["problems"]
        if not problems:
            return
        p = random.choice(problems)
        page = f"/consultations/p/{p['code']}/"
        self.write(
            "报送办理进展",
            page,
            "问题详情",
            f"{page}progress/",
            {"org": p["org"], "text": "已召开专题会议研究，正在协调落实。"},
        )


class Admin(Manager):
    username = "admin"
    weight = 3


class CommitteeSecretary(Manager):
    username = "dangwei"
    weight = 6


class BranchSecretary(Manager):
    username = "zhibu"
    weight = 12


class OtherBranchSecretary(Manager):
    username = "zhibu2"
    weight = 12


class PartyMember(Person):
    username = "dangyuan"
    pages = MEMBER_PAGES
    weight = 9


class Inspector(Person):
    username = "xuncha"
    pages = BODY_PAGES
    weight = 2


class DisciplineOfficer(Person):
    username = "jijian"
    pages = BODY_PAGES
    weight = 2


class Auditor(Person):
    username = "shenji"
    pages = BODY_PAGES
    weight = 2


class BoardOffice(Person):
    username = "juece"
    pages = BOARD_PAGES
    weight = 2
