"""Permission matrix of every alliances screen (``lianjian/alliances/urls.py``) × every persona.

Out of scope → 404, visible but read-only → 403, a denial changes nothing; lists and the
network picture show exactly the visible alliances; the list's query count does not grow
with the number of alliances.
"""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lianjian.alliances import services
from lianjian.alliances.models import (
    Agreement,
    AgreementFile,
    AgreementGoal,
    Alliance,
    AllianceMember,
    AllianceType,
    Plan,
    PlanItem,
)
from lianjian.core.models import AuditLog
from lianjian.orgs.services import org_create
from tests.alliance_helpers import PDF_BYTES, make_alliances
from tests.matrix import PERSONAS, assert_write, cases, client_for, expected


@pytest.fixture
def aw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_alliances(world)


def state() -> list:
    return [
        list(Alliance.objects.order_by("pk").values_list()),
        list(AllianceMember.objects.order_by("pk").values_list()),
        list(Agreement.objects.order_by("pk").values_list()),
        list(AgreementGoal.objects.order_by("pk").values_list()),
        list(AgreementFile.objects.order_by("pk").values_list()),
        list(Plan.objects.order_by("pk").values_list()),
        list(PlanItem.objects.order_by("pk").values_list()),
        AuditLog.objects.count(),
    ]


def _url(aw, name: str) -> str:
    a, x = aw.ag_a.pk, aw.ag_x.pk
    table = {
        "list": reverse("alliances:alliance_list"),
        "create": reverse("alliances:alliance_create"),
        "network": reverse("alliances:network"),
        "detail_a": reverse("alliances:alliance_detail", args=["LJ-A"]),
        "detail_x": reverse("alliances:alliance_detail", args=["LJ-X"]),
        "edit_a": reverse("alliances:alliance_edit", args=["LJ-A"]),
        "edit_x": reverse("alliances:alliance_edit", args=["LJ-X"]),
        "member_add_a": reverse("alliances:member_add", args=["LJ-A"]),
        "member_edit_a": reverse("alliances:member_edit", args=["LJ-A", aw.zb_b_in_a.pk]),
        "agreement_create_a": reverse("alliances:agreement_create", args=["LJ-A"]),
        "plan_a": reverse("alliances:plan_edit", args=["LJ-A", 2026]),
        "agreement_a": reverse("alliances:agreement_detail", args=[a]),
        "agreement_x": reverse("alliances:agreement_detail", args=[x]),
        "file_a": reverse("alliances:agreement_file", args=[a, aw.scan.pk]),
        "status_a": reverse("alliances:agreement_status", args=[a]),
        "renew_a": reverse("alliances:agreement_renew", args=[a]),
        "upload_a": reverse("alliances:agreement_upload", args=[a]),
    }
    return table[name]


# GET: expected status per persona, in the order of PERSONAS
GET_MATRIX = {
    "list": [200, 200, 200, 200, 200, 200],
    "create": [200, 200, 200, 403, 200, 200],
    "network": [200, 200, 200, 200, 200, 200],
    "detail_a": [200, 200, 200, 200, 200, 404],
    "detail_x": [200, 404, 404, 404, 404, 200],
    "edit_a": [200, 200, 200, 403, 403, 404],
    "edit_x": [200, 404, 404, 404, 404, 200],
    "member_add_a": [200, 200, 200, 403, 403, 404],
    "member_edit_a": [200, 200, 200, 403, 403, 404],
    "agreement_create_a": [200, 200, 200, 403, 403, 404],
    "plan_a": [200, 200, 200, 403, 403, 404],
    "agreement_a": [200, 200, 200, 200, 200, 404],
    "agreement_x": [200, 404, 404, 404, 404, 200],
    "file_a": [200, 200, 200, 200, 200, 404],
    "status_a": [405, 405, 405, 405, 405, 405],
    "renew_a": [405, 405, 405, 405, 405, 405],
    "upload_a": [405, 405, 405, 405, 405, 405],
}

