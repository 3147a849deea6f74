"""The monthly 重点任务包 screens: a manager creates a package, adds items (title, linked
task, how many may claim), publishes it; the organisation's members claim items on their
phone and withdraw their own claim before the month ends; the manager sees who claimed."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from lianjian.core.models import AuditLog
from lianjian.core.validation import today
from lianjian.keytasks import services
from lianjian.keytasks.models import PackageClaim, PackageItem, TaskPackage
from lianjian.orgs.models import Member
from tests import matrix
from tests.keytask_helpers import make_tasks
from tests.matrix import client_for

THIS_MONTH = f"{today():%Y-%m}"


def _package(
    world, *, published: bool = True, month: str = THIS_MONTH, name: str = "重点任务包"
) -> TaskPackage:
    package = services.package_create(
        None, organisation=world.zb_a, month=month, name=name, items=[]
    )
    services.package_item_add(None, package, title="入户走访", capacity=2)
    if published:
        services.package_publish(None, package)
    return package


def _another_member(world, number: str, name: str) -> tuple[Member, object]:
    """Another 党员 of ZB-A with a member's login."""
    from lianjian.accounts.models import User
    from lianjian.orgs.services import member_create

    member = member_create(
        actor=None,
        number=number,
        name=name,
        org=world.zb_a,
        category="正式党员",
        joined_on=datetime.date(2020, 7, 1),
    )
    user = User(username=f"u-{number}", role=User.Role.MEMBER, org=world.zb_a, member=member)
    user.set_password("x-Pass-123456")
    user.save()
    return member, user


def test_the_full_flow_create_add_publish_claim_full_withdraw(world, client):
    tasks = make_tasks(world)
    manager = client_for(world, "manager_a")
    response = manager.post(
        reverse("keytasks:package_create"),
        {"organisation": "ZB-A", "month": THIS_MONTH, "name": "12月重点任务包"},
    )
    package = TaskPackage.objects.get(name="12月重点任务包")
    assert response.status_code == 302 and not package.published
    detail = reverse("keytasks:package_detail", args=[package.pk])
    member = client_for(world, "member_a")
    assert member.get(detail).status_code == 404  # a draft: not yet for the members
    response = manager.post(
        reverse("keytasks:package_item_add", args=[package.pk]),
        {"title": "陈欠电费走访", "task": tasks.a.code, "capacity": "2", "description": ""},
    )
    assert response.status_code == 302
    item = PackageItem.objects.get(package=package)
    assert item.task == tasks.a and item.capacity == 2
    assert manager.post(reverse("keytasks:package_publish", args=[package.pk])).status_code == 302
    page = member.get(detail).content.decode()
    assert "陈欠电费走访" in page and "认领</button>" in page and "card-status-start" in page
    claim_url = reverse("keytasks:package_item_claim", args=[package.pk, item.pk])
    assert member.post(claim_url).status_code == 302
    again = member.post(claim_url)
    assert again.status_code == 400 and "您已认领该事项" in again.content.decode()
    _, other_user = _another_member(world, "M-A9", "赵六")
    other = client_for(world, "admin")
    other.force_login(other_user)
    assert other.post(claim_url).status_code == 302
    _, third_user = _another_member(world, "M-A8", "钱七")
    late = client_for(world, "admin")
    late.force_login(third_user)
    full = late.post(claim_url)
    assert full.status_code == 400 and "名额已满" in full.content.decode()
    assert PackageClaim.objects.filter(item=item, withdrawn=False).count() == 2
    seen = manager.get(detail).content.decode()
    assert "张三" in seen and "赵六" in seen and 'data-figure="taken">2<' in seen
    mine = PackageClaim.objects.get(item=item, member=world.m_a1)
    withdraw = reverse("keytasks:package_claim_withdraw", args=[package.pk, mine.pk])
    theirs = PackageClaim.objects.exclude(pk=mine.pk).get(item=item)
    assert (
        member.post(reverse("keytasks:package_claim_withdraw", args=[package.pk, theirs.pk]))
    ).status_code == 403
    assert member.post(withdraw).status_code == 302
    mine.refresh_from_db()
    assert mine.withdrawn and mine.withdrawn_on == today()
    assert late.post(claim_url).status_code == 302  # the place is free again
    notes = set(
        AuditLog.objects.filter(target_type="keytasks.packageclaim").values_list("note", flat=True)
    )
    assert notes == {"认领", "撤回认领"}


