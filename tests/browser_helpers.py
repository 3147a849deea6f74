"""What every real-browser test shares: Debian's chromium, the Playwright fixtures, the marks,
logging in and screenshots.

Without chromium a browser test is skipped loudly; under ``CI=true`` a missing browser fails.
Screenshots go to ``test-artifacts/`` for a person to look at. ``tests/conftest.py`` offers the
``browser`` and ``page`` fixtures to every test; a browser test module sets
``pytestmark = BROWSER_MARKS``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop; the live server's DB access is still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# serialized_rollback: transactional tests flush tables, which would drop the rows seeded by
# data migrations (alliance types, compliance rules) for the tests that follow.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _require_chromium() -> str:
    if CHROMIUM is None:
        message = "!!! Debian chromium not found: the real-browser test is SKIPPED (apt-get install chromium) !!!"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture
def browser() -> Iterator[Any]:
    """A headless chromium (skipped without one)."""
    executable = _require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A page of a fresh 1366 × 860 zh-CN session."""
    context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    yield context.new_page()
    context.close()


def logged_in_page(browser: Any, username: str, base: str, *, height: int = 900) -> Any:
    """A page of a fresh 1366 px session in which ``username`` has logged in."""
    from tests.conftest import PASSWORD

    page = browser.new_context(
        viewport={"width": 1366, "height": height}, locale="zh-CN"
    ).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def shot(page: Any, name: str) -> None:
    """A full-page screenshot, ``test-artifacts/<name>.png``."""
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