# POST with a valid form: (view, data, expected status per persona). Allowed writes redirect.
POSTS = {
    "edit_a": (
        {"code": "LJ-A", "name": "改名", "type": "", "lead": "ZB-A", "status": "运行"},
        [302, 302, 302, 403, 403, 404],
    ),
    "member_add_a": ({"org": "XZ-A1", "joined_on": "2026-01-01"}, [302, 302, 302, 403, 403, 404]),
    "member_edit_a": (
        {"liaison": "新联络员", "liaison_phone": "", "liaison_post": "", "left_on": ""},
        [302, 302, 302, 403, 403, 404],
    ),
    "agreement_create_a": (
        {"title": "新协议", "parties": [], "goals": "联合党课｜2｜次"},
        [302, 302, 302, 403, 403, 404],
    ),
    "plan_a": (
        {"summary": "全年目标", "items": "1｜党课互讲｜2｜全覆盖"},
        [302, 302, 302, 403, 403, 404],
    ),
    "status_a": ({"status": "终止", "on": "2026-01-01"}, [302, 302, 302, 403, 403, 404]),
    "renew_a": ({"start": "2027-01-01", "end": "2029-12-31"}, [302, 302, 302, 403, 403, 404]),
    "upload_a": (None, [302, 302, 302, 403, 403, 404]),
    "create": (
        {
            "code": "LJ-NEW",
            "name": "新联建",
            "type": "",
            "lead": "ZB-A",
            "members": "WB-GOV",
            "status": "运行",
        },
        [302, 302, 302, 403, 400, 400],
    ),
}


@pytest.mark.parametrize(("view", "persona"), cases(dict(sorted(GET_MATRIX.items()))))
def test_every_view_answers_by_scope(world, aw, view, persona):
    response = client_for(world, persona).get(_url(aw, view))
    assert response.status_code == expected(GET_MATRIX, view, persona), (
        view,
        persona,
        response.status_code,
    )


@pytest.mark.parametrize("view", sorted(GET_MATRIX))
def test_anonymous_is_sent_to_login(world, aw, view):
    response = Client().get(_url(aw, view))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def _post_data(world, aw, view: str):
    data, _ = POSTS[view]
    if view == "upload_a":
        from django.core.files.uploadedfile import SimpleUploadedFile

        return {"file": SimpleUploadedFile("补充.pdf", PDF_BYTES, "application/pdf")}
    data = dict(data)
    if "type" in data:
        data["type"] = AllianceType.objects.get(name="结对共建").pk
    if view == "agreement_create_a":
        data["parties"] = [world.zb_a.pk, world.partner.pk]
    return data


@pytest.mark.parametrize(("view", "persona"), cases(dict(sorted(POSTS.items()))))
def test_every_write_answers_by_scope_and_a_denial_changes_nothing(world, aw, view, persona):
    audit = AuditLog.objects.count()
    status = assert_write(
        state,
        lambda: client_for(world, persona).post(_url(aw, view), _post_data(world, aw, view)),
        POSTS[view][1][PERSONAS.index(persona)],
    ).status_code
    if status == 302:
        assert AuditLog.objects.count() > audit  # every accepted write is audited


def test_accepted_writes_do_what_they_say(world, aw):
    c = client_for(world, "manager_a")
    c.post(
        _url(aw, "member_edit_a"),
        {
            "liaison": "新联络员",
            "liaison_phone": "13900001111",
            "liaison_post": "",
            "left_on": "2026-06-30",
        },
    )
    m = AllianceMember.objects.get(pk=aw.zb_b_in_a.pk)
    assert (m.liaison, m.liaison_phone, m.left_on) == (
        "新联络员",
        "13900001111",
        datetime.date(2026, 6, 30),
    )
    response = c.post(_url(aw, "status_a"), {"status": "草拟"})
    assert response.status_code == 302
    assert Agreement.objects.get(pk=aw.ag_a.pk).status == "生效"  # refused move, shown as a message
    response = c.post(_url(aw, "renew_a"), {"start": "2027-01-01", "end": "2029-12-31"})
    new = Agreement.objects.get(predecessor=aw.ag_a)
    assert response["Location"] == reverse("alliances:agreement_detail", args=[new.pk])


