"""Login with lockout, logout, password change and API tokens of the current user."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from lianjian.accounts.models import ApiToken
from lianjian.accounts.services import LoginError, login_attempt
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog


class LoginForm(forms.Form):
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
                username=form.cleaned_data["username"], password=form.cleaned_data["password"], request=request
            )
        except LoginError as exc:
            error = str(exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = "/"
            return redirect(target or "/")
    return render(request, "accounts/login.html", {"form": form, "error": error}, status=401 if error else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {
        "nav": "account",
        "form": PasswordChangeForm(request.user),
        "tokens": request.user.api_tokens.all(),
        "new_key": request.session.pop("new_token_key", None),
    })


@login_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, request.POST)
    if form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        audit_record(actor=user, action=AuditLog.Action.PASSWORD, obj=user, note="修改本人密码")
        messages.success(request, "密码已修改")
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {
        "nav": "account", "form": form, "tokens": request.user.api_tokens.all(),
    }, status=400)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    name = (request.POST.get("name") or "API").strip()[:100] or "API"
    token, key = ApiToken.issue(user=request.user, name=name)
    audit_record(actor=request.user, action=AuditLog.Action.CREATE, obj=token, target_repr=f"API 令牌 {token.prefix}…")
    # Shown once on the next page, never stored in clear.
    request.session["new_token_key"] = key
    messages.success(request, "已创建 API 令牌，请立即复制保存，离开本页后将无法再次查看。")
    return redirect("accounts:profile")


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    audit_record(actor=request.user, action=AuditLog.Action.DELETE, obj=token, target_repr=f"API 令牌 {token.prefix}…")
    token.delete()
    messages.success(request, "令牌已吊销")
    return redirect("accounts:profile")
