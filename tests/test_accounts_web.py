"""Login, lockout, logout, password change and API tokens on the screens."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from lianjian.accounts.models import ApiToken, User
from lianjian.core.models import AuditLog
from tests.conftest import PASSWORD


def test_login_page_is_chinese(db):
    body = Client().get(reverse("accounts:login")).content.decode()
    assert '<html lang="zh-CN">' in body
    assert "登录" in body


def test_login_then_home(world):
    c = Client()
    response = c.post(reverse("accounts:login"), {"username": "company", "password": PASSWORD})
    assert response.status_code == 302
    assert c.get("/").status_code == 200


def test_open_redirects_are_ignored(world):
    response = Client().post(
        reverse("accounts:login") + "?next=https://evil.example/",
        {"username": "company", "password": PASSWORD},
    )
    assert response["Location"] == "/"


def test_five_failures_lock_the_account_even_for_the_right_password(world):
    c = Client()
    refused = "用户名或密码错误（连续输错 5 次，账户将锁定 15 分钟）"
    for _ in range(5):
        response = c.post(
            reverse("accounts:login"), {"username": "company", "password": "nope-nope"}
        )
        assert response.status_code == 401 and refused in response.content.decode()
    response = c.post(reverse("accounts:login"), {"username": "company", "password": PASSWORD})
    assert response.status_code == 401
    assert refused in response.content.decode()
    assert User.objects.get(username="company").locked_until is not None
    assert AuditLog.objects.filter(action="lock", target_id=str(world.company.pk)).count() == 1


def test_logout_needs_post(world):
    c = Client()
    c.force_login(world.company)
    assert c.get(reverse("accounts:logout")).status_code == 405
    assert c.post(reverse("accounts:logout")).status_code == 302
    assert c.get("/").status_code == 302


def test_password_change(world):
    c = Client()
    c.force_login(world.member_a)
    bad = c.post(
        reverse("accounts:password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert bad.status_code == 400
    ok = c.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2027",
            "new_password2": "Another-pass-2027",
        },
    )
    assert ok.status_code == 302
    assert User.objects.get(pk=world.member_a.pk).check_password("Another-pass-2027")


def test_token_is_shown_once_and_can_be_revoked(world):
    c = Client()
    c.force_login(world.manager_a)
    c.post(reverse("accounts:token_create"), {"name": "人资系统同步"})
    first = c.get(reverse("accounts:profile"))
    key = first.context["new_key"]
    assert key and ApiToken.authenticate(key) == world.manager_a
    assert c.get(reverse("accounts:profile")).context["new_key"] is None
    token = ApiToken.objects.get(user=world.manager_a)
    assert token.key_hash != key
    # another user's token cannot be revoked: 404, token stays
    other = Client()
    other.force_login(world.manager_b)
    assert other.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert ApiToken.objects.filter(pk=token.pk).exists()
    assert c.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    assert ApiToken.authenticate(key) is None


def test_nul_bytes_are_refused_with_400(world):
    c = Client()
    c.force_login(world.company)
    assert c.get(reverse("orgs:member_list") + "?q=%00").status_code == 400
