"""Formula injection (issue #16 item 9): every workbook the product writes goes through the
one writer of ``lianjian.core.excel``, which stores text as text. With formula-like text
planted in every name and free-text field, each workbook the screens and the command line
produce (the API produces none) holds no formula and no error cell, and keeps the planted
text verbatim, with Excel's quote prefix."""

from __future__ import annotations

import datetime
import io
import itertools
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from openpyxl import load_workbook

from lianjian.assessment.services import assessment_run, kpi_set, scheme_import
from lianjian.core.excel import all_kinds
from lianjian.sharing import services as sharing
from tests.assessment_engine_helpers import example, joint_activity
from tests.carrier_helpers import named_post
from tests.consultation_helpers import make_consultations
from tests.excel_helpers import run
from tests.supervision_helpers import make_ledger

PAYLOADS = (
    '=HYPERLINK("http://evil.example/x","点我")',
    "+1+1",
    "@SUM(A1)",
    "-2+3",
    "=1+1",
    "#N/A",
    "\tx=1",
    "\x07=2+2",
)  # a control character XML cannot hold, then a formula
# The models whose text reaches a workbook, and the fields that are keys or choices (left alone).
MODELS = (
    "orgs.Organisation",
    "orgs.Member",
    "alliances.Alliance",
    "alliances.AllianceType",
    "activities.Activity",
    "consultations.Problem",
    "sharing.Resource",
    "assessment.Scheme",
    "assessment.Dimension",
    "assessment.Indicator",
    "keytasks.KeyTask",
    "keytasks.Milestone",
    "carriers.Carrier",
    "keytasks.ProgressReport",
    "decisions.DecisionItem",
    "supervision.Batch",
    "supervision.Item",
    "points.PointsEntry",
    "points.PointsClaim",
    "points.MemberStanding",
    "projects.Award",
)
KEYS = {
    "code",
    "path",
    "number",
    "period",
    "indicator_code",
    "initials",
    "username",
    "opening_hours",
}


def plant_key_tasks(world) -> None:
    """A key-task list with a milestone and a report, so that the kinds tasks, milestones
    and task_progress export planted text too."""
    from lianjian.core.validation import today
    from lianjian.keytasks import services as keytasks
    from tests.keytask_helpers import make_tasks

    t = make_tasks(world)
    keytasks.task_transition(None, t.a, "claim")
    keytasks.milestone_save(None, t.a, name="节点", weight=1, planned_on=t.a.planned_start)
    keytasks.report_submit(None, t.a, period=f"{today():%Y-%m}", percent=10, text="说明")


def plant_points(world) -> None:
    """A manual points entry, a claim and an exemption, so that the kinds points and
    points_standings export planted text."""
    import datetime as dt

    from lianjian.points import services as points
    from tests.points_helpers import make_scheme

    scheme = make_scheme()
    day = dt.date(2026, 3, 2)
    points.add_manual_entry(
        actor=None,
        member=world.m_a1,
        rule=scheme.rules.get(code="C1"),
        happened_on=day,
        reason="缺席",
    )
    points.file_claim(
        actor=None,
        member=world.m_a1,
        rule=scheme.rules.get(code="B2"),
        happened_on=day,
        text="表彰",
    )
    points.set_standing(
        actor=None, member=world.m_a1, year=scheme.year, category="流动", exempt=True, reason="外出"
    )


def plant_project_award(world) -> None:
    """An awarded 揭榜挂帅 project with an award, so that the kind projects exports planted text
    (on the key-task list that plant_key_tasks made)."""
    from lianjian.core.validation import today
    from lianjian.projects import services as projects
    from tests.project_helpers import bid, make_call

    call = make_call(world, code="JB-F")
    made = bid(world, call)
    projects.call_transition(None, call, "close")
    projects.bid_transition(None, made, "shortlist")
    projects.bid_transition(None, made, "defence", on=today())
    project = projects.bid_award(None, made)
    projects.award_add(None, project, level="省部", name="奖项", awarded_on=today())


