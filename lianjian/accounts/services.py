"""Writes about accounts: logging in with the lockout rule, passwords and API tokens.

The web login and the API token endpoint both call :func:`login_attempt`, so that the
lockout (``settings.LOGIN_FAILURE_LIMIT`` failures in a row lock the account for
``settings.LOGIN_LOCK_MINUTES``) holds whichever door is knocked on, and both answer every
refusal with the one :class:`LoginError` text. The screens and the API issue and revoke
tokens through :func:`token_issue` and :func:`token_revoke`, which write the audit rows.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.accounts.models import ApiToken, User, _hash
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog


def login_refused_message() -> str:
    """The one answer to every refused login."""
    return (
        f"用户名或密码错误（连续输错 {settings.LOGIN_FAILURE_LIMIT} 次，"
        f"账户将锁定 {settings.LOGIN_LOCK_MINUTES} 分钟）"
    )


class LoginError(Exception):
    """A refused login: unknown user, wrong password, inactive or locked account.

    One class and one message (:func:`login_refused_message`) for all of them, so that no
    answer — text or status — tells which usernames exist or which accounts are locked.
    """

    def __init__(self) -> None:
        super().__init__()
        self.message = login_refused_message()

    def __str__(self) -> str:
        return self.message


def login_attempt(*, username: str, password: str, request: HttpRequest | None = None) -> User:
    """Check a username and password; return the user, or raise :class:`LoginError`.

    A locked account is refused whatever the password (still checked, so that a locked
    account costs the same time as any other). A wrong password on an existing account
    counts one failure; the ``LOGIN_FAILURE_LIMIT``-th failure in a row locks the account
    for ``LOGIN_LOCK_MINUTES`` and writes an audit row (action ``lock``); the counter then
    starts again, so that after the lock expires the user has the full number of attempts.
    Success clears the counter.
    """
    user = User.objects.filter(username=username).first()
    authenticated = authenticate(request, username=username, password=password)
    if user is not None and user.is_locked():
        raise LoginError()
    if authenticated is not None:
        if authenticated.failed_logins or authenticated.locked_until:
            User.objects.filter(pk=authenticated.pk).update(failed_logins=0, locked_until=None)
            authenticated.failed_logins, authenticated.locked_until = 0, None
        return authenticated
    if user is not None:
        _count_failure(user.pk)
    raise LoginError()


@transaction.atomic
def _count_failure(user_pk: int) -> bool:
    """Count one failed login; True when this failure locked the account."""
    # The row lock makes concurrent wrong guesses count one by one, so that parallel
    # requests cannot slip past the limit.
    user = User.objects.select_for_update().get(pk=user_pk)
    if user.is_locked():
        return True
    user.failed_logins += 1
    limit = settings.LOGIN_FAILURE_LIMIT
    if user.failed_logins < limit:
        user.save(update_fields=["failed_logins"])
        return False
    minutes = settings.LOGIN_LOCK_MINUTES
    user.failed_logins = 0
    user.locked_until = timezone.now() + datetime.timedelta(minutes=minutes)
    user.save(update_fields=["failed_logins", "locked_until"])
    audit_record(
        actor=None,
        action=AuditLog.Action.LOGIN_LOCK,
        obj=user,
        before={"locked_until": None},
        after={"locked_until": user.locked_until.isoformat()},
        note=f"连续 {limit} 次登录失败，锁定 {minutes} 分钟",
    )
    return True


def _token_repr(token: ApiToken) -> str:
    return f"API 令牌 {token.prefix}…"


def _token_state(token: ApiToken) -> dict[str, Any]:
    return {
        "user": token.user.username,
        "name": token.name,
        "prefix": token.prefix,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
    }


@transaction.atomic
def token_issue(*, actor: Any, user: User, name: str = "API") -> tuple[ApiToken, str]:
    """A new API token for ``user``, audited; returns it and the clear key (shown once,
    never stored). The screen and ``POST /api/v1/auth/token`` both come here."""
    token, key = ApiToken.issue(user=user, name=(name or "API").strip()[:100] or "API")
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=token,
        target_repr=_token_repr(token),
        after=_token_state(token),
        note="新建 API 令牌",
    )
    return token, key


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken) -> None:
    """Delete ``token`` (it stops working at once), audited. The screen and
    ``DELETE /api/v1/auth/token`` both come here."""
    audit_record(
        actor=actor,
        action=AuditLog.Action.DELETE,
        obj=token,
        target_repr=_token_repr(token),
        before=_token_state(token),
        note="吊销 API 令牌",
    )
    token.delete()


def token_by_key(key: str) -> ApiToken | None:
    """The token whose clear key is ``key``, if any."""
    return (
        ApiToken.objects.select_related("user").filter(key_hash=_hash(key)).first() if key else None
    )


@transaction.atomic
def password_set(*, actor: Any, user: User, password: str, note: str) -> int:
    """Set ``user``'s password (already validated by the caller's form) and audit it; returns
    how many API tokens the change revoked (``User.save`` revokes them, whatever the path)."""
    tokens = user.api_tokens.count()
    user.set_password(password)
    user.save()
    audit_record(
        actor=actor,
        action=AuditLog.Action.PASSWORD,
        obj=user,
        after={"api_tokens_revoked": tokens},
        note=note,
    )
    return tokens
