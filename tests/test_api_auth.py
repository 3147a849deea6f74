"""The API's door: tokens, the login lockout, bearer authentication, docs, error form."""

from __future__ import annotations

import datetime
import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from lianjian.accounts.models import ApiToken, User
from lianjian.accounts.services import LoginError, login_attempt
from lianjian.core.models import AuditLog
from tests.api_helpers import API, auth_header, call
from tests.conftest import PASSWORD

# One answer for an unknown user, a wrong password and a locked account (no enumeration).
BAD_LOGIN = {
    "detail": f"用户名或密码错误（连续输错 {settings.LOGIN_FAILURE_LIMIT} 次，账户将锁定 "
    f"{settings.LOGIN_LOCK_MINUTES} 分钟）"
}
UNAUTHENTICATED = {
    "detail": "未登录或令牌无效：请在请求头 Authorization: Bearer <token> 中提供有效令牌"
}


def _login(username: str, password: str) -> tuple[int, dict]:
    return call("post", "/auth/token", body={"username": username, "password": password})


def test_right_password_gives_a_token_that_authenticates(world):
    status, data = _login("manager_a", PASSWORD)
    assert status == 200
    assert set(data) == {"token", "expires_at"}
    status, me = call("get", "/auth/me", headers={"HTTP_AUTHORIZATION": f"Bearer {data['token']}"})
    assert (status, me) == (
        200,
        {
            "username": "manager_a",
            "name": "manager_a",
            "role": "manager",
            "org": "ZB-A",
            "member": None,
        },
    )
    assert ApiToken.objects.filter(user=world.manager_a).count() == 1


def test_me_names_the_member_record_of_a_member(world):
    assert call("get", "/auth/me", user=world.member_a) == (
        200,
        {
            "username": "member_a",
            "name": "member_a",
            "role": "member",
            "org": "ZB-A",
            "member": world.m_a1.pk,
        },
    )


def test_wrong_password_answers_401_and_counts_one_failure(world):
    assert _login("manager_a", "wrong-password") == (401, BAD_LOGIN)
    world.manager_a.refresh_from_db()
    assert world.manager_a.failed_logins == 1
    assert world.manager_a.locked_until is None
    assert ApiToken.objects.count() == 0


def test_unknown_user_answers_exactly_like_a_wrong_password(world):
    assert _login("nobody", PASSWORD) == (401, BAD_LOGIN)


def test_inactive_user_cannot_get_a_token(world):
    User.objects.filter(pk=world.manager_a.pk).update(is_active=False)
    assert _login("manager_a", PASSWORD) == (401, BAD_LOGIN)


def test_a_success_clears_the_failure_count(world):
    _login("manager_a", "wrong-password")
    _login("manager_a", "wrong-password")
    assert _login("manager_a", PASSWORD)[0] == 200
    world.manager_a.refresh_from_db()
    assert world.manager_a.failed_logins == 0


def test_the_limit_th_failure_locks_the_account_and_is_audited(world):
    limit = settings.LOGIN_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _login("manager_a", "wrong-password") == (401, BAD_LOGIN)
    before = timezone.now()
    assert _login("manager_a", "wrong-password") == (401, BAD_LOGIN)
    world.manager_a.refresh_from_db()
    expected_until = before + datetime.timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    assert abs((world.manager_a.locked_until - expected_until).total_seconds()) < 5
    assert world.manager_a.failed_logins == 0
    log = AuditLog.objects.get(action="lock")
    assert (log.target_type, log.target_id, log.target_repr, log.actor, log.actor_name) == (
        "accounts.user",
        str(world.manager_a.pk),
        "manager_a",
        None,
        "系统",
    )
    assert log.before == {"locked_until": None}
    assert log.after == {"locked_until": world.manager_a.locked_until.isoformat()}
    assert log.note == f"连续 {limit} 次登录失败，锁定 {settings.LOGIN_LOCK_MINUTES} 分钟"


def test_a_locked_account_is_refused_even_with_the_right_password(world):
    User.objects.filter(pk=world.manager_a.pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=7, seconds=30)
    )
    assert _login("manager_a", PASSWORD) == (401, BAD_LOGIN)
    assert ApiToken.objects.count() == 0
    world.manager_a.refresh_from_db()
    assert world.manager_a.failed_logins == 0
    assert AuditLog.objects.filter(action="lock").count() == 0


def test_an_expired_lock_lets_the_user_in_and_is_cleared(world):
    User.objects.filter(pk=world.manager_a.pk).update(
        locked_until=timezone.now() - datetime.timedelta(seconds=1), failed_logins=2
    )
    assert _login("manager_a", PASSWORD)[0] == 200
    world.manager_a.refresh_from_db()
    assert (world.manager_a.failed_logins, world.manager_a.locked_until) == (0, None)


def test_login_attempt_raises_one_error_for_the_web_login(world):
    assert login_attempt(username="manager_a", password=PASSWORD) == world.manager_a
    with pytest.raises(LoginError) as bad:
        login_attempt(username="manager_a", password="nope")
    assert str(bad.value) == BAD_LOGIN["detail"]
    User.objects.filter(pk=world.manager_a.pk).update(
        locked_until=timezone.now() + datetime.timedelta(seconds=20)
    )
    with pytest.raises(LoginError) as locked:
        login_attempt(username="manager_a", password=PASSWORD)
    assert type(locked.value) is LoginError and locked.value.message == BAD_LOGIN["detail"]


def test_a_locked_users_existing_token_stops_working(world):
    headers = auth_header(world.manager_a)
    assert call("get", "/auth/me", headers=headers)[0] == 200
    User.objects.filter(pk=world.manager_a.pk).update(
        locked_until=timezone.now() + datetime.timedelta(minutes=5)
    )
    assert call("get", "/auth/me", headers=headers) == (401, UNAUTHENTICATED)


