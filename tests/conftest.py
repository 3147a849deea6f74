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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test.utils import override_settings

from lianjian.accounts.models import User
from lianjian.orgs.models import Member, Organisation
from lianjian.orgs.services import member_create, org_create
from tests.browser_helpers import browser, page  # noqa: F401 - the real-browser fixtures

PASSWORD = "Test-pass-2026"


# PBKDF2 at production strength costs ~0.3 s per user; tests create many users.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Background tasks run inside the test, in its transaction (lianjian.core.jobs), so that the
# suite needs no worker and stays deterministic; a test wanting a queued task switches to
# django_tasks.backends.dummy.DummyBackend.
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = IMMEDIATE_TASKS


@contextmanager
def module_transaction(django_db_blocker, **overrides: Any) -> Iterator[None]:
    """For a module-scoped fixture whose rows many tests read: the database unblocked, the
    suite's settings (the autouse fixtures above do not reach a module fixture) and a
    transaction rolled back when the module is done. Each test then runs in a savepoint
    inside it (pytest-django's ``db``), so what one test writes is gone for the next."""
    settings = {"PASSWORD_HASHERS": FAST_HASHERS, "TASKS": IMMEDIATE_TASKS, **overrides}
    with django_db_blocker.unblock(), override_settings(**settings), transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.fixture
def queued(settings):
    """Tasks are queued, not run (the dummy backend, emptied): the test runs the worker's
    part itself (``task.call(...)``) or looks at what was enqueued."""
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    return default_task_backend


def _flushes(item: pytest.Item) -> bool:
    """Whether ``item`` is a transactional test, which empties every table when it ends
    (pytest-django's own test of it, ``pytest_collection_modifyitems``)."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
        or "transactional_db" in fixtures
        or "live_server" in fixtures
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """After a transactional test, put back the rows the data migrations seeded (alliance
    types, compliance rules, deadline kinds …) before a test that expects them runs.

    Run alone, pytest-django orders the transactional tests last, as Django does; the
    parallel workers of ``make test`` (pytest-xdist) take whole files in turn, so a flushed
    database would otherwise be handed to the next file's tests."""
    result = yield
    if nextitem is not None and _flushes(item) and not _flushes(nextitem):
        from django.db import connections
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            for alias in connections:
                connection = connections[alias]
                contents = getattr(connection, "_test_serialized_contents", None)
                if contents and not connection.settings_dict["TEST"].get("MIRROR"):
                    connection.creation.deserialize_db_from_string(contents)
    return result


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
    return build_world()


def build_world() -> World:
    """The tree and personas of this module's docstring (the ``world`` fixture's rows)."""
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
