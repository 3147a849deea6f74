"""The home page's scope figures from the stored per-organisation rows (orgs.figures: member
counts and copies of the organisation fields) equal the recount from the organisation and
member rows (the former implementation, kept as the oracle) on a generated tree, after
creates, moves, transfers, category changes, leaving, organisation edits (kind, partner,
term), subtree moves, dissolutions and imports of organisations and members, and on later
days (term warnings); two queries whatever the scope; ``lianjian figures`` finds and
repairs stale rows."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.management import CommandError
from django.utils import timezone

from lianjian.accounts.models import User
from lianjian.orgs.figures import refresh_for, stale
from lianjian.orgs.models import Member, Organisation, OrgFigures
from lianjian.orgs.rules import WARNING_LABELS
from lianjian.orgs.schemas import OrgFilter
from lianjian.orgs.selectors import (
    org_list,
    scope_figures,
    scope_figures_recount,
    with_warnings,
)
from lianjian.orgs.services import (
    member_create,
    member_transfer,
    member_update,
    org_create,
    org_dissolve,
    org_update,
)
from tests.excel_helpers import make_xlsx, run

POSTS = ["", "", "", "书记", "副书记", "组织委员", "宣传委员", "党小组长", "委员、联络员"]


def _tree(seed: int = 15) -> list[Organisation]:
    """A company of two 党委, general branches, branches and groups, a partner unit; terms
    around today (overdue, due within 90 days, later, none); 0–60 members per branch."""
    rnd = random.Random(seed)
    today = timezone.localdate()
    founded = datetime.date(2000, 1, 1)
    root = org_create(actor=None, code="R", name="公司党委", kind="党委", founded=founded)
    orgs = [root]
    for i in range(2):
        dw = org_create(
            actor=None, code=f"D{i}", name=f"二级党委{i}", kind="党委", parent=root, founded=founded
        )
        orgs.append(dw)
        zz = org_create(
            actor=None, code=f"D{i}Z", name=f"党总支{i}", kind="党总支", parent=dw, founded=founded
        )
        orgs.append(zz)
        for j in range(6):
            term_end = [
                None,
                today - datetime.timedelta(days=5),
                today + datetime.timedelta(days=30),
                today + datetime.timedelta(days=90),
                today + datetime.timedelta(days=91),
                today + datetime.timedelta(days=400),
            ][(i + j) % 6]
            zb = org_create(
                actor=None,
                code=f"D{i}B{j}",
                name=f"支部{i}-{j}",
                kind="党支部",
                parent=zz if j % 2 else dw,
                founded=founded,
                term_start=founded if term_end else None,
                term_end=term_end,
            )
            orgs.append(zb)
            orgs.append(
                org_create(
                    actor=None, code=f"D{i}B{j}G", name=f"小组{i}-{j}", kind="党小组", parent=zb
                )
            )
    orgs.append(
        org_create(
            actor=None, code="P", name="外部单位党委", kind="党委", parent=root, is_partner=True
        )
    )
    n = 0
    for org in orgs:
        if org.kind != "党支部":
            continue
        # the last branch of each 党委: full members enough for a committee, and none
        no_posts = org.code.endswith("B5")
        for _ in range(9 if no_posts else rnd.choice([0, 1, 2, 5, 8, 12, 51])):
            n += 1
            full = no_posts or rnd.random() < 0.8
            member_create(
                actor=None,
                number=f"N{n:05d}",
                name="测试党员",
                org=org,
                category="正式党员" if full else "预备党员",
                joined_on=datetime.date(2005, 7, 1)
                if full
                else today - datetime.timedelta(days=30),
                post="" if no_posts else rnd.choice(POSTS),
                is_floating=rnd.random() < 0.1,
            )
    return orgs


def _rows(scope: dict):
    return OrgFigures.objects.filter(
        **{k.replace("code", "org__code"): v for k, v in scope.items()}
    )


def _same(scope: dict) -> None:
    """The stored figures of the organisations ``Organisation.objects.filter(**scope)`` (read
    as ``OrgFigures.objects.filter(**scope)``) equal the recount."""
    orgs_qs = Organisation.objects.filter(**scope)
    rows = OrgFigures.objects.filter(
        **{k.replace("code", "org__code"): v for k, v in scope.items()}
    )
    members_qs = Member.objects.filter(org__in=orgs_qs.values("pk"))
    for limit in (3, 10, 1000):
        assert scope_figures(rows, list_limit=limit) == scope_figures_recount(
            orgs_qs, members_qs, list_limit=limit
        )


def _same_warning_filter(*, nonempty: bool) -> None:
    """The org list's warning filter (SQL on the stored counts) lists exactly the
    organisations that ``with_warnings`` (the rules in Python on a recount) flags."""
    admin, _ = User.objects.get_or_create(username="figures-admin", role=User.Role.ADMIN)
    stats = with_warnings(list(Organisation.objects.all()))
    for code in WARNING_LABELS:
        expected = {pk for pk, st in stats.items() if any(w.code == code for w in st.warnings)}
        listed = org_list(admin, OrgFilter(warning=code, include_dissolved=True))
        assert set(listed.values_list("pk", flat=True)) == expected, code
        assert expected or not nonempty, code


def _scopes() -> list[dict]:
    return [{}, {"path__startswith": "/R/D0/"}, {"path__startswith": "/R/D1/D1Z/"}, {"code": "P"}]


@pytest.mark.django_db
def test_stored_figures_equal_the_recount_through_every_kind_of_change():
    _tree()
    figures = scope_figures(OrgFigures.objects.all())
    # The generated tree exercises every warning, and lists more than one.
    assert all(figures.warnings.values()), figures.warnings
    assert figures.members and figures.floating and figures.probationary
    for qs in _scopes():
        _same(qs)
    _same_warning_filter(nonempty=True)

    rnd = random.Random(7)
    members = list(Member.objects.order_by("number"))
    branches = list(Organisation.objects.filter(kind="党支部").order_by("code"))
    today = timezone.localdate()
    # transfers between branches
    for m in rnd.sample(members, 25):
        to = rnd.choice([b for b in branches if b.pk != m.org_id])
        member_transfer(actor=None, member=m, to_org=to, date=today)
    # category changes, posts, floating
    for m in rnd.sample([m for m in members if m.category == "正式党员"], 25):
        m.refresh_from_db()
        member_update(
            actor=None,
            member=m,
            post=rnd.choice(POSTS),
            is_floating=not m.is_floating,
            # a full member back to probationary (预备期 extended: the category changes)
            category="预备党员",
            confirmed_on=None,
        )
    # leaving
    for m in rnd.sample(members, 15):
        m.refresh_from_db()
        member_update(actor=None, member=m, left_on=today, left_reason="退休")
    # a move of a whole subtree to the other 党委, and a new term
    org_update(actor=None, org=Organisation.objects.get(code="D0Z"), parent=branches[0].parent)
    org_update(
        actor=None,
        org=Organisation.objects.get(code="D1Z"),
        parent=Organisation.objects.get(code="D0"),
    )
    b = Organisation.objects.get(code="D1B3")
    org_update(actor=None, org=b, term_start=today, term_end=today + datetime.timedelta(days=10))
    # a kind change (a branch without sub-organisations becomes a 党总支)
    # and a dissolution (members transferred out first, its group dissolved)
    victim = Organisation.objects.get(code="D0B4")
    for m in Member.objects.current().filter(org=victim):
        member_transfer(
            actor=None, member=m, to_org=Organisation.objects.get(code="D0B0"), date=today
        )
    org_dissolve(actor=None, org=Organisation.objects.get(code="D0B4G"), date=today)
    org_dissolve(actor=None, org=Organisation.objects.get(code="D0B4"), date=today)
    assert stale() == []
    for qs in _scopes():
        _same(qs)
    _same_warning_filter(nonempty=False)
    # organisation edits: a 党总支 becomes a 党委, a partner unit becomes internal, a term
    # ends the warning, another is overdue, and a new branch arrives with an overdue term
    org_update(actor=None, org=Organisation.objects.get(code="D1Z"), kind="党委")
    org_update(
        actor=None, org=Organisation.objects.get(code="P"), is_partner=False, partner_kind=""
    )
    b = Organisation.objects.get(code="D1B1")
    org_update(actor=None, org=b, term_end=today + datetime.timedelta(days=800))
    b = Organisation.objects.get(code="D1B4")
    org_update(actor=None, org=b, term_end=today - datetime.timedelta(days=1))
    org_create(
        actor=None,
        code="D1N",
        name="新支部",
        kind="党支部",
        parent=Organisation.objects.get(code="D1"),
        founded=datetime.date(2000, 1, 1),
        term_start=datetime.date(2000, 1, 1),
        term_end=today - datetime.timedelta(days=3),
    )
    assert stale() == []
    for qs in _scopes():
        _same(qs)
    _same_warning_filter(nonempty=False)


@pytest.mark.django_db
@pytest.mark.parametrize("days", [1, 31, 91, 400, 2000])
def test_term_warnings_follow_the_day_without_a_refresh(days, monkeypatch):
    # Nothing is written between the days: the stored term end is compared with the day
    # of the query, as the recount does.
    _tree()
    later = timezone.localdate() + datetime.timedelta(days=days)
    monkeypatch.setattr("lianjian.orgs.selectors.today", lambda: later)
    for qs in _scopes():
        _same(qs)
    _same_warning_filter(nonempty=False)


@pytest.mark.django_db
def test_every_organisation_has_a_row_copying_its_fields(world):
    org = Organisation.objects.get(code="WB-GOV")
    row = OrgFigures.objects.get(org=org)
    assert (row.path, row.kind, row.is_partner, row.dissolved, row.term_end) == (
        org.path,
        org.kind,
        True,
        None,
        org.term_end,
    )
    assert OrgFigures.objects.count() == Organisation.objects.count()
    assert stale() == []


@pytest.mark.django_db
def test_the_figures_are_scoped_like_the_organisations(world):
    for user in (world.company, world.manager_a, world.admin):
        orgs = set(Organisation.objects.visible_to(user).values_list("pk", flat=True))
        rows = set(OrgFigures.objects.visible_to(user).values_list("org_id", flat=True))
        assert rows == orgs and orgs


@pytest.mark.django_db
def test_an_organisations_import_keeps_the_rows(world, tmp_path):
    today = timezone.localdate()
    headers = ["组织编码", "组织名称", "组织类型", "上级组织编码", "本届任期开始", "本届任期结束"]
    start = datetime.date(2020, 1, 1)
    rows = [
        # ZB-B (with its members) moves under DW2 with an overdue term; a new branch under it
        ["ZB-B", world.zb_b.name, "党支部", "DW2", start, today - datetime.timedelta(days=2)],
        ["ZB-I1", "导入支部", "党支部", "DW2", start, today + datetime.timedelta(days=20)],
    ]
    path = make_xlsx(tmp_path / "o.xlsx", headers, rows)
    code, out, err = run("import", "orgs", str(path))
    assert code == 0, err + out
    row = OrgFigures.objects.get(org__code="ZB-B")
    assert row.path == "/DW2/ZB-B/" and row.term_end == today - datetime.timedelta(days=2)
    assert OrgFigures.objects.get(org__code="ZB-I1").kind == "党支部"
    assert stale() == []
    _same({})
    _same({"path__startswith": "/DW2/"})


@pytest.mark.django_db
def test_a_save_that_moves_a_member_recounts_both_organisations(world):
    m = Member.objects.get(pk=world.m_b1.pk)
    m.org = world.zb_a
    m.save()
    m.category = "预备党员"
    m.confirmed_on = None
    m.save(update_fields=["category", "confirmed_on"])
    assert OrgFigures.objects.get(org=world.zb_b).members == 0
    assert OrgFigures.objects.get(org=world.zb_a).members == 3
    assert OrgFigures.objects.get(org=world.zb_a).probationary == 2
    assert stale() == []
    _same({})


@pytest.mark.django_db
def test_two_queries_whatever_the_scope(django_assert_num_queries):
    _tree()
    for qs in _scopes():
        rows = _rows(qs)
        with django_assert_num_queries(2):
            scope_figures(rows)


@pytest.mark.django_db
def test_the_home_page_shows_the_stored_figures(world, client):
    client.force_login(world.company)
    html = client.get("/").content.decode()
    assert '<div class="figure-value" data-figure="members">3</div>' in html
    member_transfer(actor=None, member=world.m_a2, to_org=world.zb_x, date=timezone.localdate())
    html = client.get("/").content.decode()
    assert '<div class="figure-value" data-figure="members">2</div>' in html


@pytest.mark.django_db
def test_a_members_import_refreshes_the_counts(world, tmp_path):
    headers = ["人员编号", "姓名*", "所在组织编码", "党员类别*", "入党日期", "党内职务"]
    rows = [
        # moves 张三 (书记) from ZB-A to ZB-B, adds two members to ZB-B
        ["M-A1", "张三", "ZB-B", "正式党员", datetime.date(2010, 7, 1), "书记"],
        ["M-I1", "新党员一", "ZB-B", "正式党员", datetime.date(2010, 7, 1), "委员"],
        ["M-I2", "新党员二", "ZB-B", "预备党员", timezone.localdate(), ""],
    ]
    path = make_xlsx(tmp_path / "m.xlsx", headers, rows)
    code, out, err = run("import", "members", str(path))
    assert code == 0, err
    assert OrgFigures.objects.get(org=world.zb_a).members == 1
    b = OrgFigures.objects.get(org=world.zb_b)
    assert (b.members, b.full_members, b.probationary, b.committee_members) == (4, 3, 1, 2)
    assert stale() == []
    _same({})


@pytest.mark.django_db
def test_figures_check_and_rebuild(world):
    assert run("figures", "check") == (0, "党组织人数统计与党员档案一致。\n", "")
    OrgFigures.objects.filter(org=world.zb_a).update(members=99)  # written behind its back
    OrgFigures.objects.filter(org=world.zb_b).delete()
    Organisation.objects.filter(code="ZB-X").update(term_end=timezone.localdate())
    code, _, err = run("figures", "check")
    assert code == 1
    assert "有 3 个党组织" in err and "ZB-A" in err and "ZB-B" in err and "ZB-X" in err
    code, out, _ = run("figures", "rebuild")
    assert code == 0 and "已重新统计 7 个党组织" in out
    assert stale() == []
    _same({})


@pytest.mark.django_db
def test_figures_command_usage_in_chinese():
    with pytest.raises(CommandError, match="缺少必需的参数：操作"):
        run("figures")


def test_refresh_for_nothing_is_no_query(django_assert_num_queries, db):
    with django_assert_num_queries(0):
        refresh_for([None])