DATA_ENDPOINTS = [
    ("get", "/auth/me"),
    ("delete", "/auth/token"),
    ("get", "/orgs"),
    ("get", "/orgs/ZB-A"),
    ("post", "/orgs"),
    ("patch", "/orgs/ZB-A"),
    ("post", "/orgs/ZB-A/dissolve"),
    ("get", "/members"),
    ("get", "/members/1"),
    ("post", "/members"),
    ("patch", "/members/1"),
    ("post", "/members/1/transfer"),
]


@pytest.mark.parametrize(("method", "url"), DATA_ENDPOINTS)
@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        "Bearer not-a-token",
        "Basic YWRtaW46eA==",
        "Token abc",
        "Bearer " + "x" * 5000,
    ],
)
def test_every_data_endpoint_needs_a_valid_bearer_token(db, method, url, authorization):
    headers = {} if authorization is None else {"HTTP_AUTHORIZATION": authorization}
    client = Client()
    body = {} if method in ("get", "delete") else {"data": "{}", "content_type": "application/json"}
    response = getattr(client, method)(API + url, **body, **headers)
    assert response.status_code == 401
    assert json.loads(response.content) == UNAUTHENTICATED
    assert response["WWW-Authenticate"] == "Bearer"


def test_an_expired_token_is_refused(world):
    token, key = ApiToken.issue(user=world.admin)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert call("get", "/orgs", headers={"HTTP_AUTHORIZATION": f"Bearer {key}"}) == (
        401,
        UNAUTHENTICATED,
    )


def test_deleting_the_token_revokes_only_that_token(world):
    first, second = auth_header(world.admin), auth_header(world.admin)
    assert call("delete", "/auth/token", headers=first) == (204, None)
    assert call("get", "/auth/me", headers=first) == (401, UNAUTHENTICATED)
    assert call("get", "/auth/me", headers=second)[0] == 200
    assert ApiToken.objects.filter(user=world.admin).count() == 1


@pytest.mark.parametrize(
    ("body", "content_type", "status", "detail"),
    [
        (b"{not json", "application/json", 400, "请求体不是有效的 JSON"),
        (
            b'{"username": "admin", "password": NaN}',
            "application/json",
            400,
            "请求体不是有效的 JSON",
        ),
        (b"\xff\xfe", "application/json", 400, "请求体不是有效的 JSON"),
        (
            b"username=admin&password=x",
            "application/x-www-form-urlencoded",
            415,
            "请求体须为 JSON，请设置 Content-Type: application/json",
        ),
        (
            b'{"username": "admin"}',
            "text/plain",
            415,
            "请求体须为 JSON，请设置 Content-Type: application/json",
        ),
        (
            b'{"username": "ad\\u0000min", "password": "x"}',
            "application/json",
            400,
            "username：不能包含控制字符（U+0000）",
        ),
        (b'{"username": "admin"}', "application/json", 422, "password：必填"),
        (b"", "application/json", 422, "请求体：必填"),
        (b'["admin"]', "application/json", 400, "请求体应为 JSON 对象"),
        (b'"admin"', "application/json", 400, "请求体应为 JSON 对象"),
        (b'{"username": "", "password": "x"}', "application/json", 422, "username：不能为空"),
        (b'{"username": 5, "password": "x"}', "application/json", 422, "username：应为文本"),
        (
            json.dumps({"username": "a" * 151, "password": "x"}).encode(),
            "application/json",
            422,
            "username：长度不能超过 150 个字符",
        ),
    ],
)
def test_odd_token_requests_answer_4xx_json(world, body, content_type, status, detail):
    response = Client().post(API + "/auth/token", data=body, content_type=content_type)
    assert response.status_code == status
    assert json.loads(response.content) == {"detail": detail}
    assert ApiToken.objects.count() == 0


def test_an_oversized_body_answers_413(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"username": "admin", "password": "x" * 2000}
    assert call("post", "/auth/token", body=body) == (413, {"detail": "请求体过大"})
    assert call("post", "/orgs", user=world.admin, body={"code": "X", "name": "x" * 2000}) == (
        413,
        {"detail": "请求体过大"},
    )


def test_deeply_nested_json_is_refused_as_invalid(world):
    body = b'{"username": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response = Client().post(API + "/auth/token", data=body, content_type="application/json")
    assert (response.status_code, json.loads(response.content)) == (
        400,
        {"detail": "请求体不是有效的 JSON"},
    )


def test_nul_bytes_in_the_query_or_path_are_refused(world):
    headers = auth_header(world.admin)
    assert call("get", "/orgs?q=a%00b", headers=headers) == (
        400,
        {"detail": "查询参数 q：不能包含控制字符（U+0000）"},
    )
    assert call("get", "/orgs/ZB%00A", headers=headers) == (
        400,
        {"detail": "请求地址不能包含控制字符（U+0000）"},
    )


def test_unknown_paths_and_methods_answer_json(world):
    headers = auth_header(world.admin)
    assert call("get", "/nothing-here", headers=headers) == (404, {"detail": "未找到"})
    assert call("get", "/nothing-here") == (404, {"detail": "未找到"})
    assert call("get", "/") == (404, {"detail": "未找到"})
    response = Client().put(API + "/orgs", **headers)
    assert response.status_code == 405
    assert json.loads(response.content) == {"detail": "不支持 PUT 方法（可用：GET, POST）"}
    assert response["Allow"] == "GET, POST"


def test_docs_and_openapi_are_public_and_served_locally(db):
    docs = Client().get(API + "/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert "cdn" not in html.lower()
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200
    schema = Client().get(API + "/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "联建 API"
