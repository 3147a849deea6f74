"""Opening accounts for organisations: one validated, audited path for the CLI and the demo data.

An account belongs to an organisation (managers, members) and may be linked to a member
record, so the rules that decide whether it may be opened are the organisations' rules
(a dissolved organisation gets no accounts, a member who left gets none, a member account
stays inside its organisation): they live here, above ``accounts``, which knows nothing of
organisations but their paths.

:func:`user_create` checks everything before writing anything and reports every problem
at once as Chinese messages (a :class:`~django.core.exceptions.ValidationError` whose
``messages`` are one line each). A password is checked by
:func:`lianjian.accounts.passwords.password_problems`; when none is given a strong one is
generated and returned so that the caller can show it once. The audit row never holds the
password or its hash.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.accounts.models import User
from lianjian.accounts.passwords import generate_password, password_problems
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog
from lianjian.core.scope import MANAGE, Grant
from lianjian.orgs.models import Member, Organisation

ROLE_LABELS: dict[str, str] = dict(User.Role.choices)


def member_guess(org: Organisation, name: str) -> Member | None:
    """The current member of ``org`` called ``name`` without an account, if exactly one exists."""
    if not name:
        return None
    found = list(org.members.current().filter(name=name, user__isnull=True)[:2])
    return found[0] if len(found) == 1 else None


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    role: str,
    org: Organisation | None,
    member: Member | None = None,
    password: str | None = None,
    first_name: str = "",
    note: str = "",
) -> tuple[User, str]:
    """Create an account and return it with its clear password (generated when ``password`` is None).

    ``role`` is ``admin``, ``manager`` (manages the subtree of ``org``) or ``member`` (a
    member of ``org``). ``org`` is required for managers and members and must not be
    dissolved; ``member`` (optional) links the account to a member record, which must be
    current, not linked to another account, in ``org`` for a member account and in the
    subtree of ``org`` for a manager. ``first_name`` (the display name) defaults to the
    member's name; ``note`` goes to the audit row. Raises ValidationError listing every
    problem; nothing is written then.
    """
    username = (username or "").strip()
    errors: list[str] = []
    if role not in ROLE_LABELS:
        errors.append(f"角色“{role}”无效，可选：{'、'.join(ROLE_LABELS)}")
    if not username:
        errors.append("用户名不能为空")
    elif len(username) > 150:
        errors.append("用户名不能超过 150 个字符")
    else:
        try:
            UnicodeUsernameValidator()(username)
        except ValidationError:
            errors.append("用户名只能包含字母、数字、汉字和 @ . + - _")
        else:
            if User.objects.filter(username__iexact=username).exists():
                errors.append(f"用户名“{username}”已存在")
    if User.role_needs_org(role) and org is None:
        errors.append("组织管理员和党员账户必须指定所属组织")
    if org is not None and org.dissolved:
        errors.append(f"组织 {org.code} 已撤销，不能再开设账户")
    if member is not None:
        if member.left_on:
            errors.append(f"党员 {member.number} {member.name} 已离开，不能关联账户")
        holder = User.objects.filter(member=member).values_list("username", flat=True).first()
        if holder is not None:
            errors.append(f"党员 {member.number} {member.name} 已关联账户“{holder}”")
        if org is not None and role == User.Role.MEMBER and member.org_id != org.pk:
            errors.append(f"党员 {member.number} {member.name} 不属于组织 {org.code}")
        if (
            org is not None
            and role == User.Role.MANAGER
            and not Grant(MANAGE, org.path).covers(member.org.path)
        ):
            errors.append(f"党员 {member.number} {member.name} 不在组织 {org.code} 及其下级组织中")
    first_name = (first_name or (member.name if member is not None else "")).strip()[:150]
    if password is None:
        password = generate_password()
    else:
        errors.extend(password_problems(password, username=username, first_name=first_name))
    if errors:
        raise ValidationError(errors)

    user = User(username=username, role=role, org=org, member=member, first_name=first_name)
    user.set_password(password)
    user.full_clean(validate_unique=False)
    user.save()
    audit_record(
        actor=actor,
        action=AuditLog.Action.CREATE,
        obj=user,
        target_repr=username,
        after={
            "username": username,
            "role": role,
            "org": org.code if org is not None else None,
            "member": member.number if member is not None else None,
            "first_name": first_name,
        },
        note=note,
    )
    return user, password