@pytest.fixture
def planted(world, tmp_path, settings):
    settings.DATA_DIR = tmp_path / "data"
    make_consultations(world)
    sharing.resource_create(
        actor=None,
        code="R-A",
        name="活动室",
        kind="党员活动室",
        owner=world.zb_a,
        capacity=20,
        contact="张三",
        contact_phone="13812345678",
        tags=["活动阵地"],
        description="说明",
    )
    scheme = scheme_import(example(), actor=None)[0]
    kpi_set(world.admin, org=world.zb_a, period="2025", indicator_code="YW1", value=95)
    joint_activity(world.zb_a, world.zb_b, day=datetime.date(2025, 3, 10))
    plant_key_tasks(world)
    from tests.decisions_helpers import make_register

    make_register(world)
    named_post(world)
    make_ledger(world)
    plant_points(world)
    plant_project_award(world)
    payloads = itertools.cycle(PAYLOADS)
    for label in MODELS:
        model = apps.get_model(label)
        for obj in model.objects.all():
            changes = {}
            for f in model._meta.get_fields():
                if (
                    not getattr(f, "concrete", False)
                    or f.primary_key
                    or f.choices
                    or f.unique
                    or f.name in KEYS
                ):
                    continue
                if isinstance(f, models.CharField | models.TextField):
                    changes[f.attname] = next(payloads)[: f.max_length]
                elif (
                    isinstance(f, models.JSONField)
                    and isinstance(getattr(obj, f.attname), list)
                    and all(isinstance(v, str) for v in getattr(obj, f.attname))
                ):
                    changes[f.attname] = [next(payloads), next(payloads)]
            model.objects.filter(pk=obj.pk).update(**changes)
    return assessment_run(world.admin, scheme, "2025", today=datetime.date(2026, 1, 15))


def check(content: bytes, name: str) -> int:
    """Assert that no cell of any sheet is a formula or an error and that planted text is kept
    as text with the quote prefix; returns how many planted texts were found."""
    book = load_workbook(io.BytesIO(content))
    found = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type not in ("f", "e"), (
                    name,
                    sheet.title,
                    cell.coordinate,
                    cell.value,
                )
                if isinstance(cell.value, str) and cell.value.startswith(
                    ("=", "+", "@", "-", "#", "\t")
                ):
                    assert cell.quotePrefix, (name, sheet.title, cell.coordinate, cell.value)
                    found += any(p[:8] in cell.value for p in PAYLOADS)
    return found


def screen_workbooks(client, world, run_pk: int) -> dict[str, bytes]:
    client.force_login(world.admin)
    urls = {
        f"export {k.name}": f"{reverse('orgs:export_download')}?kind={k.name}" for k in all_kinds()
    }
    urls |= {
        f"template {k.name}": f"{reverse('orgs:template_download')}?kind={k.name}"
        for k in all_kinds()
    }
    urls |= {
        "problem list": reverse("consultations:problem_export"),
        "compliance": f"{reverse('activities:compliance_export')}?year=2025&org=DW",
        "ranking": reverse("assessment:run_export", args=[run_pk]),
    }
    out = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        out[name] = b"".join(response.streaming_content)
    return out


def cli_workbooks(tmp_path: Path) -> dict[str, bytes]:
    out = {}
    for kind in all_kinds():
        path = tmp_path / f"{kind.name}.xlsx"
        assert run("export", kind.name, str(path))[0] == 0
        out[f"lianjian export {kind.name}"] = path.read_bytes()
    ranking, compliance = tmp_path / "ranking.xlsx", tmp_path / "compliance.xlsx"
    assert (
        run(
            "assess",
            "run",
            "--scheme",
            "2025-SWD",
            "--period",
            "2025",
            "--format",
            "xlsx",
            "--out",
            str(ranking),
            "--today",
            "2026-01-15",
        )[0]
        == 0
    )
    assert run("compliance", "--year", "2025", "--format", "xlsx", "--out", str(compliance))[0] == 0
    out["lianjian assess run"] = ranking.read_bytes()
    out["lianjian compliance"] = compliance.read_bytes()
    return out


def test_no_workbook_of_the_screens_or_the_command_line_holds_a_formula(
    client, world, planted, tmp_path
):
    workbooks = screen_workbooks(client, world, planted.pk) | cli_workbooks(tmp_path)

    found = {name: check(content, name) for name, content in workbooks.items()}

    # The planted text reached every workbook that shows names (templates hold no data, the
    # KPI export only codes, periods and numbers).
    assert sorted(name for name, n in found.items() if n == 0) == [
        "export kpis",
        "lianjian export kpis",
        *sorted(f"template {k.name}" for k in all_kinds()),
    ]
    assert len(workbooks) == 3 * len(all_kinds()) + 5


def test_only_the_core_writer_uses_a_workbook_library():
    root = Path(__file__).resolve().parent.parent / "lianjian"
    offenders = []
    for path in root.rglob("*.py"):
        if path.is_relative_to(root / "core" / "excel") or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if any(s in text for s in ("import openpyxl", "from openpyxl", "xlsxwriter", "Workbook(")):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
