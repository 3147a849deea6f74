"""API endpoints for authentication: ``/api/v1/auth/…`` (contracts.md §5).

``POST /auth/token`` trades a username and password for a bearer token (with the same
lockout as the web login); every other endpoint then needs ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import HttpBearer

from lianjian.accounts.http import ApiRequest
from lianjian.accounts.models import ApiToken, User
from lianjian.accounts.services import (
    LoginError,
    login_attempt,
    token_by_key,
    token_issue,
    token_revoke,
)
from lianjian.core.api_utils import ErrorOut

router = Router(tags=["认证"])

# The key a request was authenticated with, kept in request.META (which already holds it
# as the Authorization header) so that DELETE /auth/token revokes exactly the token in use.
_TOKEN_KEY = "LIANJIAN_API_TOKEN_KEY"


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>`` → the token's user (``request.auth``), else 401."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = ApiToken.authenticate(token.strip())
        if user is not None:
            request.META[_TOKEN_KEY] = token.strip()
        return user


class TokenIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, description="用户名")
    password: str = Field(..., min_length=1, max_length=1024, description="密码")


class TokenOut(Schema):
    token: str = Field(
        ..., description="令牌，之后以 Authorization: Bearer <token> 发送；只显示这一次"
    )
    expires_at: datetime.datetime | None = Field(None, description="过期时间")


class MeOut(Schema):
    username: str
    name: str
    role: str = Field(..., description="admin / manager / member")
    org: str | None = Field(None, description="所属组织编码")
    member: int | None = Field(None, description="对应党员的 id")


@router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut},
    summary="用用户名和密码换取令牌",
)
def token_create(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    """Unknown user, wrong password, inactive or locked account: the same 401 and text."""
    try:
        user = login_attempt(username=payload.username, password=payload.password, request=request)
    except LoginError as exc:
        raise HttpError(401, exc.message) from exc
    token, key = token_issue(actor=user, user=user)
    return {"token": key, "expires_at": token.expires_at}


@router.delete("/token", response={204: None, 401: ErrorOut}, summary="注销当前令牌")
def token_delete(request: ApiRequest) -> Status[None]:
    """Revoke the token this request was made with; it stops working at once."""
    token = token_by_key(request.META[_TOKEN_KEY])
    if token is not None:
        token_revoke(actor=request.auth, token=token)
    return Status(204, None)


@router.get("/me", response={200: MeOut, 401: ErrorOut}, summary="当前用户")
def me(request: ApiRequest) -> dict[str, Any]:
    user = request.auth
    return {
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "org": user.org.code if user.org is not None else None,
        "member": user.member_id,
    }
