"""The HTTP API at ``/api/v1/`` (contracts.md §5), built with django-ninja.

Each app contributes a router from its ``api.py``; this module wires them, the bearer
authentication and the error format ``{"detail": "…"}``.
"""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="联建 API", version="1", urls_namespace="api")
