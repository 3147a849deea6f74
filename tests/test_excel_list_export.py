"""“导出 Excel” on a filtered list writes exactly the rows the list shows: the export asks
the list's one selector (core.filters) with the same filters, so the file and the screen
cannot disagree; an organisation out of sight lists nothing; a list without an Excel kind
has no export."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from lianjian.activities import services
from lianjian.activities.selectors import TZ
from tests.sharing_helpers import make_sharing

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def first_column(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]


def screen_keys(client, url: str, query: dict, key: str) -> list[str]:
    page = client.get(url, query).context["page"]
    return sorted(str(getattr(row, key)) for row in page.object_list)


@pytest.fixture
def acts(world):
    def record(code, type_, host, day):
        return services.activity_record(
            actor=None,
            code=code,
            type=type_,
            host=host,
            start=datetime.datetime(2026, 3, day, 9, tzinfo=TZ),
            topic=f"{type_} {code}",
        )

    record("ACT-1", "主题党日", world.zb_a, 5)
    record("ACT-2", "党课", world.zb_a, 6)
    record("ACT-3", "主题党日", world.zb_b, 7)
    void = record("ACT-4", "主题党日", world.zb_a, 8)
    services.activity_void(actor=world.manager_a, activity=void, reason="重复录入")


@pytest.mark.parametrize(
    "query",
    [{}, {"type": "主题党日"}, {"q": "党课"}, {"org": "ZB-A"}, {"status": "已作废"}],
    ids=["all", "type", "q", "org", "void"],
)
@pytest.mark.parametrize("persona", ["admin", "company", "manager_a", "member_a"])
def test_the_activity_export_holds_what_the_filtered_list_shows(world, acts, persona, query):
    c = client_for(getattr(world, persona))
    shown = screen_keys(c, reverse("activities:activity_list"), query, "code")
    exported = first_column(c.get(reverse("orgs:export_filtered", args=["activities"]), query))
    assert sorted(exported) == shown


@pytest.mark.parametrize(
    "query",
    [{}, {"category": "预备党员"}, {"q": "M-A"}, {"org": "ZB-B"}],
    ids=["all", "category", "q", "hidden-org"],
)
@pytest.mark.parametrize("persona", ["admin", "manager_a", "member_a"])
def test_the_member_export_holds_what_the_filtered_list_shows(world, persona, query):
    c = client_for(getattr(world, persona))
    shown = screen_keys(c, reverse("orgs:member_list"), query, "number")
    exported = first_column(c.get(reverse("orgs:export_filtered", args=["members"]), query))
    assert sorted(exported) == shown


def test_a_filtered_export_is_smaller_than_the_whole_list(world, acts):
    c = client_for(world.admin)
    url = reverse("orgs:export_filtered", args=["activities"])
    assert sorted(first_column(c.get(url, {"type": "主题党日"}))) == ["ACT-1", "ACT-3"]
    assert sorted(first_column(c.get(url))) == ["ACT-1", "ACT-2", "ACT-3"]  # voided left out


def test_lists_without_an_excel_kind_and_strangers_get_no_file(world, client):
    c = client_for(world.admin)
    assert c.get(reverse("orgs:export_filtered", args=["rules"])).status_code == 404
    assert c.get(reverse("orgs:export_filtered", args=["no-such-list"])).status_code == 404
    anonymous = client.get(reverse("orgs:export_filtered", args=["members"]))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_the_list_screens_link_their_export_to_their_filters(world, acts):
    c = client_for(world.admin)
    page = c.get(reverse("activities:activity_list"), {"type": "主题党日"}).content.decode()
    assert 'href="/orgs/excel/export/list/activities/?type=' in page
    assert 'data-with-form="#activity-filter"' in page and 'id="activity-filter"' in page
    page = c.get(reverse("orgs:member_list"), {"category": "预备党员"}).content.decode()
    assert 'href="/orgs/excel/export/list/members/?category=' in page
    assert 'data-with-form="#member-filter"' in page and 'id="member-filter"' in page


@pytest.mark.parametrize(
    "query", [{}, {"kind": "场地"}, {"q": "会议"}], ids=["all", "kind-group", "q"]
)
@pytest.mark.parametrize("persona", ["admin", "manager_a", "manager_b", "member_a"])
def test_the_resource_export_holds_what_the_filtered_list_shows(
    world, settings, tmp_path, persona, query
):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_sharing(world)
    c = client_for(getattr(world, persona))
    shown = screen_keys(c, reverse("sharing:resource_list"), query, "code")
    exported = first_column(c.get(reverse("orgs:export_filtered", args=["resources"]), query))
    assert sorted(exported) == shown
