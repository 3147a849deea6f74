"""Alliance services: the agreement lifecycle, renewal, scan uploads and yearly plans."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from lianjian.alliances import services
from lianjian.alliances.models import Agreement, AgreementFile, AllianceMember, Plan
from lianjian.core.models import AuditLog
from tests.alliance_helpers import PDF_BYTES, PNG_BYTES, make_alliances

D = datetime.date
STATES = ["草拟", "已签署", "生效", "到期", "终止"]
# The only allowed moves: draft → signed → active → expired, and termination before expiry.
ALLOWED = {
    ("草拟", "已签署"),
    ("已签署", "生效"),
    ("生效", "到期"),
    ("草拟", "终止"),
    ("已签署", "终止"),
    ("生效", "终止"),
}
PATH_TO = {
    "草拟": [],
    "已签署": ["已签署"],
    "生效": ["已签署", "生效"],
    "到期": ["已签署", "生效", "到期"],
    "终止": ["终止"],
}


@pytest.fixture
def aw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_alliances(world)


def _agreement_in(world, aw, status: str) -> Agreement:
    ag = services.agreement_create(
        actor=None, alliance=aw.lj_a, parties=[world.zb_a, world.zb_b], title=f"{status}协议"
    )
    for step in PATH_TO[status]:
        services.agreement_set_status(actor=None, agreement=ag, status=step, on=D(2026, 1, 5))
    assert ag.status == status
    return ag


@pytest.mark.parametrize("start,target", list(itertools.product(STATES, STATES)))
def test_lifecycle_moves(world, aw, start, target):
    ag = _agreement_in(world, aw, start)
    audits = AuditLog.objects.count()
    if (start, target) in ALLOWED:
        services.agreement_set_status(
            actor=world.manager_a, agreement=ag, status=target, on=D(2026, 2, 1)
        )
        assert Agreement.objects.get(pk=ag.pk).status == target
        assert AuditLog.objects.count() == audits + 1
    else:
        with pytest.raises(ValidationError) as exc:
            services.agreement_set_status(actor=world.manager_a, agreement=ag, status=target)
        assert exc.value.messages == [f"协议状态不能从“{start}”变为“{target}”"]
        assert Agreement.objects.get(pk=ag.pk).status == start
        assert AuditLog.objects.count() == audits


def test_signing_and_activation_record_their_dates(world, aw):
    ag = _agreement_in(world, aw, "草拟")
    services.agreement_set_status(actor=None, agreement=ag, status="已签署", on=D(2026, 3, 1))
    services.agreement_set_status(actor=None, agreement=ag, status="生效", on=D(2026, 3, 15))
    ag.refresh_from_db()
    assert (ag.signed_on, ag.start) == (D(2026, 3, 1), D(2026, 3, 15))
    # an agreement that already has a start date keeps it on activation
    assert Agreement.objects.get(pk=aw.ag_a.pk).start == D(2024, 1, 1)


def test_renewal_creates_one_successor(world, aw):
    new = services.agreement_renew(
        actor=world.manager_a, agreement=aw.ag_a, start=D(2027, 1, 1), end=D(2029, 12, 31)
    )
    assert (new.title, new.status, new.predecessor_id, new.start, new.end) == (
        "营销政企联建协议（续签）",
        "草拟",
        aw.ag_a.pk,
        D(2027, 1, 1),
        D(2029, 12, 31),
    )
    assert sorted(new.parties.values_list("code", flat=True)) == ["WB-GOV", "ZB-A"]
    assert list(new.goals.values_list("text", "target", "unit")) == [
        ("联合开展主题党日", 4, "次/年")
    ]
    assert Agreement.objects.get(pk=aw.ag_a.pk).successor == new
    count = Agreement.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.agreement_renew(
            actor=world.manager_a,
            agreement=Agreement.objects.get(pk=aw.ag_a.pk),
            start=D(2027, 1, 1),
            end=D(2029, 12, 31),
        )
    assert exc.value.messages == ["该协议已续签"]
    assert Agreement.objects.count() == count


@pytest.mark.parametrize("status", ["草拟", "终止"])
def test_drafts_and_terminated_agreements_do_not_renew(world, aw, status):
    ag = _agreement_in(world, aw, status)
    with pytest.raises(ValidationError) as exc:
        services.agreement_renew(actor=None, agreement=ag, start=D(2027, 1, 1), end=D(2028, 1, 1))
    assert exc.value.messages == ["草拟或已终止的协议不能续签"]
    assert not Agreement.objects.filter(predecessor=ag).exists()


def test_renewal_of_an_agreement_whose_party_left_is_refused(world, aw):
    services.alliance_member_update(
        actor=None,
        membership=AllianceMember.objects.get(alliance=aw.lj_a, org=world.partner),
        left_on=D(2026, 6, 30),
    )
    with pytest.raises(ValidationError) as exc:
        services.agreement_renew(
            actor=None, agreement=aw.ag_a, start=D(2027, 1, 1), end=D(2028, 1, 1)
        )
    assert exc.value.messages == ["签约方必须是本联建的成员：本溪县人民政府机关党委"]


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, "application/octet-stream")


@pytest.mark.parametrize(
    "name,content,kind",
    [
        ("扫描件.pdf", PDF_BYTES, "application/pdf"),
        ("照片.png", PNG_BYTES, "image/png"),
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg"),
        # the content decides, not the name: PNG bytes named .pdf are stored and served as PNG
        ("其实是图片.pdf", PNG_BYTES, "image/png"),
        ("page.html", PNG_BYTES, "image/png"),
    ],
)
def test_uploads_are_typed_by_their_content(world, aw, name, content, kind):
    f = services.agreement_attach(
        actor=world.manager_a, agreement=aw.ag_a, upload=_upload(name, content)
    )
    assert (f.name, f.content_type, f.size, f.uploaded_by) == (
        name,
        kind,
        len(content),
        "manager_a",
    )
    with f.file.open("rb") as handle:
        assert handle.read() == content
    # stored under a random name whose extension follows the content, not the client's name
    assert name not in f.file.name
    assert (
        f.file.name.rsplit(".", 1)[1]
        == {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}[kind]
    )


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("x.pdf", b"plain text pretending to be a PDF", "只能上传 PDF、PNG 或 JPEG 文件"),
        ("x.html", b"<html><script>alert(1)</script></html>", "只能上传 PDF、PNG 或 JPEG 文件"),
        ("empty.pdf", b"", "文件为空"),
        ("big.pdf", b"%PDF-" + b"0" * (21 * 1024 * 1024), "文件超过 20 MB"),
    ],
)
def test_uploads_refused_by_content_or_size(world, aw, name, content, message):
    files, audits = AgreementFile.objects.count(), AuditLog.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.agreement_attach(
            actor=world.manager_a, agreement=aw.ag_a, upload=_upload(name, content)
        )
    assert exc.value.messages == [message]
    assert (AgreementFile.objects.count(), AuditLog.objects.count()) == (files, audits)


def test_plan_save_replaces_the_items(world, aw):
    services.plan_save(
        actor=world.manager_a,
        alliance=aw.lj_a,
        year=2026,
        summary="年度目标",
        items=[
            {"quarter": 1, "title": "党课互讲", "planned_activities": 2, "goal": "全覆盖"},
            {"quarter": 3, "title": "现场观摩", "planned_activities": 1},
            {"quarter": 2, "title": "  "},  # a blank line is skipped
        ],
    )
    plan = Plan.objects.get(alliance=aw.lj_a, year=2026)
    assert list(plan.items.values_list("quarter", "title", "planned_activities", "goal")) == [
        (1, "党课互讲", 2, "全覆盖"),
        (3, "现场观摩", 1, ""),
    ]
    services.plan_save(
        actor=world.manager_a,
        alliance=aw.lj_a,
        year=2026,
        summary="调整后目标",
        items=[{"quarter": 4, "title": "年度述评", "planned_activities": 1}],
    )
    plan.refresh_from_db()
    assert (plan.summary, list(plan.items.values_list("quarter", "title"))) == (
        "调整后目标",
        [(4, "年度述评")],
    )
    assert Plan.objects.filter(alliance=aw.lj_a).count() == 1
    audits = list(
        AuditLog.objects.filter(target_id="LJ-A", note="2026年实施方案")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert audits == ["create", "update"]


def test_plan_save_with_a_bad_quarter_changes_nothing(world, aw):
    services.plan_save(
        actor=None,
        alliance=aw.lj_a,
        year=2026,
        summary="目标",
        items=[{"quarter": 1, "title": "党课互讲", "planned_activities": 2}],
    )
    with pytest.raises(ValidationError) as exc:
        services.plan_save(
            actor=None,
            alliance=aw.lj_a,
            year=2026,
            summary="新目标",
            items=[{"quarter": 5, "title": "第五季度"}],
        )
    assert exc.value.messages == ["季度应为 1 到 4：第五季度"]
    plan = Plan.objects.get(alliance=aw.lj_a, year=2026)
    assert (plan.summary, list(plan.items.values_list("title", flat=True))) == (
        "目标",
        ["党课互讲"],
    )


def test_an_alliance_needs_two_organisations_and_no_dissolved_one(world, aw):
    from lianjian.alliances.models import AllianceType

    network = AllianceType.objects.get(name="联建网")
    with pytest.raises(ValidationError) as exc:
        services.alliance_create(
            actor=None,
            code="LJ-1",
            name="一个",
            type=network,
            lead=world.zb_a,
            members=[world.zb_a],
        )
    assert exc.value.message_dict == {"members": ["联建至少需要两个党组织"]}
    with pytest.raises(ValidationError) as exc:
        services.alliance_member_update(
            actor=None,
            membership=AllianceMember.objects.get(alliance=aw.lj_a, org=world.zb_a),
            left_on=D(2026, 1, 1),
        )
    assert exc.value.message_dict == {"left_on": ["牵头组织不能退出，请先更换牵头组织"]}


def test_plan_and_figures_count_only_submitted_or_approved_activities(world, aw):
    from lianjian.activities import services as activity_services
    from lianjian.activities.selectors import alliance_activity_figures, plan_vs_actual

    services.plan_save(
        actor=world.manager_a,
        alliance=aw.lj_a,
        year=2026,
        summary="",
        items=[{"quarter": 1, "title": "党课互讲", "planned_activities": 2}],
    )
    start = datetime.datetime(2026, 2, 10, 9, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
    held = activity_services.activity_record(
        actor=None,
        type="联建活动",
        host=world.zb_a,
        start=start,
        topic="党课互讲",
        alliance=aw.lj_a,
        present_count=12,
    )
    activity_services.activity_record(
        actor=None,
        type="联建活动",
        host=world.zb_a,
        start=start,
        topic="草稿中的活动",
        alliance=aw.lj_a,
        present_count=30,
    )
    activity_services.activity_submit(actor=world.manager_a, activity=held)
    quarters = plan_vs_actual(Plan.objects.get(alliance=aw.lj_a, year=2026))
    assert [(q["quarter"], q["planned"], q["actual"]) for q in quarters] == [
        (1, 2, 1),
        (2, 0, 0),
        (3, 0, 0),
        (4, 0, 0),
    ]
    assert alliance_activity_figures(aw.lj_a) == {"activities": 1, "person_times": 12}
