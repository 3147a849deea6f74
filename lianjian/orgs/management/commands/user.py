"""``lianjian user add NAME --role ROLE [--org CODE] [--password P] [--member NUMBER] [--name 姓名]``.

Creates an account through :func:`lianjian.orgs.provisioning.user_create`. Bad input
prints every problem in Chinese, one per line on stderr, and exits 1 with nothing
changed; a usage error (unknown role, missing argument) exits 2 through argparse, with
argparse's message translated to Chinese (:mod:`lianjian.core.commands`).
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import CommandParser

from lianjian.accounts.models import User
from lianjian.core.commands import ChineseUsageCommand
from lianjian.orgs.models import Member, Organisation
from lianjian.orgs.provisioning import ROLE_LABELS, member_guess, user_create


class Command(ChineseUsageCommand):
    help = "账户管理。lianjian user add 用户名 --role admin|manager|member --org 组织编码 [--password 密码]"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="操作", title="操作")
        add = actions.add_parser(
            "add",
            help="新建账户",
            description="新建账户。不指定 --password 时生成强密码并只显示一次。",
        )
        add.add_argument("username", metavar="NAME", help="用户名（登录名）")
        add.add_argument(
            "--role",
            required=True,
            choices=list(ROLE_LABELS),
            help=(
                "角色：admin 系统管理员；manager 组织管理员（管理该组织及下级）；member 党员；"
                "discipline 纪检、audit 审计、inspection 巡察办、board 决策管理（本机构及下级的"
                "监督、决策记录）"
            ),
        )
        add.add_argument("--org", metavar="CODE", help="所属组织编码（除 admin 外必填）")
        add.add_argument(
            "--password", metavar="P", help="初始密码（须符合密码规则）；不填则自动生成"
        )
        add.add_argument(
            "--member",
            metavar="NUMBER",
            help="关联的党员人员编号；member 角色未指定时按姓名在该组织中唯一匹配",
        )
        add.add_argument(
            "--name", metavar="姓名", default="", help="显示姓名（默认取关联党员的姓名）"
        )

    def _fail(self, messages: list[str]) -> NoReturn:
        for message in messages:
            self.stderr.write(message)
        raise SystemExit(1)

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        role: str = options["role"]
        errors: list[str] = []
        org = None
        if options["org"]:
            org = Organisation.objects.filter(code=options["org"]).first()
            if org is None:
                errors.append(f"组织编码 {options['org']} 不存在")
        member = None
        if options["member"]:
            member = Member.objects.select_related("org").filter(number=options["member"]).first()
            if member is None:
                errors.append(f"人员编号 {options['member']} 不存在")
        if errors:
            self._fail(errors)
        if member is None and role == User.Role.MEMBER and org is not None:
            member = member_guess(org, options["name"] or username)
        try:
            user, password = user_create(
                actor=None,
                username=username,
                role=role,
                org=org,
                member=member,
                password=options["password"],
                first_name=options["name"],
                note="命令行 lianjian user add",
            )
        except ValidationError as exc:
            self._fail(exc.messages)
        parts = [f"角色：{ROLE_LABELS[user.role]}"]
        if org is not None:
            parts.append(f"所属组织：{org.code} {org.name}")
        if member is not None:
            parts.append(f"关联党员：{member.number} {member.name}")
        self.stdout.write(f"已创建账户 {user.username}（{'，'.join(parts)}）")
        if options["password"] is None:
            self.stdout.write(f"初始密码（只显示这一次，请妥善转交）：{password}")
