"""Pinyin initials of Chinese names, so that "zs" finds 张三.

Initials come from a per-character table filled on first sight of a character (names reuse
a few thousand characters) and applied with ``str.translate``, which keeps a 400,000-member
import fast: pypinyin is asked once per distinct character.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def _initial(ch: str) -> str:
    if ch.isascii():
        return ch.lower() if ch.isalnum() else ""
    letters = lazy_pinyin(ch, style=Style.FIRST_LETTER, errors="ignore")
    return letters[0][:1].lower() if letters and letters[0] else ""


_MAX_KEPT = 65_536


class _Table(dict[int, str]):
    """Code point → initial ("" drops the character), looked up by ``str.translate``."""

    def __missing__(self, code: int) -> str:
        initial = _initial(chr(code))
        if len(self) < _MAX_KEPT:  # a file of rare characters cannot grow it without bound
            self[code] = initial
        return initial


_TABLE = _Table()


def initials(name: str) -> str:
    """``张三丰`` → ``zsf``; ASCII letters and digits kept, other characters dropped."""
    return (name or "").translate(_TABLE)[:50]
