"""Compliance reports cover exactly the organisations the reader may see
(``Organisation.objects.visible_to``): the page, its export, the statistics page, the API
and ``lianjian compliance`` (the system: everything) — per persona.

A member sees their own branch and not its 党小组, as on every other page (those answer
404 for them): ZB-A, not XZ-A1.
"""

from __future__ import annotations

import datetime
import io
import json

from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from lianjian.activities.selectors import TZ
from lianjian.activities.services import activity_record
from tests.api_helpers import call
from tests.matrix import PERSONAS

# The organisations with compliance rules (党支部, 党小组) each persona's report covers without
# ``org``: everything they see, on the screens and in the API alike (one filter,
# ``selectors.compliance_list``).
API = {
    "admin": ["ZB-A", "XZ-A1", "ZB-B", "ZB-X"],
    "company": ["ZB-A", "XZ-A1", "ZB-B"],
    "manager_a": ["ZB-A", "XZ-A1"],
    "member_a": ["ZB-A"],
    "manager_b": ["ZB-B"],
    "outsider": ["ZB-X"],
}
SCREEN = API


def _codes(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def test_every_compliance_report_covers_what_the_reader_may_see(world):
    # A counted activity of ZB-A with its group as co-organiser, for the statistics page.
    activity_record(
        actor=None,
        type="主题党日",
        host=world.zb_a,
        co_orgs=[world.xz_a1],
        status="已提交",
        start=datetime.datetime(2026, 3, 5, 9, tzinfo=TZ),
        topic="联合主题党日",
    )
    for persona in PERSONAS:
        client = Client()
        client.force_login(getattr(world, persona))
        page = client.get(reverse("activities:compliance_matrix") + "?year=2026")
        assert [row.org.code for row in page.context["page"].object_list] == SCREEN[persona], (
            persona
        )
        export = client.get(reverse("activities:compliance_export") + "?year=2026")
        sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
        assert (
            _codes([r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]) == SCREEN[persona]
        ), persona
        status, data = call("get", "/compliance?year=2026", user=getattr(world, persona))
        assert (status, _codes([r["org"] for r in data["results"]])) == (200, API[persona]), persona
        stats = client.get(reverse("activities:activity_stats") + "?year=2026").context["data"][
            "by_org"
        ]
        assert [code for code, *_ in stats] == [
            c for c in ("XZ-A1", "ZB-A") if c in SCREEN[persona]
        ], persona
    # A group the member cannot see cannot be asked for either, in any of them.
    member = Client()
    member.force_login(world.member_a)
    assert member.get(reverse("activities:compliance_matrix") + "?org=XZ-A1").status_code == 404
    assert member.get(reverse("activities:compliance_export") + "?org=XZ-A1").status_code == 404
    assert member.get(reverse("activities:activity_stats") + "?org=XZ-A1").status_code == 404
    assert call("get", "/compliance?year=2026&org=XZ-A1", user=world.member_a) == (
        404,
        {"detail": "未找到"},
    )
    # The command line is the system: every organisation, or one subtree.
    out = io.StringIO()
    call_command("compliance", "--year", "2026", stdout=out)
    assert _codes([r["org"] for r in json.loads(out.getvalue())["results"]]) == [
        "ZB-A",
        "XZ-A1",
        "ZB-B",
        "ZB-X",
    ]
    out = io.StringIO()
    call_command("compliance", "--year", "2026", "--org", "ZB-A", stdout=out)
    assert _codes([r["org"] for r in json.loads(out.getvalue())["results"]]) == ["ZB-A", "XZ-A1"]
