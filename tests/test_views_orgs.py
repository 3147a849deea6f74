"""What users do on the organisation and member screens."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from lianjian.core.models import AuditLog
from lianjian.orgs.models import Member, MemberTransfer, Organisation
from lianjian.orgs.services import member_create, org_create


def login(world, persona: str) -> Client:
    c = Client()
    c.force_login(getattr(world, persona))
    return c


def test_manager_creates_a_group_under_their_branch_and_it_is_audited(world):
    response = login(world, "manager_a").post(
        reverse("orgs:org_create"),
        {
            "code": "XZ-A2",
            "name": "营销二组",
            "kind": "党小组",
            "parent": "ZB-A",
            "professions": "营销服务、客户服务",
            "lat": "",
            "lon": "",
        },
    )
    assert response.status_code == 302
    org = Organisation.objects.get(code="XZ-A2")
    assert org.path == "/DW/ZB-A/XZ-A2/"
    assert org.depth == 2
    assert org.professions == ["营销服务", "客户服务"]
    entry = AuditLog.objects.get(
        target_type="orgs.organisation", target_id="XZ-A2", action="create"
    )
    assert entry.actor == world.manager_a
    assert entry.after["name"] == "营销二组"


def test_wrong_nesting_is_refused_with_a_chinese_message(world):
    response = login(world, "company").post(
        reverse("orgs:org_create"),
        {
            "code": "ZZ",
            "name": "错层",
            "kind": "党委",
            "parent": "ZB-A",
        },
    )
    assert response.status_code == 400
    assert "党委不能设在党支部之下" in response.content.decode()
    assert not Organisation.objects.filter(code="ZZ").exists()


def test_moving_an_org_moves_its_subtree_paths(world):
    response = login(world, "admin").post(
        reverse("orgs:org_edit", args=["ZB-A"]),
        {
            "name": "营销服务党支部",
            "kind": "党支部",
            "parent": "DW2",
            "professions": "营销服务",
            "strengths": "客户服务",
            "needs": "技术攻关",
            "lat": "41.3",
            "lon": "123.7",
        },
    )
    assert response.status_code == 302
    assert Organisation.objects.get(code="ZB-A").path == "/DW2/ZB-A/"
    assert Organisation.objects.get(code="XZ-A1").path == "/DW2/ZB-A/XZ-A1/"
    entry = AuditLog.objects.filter(target_id="ZB-A", action="update").get()
    assert entry.before == {"parent_id": world.dw.pk}
    assert entry.after == {"parent_id": world.dw2.pk}


def test_dissolving_is_refused_while_members_remain_then_allowed(world):
    c = login(world, "company")
    response = c.post(
        reverse("orgs:org_dissolve", args=["ZB-B"]), {"date": "2026-06-30", "reason": "机构调整"}
    )
    assert response.status_code == 400
    assert "还有 1 名党员" in response.content.decode()
    c.post(
        reverse("orgs:member_transfer", args=[world.m_b1.pk]),
        {"to_org": "ZB-A", "date": "2026-06-01", "reason": "机构调整"},
    )
    response = c.post(
        reverse("orgs:org_dissolve", args=["ZB-B"]), {"date": "2026-06-30", "reason": "机构调整"}
    )
    assert response.status_code == 302
    org = Organisation.objects.get(code="ZB-B")
    assert org.dissolved == datetime.date(2026, 6, 30)
    # history is kept: the transfer and the member's record still point at the old branch
    assert MemberTransfer.objects.get(member=world.m_b1).from_org == org
    assert AuditLog.objects.filter(target_id="ZB-B", action="dissolve").count() == 1


def test_transfer_keeps_history(world):
    c = login(world, "company")
    response = c.post(
        reverse("orgs:member_transfer", args=[world.m_a2.pk]),
        {"to_org": "ZB-B", "date": "2026-03-01", "reason": "岗位调动"},
    )
    assert response.status_code == 302
    m = Member.objects.get(pk=world.m_a2.pk)
    assert m.org == world.zb_b
    t = m.transfers.get()
    assert (t.from_org, t.to_org, t.reason) == (world.zb_a, world.zb_b, "岗位调动")
    page = c.get(reverse("orgs:member_detail", args=[m.pk])).content.decode()
    assert "营销服务党支部 → 运维检修党支部" in page


def test_member_search_by_pinyin_initials(world):
    response = login(world, "company").get(reverse("orgs:member_list"), {"q": "zs"})
    assert [m.name for m in response.context["rows"]] == ["张三"]


def test_member_filters(world):
    c = login(world, "company")
    rows = c.get(reverse("orgs:member_list"), {"category": "预备党员"}).context["rows"]
    assert [m.number for m in rows] == ["M-A2"]
    rows = c.get(reverse("orgs:member_list"), {"post": "书记"}).context["rows"]
    assert [m.number for m in rows] == ["M-A1"]
    rows = c.get(reverse("orgs:member_list"), {"org": "ZB-B"}).context["rows"]
    assert [m.number for m in rows] == ["M-B1"]


def test_phone_and_id_are_masked_for_viewers_who_do_not_manage_the_member(world):
    page = (
        login(world, "member_a")
        .get(reverse("orgs:member_detail", args=[world.m_a2.pk]))
        .content.decode()
    )
    assert "139****0001" in page
    assert "13900000001" not in page
    own = (
        login(world, "member_a")
        .get(reverse("orgs:member_detail", args=[world.m_a1.pk]))
        .content.decode()
    )
    assert "13812345678" in own
    managed = (
        login(world, "company")
        .get(reverse("orgs:member_detail", args=[world.m_a1.pk]))
        .content.decode()
    )
    assert "110101199003071233" in managed


def test_phone_and_id_never_reach_the_audit_log_in_clear(world):
    entry = AuditLog.objects.get(target_type="orgs.member", target_id="M-A1", action="create")
    assert entry.after["phone"] == "138****5678"
    assert entry.after["id_number"] == "1101**********1233"


def test_bad_member_input_gets_chinese_errors_and_changes_nothing(world):
    count = Member.objects.count()
    response = login(world, "manager_a").post(
        reverse("orgs:member_create"),
        {
            "number": "M-NEW",
            "name": "孙七",
            "org": "ZB-A",
            "category": "正式党员",
            "joined_on": "2020-01-01",
            "phone": "12345",
            "id_number": "110101199003071235",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "手机号码应为 11 位数字" in body
    assert "身份证号格式或校验位不正确" in body
    assert Member.objects.count() == count


def test_org_warnings_show_on_the_detail_page(world):
    body = login(world, "company").get(reverse("orgs:org_detail", args=["ZB-A"])).content.decode()
    assert "正式党员 1 名，不足 3 名" in body


def test_warning_filter_lists_branches_with_that_warning(world):
    response = login(world, "company").get(reverse("orgs:org_tree"), {"warning": "few_full"})
    assert {r["org"].code for r in response.context["rows"]} == {"ZB-A", "ZB-B"}


def test_tree_children_fragment(world):
    response = login(world, "company").get(reverse("orgs:org_children", args=["DW"]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "营销服务党支部" in body and "本溪县人民政府机关党委" in body


def test_audit_log_search(world):
    c = login(world, "admin")
    response = c.get(reverse("core:audit_list"), {"q": "张三"})
    assert [e.target_id for e in response.context["page"]] == ["M-A1"]


@pytest.mark.parametrize("n", [3, 30])
def test_member_list_query_count_is_flat(world, django_assert_max_num_queries, n):
    for i in range(n):
        member_create(
            actor=None,
            number=f"Q{i:03d}",
            name=f"测试{i}",
            org=world.zb_b,
            category="正式党员",
            joined_on=datetime.date(2015, 1, 1),
        )
    c = login(world, "company")
    with django_assert_max_num_queries(8):
        c.get(reverse("orgs:member_list"))


@pytest.mark.parametrize("n", [3, 30])
def test_org_search_query_count_is_flat(world, django_assert_max_num_queries, n):
    for i in range(n):
        org_create(
            actor=None, code=f"QZ{i:03d}", name=f"测试支部{i}", kind="党支部", parent=world.dw
        )
    c = login(world, "company")
    with django_assert_max_num_queries(9):
        c.get(reverse("orgs:org_tree"), {"q": "测试"})
