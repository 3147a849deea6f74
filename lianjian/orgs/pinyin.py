"""Pinyin initials of Chinese names, so that "zs" finds 张三.

Initials are cached per character: names reuse a few thousand characters, which keeps a
400,000-member import fast.
"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=20000)
def _initial(ch: str) -> str:
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    letters = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters and letters[0] else ""


def initials(name: str) -> str:
    """``张三丰`` → ``zsf``; ASCII letters and digits kept, other characters dropped."""
    return "".join(_initial(ch) for ch in name or "")[:50]
