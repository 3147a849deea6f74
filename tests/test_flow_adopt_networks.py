"""Point 6 of issue 18: adopting a 智能分组 proposal asks what becomes of today's 联建网 of
the organisations it groups — 保留, 终止 or 替换 — a required choice on the form, applied
atomically and audited by the service."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from lianjian.alliances.models import Alliance, AllianceMember, AllianceType
from lianjian.alliances.services import alliance_create
from lianjian.core.models import AuditLog
from lianjian.proposals import services
from lianjian.proposals.models import GroupingRun
from tests.api_helpers import call
from tests.test_proposals_flow import inline, login, make_run, tree  # noqa: F401 - fixtures


@pytest.fixture
def old(tree):  # noqa: F811
    """Today's networks: LJ-OLD1 of ZB-A (lead) and ZB-B, both in the run; LJ-OLD2 led by
    the other company's ZB-X with ZB-C (in the run) and the partner WB-GOV."""
    kind = AllianceType.objects.get(name="联建网")
    day = datetime.date(2025, 1, 1)
    one = alliance_create(
        actor=None,
        code="LJ-OLD1",
        name="旧联建网一",
        type=kind,
        lead=tree.zb_a,
        members=[tree.zb_b],
        status=Alliance.Status.ACTIVE,
        founded=day,
    )
    two = alliance_create(
        actor=None,
        code="LJ-OLD2",
        name="旧联建网二",
        type=kind,
        lead=tree.zb_x,
        members=[tree.zb_c, tree.partner],
        status=Alliance.Status.ACTIVE,
        founded=day,
    )
    return one, two


def status(code: str) -> str:
    return Alliance.objects.get(code=code).status


status_of = status


def current(code: str) -> list[str]:
    return sorted(
        AllianceMember.objects.filter(alliance__code=code, left_on__isnull=True).values_list(
            "org__code", flat=True
        )
    )


@pytest.mark.django_db
def test_keep_leaves_todays_networks_as_they_are(tree, inline, old):  # noqa: F811
    run = make_run(tree)
    services.run_adopt(actor=tree.admin, run=run, networks="保留")
    assert (status("LJ-OLD1"), status("LJ-OLD2")) == ("运行", "运行")
    assert current("LJ-OLD2") == ["WB-GOV", "ZB-C", "ZB-X"]
    assert Alliance.objects.filter(code__startswith=f"LJW-P{run.pk}-").count() == 2


@pytest.mark.django_db
def test_close_ends_every_network_touched_and_audits_it(tree, inline, old):  # noqa: F811
    run = make_run(tree)
    services.run_adopt(actor=tree.admin, run=run, networks="终止")
    assert (status("LJ-OLD1"), status("LJ-OLD2")) == ("终止", "终止")
    ended = AuditLog.objects.filter(
        target_type="alliances.alliance", target_id__in=[a.code for a in old], action="update"
    )
    assert sorted(e.after["status"] for e in ended) == ["终止", "终止"]
    log = (
        AuditLog.objects.filter(target_type="proposals.groupingrun", action="update")
        .order_by("id")
        .last()
    )
    assert (log.after["networks"], log.after["ended"], log.after["left"]) == (
        "终止",
        ["LJ-OLD1", "LJ-OLD2"],
        [],
    )


@pytest.mark.django_db
def test_replace_moves_the_run_out_of_networks_that_go_on_and_ends_those_that_cannot(
    tree,  # noqa: F811
    inline,  # noqa: F811
    old,  # noqa: F811
):
    run = make_run(tree)
    services.run_adopt(actor=tree.company, run=run, networks="替换")
    assert status("LJ-OLD1") == "终止"  # its lead is in the run
    assert status("LJ-OLD2") == "运行" and current("LJ-OLD2") == ["WB-GOV", "ZB-X"]
    left = AllianceMember.objects.get(alliance__code="LJ-OLD2", org__code="ZB-C")
    assert left.left_on == timezone.localdate()
    # every branch of the run is now in exactly one current network
    for code in ("ZB-A", "ZB-B", "ZB-C", "ZB-D"):
        live = AllianceMember.objects.filter(org__code=code, left_on__isnull=True).exclude(
            alliance__status="终止"
        )
        assert live.count() == 1, code


@pytest.mark.django_db
def test_closing_a_network_the_user_may_not_change_is_refused_and_nothing_changes(
    tree,  # noqa: F811
    inline,  # noqa: F811
    old,  # noqa: F811
):
    run = make_run(tree)
    audit = AuditLog.objects.count()
    with pytest.raises(ValidationError, match="无权终止联建“旧联建网二”"):
        services.run_adopt(actor=tree.company, run=run, networks="终止")
    assert (status("LJ-OLD1"), status("LJ-OLD2")) == ("运行", "运行")
    assert not Alliance.objects.filter(code__startswith="LJW-").exists()
    assert AuditLog.objects.count() == audit
    run.refresh_from_db()
    assert run.adopted_at is None


