"""The code allocator and the one translation of a lost race (``IntegrityError``) per edge,
pinned deterministically on SQLite and PostgreSQL alike.

A lost race is simulated where it happens: between the checks and the insert another
writer puts in a row with the same key (``bulk_create`` bypasses every check). The real
concurrent runs are in ``test_concurrency_keys.py`` (PostgreSQL).
"""

from __future__ import annotations

import contextlib
import datetime
import io
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import IntegrityError, connections, models, transaction
from django.test import Client
from django.urls import reverse

from lianjian import cli
from lianjian.accounts.models import User
from lianjian.activities import services as activity_services
from lianjian.assessment.models import KpiBatch, KpiValue
from lianjian.assessment.services import kpis as assessment_kpis
from lianjian.assessment.services import scheme_import
from lianjian.core.codes import next_code
from lianjian.core.conflicts import conflict_message, conflict_reason, is_lost_race
from lianjian.core.excel import get_kind, import_file
from lianjian.core.models import AuditLog, CodeCounter, ImportJob
from lianjian.orgs.excel import organisations as orgs_excel
from lianjian.orgs.models import Member, Organisation
from lianjian.sharing.models import Match, Need, Resource
from tests.api_helpers import call
from tests.assessment_engine_helpers import example
from tests.conftest import PASSWORD
from tests.excel_helpers import make_xlsx

TAIL = "，本次提交未保存，请刷新后重试"


def state() -> tuple:
    return (
        list(Organisation.objects.order_by("pk").values_list("code", "name")),
        list(Member.objects.order_by("pk").values_list("number", "name")),
        list(KpiValue.objects.values_list("org_id", "period", "indicator_code", "value")),
        list(User.objects.order_by("pk").values_list("username", flat=True)),
        AuditLog.objects.count(),
    )


@contextlib.contextmanager
def lost_race(model: type[models.Model], competitor: Callable[[], models.Model]) -> Iterator[None]:
    """The first insert of ``model`` finds ``competitor()`` inserted just before it."""
    original = model.save
    done = False

    def save(self: models.Model, *args: Any, **kwargs: Any) -> None:
        nonlocal done
        if self.pk is None and not done:
            done = True
            model.objects.bulk_create([competitor()])
        original(self, *args, **kwargs)

    model.save = save  # type: ignore[method-assign]
    try:
        yield
    finally:
        model.save = original  # type: ignore[method-assign]


def _org(code: str, parent: Organisation) -> Organisation:
    return Organisation(
        code=code,
        name="别人刚建的",
        kind="党小组",
        parent=parent,
        path=f"{parent.path}{code}/",
        depth=parent.depth + 1,
    )


def _refusal(run: Callable[[], Any]) -> IntegrityError:
    with pytest.raises(IntegrityError) as info, transaction.atomic():
        run()
    return info.value


# --- the allocator ------------------------------------------------------------------------


def test_next_code_counts_up_skips_typed_codes_and_never_reuses_one(world):
    def make(code: str) -> Resource:
        return Resource.objects.create(code=code, name="r", kind="阵地", owner=world.zb_a)

    assert next_code(Resource, "ZY-", 4) == "ZY-0001"
    make("ZY-0002")  # typed by hand (an import, the API's code)
    make("ZY-0003")
    assert next_code(Resource, "ZY-", 4) == "ZY-0004"
    # Numbers only grow: ZY-0001 was handed out (and, here, never used) — not handed out again.
    assert next_code(Resource, "ZY-", 4) == "ZY-0005"
    assert list(CodeCounter.objects.values_list("key", "last")) == [("sharing.resource:ZY-", 5)]


def test_a_rolled_back_create_gives_its_number_back(world):
    with contextlib.suppress(RuntimeError), transaction.atomic():
        assert next_code(Need, "XQ2026-") == "XQ2026-001"
        raise RuntimeError
    assert next_code(Need, "XQ2026-") == "XQ2026-001"


def test_every_auto_coded_model_uses_the_allocator(world):
    start = datetime.datetime(2025, 5, 5, 9, tzinfo=datetime.UTC)
    CodeCounter.objects.create(key="activities.activity:HD20250505-", last=41)
    activity = activity_services.activity_record(
        actor=None, type="主题党日", host=world.zb_a, start=start, topic="t"
    )
    assert activity.code == "HD20250505-042"


# --- what the message says ----------------------------------------------------------------


