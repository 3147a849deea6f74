"""The deterministic demo company loaded by ``lianjian demo``."""

from __future__ import annotations

import datetime
import io
from collections import Counter
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.test import Client

from lianjian.accounts.models import User
from lianjian.core.models import AuditLog
from lianjian.orgs import selectors
from lianjian.orgs.demo import (
    BRANCHES,
    DELIBERATE_WARNINGS,
    DEMO_PASSWORD,
    REFERENCE_DATE,
    VOCABULARY,
    member_specs,
    org_specs,
)
from lianjian.orgs.models import Member, Organisation, is_valid_id_number
from lianjian.orgs.pinyin import initials
from lianjian.orgs.services import org_path
from tests.conftest import module_transaction


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def table_state() -> dict[str, list]:
    return {
        "orgs": list(Organisation.objects.order_by("code").values()),
        "members": list(Member.objects.order_by("number").values()),
        "users": list(User.objects.order_by("username").values()),
        "audit": list(
            AuditLog.objects.order_by("id").values("id", "action", "target_type", "target_id")
        ),
    }


@pytest.fixture(scope="module")
def _demo(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The demo, loaded once for the module (~6 s) and rolled back at its end; what a test
    changes is rolled back after it. The tests wanting an empty database are
    ``tests/test_demo_empty.py``'s."""
    with module_transaction(django_db_blocker):
        yield run_demo()


@pytest.fixture
def demo(_demo, db) -> str:
    return _demo


def test_it_creates_the_company_with_exact_counts_by_kind(demo):
    internal = Counter(Organisation.objects.internal().values_list("kind", flat=True))
    partners = Counter(Organisation.objects.filter(is_partner=True).values_list("kind", flat=True))
    assert internal == {"党委": 1, "党总支": 1, "党支部": 41, "党小组": 13}
    assert partners == {"党委": 5}
    assert Member.objects.count() == 600
    assert Member.objects.filter(category="预备党员").count() == 64
    assert Member.objects.filter(is_floating=True).count() == 5
    assert User.objects.count() == 9
    assert demo.splitlines()[0] == "演示数据已加载：新建党组织 61 个、党员 600 名、账户 9 个。"


def test_running_it_twice_changes_nothing(demo):
    before = table_state()
    out = run_demo()
    assert table_state() == before
    assert out.splitlines()[0] == "演示数据已存在，未作任何修改。"


def test_the_specs_are_deterministic():
    assert member_specs() == member_specs()
    assert org_specs() == org_specs()


def test_the_seven_networks_are_led_by_the_county_and_district_companies(demo):
    leads = set(
        Organisation.objects.filter(name__endswith="供电公司党支部").values_list("name", flat=True)
    )
    assert leads == {
        "本溪县供电公司党支部",
        "桓仁县供电公司党支部",
        "平山区供电公司党支部",
        "溪湖区供电公司党支部",
        "明山区供电公司党支部",
        "南芬区供电公司党支部",
        "高新区供电公司党支部",
    }
    branches = Organisation.objects.filter(kind="党支部").values_list("professions", flat=True)
    themes = Counter(professions[0] for professions in branches)
    assert themes == {
        "提质增效": 6,
        "安全生产": 6,
        "设备管理": 5,
        "营销服务": 6,
        "基建工作": 6,
        "科技创新": 6,
        "班组建设": 6,
    }


def test_strengths_and_needs_share_one_vocabulary_and_complement_within_each_network():
    specs = org_specs()
    words = {w for s in specs for w in (*s.get("strengths", []), *s.get("needs", []))}
    assert words <= set(VOCABULARY)
    for branch in BRANCHES:
        network = [
            b for b in BRANCHES if b.professions[0] == branch.professions[0] and b is not branch
        ]
        offered = {w for b in network for w in b.strengths}
        assert set(branch.needs) & offered, branch.name
        assert not set(branch.needs) & set(branch.strengths), branch.name


def test_paths_depths_and_initials_are_right(demo):
    by_pk = Organisation.objects.in_bulk()
    for org in by_pk.values():
        parent = by_pk.get(org.parent_id)
        assert (org.path, org.depth) == org_path(parent, org.code)
    assert Organisation.objects.get(code="BX-ZB15").path == "/BXDW/BX-ZZ01/BX-ZB15/"
    assert all(m.initials == initials(m.name) for m in Member.objects.all())
    assert Member.objects.filter(initials="").count() == 0


def test_flags_and_partners(demo):
    assert list(Organisation.objects.filter(is_temporary=True).values_list("code", flat=True)) == [
        "BX-ZB27"
    ]
    assert list(Organisation.objects.filter(is_functional=True).values_list("code", flat=True)) == [
        "BX-ZB33"
    ]
    partners = Organisation.objects.filter(is_partner=True)
    assert sorted(partners.values_list("partner_kind", flat=True)) == sorted(
        ["政府", "政府", "高校", "社区", "企业"]
    )
    assert set(partners.values_list("parent__code", flat=True)) == {"BXDW"}
    assert Member.objects.filter(org__is_partner=True).count() == 0
    assert all(p.lat is not None and p.lon is not None and p.unit for p in partners)


def test_the_deliberate_warnings_and_only_those(demo, monkeypatch):
    monkeypatch.setattr(selectors, "today", lambda: REFERENCE_DATE)
    orgs = list(Organisation.objects.internal())
    stats = selectors.with_warnings(orgs)
    found = {o.code: [w.code for w in stats[o.pk].warnings] for o in orgs if stats[o.pk].warnings}
    assert found == {code: [warning] for code, warning in DELIBERATE_WARNINGS.items()}
    assert Organisation.objects.get(code="BX-ZB09").term_end == datetime.date(2027, 1, 15)
    assert Organisation.objects.get(code="BX-ZB29").term_end == datetime.date(2026, 9, 30)


def test_members_have_valid_personal_data(demo):
    members = list(Member.objects.all())
    assert all(is_valid_id_number(m.id_number) for m in members)
    assert all(m.id_number[6:14] == f"{m.birth_date:%Y%m%d}" for m in members)
    assert all((int(m.id_number[16]) % 2 == 1) == (m.gender == "男") for m in members)
    assert len({m.id_number for m in members}) == 600
    assert len({m.phone for m in members}) == 600
    assert all(len(m.phone) == 11 and m.phone.isdigit() and m.phone[0] == "1" for m in members)
    for m in members:
        m.full_clean(exclude=["org"], validate_unique=False)
        if m.category == "预备党员":
            assert m.confirmed_on is None
        else:
            assert m.confirmed_on is not None and m.confirmed_on <= REFERENCE_DATE


def test_every_branch_has_one_secretary(demo):
    secretaries = Counter(Member.objects.filter(post="书记").values_list("org__code", flat=True))
    assert secretaries == {f"BX-ZB{n:02d}": 1 for n in range(1, 42)}


def test_the_demo_accounts_log_in_with_their_scope(demo):
    for username in (
        "admin",
        "dangwei",
        "zhibu",
        "dangyuan",
        "zhibu2",
        "juece",
        "xuncha",
        "jijian",
        "shenji",
    ):
        assert Client().login(username=username, password=DEMO_PASSWORD), username
    users = {u.username: u for u in User.objects.select_related("org", "member__org")}
    assert (users["admin"].role, users["admin"].org) == ("admin", None)
    assert (users["dangwei"].role, users["dangwei"].org.code) == ("manager", "BXDW")
    assert (users["zhibu"].role, users["zhibu"].org.code, users["zhibu"].member.post) == (
        "manager",
        "BX-ZB19",
        "书记",
    )
    assert (users["zhibu2"].role, users["zhibu2"].org.code, users["zhibu2"].member.post) == (
        "manager",
        "BX-ZB18",
        "书记",
    )
    member = users["dangyuan"].member
    assert (users["dangyuan"].role, users["dangyuan"].org.code, member.org.code) == (
        "member",
        "BX-ZB19",
        "BX-ZB19",
    )
    assert users["dangyuan"].first_name == member.name
    assert all(u.first_name for u in users.values())
    # the branch and its two 党小组
    assert Organisation.objects.visible_to(users["zhibu"]).count() == 3


def test_it_prints_the_accounts_in_chinese(demo):
    lines = demo.splitlines()
    # the accounts come last, after one summary line per app
    lines = lines[[i for i, line in enumerate(lines) if line.startswith("演示账户")][0] - 1 :]
    assert lines[1] == f"演示账户（初始密码均为 {DEMO_PASSWORD}，如已修改以修改后为准）："
    assert lines[2].split() == ["用户名", "密码", "角色", "姓名", "所属组织"]
    assert lines[3].split() == ["admin", DEMO_PASSWORD, "系统管理员", "系统管理员", "全部组织"]
    assert lines[4].split() == [
        "dangwei",
        DEMO_PASSWORD,
        "组织管理员",
        "党建工作部",
        "国网本溪供电公司党委（BXDW）",
    ]
    assert [line.split()[0] for line in lines[5:]] == [
        "zhibu",
        "dangyuan",
        "zhibu2",
        "juece",
        "xuncha",
        "jijian",
        "shenji",
    ]


def test_it_writes_one_summary_audit_row_and_audits_the_accounts(demo):
    assert list(
        AuditLog.objects.filter(action="import", target_type="orgs.organisation").values_list(
            "note", "after"
        )
    ) == [("演示数据", {"organisations": 61, "members": 600})]
    # Later demo parts (assessment KPIs …) go through audited services; the foundation's own
    # organisations and members are one summary row, its accounts one row each.
    created = AuditLog.objects.filter(
        action="create", target_type__in=["orgs.organisation", "orgs.member", "accounts.user"]
    )
    assert sorted(created.values_list("target_type", "target_repr")) == sorted(
        ("accounts.user", u)
        for u in (
            "admin",
            "dangwei",
            "zhibu",
            "dangyuan",
            "zhibu2",
            "juece",
            "xuncha",
            "jijian",
            "shenji",
        )
    )
    assert (
        AuditLog.objects.filter(target_type__in=["orgs.organisation", "accounts.user"]).count()
        == 10
    )
    assert all(DEMO_PASSWORD not in str(row.after) for row in created)


def test_an_account_blocked_by_existing_data_exits_1_and_changes_nothing(demo):
    User.objects.filter(username="zhibu").delete()
    secretary = Member.objects.get(org__code="BX-ZB19", post="书记")
    User.objects.create(username="other", role="member", org=secretary.org, member=secretary)
    before = table_state()
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("demo", stdout=out, stderr=err)
    assert exc.value.code == 1
    assert err.getvalue() == f"党员 {secretary.number} {secretary.name} 已关联账户“other”\n"
    assert out.getvalue() == ""
    assert table_state() == before


def test_every_demo_code_is_a_valid_code_so_exports_import_back(demo):
    from lianjian.activities.models import Activity
    from lianjian.orgs.models import CODE_RE

    codes = list(Activity.objects.values_list("code", flat=True))
    assert codes and [c for c in codes if not CODE_RE.match(c)] == []
