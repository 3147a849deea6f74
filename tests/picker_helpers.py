"""Choosing in a picker (lianjian/core/widgets.py) from a Playwright page."""

from __future__ import annotations

from typing import Any


def choose(page: Any, field_id: str, text: str, code: str, *, within: str = "") -> None:
    """Type ``text`` into the picker of the field ``field_id`` and click the row ``code``."""
    scope = f"{within} " if within else ""
    box = page.locator(f"{scope}#{field_id}-search")
    box.click()
    box.fill(text)
    page.locator(f"{scope}#{field_id}-options [role=option][data-code='{code}']").click()
