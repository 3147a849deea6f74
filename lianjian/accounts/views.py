"""Login with lockout, logout, password change and API tokens of the current user."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lianjian.accounts import services
from lianjian.accounts.http import AuthenticatedRequest
from lianjian.accounts.models import ApiToken
from lianjian.accounts.passwords import password_problems
from lianjian.accounts.services import LoginError, login_attempt
from lianjian.core.forms import EdgeRules


class PasswordForm(EdgeRules, PasswordChangeForm):
    """Django's change-password form, its new password checked by the one Chinese
    wording of the password rules (:func:`lianjian.accounts.passwords.password_problems`)."""

    def validate_password_for_user(
        self,
        user: Any,
        password_field_name: str = "new_password2",  # noqa: S107
    ) -> None:
        password = self.cleaned_data.get(password_field_name)
        if password:
            for problem in password_problems(
                password, username=user.username, first_name=user.first_name
            ):
                self.add_error(password_field_name, problem)


class LoginForm(EdgeRules, forms.Form):
    username = forms.CharField(label="用户名", max_length=150)
    password = forms.CharField(label="密码", max_length=128, widget=forms.PasswordInput)


def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home:home")
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                request=request,
            )
        except LoginError as exc:
            error = str(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/"
            return redirect(target or "/")
    return render(
        request, "accounts/login.html", {"form": form, "error": error}, status=401 if error else 200
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "accounts/profile.html",
        {
            "nav": "account",
            "form": PasswordForm(request.user),
            "tokens": request.user.api_tokens.all(),
            "new_key": request.session.pop("new_token_key", None),
        },
    )


@login_required
@require_POST
def password_change(request: AuthenticatedRequest) -> HttpResponse:
    form = PasswordForm(request.user, request.POST)
    if form.is_valid():
        user = request.user
        revoked = services.password_set(
            actor=user, user=user, password=form.cleaned_data["new_password1"], note="修改本人密码"
        )
        update_session_auth_hash(request, user)
        messages.success(
            request,
            f"密码已修改，已吊销本账户的 {revoked} 个 API 令牌" if revoked else "密码已修改",
        )
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "nav": "account",
            "form": form,
            "tokens": request.user.api_tokens.all(),
        },
        status=400,
    )


@login_required
@require_POST
def token_create(request: AuthenticatedRequest) -> HttpResponse:
    _, key = services.token_issue(
        actor=request.user, user=request.user, name=request.POST.get("name") or "API"
    )
    # Shown once on the next page, never stored in clear.
    request.session["new_token_key"] = key
    messages.success(request, "已创建 API 令牌，请立即复制保存，离开本页后将无法再次查看。")
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk, user=request.user)
    services.token_revoke(actor=request.user, token=token)
    messages.success(request, "令牌已吊销")
    return redirect("accounts:profile")
