"""What a request carries once its user is known, for the type checker.

django-stubs types ``request.user`` as "a user or AnonymousUser" and knows nothing of the
API's ``request.auth``; the views behind ``login_required`` and the API handlers behind
:class:`~lianjian.accounts.api.TokenAuth` annotate their request with these instead.
"""

from __future__ import annotations

from typing import cast

from django.http import HttpRequest

from lianjian.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    """A request behind ``login_required``: ``user`` is a logged-in, active :class:`User`."""

    user: User


class ApiRequest(HttpRequest):
    """A request that passed :class:`~lianjian.accounts.api.TokenAuth`: ``auth`` is its user."""

    auth: User


def caller(request: HttpRequest) -> User:
    """The user of an API request that passed :class:`~lianjian.accounts.api.TokenAuth`
    (every router but the token endpoint requires it)."""
    return cast(ApiRequest, request).auth