def test_the_scan_is_served_only_as_what_it_is(world, aw):
    response = client_for(world, "manager_b").get(_url(aw, "file_a"))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert (response["Content-Type"], response["X-Content-Type-Options"]) == (
        "application/pdf",
        "nosniff",
    )
    # a file id of another agreement is 404 under this one
    other = reverse("alliances:agreement_file", args=[aw.ag_x.pk, aw.scan.pk])
    assert client_for(world, "admin").get(other).status_code == 404


def test_upload_of_a_wrong_file_stores_nothing(world, aw):
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = state()
    response = client_for(world, "manager_a").post(
        _url(aw, "upload_a"),
        {"file": SimpleUploadedFile("x.pdf", b"just text, not a PDF", "application/pdf")},
        follow=True,
    )
    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["只能上传 PDF、PNG 或 JPEG 文件"]
    assert state() == before


VISIBLE = {
    "admin": ["LJ-A", "LJ-X"],
    "company": ["LJ-A"],
    "manager_a": ["LJ-A"],
    "member_a": ["LJ-A"],
    "manager_b": ["LJ-A"],
    "outsider": ["LJ-X"],
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_alliance_list_shows_exactly_the_visible_alliances(world, aw, persona):
    response = client_for(world, persona).get(_url(aw, "list"))
    assert [a.code for a in response.context["page"]] == VISIBLE[persona]


@pytest.mark.parametrize(
    "query,codes",
    [
        ({"theme": "党建+安全生产"}, ["LJ-X"]),
        ({"status": "运行"}, ["LJ-A", "LJ-X"]),
        ({"org": "WB-GOV"}, ["LJ-A"]),
        ({"q": "外公司"}, ["LJ-X"]),
    ],
)
def test_alliance_list_filters(world, aw, query, codes):
    response = client_for(world, "admin").get(_url(aw, "list"), query)
    assert [a.code for a in response.context["page"]] == codes


def test_list_filter_by_org_keeps_the_member_counts(world, aw):
    response = client_for(world, "admin").get(_url(aw, "list"), {"org": "WB-GOV"})
    assert [(a.code, a.n_members, a.n_partners) for a in response.context["page"]] == [
        ("LJ-A", 3, 1)
    ]


def test_list_filter_by_type(world, aw):
    # The type is named as over the API (one filter for both edges).
    response = client_for(world, "admin").get(_url(aw, "list"), {"type": "政企联建"})
    assert [a.code for a in response.context["page"]] == ["LJ-A"]


# Network picture: alliance node names, and org nodes as (name, category, url).
NETWORK = {
    "manager_b": (
        {"营销政企联建"},
        {
            ("营销服务党支部", 1, ""),
            ("运维检修党支部", 1, "/orgs/o/ZB-B/"),
            ("本溪县人民政府机关党委", 2, ""),
        },
    ),
    "outsider": (
        {"外公司联建网"},
        {("外公司党支部", 1, "/orgs/o/ZB-X/"), ("另一公司党委", 1, "/orgs/o/DW2/")},
    ),
    "member_a": (
        {"营销政企联建"},
        {
            ("营销服务党支部", 1, "/orgs/o/ZB-A/"),
            ("运维检修党支部", 1, ""),
            ("本溪县人民政府机关党委", 2, ""),
        },
    ),
    "admin": (
        {"营销政企联建", "外公司联建网"},
        {
            ("营销服务党支部", 1, "/orgs/o/ZB-A/"),
            ("运维检修党支部", 1, "/orgs/o/ZB-B/"),
            ("本溪县人民政府机关党委", 2, ""),
            ("外公司党支部", 1, "/orgs/o/ZB-X/"),
            ("另一公司党委", 1, "/orgs/o/DW2/"),
        },
    ),
}


@pytest.mark.parametrize("persona", sorted(NETWORK))
def test_network_picture_shows_only_visible_alliances(world, aw, persona):
    response = client_for(world, persona).get(_url(aw, "network"))
    graph = response.context["graph"]
    alliances = {n["name"] for n in graph["nodes"] if n["category"] == 0}
    orgs = {(n["name"], n["category"], n["url"]) for n in graph["nodes"] if n["category"] != 0}
    assert (alliances, orgs) == NETWORK[persona]
    assert len(graph["links"]) == len(orgs)
    # what the browser gets is exactly this graph
    embedded = re.search(
        r'<script id="graph-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert json.loads(embedded.group(1)) == graph


def test_network_filter_by_theme(world, aw):
    response = client_for(world, "admin").get(_url(aw, "network"), {"theme": "党建+安全生产"})
    assert {n["name"] for n in response.context["graph"]["nodes"] if n["category"] == 0} == {
        "外公司联建网"
    }


def test_org_page_lists_only_visible_alliances(world, aw):
    # ZB-B's page (seen by manager_b) lists LJ-A; nobody but admin/outsider learns of LJ-X from DW2
    response = client_for(world, "manager_b").get(reverse("orgs:org_detail", args=["ZB-B"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "营销政企联建" in content
    assert "外公司联建网" not in content


def test_alliance_page_shows_counted_joint_activities_against_its_plan(world, aw):
    # The figures come from the activities app (activity_tags), which sits above alliances.
    from lianjian.activities import services as activity_services

    year = timezone.localdate().year
    services.plan_save(
        actor=world.manager_a,
        alliance=aw.lj_a,
        year=year,
        summary="",
        items=[{"quarter": 1, "title": "党课互讲", "planned_activities": 2}],
    )
    start = datetime.datetime(year, 1, 6, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    held = activity_services.activity_record(
        actor=None,
        type="联建活动",
        host=world.zb_a,
        start=start,
        topic="党课互讲",
        alliance=aw.lj_a,
        present_count=12,
    )
    activity_services.activity_submit(actor=world.manager_a, activity=held)
    activity_services.activity_record(
        actor=None,
        type="联建活动",
        host=world.zb_a,
        start=start,
        topic="草稿中的活动",
        alliance=aw.lj_a,
        present_count=30,
    )

    response = client_for(world, "member_a").get(_url(aw, "detail_a"))
    assert response.status_code == 200
    html = response.content.decode()
    figure = re.search(
        r'data-figure="activities">(\d+)<span class="fs-4 text-secondary">（(\d+)）</span>', html
    )
    assert figure is not None and figure.groups() == ("1", "12")
    rows = {
        q: re.sub(r"<[^>]+>|\s+", " ", row).split()
        for q, row in re.findall(r'<tr data-quarter="(\d)">(.*?)</tr>', html, re.S)
    }
    assert rows == {
        "1": ["1", "季度", "党课互讲", "2", "1", "50%"],
        "2": ["2", "季度", "—", "0", "0"],
        "3": ["3", "季度", "—", "0", "0"],
        "4": ["4", "季度", "—", "0", "0"],
    }


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("alliances:alliance_list"), {"size": 50})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("persona", ["admin", "company"])
def test_alliance_list_query_count_is_flat(world, aw, persona):
    network = AllianceType.objects.get(name="联建网")

    def add(n: int) -> None:
        start = Alliance.objects.count()
        for i in range(start, start + n):
            org = org_create(
                actor=None, code=f"ZB-Q{i}", name=f"支部{i}", kind="党支部", parent=world.dw
            )
            services.alliance_create(
                actor=None,
                code=f"LJ-Q{i:02d}",
                name=f"联建{i}",
                type=network,
                lead=org,
                members=[world.zb_a, world.partner],
            )

    client = client_for(world, persona)
    add(1)  # 3 alliances
    small = _list_queries(client)
    add(27)  # 30 alliances
    assert Alliance.objects.count() == 30
    assert _list_queries(client) == small