@pytest.mark.django_db
@pytest.mark.parametrize("choice", ["", "close", "全部"])
def test_the_choice_is_required_by_the_service(tree, inline, old, choice):  # noqa: F811
    run = make_run(tree)
    with pytest.raises(ValidationError, match="请选择现有联建网的处理方式"):
        services.run_adopt(actor=tree.admin, run=run, networks=choice)
    assert not Alliance.objects.filter(code__startswith="LJW-").exists()


@pytest.mark.django_db
def test_the_adoption_screen_lists_todays_networks_and_requires_the_choice(tree, inline, old):  # noqa: F811
    run = make_run(tree)
    c = login(tree.company)
    url = reverse("proposals:run_adopt", args=[run.pk])
    page = c.get(url).content.decode()
    assert 'data-network="LJ-OLD1"' in page and 'data-network="LJ-OLD2"' in page
    assert "现有联建网的处理方式" in page and "替换：本方案内的组织退出现有联建网" in page
    refused = c.post(url, {})
    assert refused.status_code == 400
    assert "请选择现有联建网的处理方式：保留、终止或替换" in refused.content.decode()
    assert not Alliance.objects.filter(code__startswith="LJW-").exists()
    denied = c.post(url, {"networks": "终止"})
    assert denied.status_code == 400 and "无权终止联建“旧联建网二”" in denied.content.decode()
    assert status("LJ-OLD1") == "运行"
    assert c.post(url, {"networks": "替换"}).status_code == 302
    assert status("LJ-OLD1") == "终止" and GroupingRun.objects.get().adopted_at is not None


# ---- the API ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_api_shows_the_networks_a_run_touches(tree, inline, old):  # noqa: F811
    run = make_run(tree)
    status, body = call("GET", f"/grouping/runs/{run.pk}", user=tree.company)
    assert (
        status == 200
        and body["status"] == "完成"
        and body["orgs"] == ["ZB-A", "ZB-B", "ZB-C", "ZB-D"]
    )
    assert [(n["code"], n["in_run"], n["others"], n["on_replace"]) for n in body["networks"]] == [
        ("LJ-OLD1", ["ZB-A", "ZB-B"], [], "终止"),
        ("LJ-OLD2", ["ZB-C"], ["WB-GOV", "ZB-X"], "退出"),
    ]
    assert call("GET", f"/grouping/runs/{run.pk}", user=tree.manager_b)[0] == 404
    assert call("GET", f"/grouping/runs/{run.pk}", user=tree.outsider)[0] == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body", [{}, {"networks": ""}, {"networks": "close"}, {"networks": "替换", "extra": 1}]
)
def test_the_api_requires_the_choice_and_changes_nothing_without_it(tree, inline, old, body):  # noqa: F811
    run = make_run(tree)
    audit = AuditLog.objects.count()
    status, answer = call("POST", f"/grouping/runs/{run.pk}/adopt", user=tree.company, body=body)
    assert status in (400, 422) and "detail" in answer
    assert not Alliance.objects.filter(code__startswith="LJW-").exists()
    assert (status_of("LJ-OLD1"), AuditLog.objects.count()) == ("运行", audit)


@pytest.mark.django_db
def test_the_api_adopts_with_the_choice_and_refuses_what_the_user_may_not_do(tree, inline, old):  # noqa: F811
    run = make_run(tree)
    status, answer = call(
        "POST", f"/grouping/runs/{run.pk}/adopt", user=tree.company, body={"networks": "终止"}
    )
    assert status == 400 and "无权终止联建“旧联建网二”（LJ-OLD2）" in answer["detail"]
    assert status_of("LJ-OLD1") == "运行"
    assert (
        call(
            "POST", f"/grouping/runs/{run.pk}/adopt", user=tree.manager_a, body={"networks": "保留"}
        )[0]
        == 404
    )
    assert (
        call(
            "POST", f"/grouping/runs/{run.pk}/adopt", user=tree.member_a, body={"networks": "保留"}
        )[0]
        == 404
    )
    status, answer = call(
        "POST", f"/grouping/runs/{run.pk}/adopt", user=tree.company, body={"networks": "替换"}
    )
    assert status == 200 and answer["alliances"] == [f"LJW-P{run.pk}-01", f"LJW-P{run.pk}-02"]
    assert status_of("LJ-OLD1") == "终止" and current("LJ-OLD2") == ["WB-GOV", "ZB-X"]
    again = call(
        "POST", f"/grouping/runs/{run.pk}/adopt", user=tree.company, body={"networks": "替换"}
    )
    assert again[0] == 400 and "不能重复采纳" in again[1]["detail"]
