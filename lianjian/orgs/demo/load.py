"""Loading the demo company: organisations, members and accounts, created only when missing.

:func:`demo_load` writes what :mod:`~lianjian.orgs.demo.company` and
:mod:`~lianjian.orgs.demo.people` describe, keyed by 组织编码, 人员编号 and 用户名, and
prints the demo accounts (:func:`print_accounts`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.db import transaction

from lianjian.accounts.models import User
from lianjian.core.audit import audit_record
from lianjian.core.models import AuditLog
from lianjian.orgs.demo.company import ROOT_CODE, org_specs
from lianjian.orgs.demo.people import member_specs
from lianjian.orgs.figures import refresh_for
from lianjian.orgs.models import Member, MemberCategory, Organisation
from lianjian.orgs.pinyin import initials
from lianjian.orgs.provisioning import ROLE_LABELS, user_create
from lianjian.orgs.services import org_path

DEMO_PASSWORD = "Demo@2026"

MANAGED_BRANCH = "BX-ZB19"  # 营销服务中心党支部
SECOND_BRANCH = "BX-ZB18"  # 桓仁县供电公司党支部
# (username, role, org code, display name — None: the linked member's —, which member to link).
ACCOUNTS: tuple[tuple[str, str, str | None, str | None, str | None], ...] = (
    ("admin", User.Role.ADMIN, None, "系统管理员", None),
    ("dangwei", User.Role.MANAGER, ROOT_CODE, "党建工作部", None),
    ("zhibu", User.Role.MANAGER, MANAGED_BRANCH, None, "secretary"),
    ("dangyuan", User.Role.MEMBER, MANAGED_BRANCH, None, "plain"),
    ("zhibu2", User.Role.MANAGER, SECOND_BRANCH, None, "secretary"),
    ("juece", User.Role.BOARD, ROOT_CODE, "董事会办公室", None),
    # the supervising bodies of the company (监督台账)
    ("xuncha", User.Role.INSPECTION, ROOT_CODE, "公司党委巡察办", None),
    ("jijian", User.Role.DISCIPLINE, ROOT_CODE, "公司纪委", None),
    ("shenji", User.Role.AUDIT, ROOT_CODE, "公司审计部", None),
)


class Writer(Protocol):
    def write(self, msg: str) -> Any: ...


def account_specs(members: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The demo accounts with the member number each links to (or None)."""
    out = []
    for username, role, org, display, pick in ACCOUNTS:
        number = None
        if pick is not None:
            candidates = [m for m in members if m["org"] == org]
            if pick == "secretary":
                chosen = next(m for m in candidates if m["post"] == "书记")
            else:
                chosen = next(
                    m
                    for m in candidates
                    if m["category"] == MemberCategory.FULL
                    and not m["post"]
                    and not m["is_floating"]
                )
            number, display = chosen["number"], chosen["name"]
        out.append(
            {
                "username": username,
                "role": role,
                "org": org,
                "first_name": display,
                "member": number,
            }
        )
    return out


@dataclass
class DemoSummary:
    """What one :func:`demo_load` call created (all zero on a repeated run)."""

    orgs_created: int = 0
    members_created: int = 0
    users_created: int = 0
    accounts: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.orgs_created or self.members_created or self.users_created)


def _bulk_orgs(specs: list[dict[str, Any]]) -> int:
    """Create the organisations of ``specs`` whose code does not exist yet, level by level."""
    codes = [s["code"] for s in specs]
    by_code = Organisation.objects.in_bulk(codes, field_name="code")
    created = 0
    pending = [s for s in specs if s["code"] not in by_code]
    while pending:
        ready = [s for s in pending if s["parent"] is None or s["parent"] in by_code]
        if not ready:
            missing = "、".join(sorted({s["parent"] for s in pending}))
            raise ValidationError(f"演示数据的上级组织不存在：{missing}")
        batch = []
        for spec in ready:
            parent = by_code[spec["parent"]] if spec["parent"] is not None else None
            org = Organisation(**{**spec, "parent": parent})
            org.path, org.depth = org_path(parent, org.code)
            org.initials = initials(org.name)
            org.full_clean(exclude=["parent"], validate_unique=False)
            batch.append(org)
        Organisation.objects.bulk_create(batch)
        created += len(batch)
        by_code.update(Organisation.objects.in_bulk([o.code for o in batch], field_name="code"))
        refresh_for(by_code[o.code].pk for o in batch)  # bulk_create skips save(): orgs.figures
        pending = [s for s in pending if s not in ready]
    return created


