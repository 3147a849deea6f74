"""党员积分 writes: scheme import and versions, the idempotent recompute from records
(an activity voided withdraws its points), claims through review to 生效, manual
entries, withdrawal, exemption, and the totals the command line prints."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from lianjian.activities import services as activity_services
from lianjian.core.models import AuditLog
from lianjian.keytasks.models import Milestone
from lianjian.points import services
from lianjian.points.models import (
    ClaimState,
    EntrySource,
    EntryStatus,
    PointsClaim,
    PointsEntry,
    PointsRule,
    PointsScheme,
)
from lianjian.points.selectors import my_points, period_totals
from tests.keytask_helpers import make_tasks
from tests.points_helpers import YEAR, held_meeting, make_scheme, scheme_file

D = datetime.date
pytestmark = pytest.mark.django_db


def totals(scheme: PointsScheme, period: str) -> dict[str, dict[str, object]]:
    return {t.number: t.total.as_json() for t in period_totals(scheme, period)}


def test_import_creates_then_versions_and_keeps_dropped_rules(world) -> None:
    scheme = make_scheme()
    assert scheme.version == 1 and scheme.rules.count() == 6
    data = scheme_file()
    data["rules"] = [r for r in data["rules"] if r["code"] != "A2"]
    again = services.import_scheme(actor=None, data=data)
    assert again.pk == scheme.pk and again.version == 2
    assert not PointsRule.objects.get(scheme=scheme, code="A2").active
    assert AuditLog.objects.filter(target_type="points.pointsscheme").count() == 2


def test_a_refused_file_lists_every_problem_and_changes_nothing(world) -> None:
    data = scheme_file(org="NOPE")
    data["rules"][0]["source"] = "login"
    with pytest.raises(ValidationError) as exc:
        services.import_scheme(actor=None, data=data)
    assert any("减负" in m for m in exc.value.messages)
    with pytest.raises(ValidationError) as exc:
        services.import_scheme(actor=None, data=scheme_file(org="NOPE"))
    assert exc.value.messages == ["组织 NOPE 不存在"]
    assert not PointsScheme.objects.exists()


def test_a_manager_imports_only_for_what_they_manage(world) -> None:
    with pytest.raises(PermissionDenied):
        services.import_scheme(actor=world.manager_a, data=scheme_file("DW"))
    assert services.import_scheme(actor=world.manager_a, data=scheme_file("ZB-A")).org == world.zb_a


def test_recompute_from_attendance_is_idempotent_and_follows_the_records(world) -> None:
    scheme = make_scheme()
    meeting = held_meeting(world.zb_a, D(YEAR, 2, 10), present=[world.m_a1], absent=[world.m_a2])
    held_meeting(world.zb_b, D(YEAR, 2, 11), present=[], leave=[world.m_b1])
    assert services.recompute(actor=None, scheme=scheme) == (2, 0)
    rows = PointsEntry.objects.filter(status=EntryStatus.ACTIVE)
    assert sorted((e.member.number, e.rule.code, e.points) for e in rows) == [
        ("M-A1", "A1", Decimal(3)),
        ("M-A2", "C1", Decimal(-2)),
    ]
    a1 = rows.get(member=world.m_a1)
    assert a1.period == f"{YEAR}Q1" and a1.attendance.activity == meeting
    assert services.recompute(actor=None, scheme=scheme) == (0, 0)
    # the activity is returned and voided: its points are withdrawn, with the reason
    activity_services.activity_return(actor=None, activity=meeting, reason="记录有误")
    meeting.refresh_from_db()
    activity_services.activity_void(actor=None, activity=meeting, reason="误录")
    assert services.recompute(actor=None, scheme=scheme) == (0, 2)
    a1.refresh_from_db()
    assert a1.status == EntryStatus.WITHDRAWN and a1.withdrawn_reason == services.SYSTEM_REASON
    assert totals(scheme, f"{YEAR}Q1")["M-A1"]["total"] == 80


def test_recompute_of_one_period_and_a_foreign_period(world) -> None:
    scheme = make_scheme()
    held_meeting(world.zb_a, D(YEAR, 2, 10), present=[world.m_a1])
    held_meeting(world.zb_a, D(YEAR, 5, 10), present=[world.m_a1])
    assert services.recompute(actor=None, scheme=scheme, period=f"{YEAR}Q2") == (1, 0)
    with pytest.raises(ValidationError):
        services.recompute(actor=None, scheme=scheme, period="2025Q1")


def test_milestones_accepted_of_tasks_the_member_owns(world) -> None:
    scheme = make_scheme()
    tasks = make_tasks(world)
    Milestone.objects.create(
        task=tasks.a, name="验收一", planned_on=D(YEAR, 3, 1), done_on=D(YEAR, 3, 1),
        accepted_on=D(YEAR, 3, 2),
    )  # fmt: skip
    Milestone.objects.create(task=tasks.a, name="未验收", planned_on=D(YEAR, 3, 1))
    services.recompute(actor=None, scheme=scheme)
    entry = PointsEntry.objects.get(rule__code="B1")
    assert entry.member == world.m_a1 and entry.milestone.name == "验收一"


def _walk(world, claim: PointsClaim, today: datetime.date) -> PointsClaim:
    for action in ("group", "committee", "publish"):
        claim = services.claim_step(actor=world.manager_a, claim=claim, action=action, today=today)
    return claim


def test_a_claim_through_review_to_effective(world) -> None:
    scheme = make_scheme()
    rule = scheme.rules.get(code="B2")
    claim = services.file_claim(
        actor=world.member_a, member=world.m_a1, rule=rule, happened_on=D(YEAR, 4, 1),
        text="获公司优秀共产党员表彰", evidence="https://example.org/award",
    )  # fmt: skip
    assert claim.state == ClaimState.FILED and claim.period == f"{YEAR}Q2"
    with pytest.raises(PermissionDenied):  # nobody reviews their own claim
        services.claim_step(actor=world.member_a, claim=claim, action="group")
    with pytest.raises(PermissionDenied):  # another branch's manager
        services.claim_step(actor=world.manager_b, claim=claim, action="group")
    day = D(YEAR, 4, 10)
    claim = _walk(world, claim, day)
    assert claim.state == ClaimState.PUBLIC and claim.public_until == D(YEAR, 4, 13)
    with pytest.raises(ValidationError, match="公示期至"):
        services.claim_step(actor=world.manager_a, claim=claim, action="effective", today=day)
    # an objection sends it back to the 支委会
    with pytest.raises(ValidationError):
        services.claim_step(actor=world.manager_a, claim=claim, action="object")
    claim = services.claim_step(
        actor=world.manager_a, claim=claim, action="object", reason="表彰级别有误", today=day
    )
    assert claim.state == ClaimState.GROUP and not PointsEntry.objects.exists()
    for action in ("committee", "publish"):
        claim = services.claim_step(actor=world.manager_a, claim=claim, action=action, today=day)
    claim = services.claim_step(
        actor=world.manager_a, claim=claim, action="effective", today=D(YEAR, 4, 13)
    )
    entry = PointsEntry.objects.get(claim=claim)
    assert entry.source == EntrySource.CLAIM and entry.points == 5
    assert totals(scheme, f"{YEAR}Q2")["M-A1"] == {
        "total": 85, "bonus": 5, "deductions": 0, "vetoed": False, "exempt": False
    }  # fmt: skip
    with pytest.raises(ValidationError):
        services.claim_step(actor=world.manager_a, claim=claim, action="reject", reason="x")


def test_claims_are_refused_for_auto_rules_others_and_bad_dates(world) -> None:
    scheme = make_scheme()
    with pytest.raises(ValidationError):
        services.file_claim(
            actor=world.member_a, member=world.m_a1, rule=scheme.rules.get(code="A1"),
            happened_on=D(YEAR, 4, 1), text="x",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.file_claim(
            actor=world.member_a, member=world.m_a2, rule=scheme.rules.get(code="B2"),
            happened_on=D(YEAR, 4, 1), text="x",
        )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.file_claim(
            actor=world.member_a, member=world.m_a1, rule=scheme.rules.get(code="B2"),
            happened_on=D(YEAR - 1, 4, 1), text="x",
        )  # fmt: skip
    assert "happened_on" in exc.value.error_dict
    assert not PointsClaim.objects.exists()


def test_manual_deduction_veto_withdrawal_and_exemption(world) -> None:
    scheme = make_scheme()
    c1 = scheme.rules.get(code="C1")
    entry = services.add_manual_entry(
        actor=world.manager_a, member=world.m_a1, rule=c1, happened_on=D(YEAR, 1, 5),
        reason="无故缺席支部党员大会",
    )  # fmt: skip
    assert totals(scheme, f"{YEAR}Q1")["M-A1"]["total"] == 78
    with pytest.raises(PermissionDenied):
        services.add_manual_entry(
            actor=world.manager_b, member=world.m_a1, rule=c1, happened_on=D(YEAR, 1, 5),
            reason="x",
        )  # fmt: skip
    with pytest.raises(ValidationError):
        services.withdraw_entry(actor=world.manager_a, entry=entry, reason="")
    services.withdraw_entry(actor=world.manager_a, entry=entry, reason="实为请假")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN and entry.withdrawn_reason == "实为请假"
    assert totals(scheme, f"{YEAR}Q1")["M-A1"]["total"] == 80
    services.add_manual_entry(
        actor=world.manager_a, member=world.m_a1, rule=scheme.rules.get(code="V1"),
        happened_on=D(YEAR, 2, 5), reason="受到警告处分",
    )  # fmt: skip
    assert totals(scheme, f"{YEAR}Q1")["M-A1"]["vetoed"] is True
    assert totals(scheme, f"{YEAR}Q1")["M-A1"]["total"] == 0
    services.set_standing(
        actor=world.manager_a, member=world.m_a2, year=YEAR, category="特殊", exempt=False
    )
    assert totals(scheme, f"{YEAR}Q1")["M-A2"]["total"] is None
    with pytest.raises(ValidationError):
        services.set_standing(
            actor=world.manager_a, member=world.m_a2, year=YEAR, category="普通", exempt=True
        )


def test_my_points_keeps_the_caps_and_shows_no_rank_by_default(world) -> None:
    scheme = make_scheme()
    for month in (1, 1, 2):
        held_meeting(world.zb_a, D(YEAR, month, 10 + month), present=[world.m_a1])
    held_meeting(world.zb_a, D(YEAR, 3, 20), present=[world.m_a1])
    services.recompute(actor=None, scheme=scheme)
    mine = my_points(world.m_a1, YEAR, today=D(YEAR, 3, 30))
    assert mine is not None and mine.rank is None
    assert dict((p, t.total) for p, t in mine.periods)[f"{YEAR}Q1"] == 86  # cap_period 6
    assert sorted(kept for _, kept in mine.entries) == [0, 0, 3, 3]
    assert [r.code for r in mine.claimable] == ["B2"]


def test_the_command_line(world, tmp_path, capsys) -> None:
    path = tmp_path / "jf.json"
    path.write_text(json.dumps(scheme_file(), ensure_ascii=False), encoding="utf-8")
    call_command("points", "scheme", "import", str(path))
    scheme = PointsScheme.objects.get(code="2026-JF")
    services.add_manual_entry(
        actor=None, member=world.m_a1, rule=scheme.rules.get(code="C1"),
        happened_on=D(YEAR, 1, 5), reason="缺席",
    )  # fmt: skip
    capsys.readouterr()
    call_command("points", "--scheme", "2026-JF", "--period", f"{YEAR}Q1")
    doc = json.loads(capsys.readouterr().out)
    assert doc["scheme"] == "2026-JF" and doc["period"] == f"{YEAR}Q1"
    rows = {m["number"]: m for m in doc["members"]}
    assert rows["M-A1"] == {
        "number": "M-A1", "total": 78, "bonus": 0, "deductions": 2, "vetoed": False,
        "exempt": False,
    }  # fmt: skip
    assert "M-X1" not in rows  # another company
    call_command("points", "scheme", "export", "2026-JF", "--out", str(tmp_path / "out.json"))
    exported = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert exported["rules"] == json.loads(path.read_text(encoding="utf-8"))["rules"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(scheme_file(rules=[{"code": "X", "source": "xuexi"}])), "utf-8")
    with pytest.raises(SystemExit) as exc:
        call_command("points", "scheme", "import", str(bad))
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "减负" in err and "缺少 text" in err
    for args in (
        ("--scheme", "NOPE", "--period", "2026Q1"),
        ("--scheme", "2026-JF", "--period", "2025Q1"),
    ):
        with pytest.raises(SystemExit) as exc:
            call_command("points", *args)
        assert exc.value.code == 1
    call_command("points", "recompute", "--scheme", "2026-JF")
    assert "新增自动积分 0 条" in capsys.readouterr().out
