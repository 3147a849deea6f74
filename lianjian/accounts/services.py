"""Writes about accounts: logging in with the lockout rule, and API tokens.

The web login and the API token endpoint both call :func:`login_attempt`, so that the
lockout (``settings.LOGIN_FAILURE_LIMIT`` failures in a row lock the account for
``settings.LOGIN_LOCK_MINUTES``) holds whichever door is knocked on.
"""

from __future__ import annotations

import datetime
import math

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from lianjian.accounts.models import ApiToken, User, _hash
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog


class LoginError(Exception):
    """A refused login; ``message`` is the Chinese text to show."""

    message = "登录失败"

    def __str__(self) -> str:
        return self.message


class InvalidCredentials(LoginError):
    """Unknown user, wrong password or inactive account: one message for all three,
    so that the answer does not tell which usernames exist."""

    message = "用户名或密码错误"


class AccountLocked(LoginError):
    """The account is locked; ``minutes`` is how long until it may try again (≥ 1)."""

    def __init__(self, minutes: int) -> None:
        super().__init__(minutes)
        self.minutes = minutes
        self.message = f"账户已锁定，请 {minutes} 分钟后再试"


def _minutes_left(until: datetime.datetime) -> int:
    return max(1, math.ceil((until - timezone.now()).total_seconds() / 60))


def login_attempt(*, username: str, password: str, request: HttpRequest | None = None) -> User:
    """Check a username and password; return the user, or raise a :class:`LoginError`.

    A locked account is refused before its password is looked at. A wrong password on an
    existing account counts one failure; the ``LOGIN_FAILURE_LIMIT``-th failure in a row
    locks the account for ``LOGIN_LOCK_MINUTES``, writes an audit row (action ``lock``)
    and raises :class:`AccountLocked`; the counter then starts again, so that after the
    lock expires the user has the full number of attempts. Success clears the counter.
    """
    user = User.objects.filter(username=username).first()
    if user is not None and user.is_locked():
        raise AccountLocked(_minutes_left(user.locked_until))
    authenticated = authenticate(request, username=username, password=password)
    if authenticated is not None:
        if authenticated.failed_logins or authenticated.locked_until:
            User.objects.filter(pk=authenticated.pk).update(failed_logins=0, locked_until=None)
            authenticated.failed_logins, authenticated.locked_until = 0, None
        return authenticated
    if user is not None and _count_failure(user.pk):
        raise AccountLocked(settings.LOGIN_LOCK_MINUTES)
    raise InvalidCredentials()


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


def token_issue(*, user: User, name: str = "API") -> tuple[ApiToken, str]:
    """A new API token for ``user``; returns it and the clear key (shown once, never stored)."""
    return ApiToken.issue(user=user, name=name)


def token_revoke(*, key: str) -> bool:
    """Delete the token whose clear key is ``key``; False if there was none."""
    deleted, _ = ApiToken.objects.filter(key_hash=_hash(key)).delete()
    return deleted > 0
