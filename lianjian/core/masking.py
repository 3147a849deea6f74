"""Masking of personal numbers (身份证号, 手机号码).

A viewer who may not see a member's private data gets the masked form everywhere: screens,
exports, the API and the audit log. The audit log always stores the masked form, so a
number never reaches a log in clear.
"""

from __future__ import annotations


def mask_phone(value: str | None) -> str:
    """``13812345678`` → ``138****5678``; short or empty values keep only their last digit."""
    if not value:
        return ""
    if len(value) >= 7:
        return value[:3] + "****" + value[-4:]
    return "*" * (len(value) - 1) + value[-1]


def mask_id_number(value: str | None) -> str:
    """``110101199003071234`` → ``1101**********1234`` (first 4 and last 4 kept)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
