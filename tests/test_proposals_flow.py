"""智能分组 page: run flow, today's alliances, adopt, validation, partner finder (with the DB)."""

from __future__ import annotations

import datetime
import math

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lianjian.alliances.models import Alliance, AllianceType
from lianjian.alliances.services import alliance_create
from lianjian.core.models import AuditLog
from lianjian.grouping.score import distance_km, pair_parts
from lianjian.grouping.validate import parse_instance
from lianjian.orgs.services import org_create
from lianjian.proposals import services
from lianjian.proposals.models import GroupingRun
from lianjian.proposals.selectors import run_report

FORM = {
    "root": "DW",
    "groups": "2",
    "min_size": "2",
    "max_size": "2",
    "w_profession": "1",
    "w_geography": "1",
    "w_complementarity": "1",
    "geo_scale_km": "30",
    "time_limit": "5",
}


@pytest.fixture
def tree(world):
    """Two more branches under DW so that the optimum is {A, C}, {B, D}."""
    world.zb_c = org_create(
        actor=None,
        code="ZB-C",
        name="客户服务党支部",
        kind="党支部",
        parent=world.dw,
        professions=["营销服务"],
        strengths=["技术攻关"],
        lat=41.31,
        lon=123.71,
    )
    world.zb_d = org_create(
        actor=None,
        code="ZB-D",
        name="变电运维党支部",
        kind="党支部",
        parent=world.dw,
        professions=["设备管理"],
        lat=41.21,
        lon=123.91,
    )
    return world


@pytest.fixture
def inline(settings):
    settings.GROUPING_RUN_INLINE = True


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def network_type() -> AllianceType:
    return AllianceType.objects.get(name="联建网")


