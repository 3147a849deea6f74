"""``lianjian user add``: creating accounts from the command line."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from lianjian.accounts.models import User
from lianjian.accounts.passwords import generate_password, password_problems
from lianjian.core.commands import translate_usage_error
from lianjian.core.models import AuditLog
from lianjian.orgs.management.commands.user import Command
from lianjian.orgs.services import member_create, member_update, org_create, org_dissolve

STRONG = "Strong#Pass2026"


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def add(*args: str) -> tuple[int, str, str]:
    """Run ``user add`` with ``args``; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("user", "add", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def counts() -> tuple[int, int]:
    return User.objects.count(), AuditLog.objects.count()


def test_it_creates_a_manager_with_the_given_password(world):
    audit_before = AuditLog.objects.count()
    code, out, err = add("newmgr", "--role", "manager", "--org", "ZB-A", "--password", STRONG)
    assert (code, err) == (0, "")
    assert out == "已创建账户 newmgr（角色：组织管理员，所属组织：ZB-A 营销服务党支部）\n"
    user = User.objects.get(username="newmgr")
    assert (user.role, user.org, user.member, user.first_name) == ("manager", world.zb_a, None, "")
    assert user.check_password(STRONG)
    rows = list(AuditLog.objects.order_by("id")[audit_before:])
    assert len(rows) == 1
    row = rows[0]
    assert (row.action, row.target_type, row.target_id, row.target_repr, row.actor) == (
        "create",
        "accounts.user",
        str(user.pk),
        "newmgr",
        None,
    )
    assert row.after == {
        "username": "newmgr",
        "role": "manager",
        "org": "ZB-A",
        "member": None,
        "first_name": "",
    }
    assert row.before is None
    assert STRONG not in f"{row.after}{row.note}{row.target_repr}"
    assert user.password not in f"{row.after}{row.note}"


def test_without_a_password_it_generates_a_strong_one_and_prints_it_once(world):
    code, out, err = add("adm2", "--role", "admin")
    assert (code, err) == (0, "")
    first, second = out.splitlines()
    assert first == "已创建账户 adm2（角色：系统管理员）"
    prefix = "初始密码（只显示这一次，请妥善转交）："
    assert second.startswith(prefix)
    password = second.removeprefix(prefix)
    assert len(password) == 16
    assert password_problems(password) == []
    user = User.objects.get(username="adm2")
    assert (user.role, user.org) == ("admin", None)
    assert user.check_password(password)
    assert password not in str(
        AuditLog.objects.get(target_type="accounts.user", target_repr="adm2").after
    )


def test_generated_passwords_differ_and_mix_character_classes():
    passwords = {generate_password() for _ in range(20)}
    assert len(passwords) == 20
    for p in passwords:
        assert (
            any(c.isupper() for c in p)
            and any(c.islower() for c in p)
            and any(c.isdigit() for c in p)
        )


def test_an_admin_may_be_given_an_org(world):
    code, _, _ = add("adm3", "--role", "admin", "--org", "DW", "--password", STRONG)
    assert code == 0
    assert User.objects.get(username="adm3").org == world.dw


def test_a_member_account_links_the_only_unlinked_member_with_that_name(world):
    code, out, err = add("李四", "--role", "member", "--org", "ZB-A", "--password", STRONG)
    assert (code, err) == (0, "")
    assert (
        out == "已创建账户 李四（角色：党员，所属组织：ZB-A 营销服务党支部，关联党员：M-A2 李四）\n"
    )
    user = User.objects.get(username="李四")
    assert (user.member, user.first_name) == (world.m_a2, "李四")


def test_a_member_account_matches_by_display_name(world):
    code, _, _ = add(
        "lisi", "--role", "member", "--org", "ZB-A", "--name", "李四", "--password", STRONG
    )
    assert code == 0
    assert User.objects.get(username="lisi").member == world.m_a2


def test_an_ambiguous_name_links_no_member(world):
    for number in ("M-B7", "M-B8"):
        member_create(
            actor=None,
            number=number,
            name="赵七",
            org=world.zb_b,
            category="正式党员",
            joined_on=datetime.date(2015, 7, 1),
        )
    code, out, _ = add("赵七", "--role", "member", "--org", "ZB-B", "--password", STRONG)
    assert code == 0
    assert out == "已创建账户 赵七（角色：党员，所属组织：ZB-B 运维检修党支部）\n"
    assert User.objects.get(username="赵七").member is None


def test_an_explicit_member_is_linked(world):
    code, _, err = add(
        "wangwu", "--role", "member", "--org", "ZB-B", "--member", "M-B1", "--password", STRONG
    )
    assert (code, err) == (0, "")
    user = User.objects.get(username="wangwu")
    assert (user.member, user.first_name) == (world.m_b1, "王五")


def test_a_manager_may_be_linked_to_a_member_of_the_subtree(world):
    code, _, err = add(
        "sec", "--role", "manager", "--org", "DW", "--member", "M-A2", "--password", STRONG
    )
    assert (code, err) == (0, "")
    assert User.objects.get(username="sec").member == world.m_a2


@pytest.mark.parametrize(
    ("args", "errors"),
    [
        (("x1", "--role", "manager", "--org", "NOPE"), ["组织编码 NOPE 不存在"]),
        (("x1", "--role", "member", "--org", "ZB-A", "--member", "NOPE"), ["人员编号 NOPE 不存在"]),
        (
            ("x1", "--role", "member", "--org", "NOPE", "--member", "NOPE"),
            ["组织编码 NOPE 不存在", "人员编号 NOPE 不存在"],
        ),
        (
            ("manager_a", "--role", "manager", "--org", "ZB-A", "--password", STRONG),
            ["用户名“manager_a”已存在"],
        ),
        (
            ("Manager_A", "--role", "manager", "--org", "ZB-A", "--password", STRONG),
            ["用户名“Manager_A”已存在"],
        ),
        (
            ("x1", "--role", "manager", "--password", "123"),
            [
                "组织管理员和党员账户必须指定所属组织",
                "密码太短，至少需要 8 个字符",
                "密码过于常见，请换一个不易猜到的密码",
                "密码不能全是数字",
            ],
        ),
        (
            ("x1", "--role", "member", "--org", "ZB-A", "--password", "password"),
            ["密码过于常见，请换一个不易猜到的密码"],
        ),
        (
            ("x1", "--role", "member", "--org", "ZB-A", "--password", "84729163502"),
            ["密码不能全是数字"],
        ),
        (
            ("x1", "--role", "member", "--org", "ZB-A", "--member", "M-B1", "--password", STRONG),
            ["党员 M-B1 王五 不属于组织 ZB-A"],
        ),
        (
            ("x1", "--role", "member", "--org", "ZB-A", "--member", "M-A1", "--password", STRONG),
            ["党员 M-A1 张三 已关联账户“member_a”"],
        ),
        (
            ("x1", "--role", "manager", "--org", "ZB-B", "--member", "M-A2", "--password", STRONG),
            ["党员 M-A2 李四 不在组织 ZB-B 及其下级组织中"],
        ),
        (
            ("bad name!", "--role", "admin", "--password", STRONG),
            ["用户名只能包含字母、数字、汉字和 @ . + - _"],
        ),
        (("x" * 151, "--role", "admin", "--password", STRONG), ["用户名不能超过 150 个字符"]),
    ],
)
def test_bad_input_exits_1_with_chinese_errors_and_changes_nothing(world, args, errors):
    before = counts()
    code, out, err = add(*args)
    assert (code, out) == (1, "")
    assert err.splitlines() == errors
    assert counts() == before


def test_a_dissolved_org_gets_no_accounts(world):
    gone = org_create(
        actor=None,
        code="ZB-OLD",
        name="已撤销党支部",
        kind="党支部",
        parent=world.dw,
        founded=datetime.date(2010, 1, 1),
    )
    org_dissolve(actor=None, org=gone, date=datetime.date(2020, 1, 1))
    before = counts()
    code, _, err = add("x1", "--role", "manager", "--org", "ZB-OLD", "--password", STRONG)
    assert (code, err.splitlines()) == (1, ["组织 ZB-OLD 已撤销，不能再开设账户"])
    assert counts() == before


def test_a_member_who_left_cannot_be_linked(world):
    member_update(
        actor=None, member=world.m_b1, left_on=datetime.date(2025, 1, 1), left_reason="退休转出"
    )
    code, _, err = add(
        "x1", "--role", "member", "--org", "ZB-B", "--member", "M-B1", "--password", STRONG
    )
    assert (code, err.splitlines()) == (1, ["党员 M-B1 王五 已离开，不能关联账户"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["add", "x1", "--role", "boss"],
            "参数 --role 的取值 boss 无效，可选：admin、manager、member、discipline、audit、"
            "inspection、board",
        ),
        (["add", "x1"], "缺少必需的参数：--role"),
        (["add", "x1", "--role", "admin", "--bad"], "无法识别的参数：--bad"),
        (["remove", "x1"], "参数 操作 的取值 remove 无效，可选：add"),
        ([], "缺少必需的参数：操作"),
    ],
)
def test_usage_errors_exit_2_in_chinese(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        Command().run_from_argv(["lianjian", "user", *argv])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1].endswith(f"error: {message}")


def test_unknown_argparse_wording_is_kept():
    assert translate_usage_error("something new") == "something new"
