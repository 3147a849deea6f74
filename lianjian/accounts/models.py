"""Accounts: users with a role and an organisation, and API tokens.

The role and organisation define the user's :class:`~lianjian.core.scope.Scope` — this is
the only module that looks at roles: ``admin`` reaches everything; ``manager`` sees and
manages the subtree of ``org``; ``member`` sees ``org`` (and its members) and their own
``member`` record, and changes nothing; the bodies ``discipline`` (纪检), ``audit`` (审计),
``inspection`` (巡察办) and ``board`` (决策管理) see their own organisation and hold their
body's grant over its subtree, which only the supervision and decision records name.
Everything else asks the scope
(``Model.objects.restrict(user, action)``, ``core.scope.may``).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import cached_property

from lianjian.core.scope import (
    AUDIT,
    BOARD,
    DISCIPLINE,
    EVERYTHING,
    INSPECTION,
    MANAGE,
    NOTHING,
    SEE,
    Grant,
    Scope,
)

# The grant kind each body role holds over its organisation's subtree.
BODY_GRANTS: dict[str, str] = {
    "discipline": DISCIPLINE,
    "audit": AUDIT,
    "inspection": INSPECTION,
    "board": BOARD,
}


class User(AbstractUser):
    """A person who logs in. ``org`` is required for managers and members.

    Saving a changed password (``set_password`` then ``save``, whichever path: the profile
    screen, ``lianjian changepassword``, provisioning) deletes the user's API tokens in the
    same transaction: a token must not outlive the password it was obtained with.
    """

    class Role(models.TextChoices):
        ADMIN = "admin", "系统管理员"
        MANAGER = "manager", "组织管理员"
        MEMBER = "member", "党员"
        # The supervising and deciding bodies (supervision.md §3): their scope is the
        # records of their body under their organisation, not the organisation subtree.
        DISCIPLINE = "discipline", "纪检"
        AUDIT = "audit", "审计"
        INSPECTION = "inspection", "巡察办"
        BOARD = "board", "决策管理"

    role = models.CharField("角色", max_length=16, choices=Role.choices, default=Role.MEMBER)
    org = models.ForeignKey(
        "orgs.Organisation",
        verbose_name="所属组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    member = models.OneToOneField(
        "orgs.Member",
        verbose_name="对应党员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    failed_logins = models.PositiveIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="admin") | models.Q(org__isnull=False),
                name="user_scoped_role_has_org",
                violation_error_message="组织管理员和党员账户必须指定所属组织",
            )
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        # AbstractBaseUser keeps the new clear password in _password until the next save
        # (a hash upgrade at login clears it first, so it does not count as a change).
        update_fields = kwargs.get("update_fields")
        password_changed = (
            getattr(self, "_password", None) is not None
            and not self._state.adding
            and (update_fields is None or "password" in update_fields)
        )
        with transaction.atomic():
            super().save(*args, **kwargs)
            if password_changed:
                ApiToken.objects.filter(user=self).delete()

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_manager(self) -> bool:
        return self.role == self.Role.MANAGER

    @classmethod
    def active_managers(cls) -> models.QuerySet[User]:
        """The active manager accounts (to whom an organisation's to-dos go)."""
        return cls.objects.filter(role=cls.Role.MANAGER, is_active=True)

    @classmethod
    def role_needs_org(cls, role: str) -> bool:
        """Managers and members are scoped by an organisation; only the admin is not."""
        return role != cls.Role.ADMIN

    @property
    def is_member_role(self) -> bool:
        """A member's account: reads its own organisation and record, changes nothing."""
        return self.role == self.Role.MEMBER

    @cached_property
    def scope(self) -> Scope:
        """What this user reaches (core.scope). Built once per request from the role; an
        inactive account, or a scoped role without an organisation, reaches nothing."""
        if not self.is_active:
            return NOTHING
        if self.role == self.Role.ADMIN:
            return EVERYTHING
        org = self.org
        if org is None:
            return NOTHING
        path = org.path
        grants: tuple[Grant, ...]
        if self.role == self.Role.MANAGER:
            grants = (Grant(SEE, path), Grant(MANAGE, path))
        elif self.role in BODY_GRANTS:
            # A body sees its own organisation (names for pickers and headers) and holds
            # its body's grant over the subtree; models name that grant in their rules.
            grants = (Grant(SEE, path, subtree=False), Grant(BODY_GRANTS[self.role], path))
        else:
            grants = (Grant(SEE, path, subtree=False),)
        return Scope(grants=grants, org_path=path, member_id=self.member_id, user_id=self.pk)

    @property
    def display_name(self) -> str:
        return self.first_name or self.username

    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the HTTP API. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("名称", max_length=100, default="API")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: User, name: str = "API", days: int | None = 90) -> tuple[ApiToken, str]:
        """Create a token; returns it with the clear key, which is not stored anywhere."""
        key = secrets.token_urlsafe(32)
        expires = timezone.now() + datetime.timedelta(days=days) if days else None
        token = cls.objects.create(
            user=user, name=name, key_hash=_hash(key), prefix=key[:8], expires_at=expires
        )
        return token, key

    @classmethod
    def authenticate(cls, key: str) -> User | None:
        """The active user behind ``key``, or None if unknown, expired, or the user is inactive/locked."""
        if not key or len(key) > 200:
            return None
        token = cls.objects.select_related("user", "user__org").filter(key_hash=_hash(key)).first()
        if token is None:
            return None
        now = timezone.now()
        if token.expires_at and token.expires_at <= now:
            return None
        user = token.user
        if not user.is_active or user.is_locked():
            return None
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
            cls.objects.filter(pk=token.pk).update(last_used_at=now)
        return user