def test_a_clash_on_one_unique_field_names_it(world):
    exc = _refusal(lambda: Organisation.objects.bulk_create([_org("ZB-B", world.dw)]))
    assert conflict_reason(exc) == "组织编码与他人同时提交的记录重复"
    assert conflict_message(exc) == "组织编码与他人同时提交的记录重复" + TAIL


def test_a_clash_on_a_composite_key_names_its_fields(world):
    batch = KpiBatch.objects.create(channel="api", created_by_name="x")
    KpiValue.objects.create(
        org=world.zb_a, period="2025", indicator_code="YW1", value=1, batch=batch
    )
    exc = _refusal(
        lambda: KpiValue.objects.bulk_create(
            [KpiValue(org=world.zb_a, period="2025", indicator_code="YW1", value=2, batch=batch)]
        )
    )
    assert conflict_reason(exc) == "组织、期间、指标编码与他人同时提交的记录重复"


def test_a_constraint_with_its_own_message_says_that(world):
    need = Need.objects.create(code="XQ-1", org=world.zb_a, title="t", tags=["x"])
    resource = Resource.objects.create(code="R-1", name="r", kind="阵地", owner=world.zb_b)
    Match.objects.create(need=need, resource=resource)
    exc = _refusal(lambda: Match.objects.bulk_create([Match(need=need, resource=resource)]))
    assert conflict_reason(exc) == "已与该资源对接"


def test_only_a_lost_race_is_translated_a_check_refusal_stays_a_bug(world):
    duplicate = _refusal(lambda: Organisation.objects.bulk_create([_org("ZB-B", world.dw)]))
    out_of_range = Organisation(
        code="ZB-N",
        name="n",
        kind="党支部",
        parent=world.dw,
        path="/DW/ZB-N/",
        depth=1,
        lat=91,
        lon=0,
    )
    check = _refusal(lambda: Organisation.objects.bulk_create([out_of_range]))
    assert (is_lost_race(duplicate), is_lost_race(check)) == (True, False)


# --- the API ------------------------------------------------------------------------------


def test_api_create_that_loses_the_race_answers_409_and_keeps_nothing(world):
    before = state()
    with lost_race(Organisation, lambda: _org("XZ-A2", world.zb_a)):
        status, body = call(
            "post",
            "/orgs",
            user=world.manager_a,
            body={"code": "XZ-A2", "name": "营销二组", "kind": "党小组", "parent": "ZB-A"},
        )
    assert (status, body) == (409, {"detail": "组织编码与他人同时提交的记录重复" + TAIL})
    assert state() == before


def test_api_member_create_that_loses_the_race_answers_409(world):
    before = state()
    competitor = lambda: Member(  # noqa: E731
        number="M-A3",
        name="别人",
        org=world.zb_a,
        category="正式党员",  # noqa: E731
        joined_on=datetime.date(2015, 7, 1),
        initials="br",
    )
    with lost_race(Member, competitor):
        status, body = call(
            "post",
            "/members",
            user=world.manager_a,
            body={
                "number": "M-A3",
                "name": "钱七",
                "org": "ZB-A",
                "category": "正式党员",
                "joined_on": "2015-07-01",
            },
        )
    assert (status, body) == (409, {"detail": "人员编号与他人同时提交的记录重复" + TAIL})
    assert state() == before


def test_api_kpi_write_that_loses_the_race_answers_409(world, monkeypatch):
    scheme_import(example(), actor=None)
    before = state()
    original = assessment_kpis.insert_rows

    def insert_rows(model: Any, names: Any, rows: Any) -> None:
        if model is KpiValue:  # another request stored the same key meanwhile
            batch = KpiBatch.objects.create(channel="api", created_by_name="别人")
            KpiValue.objects.bulk_create(
                [
                    KpiValue(
                        org=world.zb_a, period="2025", indicator_code="YW1", value=1, batch=batch
                    )
                ]
            )
        original(model, names, rows)

    monkeypatch.setattr(assessment_kpis, "insert_rows", insert_rows)
    status, body = call(
        "post",
        "/assessment/kpis",
        user=world.company,
        body={"org": "ZB-A", "period": "2025", "indicator_code": "YW1", "value": 97.5},
    )
    assert (status, body) == (
        409,
        {"detail": "组织、期间、指标编码与他人同时提交的记录重复" + TAIL},
    )
    assert state() == before


# --- the screens --------------------------------------------------------------------------


