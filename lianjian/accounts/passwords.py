"""The password rules in Chinese: one wording for the CLI, the profile screen and provisioning.

A password is checked by the project's Django password validators
(``AUTH_PASSWORD_VALIDATORS``); :func:`password_problems` words their verdict in Chinese
and :func:`generate_password` makes one that passes, for an account opened without one.
"""

from __future__ import annotations

import secrets
import string

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from lianjian.accounts.models import User

# Django's zh-Hans catalogue misses some validator messages (the plural "too short" one),
# so the codes Django documents are translated here; unknown codes keep Django's text.
_PASSWORD_MESSAGES: dict[str, str] = {
    "password_too_short": "密码太短，至少需要 {min_length} 个字符",
    "password_too_common": "密码过于常见，请换一个不易猜到的密码",
    "password_entirely_numeric": "密码不能全是数字",
    "password_too_similar": "密码与用户名或姓名过于相似",
}

_PASSWORD_SIGNS = "@#%+=-_"
_PASSWORD_ALPHABET = string.ascii_letters + string.digits + _PASSWORD_SIGNS


def password_problems(password: str, *, username: str = "", first_name: str = "") -> list[str]:
    """The Chinese reasons why ``password`` fails the configured validators ([] if it passes)."""
    try:
        validate_password(password, user=User(username=username, first_name=first_name))
    except ValidationError as exc:
        out: list[str] = []
        for err in exc.error_list:
            template = _PASSWORD_MESSAGES.get(err.code or "")
            if template is None:
                out.extend(err.messages)
            else:
                out.append(template.format(**(err.params or {})))
        return out
    return []


def generate_password(length: int = 16) -> str:
    """A random password of ``length`` characters with upper, lower case letters, a digit and a sign."""
    while True:
        candidate = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in _PASSWORD_SIGNS for c in candidate)
            and not password_problems(candidate)
        ):
            return candidate
