"""Account hygiene (issue #16, item 14): a password change revokes API tokens, passwords
close to the username are refused, a refused login says nothing about the account, and
token issue/revoke and 智能分组 runs are audited the same way whichever door is used."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianjian.accounts.models import ApiToken, User
from lianjian.core.models import AuditLog
from lianjian.orgs.provisioning import user_create
from lianjian.proposals.models import GroupingRun
from tests.api_helpers import auth_header, call
from tests.conftest import PASSWORD

REFUSED = "用户名或密码错误（连续输错 5 次，账户将锁定 15 分钟）"
NEW_PASSWORD = "Another-pass-2027"


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _tokens(user) -> int:
    return ApiToken.objects.filter(user=user).count()


# ---- a password change revokes the user's API tokens ---------------------------------------


def test_changing_the_password_on_the_screen_revokes_the_users_api_tokens(world):
    first, second = auth_header(world.manager_a), auth_header(world.manager_a)
    auth_header(world.manager_b)
    response = login(world.manager_a).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert (_tokens(world.manager_a), _tokens(world.manager_b)) == (0, 1)
    assert call("get", "/auth/me", headers=first)[0] == 401
    assert call("get", "/auth/me", headers=second)[0] == 401
    log = AuditLog.objects.get(action="password")
    assert (log.actor_name, log.target_id, log.after, log.note) == (
        "manager_a",
        str(world.manager_a.pk),
        {"api_tokens_revoked": 2},
        "修改本人密码",
    )


def test_every_path_that_sets_a_password_revokes_the_tokens_and_nothing_else_does(
    world, settings, monkeypatch
):
    auth_header(world.manager_a)
    user = User.objects.get(pk=world.manager_a.pk)
    user.first_name = "王经理"
    user.save()
    # A stronger preferred hasher: the next login rewrites the hash, which is no password change.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    assert (
        call("post", "/auth/token", body={"username": "manager_a", "password": PASSWORD})[0] == 200
    )
    assert User.objects.get(pk=world.manager_a.pk).password.startswith("pbkdf2_sha1$")
    assert _tokens(world.manager_a) == 2
    user = User.objects.get(pk=world.manager_a.pk)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert _tokens(world.manager_a) == 0
    # Django's own command, reachable as `lianjian changepassword NAME`
    auth_header(world.manager_b)
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.changepassword.getpass.getpass",
        lambda prompt="": NEW_PASSWORD,
    )
    call_command("changepassword", "manager_b", stdout=io.StringIO())
    assert (
        _tokens(world.manager_b),
        User.objects.get(pk=world.manager_b.pk).check_password(NEW_PASSWORD),
    ) == (0, True)


# ---- a password close to the username is refused -------------------------------------------


def test_a_password_equal_or_close_to_the_username_is_refused_everywhere(world):
    with pytest.raises(ValidationError) as refused:
        user_create(
            actor=None,
            username="zhangwei2026",
            role="manager",
            org=world.zb_a,
            password="Zhangwei2026",
        )
    assert refused.value.messages == ["密码与用户名或姓名过于相似"]
    assert not User.objects.filter(username="zhangwei2026").exists()
    auth_header(world.manager_a)
    before = User.objects.get(pk=world.manager_a.pk).password
    response = login(world.manager_a).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Manager_a1", "new_password2": "Manager_a1"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {"new_password2": ["密码与用户名或姓名过于相似"]}
    assert (User.objects.get(pk=world.manager_a.pk).password, _tokens(world.manager_a)) == (
        before,
        1,
    )
    assert AuditLog.objects.filter(action="password").count() == 0


def test_the_password_screen_explains_every_rule_in_chinese(world):
    response = login(world.manager_a).post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "1234567", "new_password2": "1234567"},
    )
    assert response.context["form"].errors == {
        "new_password2": [
            "密码太短，至少需要 8 个字符",
            "密码过于常见，请换一个不易猜到的密码",
            "密码不能全是数字",
        ]
    }


# ---- a refused login says nothing about the account ----------------------------------------


def _screen_refusal(username: str, password: str) -> tuple[int, list[str]]:
    response = Client().post(
        reverse("accounts:login"), {"username": username, "password": password}
    )
    return response.status_code, re.findall(
        r'<div class="alert alert-danger" role="alert">(.*?)</div>', response.content.decode()
    )


def _api_refusal(username: str, password: str) -> tuple[int, dict]:
    return call("post", "/auth/token", body={"username": username, "password": password})


@pytest.mark.parametrize("door", [_screen_refusal, _api_refusal])
def test_unknown_user_wrong_password_and_locked_account_answer_alike(world, door):
    unknown = door("nobody", PASSWORD)
    wrong = door("manager_a", "wrong-password")
    User.objects.filter(pk=world.manager_b.pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=7)
    )
    locked_right = door("manager_b", PASSWORD)
    locked_wrong = door("manager_b", "wrong-password")
    assert [wrong, locked_right, locked_wrong] == [unknown] * 3
    assert unknown == ((401, [REFUSED]) if door is _screen_refusal else (401, {"detail": REFUSED}))
    # The lock itself is untouched: it still refuses, it did not count more failures.
    manager_b = User.objects.get(pk=world.manager_b.pk)
    assert (manager_b.is_locked(), manager_b.failed_logins, _tokens(manager_b)) == (True, 0, 0)


@pytest.mark.parametrize("door", [_screen_refusal, _api_refusal])
def test_the_failure_that_locks_answers_like_any_other_and_is_audited(world, door):
    answers = [door("manager_a", "wrong-password") for _ in range(5)]
    assert answers == [door("nobody", "wrong-password")] * 5
    assert answers[0] == (
        (401, [REFUSED]) if door is _screen_refusal else (401, {"detail": REFUSED})
    )
    assert User.objects.get(pk=world.manager_a.pk).is_locked()
    assert AuditLog.objects.filter(action="lock", target_id=str(world.manager_a.pk)).count() == 1


# ---- token issue and revoke: one service, one audit row -------------------------------------


def _row(log: AuditLog, token_prefix: str) -> dict:
    """An audit row with what differs between two tokens (id, prefix, expiry) normalised."""
    expires = (log.after or log.before)["expires_at"]
    state = {**(log.after or log.before), "prefix": "P", "expires_at": expires[:10]}
    return {
        "actor": log.actor_id,
        "actor_name": log.actor_name,
        "action": log.action,
        "target_type": log.target_type,
        "target_repr": log.target_repr.replace(token_prefix, "P"),
        "before": state if log.before else None,
        "after": state if log.after else None,
        "note": log.note,
    }


def test_issuing_a_token_on_the_screen_and_through_the_api_writes_the_same_audit_row(world):
    login(world.manager_a).post(reverse("accounts:token_create"), {"name": "API"})
    screen_token = ApiToken.objects.get(user=world.manager_a)
    status, _ = call("post", "/auth/token", body={"username": "manager_a", "password": PASSWORD})
    api_token = ApiToken.objects.filter(user=world.manager_a).exclude(pk=screen_token.pk).get()
    screen_log, api_log = (
        AuditLog.objects.get(target_type="accounts.apitoken", target_id=str(t.pk))
        for t in (screen_token, api_token)
    )
    assert status == 200
    assert (
        _row(screen_log, screen_token.prefix)
        == _row(api_log, api_token.prefix)
        == {
            "actor": world.manager_a.pk,
            "actor_name": "manager_a",
            "action": "create",
            "target_type": "accounts.apitoken",
            "target_repr": "API 令牌 P…",
            "before": None,
            "note": "新建 API 令牌",
            "after": {
                "user": "manager_a",
                "name": "API",
                "prefix": "P",
                "expires_at": screen_token.expires_at.isoformat()[:10],
            },
        }
    )


def test_revoking_a_token_on_the_screen_and_through_the_api_writes_the_same_audit_row(world):
    screen_token, _ = ApiToken.issue(user=world.manager_a)
    _, api_key = ApiToken.issue(user=world.manager_a)
    api_token = ApiToken.objects.exclude(pk=screen_token.pk).get()
    assert (
        login(world.manager_a)
        .post(reverse("accounts:token_revoke", args=[screen_token.pk]))
        .status_code
        == 302
    )
    assert call("delete", "/auth/token", headers={"HTTP_AUTHORIZATION": f"Bearer {api_key}"}) == (
        204,
        None,
    )
    assert _tokens(world.manager_a) == 0
    screen_log, api_log = (
        AuditLog.objects.get(target_type="accounts.apitoken", target_id=str(t.pk))
        for t in (screen_token, api_token)
    )
    assert (
        _row(screen_log, screen_token.prefix)
        == _row(api_log, api_token.prefix)
        == {
            "actor": world.manager_a.pk,
            "actor_name": "manager_a",
            "action": "delete",
            "target_type": "accounts.apitoken",
            "target_repr": "API 令牌 P…",
            "after": None,
            "note": "吊销 API 令牌",
            "before": {
                "user": "manager_a",
                "name": "API",
                "prefix": "P",
                "expires_at": screen_token.expires_at.isoformat()[:10],
            },
        }
    )


# ---- 智能分组 runs are audited ------------------------------------------------------------

RUN_FORM = {
    "root": "DW",
    "groups": "1",
    "min_size": "2",
    "max_size": "2",
    "w_profession": "1",
    "w_geography": "1",
    "w_complementarity": "1",
    "geo_scale_km": "30",
    "time_limit": "5",
}


def test_a_grouping_run_writes_audit_rows_for_its_start_and_its_outcome(world, settings):
    settings.GROUPING_RUN_INLINE = True
    response = login(world.company).post(reverse("proposals:run_form"), RUN_FORM)
    assert response.status_code == 302, response.content.decode()[:1000]
    run = GroupingRun.objects.get()
    logs = list(
        AuditLog.objects.filter(
            target_type="proposals.groupingrun", target_id=str(run.pk)
        ).order_by("id")
    )
    assert [(log.actor_name, log.action, log.before, log.after, log.note) for log in logs] == [
        (
            "company",
            "create",
            None,
            {"root": "DW", "orgs": 2, "params": run.params, "time_limit": 5.0},
            "发起智能分组：本溪供电公司党委，2 个组织",
        ),
        (
            "系统",
            "update",
            {"status": "运行中"},
            {"status": "完成", "groups": 1},
            "智能分组计算完成",
        ),
    ]


def test_a_run_that_lost_its_worker_is_audited_when_it_is_marked_failed(world, settings):
    settings.GROUPING_RUN_INLINE = False
    from lianjian.proposals import services

    run = GroupingRun.objects.create(
        created_by=world.company, root=world.dw, time_limit=5.0, status=GroupingRun.Status.RUNNING
    )
    GroupingRun.objects.filter(pk=run.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=1),
        started_at=timezone.now() - datetime.timedelta(hours=1),
    )
    run.refresh_from_db()
    services.run_expire(run)
    log = AuditLog.objects.get(target_type="proposals.groupingrun")
    assert (log.actor_name, log.before, log.after, log.note) == (
        "系统",
        {"status": "运行中"},
        {"status": "失败"},
        "智能分组计算失败：后台计算未在时间上限内结束（进程可能已中断），请重新发起分组。",
    )
