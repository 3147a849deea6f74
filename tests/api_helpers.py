"""Helpers for the API tests: a bearer token per persona and one-line requests."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from lianjian.accounts.models import ApiToken, User

API = "/api/v1"


def auth_header(user: User) -> dict[str, str]:
    """A fresh token for ``user`` as the test client's header keyword."""
    _, key = ApiToken.issue(user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def call(
    method: str,
    url: str,
    *,
    user: User | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    client: Client | None = None,
) -> tuple[int, Any]:
    """Send one request to ``/api/v1{url}``; returns (status, decoded JSON or None)."""
    client = client or Client()
    extra = dict(headers or {})
    if user is not None:
        extra.update(auth_header(user))
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body), "content_type": "application/json"}
    response = getattr(client, method.lower())(API + url, **kwargs, **extra)
    content = response.content
    data = (
        json.loads(content)
        if content and response["Content-Type"].startswith("application/json")
        else None
    )
    return response.status_code, data
