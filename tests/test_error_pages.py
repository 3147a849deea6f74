"""Chinese 400/403/404/500 and CSRF-failure pages with DEBUG off (docs/security.md §8).

Each page looks like the product (Tabler, the 联建 brand), says what to do, carries the
Content-Security-Policy and reveals nothing of the failure: no exception text, no CSRF
reason, no host name, no traceback. Paths under /api/ answer ``{"detail": …}`` instead. The
500 page needs neither the database nor the request context, and survives its own template
failing.
"""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client, RequestFactory

from lianjian.core import views
from lianjian.orgs.models import Organisation
from tests.conftest import PASSWORD
from tests.error_urls import SECRET


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def assert_product_page(response, status: int, *texts: str, through_middleware: bool = True) -> str:
    assert response.status_code == status
    assert response["Content-Type"] == "text/html; charset=utf-8"
    if through_middleware:
        assert "script-src 'self'" in response["Content-Security-Policy"]
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert "vendor/tabler.min.css" in html and "联建" in html
    for text in texts:
        assert text in html
    for leak in ("Traceback", "Exception", "Error", "DEBUG", "Django"):
        assert leak not in html, leak
    return html


def assert_api_error(response, status: int, detail: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": detail}


@pytest.mark.django_db
def test_an_unknown_host_gets_the_chinese_400_page_without_the_host():
    response = Client().get("/orgs/", HTTP_HOST="evil.example.com")
    html = assert_product_page(response, 400, "请求无效，无法处理", "返回首页")
    assert "evil.example.com" not in html and "Bad Request" not in html


@pytest.mark.django_db
def test_a_bad_request_under_the_api_answers_json():
    assert_api_error(Client().get("/api/v1/orgs", HTTP_HOST="evil.example.com"), 400, "请求无效")


def test_the_403_page_says_what_to_do(world):
    client = Client()
    client.force_login(world.member_a)
    response = client.get("/orgs/o/ZB-A/edit/")
    assert_product_page(response, 403, "您没有执行此操作的权限", "请联系上级组织管理员")
    assert "党员" in response.content.decode()  # base.html: the sidebar of the signed-in member


def test_the_404_page_is_the_same_for_missing_and_hidden_objects(world):
    client = Client()
    client.force_login(world.manager_b)
    missing = client.get("/orgs/o/NO-SUCH/")
    hidden = client.get("/orgs/o/ZB-A/")
    assert_product_page(missing, 404, "页面或对象不存在")
    assert_product_page(hidden, 404, "页面或对象不存在")
    assert "营销服务党支部" not in hidden.content.decode()
    token = re.compile(r'"X-CSRFToken": "\w+"|name="csrfmiddlewaretoken" value="\w+"')
    assert token.sub("", missing.content.decode()) == token.sub("", hidden.content.decode())


@pytest.mark.django_db
def test_an_unknown_path_under_the_api_answers_json_not_a_page():
    assert_api_error(Client().get("/api/"), 404, "未找到")
    assert_api_error(Client().get("/api/v2/orgs"), 404, "未找到")


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
def test_a_server_error_gets_the_chinese_500_page_without_the_exception():
    response = Client(raise_request_exception=False).get("/test-boom/")
    html = assert_product_page(response, 500, "系统出现错误，操作未完成", "错误已记录")
    assert SECRET not in html and "hunter2" not in html and "/var/lib" not in html


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
def test_a_server_error_under_the_api_answers_json():
    assert_api_error(
        Client(raise_request_exception=False).get("/api/test-boom/"), 500, "服务器内部错误"
    )


def test_the_500_page_needs_neither_the_database_nor_the_request_context():
    # No db fixture: pytest-django refuses any query. A bare RequestFactory request has no
    # user, session or messages (no middleware ran).
    request = RequestFactory().get("/orgs/")
    response = views.server_error(request)
    assert_product_page(response, 500, "系统出现错误，操作未完成", through_middleware=False)


def test_the_500_page_falls_back_to_bare_html_when_its_template_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("template directory unreadable")

    monkeypatch.setattr(views.loader, "render_to_string", broken)
    response = views.server_error(RequestFactory().get("/orgs/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统出现错误，操作未完成" in html
    assert "unreadable" not in html


def test_a_form_without_a_valid_csrf_token_gets_the_chinese_page_and_changes_nothing(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager_a)
    client.get("/orgs/o/ZB-A/edit/")  # sets the CSRF cookie, as the browser would
    response = client.post(
        "/orgs/o/ZB-A/edit/", {"csrfmiddlewaretoken": "x" * 64, "name": "改名党支部"}
    )
    html = assert_product_page(response, 403, "页面已过期，请刷新后重试", "重新登录")
    assert "CSRF token" not in html and "incorrect" not in html and "Forbidden" not in html
    assert Organisation.objects.get(code="ZB-A").name == "营销服务党支部"


def test_a_login_without_the_csrf_cookie_gets_the_chinese_page_and_signs_nobody_in(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "admin", "password": PASSWORD})
    html = assert_product_page(response, 403, "页面已过期，请刷新后重试")
    assert "CSRF cookie" not in html and "not set" not in html
    assert "_auth_user_id" not in client.session
