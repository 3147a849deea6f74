"""Fixed personas and a small organisation tree shared by the whole suite.

Tree::

    DW   本溪供电公司党委 (党委)
    ├── ZB-A  营销服务党支部 (党支部)   ← branch A
    │   └── XZ-A1  营销一组 (党小组)
    ├── ZB-B  运维检修党支部 (党支部)   ← branch B
    └── WB-GOV 本溪县人民政府机关党委 (党委, 外部单位)
    DW2  另一公司党委 (党委)            ← outside the company
    └── ZB-X  外公司党支部

Personas: admin; company (manager of DW); manager_a (manager of ZB-A); member_a (member
of ZB-A, linked to member M-A1); manager_b (manager of ZB-B); outsider (manager of DW2).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from lianjian.accounts.models import User
from lianjian.orgs.models import Member, Organisation
from lianjian.orgs.services import member_create, org_create
from tests.browser_helpers import browser, page  # noqa: F401 - the real-browser fixtures

PASSWORD = "Test-pass-2026"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at production strength costs ~0.3 s per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    # Background tasks run inside the test, in its transaction (lianjian.core.jobs), so that
    # the suite needs no worker and stays deterministic; a test wanting a queued task
    # switches to django_tasks.backends.dummy.DummyBackend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def queued(settings):
    """Tasks are queued, not run (the dummy backend, emptied): the test runs the worker's
    part itself (``task.call(...)``) or looks at what was enqueued."""
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


@pytest.fixture(autouse=True)
def _fresh_deadline_rules():
    # The rules of the deadline colours are cached per request/run; a test's rolled-back
    # preset must not colour the next test.
    from lianjian.deadlines.services import forget_rules

    forget_rules()
    yield
    forget_rules()


@dataclass
class World:
    dw: Organisation
    zb_a: Organisation
    xz_a1: Organisation
    zb_b: Organisation
    partner: Organisation
    dw2: Organisation
    zb_x: Organisation
    m_a1: Member
    m_a2: Member
    m_b1: Member
    m_x1: Member
    admin: User
    company: User
    manager_a: User
    member_a: User
    manager_b: User
    outsider: User


def _user(username: str, role: str, org: Organisation | None, member: Member | None = None) -> User:
    user = User(username=username, role=role, org=org, member=member, first_name=username)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def world(db) -> World:
    mk = org_create
    dw = mk(
        actor=None,
        code="DW",
        name="本溪供电公司党委",
        kind="党委",
        lat=41.29,
        lon=123.76,
        professions=["综合管理"],
        founded=datetime.date(2000, 1, 1),
    )
    zb_a = mk(
        actor=None,
        code="ZB-A",
        name="营销服务党支部",
        kind="党支部",
        parent=dw,
        professions=["营销服务"],
        strengths=["客户服务"],
        needs=["技术攻关"],
        lat=41.30,
        lon=123.70,
    )
    xz_a1 = mk(actor=None, code="XZ-A1", name="营销一组", kind="党小组", parent=zb_a)
    zb_b = mk(
        actor=None,
        code="ZB-B",
        name="运维检修党支部",
        kind="党支部",
        parent=dw,
        professions=["设备管理"],
        lat=41.20,
        lon=123.90,
    )
    partner = mk(
        actor=None,
        code="WB-GOV",
        name="本溪县人民政府机关党委",
        kind="党委",
        parent=dw,
        is_partner=True,
        partner_kind="政府",
        unit="本溪县人民政府",
    )
    dw2 = mk(actor=None, code="DW2", name="另一公司党委", kind="党委")
    zb_x = mk(actor=None, code="ZB-X", name="外公司党支部", kind="党支部", parent=dw2)
    day = datetime.date(2010, 7, 1)
    m_a1 = member_create(
        actor=None,
        number="M-A1",
        name="张三",
        org=zb_a,
        category="正式党员",
        joined_on=day,
        phone="13812345678",
        id_number="110101199003071233",
        post="书记",
    )
    m_a2 = member_create(
        actor=None,
        number="M-A2",
        name="李四",
        org=zb_a,
        category="预备党员",
        joined_on=datetime.date(2025, 7, 1),
        phone="13900000001",
    )
    m_b1 = member_create(
        actor=None,
        number="M-B1",
        name="王五",
        org=zb_b,
        category="正式党员",
        joined_on=day,
        phone="13700000002",
    )
    m_x1 = member_create(
        actor=None,
        number="M-X1",
        name="赵六",
        org=zb_x,
        category="正式党员",
        joined_on=day,
        phone="13600000003",
    )
    return World(
        dw=dw,
        zb_a=zb_a,
        xz_a1=xz_a1,
        zb_b=zb_b,
        partner=partner,
        dw2=dw2,
        zb_x=zb_x,
        m_a1=m_a1,
        m_a2=m_a2,
        m_b1=m_b1,
        m_x1=m_x1,
        admin=_user("admin", "admin", None),
        company=_user("company", "manager", dw),
        manager_a=_user("manager_a", "manager", zb_a),
        member_a=_user("member_a", "member", zb_a, m_a1),
        manager_b=_user("manager_b", "manager", zb_b),
        outsider=_user("outsider", "manager", dw2),
    )