def _login(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


FORM = {"code": "XZ-A2", "name": "营销二组", "kind": "党小组", "parent": "ZB-A"}


def test_screen_create_that_loses_the_race_shows_a_409_page_and_keeps_nothing(world):
    client = _login(world.manager_a)
    before = state()
    form_url = reverse("orgs:org_create") + "?parent=ZB-A"
    with lost_race(Organisation, lambda: _org("XZ-A2", world.zb_a)):
        response = client.post(
            reverse("orgs:org_create"), FORM, HTTP_REFERER=f"http://testserver{form_url}"
        )
    assert response.status_code == 409
    assert response.context["message"] == "组织编码与他人同时提交的记录重复" + TAIL
    assert response.context["back"] == f"http://testserver{form_url}"
    assert "组织编码与他人同时提交的记录重复" + TAIL in response.content.decode()
    assert state() == before


def test_the_409_page_links_back_only_within_the_site(world):
    client = _login(world.manager_a)
    with lost_race(Organisation, lambda: _org("XZ-A2", world.zb_a)):
        response = client.post(
            reverse("orgs:org_create"), FORM, HTTP_REFERER="https://evil.example/x"
        )
    assert (response.status_code, response.context["back"]) == (409, "/")


def test_an_htmx_write_that_loses_the_race_reloads_the_page_with_the_message(world):
    client = _login(world.manager_a)
    before = state()
    with lost_race(Organisation, lambda: _org("XZ-A2", world.zb_a)):
        response = client.post(reverse("orgs:org_create"), FORM, HTTP_HX_REQUEST="true")
    assert (response.status_code, response["HX-Refresh"], response.content) == (409, "true", b"")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "组织编码与他人同时提交的记录重复" + TAIL
    ]
    assert state() == before


# --- imports and the CLI ------------------------------------------------------------------

IMPORT_CONFLICT = "导入时组织编码与他人同时提交的记录重复，整个文件未导入任何数据；请重新导入（已存在的记录会按文件更新）"


@pytest.fixture
def raced_import(world, monkeypatch, tmp_path):
    """An orgs file of two new groups; another writer inserts XZ-A3 just before the import's insert."""
    original = orgs_excel.insert_rows

    def insert_rows(model: Any, names: Any, rows: Any) -> None:
        if model is Organisation:
            Organisation.objects.bulk_create([_org("XZ-A3", world.zb_a)])
        original(model, names, rows)

    monkeypatch.setattr(orgs_excel, "insert_rows", insert_rows)
    return make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [["XZ-A2", "营销二组", "党小组", "ZB-A"], ["XZ-A3", "营销三组", "党小组", "ZB-A"]],
    )


def test_an_import_that_loses_the_race_lists_the_error_and_imports_nothing(world, raced_import):
    before = state()
    result = import_file(
        get_kind("orgs"), raced_import, file_name="o.xlsx", actor=world.admin, user=world.admin
    )
    assert (result.errors, result.created) == ([IMPORT_CONFLICT], 0)
    assert state() == before


def test_the_import_command_prints_the_lost_race_and_exits_1(world, raced_import):
    before = state()
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "orgs", str(raced_import), stdout=io.StringIO(), stderr=err)
    assert exit_info.value.code == 1
    assert err.getvalue().splitlines() == [IMPORT_CONFLICT, "共 1 处错误，未导入任何数据。"]
    assert state() == before


def test_the_cli_prints_a_lost_race_without_a_traceback(world, capsys, monkeypatch):
    # run_from_argv closes every connection when a command ends; the test's must stay open.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    before = state()
    with (
        lost_race(User, lambda: User(username="zhang", role="admin")),
        pytest.raises(SystemExit) as exit_info,
    ):
        cli.main(["user", "add", "zhang", "--role", "admin", "--password", "Zhang-pass-2026"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err == "用户名与他人同时提交的记录重复" + TAIL + "\n"
    assert state() == before


def test_a_confirm_whose_upload_another_confirm_took_is_told_so(world, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    client = _login(world.manager_a)
    path = make_xlsx(
        tmp_path / "o.xlsx",
        ["组织编码", "组织名称", "组织类型", "上级组织编码"],
        [["XZ-A2", "营销二组", "党小组", "ZB-A"]],
    )
    with path.open("rb") as handle:
        token = client.post(reverse("orgs:import_start"), {"kind": "orgs", "file": handle}).context[
            "token"
        ]
    # A second confirm has just claimed the job (待确认 → 导入中 under its row lock).
    ImportJob.objects.filter(token=token).update(status=ImportJob.Status.IMPORTING)
    before = state()
    response = client.post(reverse("orgs:import_confirm"), {"token": token}, follow=True)
    assert [str(m) for m in response.context["messages"]] == [
        "该文件已提交导入，请勿重复提交；如需再次导入，请重新上传"
    ]
    assert state() == before