def test_a_past_month_cannot_be_withdrawn_or_claimed(world):
    package = _package(world, month="2020-05")
    item = package.items.get()
    claim = services.package_item_claim(None, item, world.m_a1)
    member = client_for(world, "member_a")
    response = member.post(reverse("keytasks:package_claim_withdraw", args=[package.pk, claim.pk]))
    assert response.status_code == 400 and "不再变动" in response.content.decode()
    claim.refresh_from_db()
    assert not claim.withdrawn
    page = member.get(reverse("keytasks:package_detail", args=[package.pk])).content.decode()
    assert "撤回认领</button>" not in page and "本月已过" in page


def test_bad_input_is_refused_in_chinese_and_stores_nothing(world):
    manager = client_for(world, "manager_a")
    response = manager.post(
        reverse("keytasks:package_create"),
        {"organisation": "ZB-A", "month": "2026-13", "name": "包"},
    )
    assert response.status_code == 400 and "YYYY-MM" in response.content.decode()
    package = _package(world, published=False)
    for data, text in (
        ({"title": "走访", "capacity": "0"}, "1"),
        ({"title": "走访", "capacity": "1", "task": "NO-SUCH"}, "找不到该任务编码"),
    ):
        before = PackageItem.objects.count()
        response = manager.post(reverse("keytasks:package_item_add", args=[package.pk]), data)
        assert response.status_code == 400 and text in response.content.decode()
        assert PackageItem.objects.count() == before
    empty = services.package_create(
        None, organisation=world.zb_a, month=THIS_MONTH, name="空包", items=[]
    )
    response = manager.post(reverse("keytasks:package_publish", args=[empty.pk]))
    assert response.status_code == 400 and "请先添加事项" in response.content.decode()


# Who sees which package: ZB-A's published and draft packages, ZB-B's published one.
PAGES = {
    "list": [200, 200, 200, 200, 200, 200],
    "create": [200, 200, 200, 403, 200, 200],
    "published_a": [200, 200, 200, 200, 404, 404],
    "draft_a": [200, 200, 200, 404, 404, 404],
}


@pytest.fixture
def packages(world):
    return {
        "published_a": _package(world),
        "draft_a": _package(world, published=False, name="草稿包"),
    }


@pytest.mark.parametrize(("view", "persona"), matrix.cases(PAGES))
def test_every_page_answers_by_scope(world, packages, view, persona):
    if view == "list":
        url = reverse("keytasks:package_list")
    elif view == "create":
        url = reverse("keytasks:package_create")
    else:
        url = reverse("keytasks:package_detail", args=[packages[view].pk])
    response = client_for(world, persona).get(url)
    assert response.status_code == matrix.expected(PAGES, view, persona)


def test_the_list_shows_each_persona_only_the_packages_in_scope(world, packages):
    def ids(persona: str) -> set[int]:
        page = client_for(world, persona).get(reverse("keytasks:package_list"))
        return {p.pk for p in page.context["page"].object_list}

    both = {packages["published_a"].pk, packages["draft_a"].pk}
    assert ids("manager_a") == both and ids("company") == both
    assert ids("member_a") == {packages["published_a"].pk}
    assert ids("manager_b") == set() and ids("outsider") == set()


# Writes: 发布 the draft, 添加事项 and 认领 on the published package.
WRITES = {
    "publish": [302, 302, 302, 404, 404, 404],
    "item_add": [302, 302, 302, 403, 404, 404],
    "claim": [400, 400, 400, 302, 404, 404],  # only a member claims (the others have no 党员档案)
}


@pytest.mark.parametrize(("write", "persona"), matrix.cases(WRITES))
def test_every_write_answers_by_scope_and_a_refusal_changes_nothing(
    world, packages, write, persona
):
    published, draft = packages["published_a"], packages["draft_a"]
    item = published.items.get()
    if write == "publish":
        url, data = reverse("keytasks:package_publish", args=[draft.pk]), {}
    elif write == "item_add":
        url = reverse("keytasks:package_item_add", args=[published.pk])
        data = {"title": "新事项", "capacity": "1"}
    else:
        url, data = reverse("keytasks:package_item_claim", args=[published.pk, item.pk]), {}

    def state():
        return (
            TaskPackage.objects.filter(published=True).count(),
            PackageItem.objects.count(),
            PackageClaim.objects.count(),
        )

    matrix.assert_write(
        state,
        lambda: client_for(world, persona).post(url, data),
        matrix.expected(WRITES, write, persona),
    )


def test_the_tabs_offer_the_packages(world):
    page = client_for(world, "member_a").get(reverse("keytasks:my_tasks")).content.decode()
    assert f'href="{reverse("keytasks:package_list")}">任务包<' in page


def test_a_package_month_must_be_current_for_a_manager(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.package_create(
            world.manager_a, organisation=world.zb_a, month="2020-01", name="旧", items=[]
        )
    assert datetime.date.today().year >= 2020