def make_run(world, **extra) -> GroupingRun:
    response = login(world.admin).post(reverse("proposals:run_form"), {**FORM, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    return GroupingRun.objects.get()


def test_the_form_lists_the_active_internal_branches_of_the_chosen_committee(tree):
    response = login(tree.company).get(reverse("proposals:run_form"))
    assert response.status_code == 200
    assert [o.code for o in response.context["orgs"]] == ["ZB-A", "ZB-B", "ZB-C", "ZB-D"]
    assert response.context["root"] == tree.dw
    with_partners = login(tree.company).get(
        reverse("proposals:run_form"), {"root": "DW", "include_partners": "on"}
    )
    assert [o.code for o in with_partners.context["orgs"]] == [
        "WB-GOV",
        "ZB-A",
        "ZB-B",
        "ZB-C",
        "ZB-D",
    ]
    assert [o.code for o in with_partners.context["missing"]] == ["WB-GOV"]


def test_a_run_solves_and_reports_the_optimal_grouping(tree, inline):
    run = make_run(tree)
    assert run.status == "完成"
    assert run.created_by == tree.admin
    assert run.root == tree.dw
    assert run.org_ids == [tree.zb_a.pk, tree.zb_b.pk, tree.zb_c.pk, tree.zb_d.pk]
    assert run.params == {
        "groups": 2,
        "min_size": 2,
        "max_size": 2,
        "weights": {"profession": 1.0, "geography": 1.0, "complementarity": 1.0},
        "geo_scale_km": 30.0,
        "include_partners": False,
        "leads": [],
        "time_limit": 5.0,
        "seed": 0,
    }
    assert run.result["groups"] == [
        {"lead": None, "members": ["ZB-A", "ZB-C"]},
        {"lead": None, "members": ["ZB-B", "ZB-D"]},
    ]
    assert run.result["status"] == "optimal"
    page = login(tree.admin).get(reverse("proposals:run_detail", args=[run.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "已证明最优" in html
    assert f"data-objective>{run.result['objective']:.2f}<" in html
    assert "共同专业" in html and "营销服务（2 个）" in html
    assert "hx-trigger" not in html


def test_the_run_page_polls_until_the_background_task_finishes(
    tree, django_capture_on_commit_callbacks, queued
):
    with django_capture_on_commit_callbacks(execute=True):
        run = make_run(tree)
    assert [(r.task.name, list(r.args)) for r in queued.results] == [
        ("grouping_run_task", [run.pk])
    ]
    run.refresh_from_db()
    assert run.status == "排队"
    c = login(tree.company)
    page = c.get(reverse("proposals:run_detail", args=[run.pk]))
    assert 'hx-trigger="every 2s"' in page.content.decode()
    poll = c.get(
        reverse("proposals:run_detail", args=[run.pk]), {"poll": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "HX-Refresh" not in poll
    assert "排队中" in poll.content.decode()
    assert services.grouping_run_task.call(run.pk) == "完成"  # the worker
    poll = c.get(
        reverse("proposals:run_detail", args=[run.pk]), {"poll": "1"}, HTTP_HX_REQUEST="true"
    )
    assert poll["HX-Refresh"] == "true"
    run.refresh_from_db()
    assert (run.status, run.progress) == ("完成", 100)
    # A retried task, or the command by hand, does not solve the run again.
    assert services.grouping_run_task.call(run.pk) == "skipped"
    with pytest.raises(CommandError, match="不在排队状态"):
        call_command("grouping_run", str(run.pk))
    with pytest.raises(CommandError, match="不存在"):
        call_command("grouping_run", "99999")


def test_a_run_that_lost_its_worker_is_reported_failed(tree, queued):
    run = make_run(tree)
    GroupingRun.objects.filter(pk=run.pk).update(
        status="运行中", started_at=timezone.now() - datetime.timedelta(hours=1)
    )
    page = login(tree.admin).get(reverse("proposals:run_detail", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "失败"
    assert "后台计算未在时间上限内结束" in page.content.decode()


def test_leads_from_todays_networks_are_one_click(tree, inline):
    alliance_create(
        actor=None,
        members=[tree.zb_b],
        code="LJW-01",
        name="一网",
        type=network_type(),
        lead=tree.zb_a,
    )
    alliance_create(
        actor=None,
        members=[tree.zb_a],
        code="LJW-02",
        name="二网",
        type=network_type(),
        lead=tree.zb_d,
    )
    page = login(tree.admin).get(
        reverse("proposals:run_form"), {"root": "DW", "prefill": "alliances"}
    )
    assert page.context["form"]["leads"].value() == ["ZB-A", "ZB-D"]
    assert page.context["form"]["groups"].value() == 2
    run = make_run(tree, leads=["ZB-A", "ZB-D"])
    assert run.result["groups"] == [
        {"lead": "ZB-A", "members": ["ZB-A", "ZB-C"]},
        {"lead": "ZB-D", "members": ["ZB-D", "ZB-B"]},
    ]


def test_todays_alliances_are_scored_with_the_same_formula(tree, inline):
    alliance_create(
        actor=None,
        members=[tree.zb_b, tree.partner],
        code="LJW-01",
        name="一网",
        type=network_type(),
        lead=tree.zb_a,
    )
    alliance_create(
        actor=None,
        members=[tree.zb_d],
        code="ZQ-01",
        name="政企",
        type=AllianceType.objects.get(name="政企联建"),
        lead=tree.zb_c,
    )
    ended = alliance_create(
        actor=None,
        members=[tree.zb_d],
        code="LJW-09",
        name="旧网",
        type=network_type(),
        lead=tree.zb_c,
    )
    Alliance.objects.filter(pk=ended.pk).update(status="终止")
    run = make_run(tree)
    report = run_report(run)
    inst = parse_instance(run.instance)
    a, b = inst.orgs[0], inst.orgs[1]
    prof, geo, comp = pair_parts(a, b, 30.0)
    assert (prof, comp) == (0.0, 0.0)
    assert geo == math.exp(-distance_km(a, b) / 30.0)
    assert report["today"]["objective"] == geo
    assert report["today"]["components"] == {
        "profession": 0.0,
        "geography": geo,
        "complementarity": 0.0,
    }
    assert report["today"]["alliances"] == [{"code": "LJW-01", "name": "一网", "size": 2}]
    assert report["today"]["singletons"] == 2
    assert report["gain"] == run.result["objective"] - geo
    html = login(tree.admin).get(reverse("proposals:run_detail", args=[run.pk])).content.decode()
    assert "有 2 个组织不在任何联建网中，按单独成组计，不产生得分。" in html
    assert f"data-today>{geo:.2f}<" in html


def test_adopting_creates_one_network_per_group_exactly_once_and_audits(tree, inline):
    run = make_run(tree)
    c = login(tree.company)
    confirm = c.get(reverse("proposals:run_adopt", args=[run.pk]))
    assert confirm.status_code == 200
    assert [(p["code"], p["name"]) for p in confirm.context["plan"]] == [
        (f"LJW-P{run.pk}-01", "第1联建网（营销服务党支部牵头）"),
        (f"LJW-P{run.pk}-02", "第2联建网（运维检修党支部牵头）"),
    ]
    assert Alliance.objects.count() == 0
    before_audit = AuditLog.objects.count()
    response = c.post(reverse("proposals:run_adopt", args=[run.pk]), {"networks": "保留"})
    assert response.status_code == 302
    created = list(Alliance.objects.order_by("code"))
    assert [(a.code, a.type.name, a.lead.code, a.status, a.founded) for a in created] == [
        (f"LJW-P{run.pk}-01", "联建网", "ZB-A", "运行", timezone.localdate()),
        (f"LJW-P{run.pk}-02", "联建网", "ZB-B", "运行", timezone.localdate()),
    ]
    assert [sorted(m.org.code for m in a.memberships.all()) for a in created] == [
        ["ZB-A", "ZB-C"],
        ["ZB-B", "ZB-D"],
    ]
    run.refresh_from_db()
    assert run.adopted_by_name == "company"
    assert list(run.alliances.order_by("code")) == created
    new_audit = AuditLog.objects.order_by("id")[before_audit:]
    assert [(e.action, e.target_type, e.actor_id) for e in new_audit] == [
        ("create", "alliances.alliance", tree.company.pk),
        ("create", "alliances.alliance", tree.company.pk),
        ("update", "proposals.groupingrun", tree.company.pk),
    ]
    assert new_audit[2].after == {
        "adopted": True,
        "alliances": [a.code for a in created],
        "networks": "保留",
        "ended": [],
        "left": [],
    }
    again = c.post(reverse("proposals:run_adopt", args=[run.pk]), {"networks": "保留"}, follow=True)
    assert "不能重复采纳" in again.content.decode()
    assert Alliance.objects.count() == 2
    assert AuditLog.objects.count() == before_audit + 3
    with pytest.raises(ValidationError, match="不能重复采纳"):
        services.run_adopt(actor=tree.admin, run=run, networks="保留")
    # today's alliances now are the proposal
    assert run_report(run)["today"]["objective"] == pytest.approx(run.result["objective"], abs=1e-9)


def test_adopting_is_all_or_nothing(tree, inline):
    run = make_run(tree)
    org = tree.zb_d
    org.dissolved = datetime.date(2026, 1, 1)
    org.save(update_fields=["dissolved"])
    audit = AuditLog.objects.count()
    with pytest.raises(ValidationError, match="组织 变电运维党支部 已撤销，不能加入联建"):
        services.run_adopt(actor=tree.admin, run=run, networks="保留")
    assert Alliance.objects.count() == 0
    assert AuditLog.objects.count() == audit
    run.refresh_from_db()
    assert run.adopted_at is None


def test_adopting_needs_every_org_manageable(tree, inline):
    run = make_run(tree)
    with pytest.raises(PermissionDenied):
        services.run_adopt(actor=tree.member_a, run=run, networks="保留")
    with pytest.raises(PermissionDenied):
        services.run_adopt(actor=tree.manager_a, run=run, networks="保留")
    assert Alliance.objects.count() == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"groups": "3"}, "无法分组：3 组每组至少 2 个需要 6 个组织，但只有 4 个"),
        ({"min_size": "3", "max_size": "2"}, "每组最少组织数（3）不能大于每组最多组织数（2）"),
        ({"groups": "0"}, "分组数必须是正整数"),
        ({"w_geography": "-1"}, "地域相邻权重必须是不小于 0 的有限数"),
        ({"geo_scale_km": "0"}, "地理尺度必须是大于 0 的有限数（公里）"),
        ({"leads": ["ZB-A"]}, "牵头组织数（1）必须等于分组数（2）：每组恰好一个牵头组织"),
        (
            {"include_partners": "on", "groups": "1", "max_size": "5"},
            "以下 1 个组织缺少经纬度坐标，无法参与分组：本溪县人民政府机关党委（WB-GOV）。请先在组织信息中补充纬度和经度。",
        ),
        ({"time_limit": "601"}, "确保该值小于或等于600.0。"),
    ],
)
def test_bad_parameters_are_refused_in_chinese_and_nothing_is_created(tree, inline, extra, message):
    response = login(tree.admin).post(reverse("proposals:run_form"), {**FORM, **extra})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert GroupingRun.objects.count() == 0


def test_partner_finder_ranks_visible_orgs_with_reasons(tree):
    response = login(tree.company).get(reverse("proposals:partners", args=["ZB-A"]))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [r["org"].id for r in rows] == ["ZB-C", "ZB-B", "ZB-D"]
    assert rows[0]["they_meet"] == ["技术攻关"]
    assert rows[0]["shared_professions"] == ["营销服务"]
    assert [o.code for o in response.context["missing"]] == ["WB-GOV"]
    html = response.content.decode()
    assert "对方可满足本组织的需求：技术攻关" in html
    # the outsider's branch is never a candidate for the company manager; the admin sees it
    admin_rows = login(tree.admin).get(reverse("proposals:partners", args=["ZB-A"])).context["rows"]
    assert [r["org"].id for r in admin_rows] == ["ZB-C", "ZB-B", "ZB-D"]
    assert "ZB-X" in [
        o.code
        for o in login(tree.admin)
        .get(reverse("proposals:partners", args=["ZB-A"]))
        .context["missing"]
    ]


def test_partner_finder_says_when_the_org_has_no_coordinates(tree):
    response = login(tree.company).get(reverse("proposals:partners", args=["WB-GOV"]))
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert "本溪县人民政府机关党委缺少经纬度坐标，无法计算距离。" in response.content.decode()


def test_partner_finder_weights_are_validated(tree):
    response = login(tree.company).get(
        reverse("proposals:partners", args=["ZB-A"]),
        {"w_profession": "-2", "w_geography": "0", "w_complementarity": "0"},
    )
    assert response.status_code == 200
    assert "确保该值大于或等于0。" in response.content.decode()
    # the invalid profession weight falls back to the default; geography and complementarity stay 0
    params = response.context["params"]
    assert (params.w_profession, params.w_geography, params.w_complementarity) == (1.0, 0.0, 0.0)