def _bulk_members(specs: list[dict[str, Any]]) -> int:
    """Create the members of ``specs`` whose number does not exist yet."""
    existing = set(
        Member.objects.filter(number__in=[s["number"] for s in specs]).values_list(
            "number", flat=True
        )
    )
    orgs = Organisation.objects.in_bulk({s["org"] for s in specs}, field_name="code")
    batch = []
    for spec in specs:
        if spec["number"] in existing:
            continue
        member = Member(**{**spec, "org": orgs[spec["org"]]})
        member.initials = initials(member.name)
        member.full_clean(exclude=["org"], validate_unique=False)
        batch.append(member)
    Member.objects.bulk_create(batch, batch_size=500)
    refresh_for({m.org_id for m in batch})  # bulk_create skips save(): orgs.figures
    return len(batch)


def _accounts(specs: list[dict[str, Any]]) -> int:
    """Create the demo accounts whose username does not exist yet (existing ones keep their password)."""
    created = 0
    for spec in specs:
        if User.objects.filter(username__iexact=spec["username"]).exists():
            continue
        org = Organisation.objects.get(code=spec["org"]) if spec["org"] else None
        member = Member.objects.get(number=spec["member"]) if spec["member"] else None
        user_create(
            actor=None,
            username=spec["username"],
            role=spec["role"],
            org=org,
            member=member,
            password=DEMO_PASSWORD,
            first_name=spec["first_name"],
        )
        created += 1
    return created


def account_rows() -> list[tuple[str, str, str, str, str]]:
    """(username, password, role, name, organisation) of the demo accounts that exist, in demo order."""
    users = User.objects.select_related("org").in_bulk(
        [a[0] for a in ACCOUNTS], field_name="username"
    )
    rows = []
    for username, *_ in ACCOUNTS:
        user = users.get(username)
        if user is None:
            continue
        org = f"{user.org.name}（{user.org.code}）" if user.org is not None else "全部组织"
        rows.append((username, DEMO_PASSWORD, ROLE_LABELS[user.role], user.first_name or "—", org))
    return rows


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def print_accounts(stdout: Writer) -> None:
    """Print the demo accounts that exist as an aligned table, in Chinese (nothing if none)."""
    rows = account_rows()
    if not rows:
        return
    table = [("用户名", "密码", "角色", "姓名", "所属组织"), *rows]
    widths = [max(_width(r[i]) for r in table) for i in range(4)]
    stdout.write(f"演示账户（初始密码均为 {DEMO_PASSWORD}，如已修改以修改后为准）：\n")
    for row in table:
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row[:4])]
        stdout.write("  " + "  ".join([*cells, row[4]]) + "\n")


def demo_load(*, stdout: Writer, accounts: bool = True) -> DemoSummary:
    """Load the demo company, creating only what is missing, and print the demo accounts.

    Idempotent: rows are keyed by 组织编码, 人员编号 and 用户名; existing rows are never
    changed, so a second call creates nothing and writes no audit row. Organisations and
    members are bulk-created with one summary audit row (action ``import``, note
    ``演示数据``); each account is created through :func:`user_create` and audited there.
    All writes are one transaction, committed before anything is printed. Raises
    ValidationError (nothing written) if existing data blocks an account.
    """
    summary = _load()
    if summary.changed:
        stdout.write(
            f"演示数据已加载：新建党组织 {summary.orgs_created} 个、党员 {summary.members_created} 名、"
            f"账户 {summary.users_created} 个。\n"
        )
    else:
        stdout.write("演示数据已存在，未作任何修改。\n")
    if accounts:
        print_accounts(stdout)
    return summary


@transaction.atomic
def _load() -> DemoSummary:
    members = member_specs()
    summary = DemoSummary()
    summary.orgs_created = _bulk_orgs(org_specs())
    summary.members_created = _bulk_members(members)
    if summary.orgs_created or summary.members_created:
        audit_record(
            actor=None,
            action=AuditLog.Action.IMPORT,
            target="orgs.organisation",
            target_id=ROOT_CODE,
            target_repr="演示数据",
            note="演示数据",
            after={"organisations": summary.orgs_created, "members": summary.members_created},
        )
    summary.users_created = _accounts(account_specs(members))
    summary.accounts = account_rows()
    return summary
