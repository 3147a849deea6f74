"""Resource sharing services and scope: who sees what, the booking rules (no double
booking, hours, capacity), decisions and the inbox, matches, utilisation figures."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from lianjian.activities import services as activity_services
from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.core.models import AuditLog
from lianjian.notifications.models import Notification
from lianjian.sharing import selectors, services
from lianjian.sharing.models import (
    Booking,
    BookingStatus,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Resource,
)
from tests.matrix import PERSONAS
from tests.sharing_helpers import MANAGES, VISIBLE, make_sharing

D = datetime.date(2026, 3, 2)  # a Monday
NOW = datetime.datetime(2026, 3, 1, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=NOW.tzinfo)


@pytest.fixture
def sw(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_sharing(world)


def book(sw, world, code="R-A", org=None, start=None, end=None, **kw):
    return services.booking_request(
        actor=world.manager_b,
        resource=sw.r[code],
        org=org or world.zb_b,
        start=start or at(2, 9),
        end=end or at(2, 11),
        purpose="主题党日",
        now=NOW,
        **kw,
    )


# ---- scope --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_exactly_what_is_shared_with_them(world, sw, persona):
    user = getattr(world, persona)
    assert set(Resource.objects.visible_to(user).values_list("code", flat=True)) == VISIBLE[persona]
    assert (
        set(Resource.objects.manageable_by(user).values_list("code", flat=True)) == MANAGES[persona]
    )


def test_a_partner_unit_sees_alliance_resources_but_not_the_company_wide_ones(world, sw):
    seen = set(Resource.objects.visible_to(sw.partner_gov).values_list("code", flat=True))
    # R-B is 全部内部组织, which includes the alliance partners; R-CALL reaches only internal
    # organisations and ZB-C is in no alliance with the partner.
    assert seen == {"R-GOV", "R-A", "R-B"}


def test_shared_with_one_organisation(world, sw):
    assert set(Resource.objects.shared_with(world.zb_b).values_list("code", flat=True)) == {
        "R-A",
        "R-B",
        "R-CALL",
        "R-GOV",
    }
    assert set(Resource.objects.shared_with(world.zb_x).values_list("code", flat=True)) == {"R-X"}


def test_alliance_sharing_ends_when_the_alliance_pauses_or_the_member_leaves(world, sw):
    assert Resource.objects.visible_to(world.manager_b).filter(code="R-A").exists()
    Alliance.objects.filter(code="LJ-A").update(status=Alliance.Status.PAUSED)
    assert not Resource.objects.visible_to(world.manager_b).filter(code="R-A").exists()
    Alliance.objects.filter(code="LJ-A").update(status=Alliance.Status.ACTIVE)
    AllianceMember.objects.filter(alliance__code="LJ-A", org=world.zb_b).update(
        left_on=datetime.date(2026, 1, 1)
    )
    assert not Resource.objects.visible_to(world.manager_b).filter(code="R-A").exists()
    # 全部内部组织 does not depend on the alliance.
    assert Resource.objects.visible_to(world.manager_b).filter(code="R-CALL").exists()


@pytest.mark.parametrize(
    "persona,seen",
    [
        ("admin", True),
        ("company", True),
        ("manager_a", True),
        ("member_a", True),
        ("manager_b", True),
        ("outsider", False),
    ],
)
def test_needs_follow_the_same_sharing_rule(world, sw, persona, seen):
    assert Need.objects.visible_to(getattr(world, persona)).filter(code="XQ-A").exists() is seen


# ---- resources ----------------------------------------------------------------------------


def test_resource_create_normalises_hours_and_is_audited(world, sw):
    r = services.resource_create(
        actor=world.manager_a,
        name="会议室",
        kind="党员活动室",
        owner=world.zb_a,
        opening_hours="周一、周二、周三 9:00-11:00",
        tags=["a", " a ", "b", ""],
    )
    assert r.code == "ZY-0001"
    assert r.opening_hours == "周一至周三 09:00-11:00"
    assert r.tags == ["a", "b"]
    row = AuditLog.objects.get(target_type="sharing.resource", target_id="ZY-0001")
    assert row.action == "create" and row.actor == world.manager_a


@pytest.mark.parametrize(
    "fields,field,message",
    [
        (
            {"kind": "设备", "capacity": 10},
            "capacity",
            "只有阵地、党员活动室和教育基地可以填写容纳人数",
        ),
        ({"kind": "阵地", "expertise": ["x"]}, "expertise", "只有专家和讲师可以填写专长领域"),
        ({"kind": "阵地", "lat": 41.0}, "lon", "纬度和经度需同时填写"),
        ({"kind": "阵地", "opening_hours": "上午"}, "opening_hours", "应以星期开头"),
        ({"kind": "阵地", "contact_phone": "call me"}, "contact_phone", "联系电话只能包含"),
    ],
)
def test_bad_resources_are_refused_with_the_field_and_nothing_is_written(
    world, sw, fields, field, message
):
    before = Resource.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.resource_create(actor=None, name="x", owner=world.zb_a, **fields)
    assert any(message in m for m in exc.value.message_dict[field])
    assert Resource.objects.count() == before


def test_resource_code_cannot_change_and_a_phone_is_audited_masked(world, sw):
    with pytest.raises(ValidationError):
        services.resource_update(actor=None, resource=sw.r["R-A"], code="NEW")
    services.resource_update(actor=None, resource=sw.r["R-A"], contact_phone="13900001111")
    row = AuditLog.objects.filter(target_id="R-A", action="update").latest("id")
    assert row.after == {"contact_phone": "139****1111"}


# ---- booking rules --------------------------------------------------------------------------


def test_a_request_is_pending_audited_and_lands_in_the_owners_inbox(world, sw):
    b = book(sw, world, expected_people=12)
    assert (b.status, b.org, b.requested_by, b.requested_by_name) == (
        "待审批",
        world.zb_b,
        world.manager_b,
        "manager_b",
    )
    task = Notification.objects.get(key=f"booking:{b.pk}:request")
    assert (task.user, task.kind, task.link) == (
        world.manager_a,
        "todo",
        f"/sharing/bookings/{b.pk}/",
    )
    assert "运维检修党支部预约“营销服务党员活动室”" in task.title
    assert (
        AuditLog.objects.filter(
            target_type="sharing.booking", target_id=str(b.pk), action="create"
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    "start,end",
    [
        (at(2, 9), at(2, 11)),  # the same slot
        (at(2, 10), at(2, 12)),  # overlaps the end
        (at(2, 8, 30), at(2, 9, 30)),  # overlaps the start
        (at(2, 9, 30), at(2, 10)),  # inside
        (at(2, 8, 30), at(2, 12)),  # around
    ],
)
def test_an_overlapping_request_is_refused_and_changes_nothing(world, sw, start, end):
    book(sw, world)
    count, audits = Booking.objects.count(), AuditLog.objects.count()
    with pytest.raises(services.BookingClash) as exc:
        book(sw, world, org=world.zb_a, start=start, end=end)
    assert exc.value.messages == [services.CLASH]
    assert (Booking.objects.count(), AuditLog.objects.count()) == (count, audits)


def test_touching_ends_are_allowed(world, sw):
    book(sw, world)
    book(sw, world, start=at(2, 11), end=at(2, 12))
    book(sw, world, start=at(2, 8, 30), end=at(2, 9))
    assert Booking.objects.filter(status="待审批").count() == 3


def test_declined_and_cancelled_bookings_free_their_slot_but_pending_and_approved_hold_it(
    world, sw
):
    first = book(sw, world)
    services.booking_decline(actor=world.manager_a, booking=first, reason="检修", now=NOW)
    second = book(sw, world)
    services.booking_approve(actor=world.manager_a, booking=second, now=NOW)
    with pytest.raises(services.BookingClash):
        book(sw, world)
    services.booking_cancel(actor=world.manager_b, booking=second, now=NOW)
    third = book(sw, world)
    assert third.status == "待审批"
    # The same slot of another resource was never blocked.
    assert book(sw, world, code="R-B").status == "待审批"


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"start": at(2, 8), "end": at(2, 9)}, "所选时段不在开放时间内"),
        ({"start": at(7, 9), "end": at(7, 10)}, "所选时段不在开放时间内"),  # Saturday
        ({"start": at(2, 16), "end": at(3, 10)}, "所选时段不在开放时间内"),  # over night
        ({"start": at(2, 11), "end": at(2, 9)}, "结束时间应晚于开始时间"),
        ({"start": at(1, 8), "end": at(1, 9)}, "开始时间已过"),
        ({"expected_people": 21}, "预计人数 21 人超过容纳人数 20 人"),
        ({"purpose": " "}, "请填写用途"),
    ],
)
def test_a_bad_slot_is_refused_with_a_reason(world, sw, kwargs, message):
    fields = {
        "actor": world.manager_b,
        "resource": sw.r["R-A"],
        "org": world.zb_b,
        "start": at(2, 9),
        "end": at(2, 11),
        "purpose": "主题党日",
        "now": NOW,
        **kwargs,
    }
    with pytest.raises(ValidationError) as exc:
        services.booking_request(**fields)
    assert any(message in m for m in exc.value.messages)
    assert not Booking.objects.exists() and not Notification.objects.exists()


def test_a_resource_without_hours_takes_any_slot_up_to_a_month(world, sw):
    b = book(sw, world, code="R-B", start=at(7, 22), end=at(9, 6))
    assert b.hours == 32
    with pytest.raises(ValidationError, match="单次预约不能超过 31 天"):
        book(
            sw,
            world,
            code="R-B",
            start=at(10, 9),
            end=datetime.datetime(2026, 4, 12, 9, tzinfo=NOW.tzinfo),
        )


def test_only_organisations_the_resource_is_shared_with_may_book_it(world, sw):
    with pytest.raises(ValidationError, match="该资源未向“运维检修党支部”开放"):
        book(sw, world, code="R-AOWN")
    with pytest.raises(ValidationError, match="未向“营销服务党支部”开放"):
        book(sw, world, code="R-C", org=world.zb_a)


def test_a_withdrawn_resource_takes_no_bookings(world, sw):
    services.resource_update(actor=None, resource=sw.r["R-A"], is_active=False)
    with pytest.raises(ValidationError, match="该资源已停止预约"):
        book(sw, world)


def test_a_linked_activity_must_list_the_booking_organisation(world, sw):
    activity = activity_services.activity_record(
        actor=None, code="ACT-A", type="主题党日", host=world.zb_a, start=at(2, 9), topic="主题党日"
    )
    with pytest.raises(ValidationError, match="活动 ACT-A 未列出预约组织“运维检修党支部”"):
        book(sw, world, activity=activity)
    b = book(sw, world, org=world.zb_a, activity=activity)
    assert b.activity == activity


# ---- decisions ----------------------------------------------------------------------------


def test_approval_tells_the_requester_and_closes_the_owners_task(world, sw):
    b = book(sw, world)
    services.booking_approve(actor=world.manager_a, booking=b, now=NOW)
    b.refresh_from_db()
    assert (b.status, b.decided_by_name, b.decided_at) == ("已批准", "manager_a", NOW)
    message = Notification.objects.get(key=f"booking:{b.pk}:已批准")
    assert (message.user, message.kind) == (world.manager_b, "message")
    assert Notification.objects.get(key=f"booking:{b.pk}:request").done_at is not None
    with pytest.raises(ValidationError, match="只有待审批的预约可以审批"):
        services.booking_approve(actor=world.manager_a, booking=b, now=NOW)


def test_a_task_closed_by_the_decision_no_longer_counts_as_unread(world, sw):
    """The sidebar badge counts unread notifications: a 待办 the decision closed must not
    keep it up, as when the manager marks it 办结 by hand. One already read stays as read."""
    first, second = book(sw, world), book(sw, world, start=at(3, 9), end=at(3, 11))
    read_at = NOW - datetime.timedelta(days=1)
    Notification.objects.filter(key=f"booking:{second.pk}:request").update(read_at=read_at)
    services.booking_approve(actor=world.manager_a, booking=first, now=NOW)
    services.booking_cancel(actor=world.manager_b, booking=second, now=NOW)
    done = Notification.objects.get(key=f"booking:{first.pk}:request")
    assert done.done_at is not None and done.read_at is not None
    assert Notification.objects.get(key=f"booking:{second.pk}:request").read_at == read_at
    assert not Notification.objects.filter(
        user=world.manager_a, key__endswith=":request", read_at__isnull=True
    ).exists()


def test_a_refusal_needs_a_reason_and_the_requester_reads_it(world, sw):
    b = book(sw, world)
    with pytest.raises(ValidationError, match="请填写拒绝原因"):
        services.booking_decline(actor=world.manager_a, booking=b, reason="  ", now=NOW)
    assert Booking.objects.get(pk=b.pk).status == "待审批"
    services.booking_decline(actor=world.manager_a, booking=b, reason="当天检修", now=NOW)
    message = Notification.objects.get(key=f"booking:{b.pk}:已拒绝")
    assert "未获批准（原因：当天检修）" in message.body and message.level == "yellow"


def test_a_started_slot_can_be_neither_approved_nor_cancelled(world, sw):
    b = book(sw, world)
    later = at(2, 9, 30)
    with pytest.raises(ValidationError, match="预约时段已开始，不能再批准"):
        services.booking_approve(actor=world.manager_a, booking=b, now=later)
    with pytest.raises(ValidationError, match="预约时段已开始，不能取消"):
        services.booking_cancel(actor=world.manager_b, booking=b, now=later)
    assert Booking.objects.get(pk=b.pk).status == "待审批"


def test_cancelling_tells_the_owner_and_cannot_happen_twice(world, sw):
    b = book(sw, world)
    services.booking_cancel(actor=world.manager_b, booking=b, reason="改期", now=NOW)
    assert Booking.objects.get(pk=b.pk).reason == "改期"
    assert Notification.objects.get(key=f"booking:{b.pk}:已取消").user == world.manager_a
    with pytest.raises(ValidationError, match="只有待审批或已批准的预约可以取消"):
        services.booking_cancel(actor=world.manager_b, booking=b, now=NOW)


def test_history_of_a_booking_is_audited_step_by_step(world, sw):
    b = book(sw, world)
    services.booking_approve(actor=world.manager_a, booking=b, now=NOW)
    services.booking_cancel(actor=world.manager_b, booking=b, now=NOW)
    rows = AuditLog.objects.filter(target_type="sharing.booking", target_id=str(b.pk)).order_by(
        "id"
    )
    assert [(r.actor_name, r.action, (r.after or {}).get("status")) for r in rows] == [
        ("manager_b", "create", "待审批"),
        ("manager_a", "update", "已批准"),
        ("manager_b", "update", "已取消"),
    ]


# ---- matches and suggestions ------------------------------------------------------------------


def test_suggestions_rank_shared_resources_and_partner_organisations(world, sw):
    resources, orgs = selectors.suggestions(sw.need, user=world.manager_a)
    assert [(s.obj.code, s.suggestion.shared) for s in resources] == [
        ("R-B", ("安全培训", "活动阵地")),
        ("R-CALL", ("安全培训",)),
    ]
    assert [(s.obj.code, s.suggestion.shared) for s in orgs] == [("ZB-C", ("活动阵地",))]
    assert orgs[0].suggestion.distance_km == pytest.approx(10.0, abs=0.1)


def test_a_match_records_who_matched_whom_and_an_agreed_one_meets_the_need(world, sw):
    m = services.match_create(
        actor=world.manager_a, need=sw.need, resource=sw.r["R-B"], note="联系运维检修"
    )
    assert (m.shared_tags, m.matched_by_name, m.status) == (
        ["安全培训", "活动阵地"],
        "manager_a",
        "对接中",
    )
    assert m.distance_km == 20.1
    with pytest.raises(ValidationError, match="已与该资源对接"):
        services.match_create(actor=world.manager_a, need=sw.need, resource=sw.r["R-B"])
    with pytest.raises(ValidationError, match="不能与本组织自己的资源或本组织对接"):
        services.match_create(actor=world.manager_a, need=sw.need, resource=sw.r["R-A"])
    services.match_set_status(actor=world.manager_a, match=m, status=MatchStatus.AGREED)
    assert Need.objects.get(code="XQ-A").status == NeedStatus.MATCHED
    resources, _ = selectors.suggestions(sw.need, user=world.manager_a)
    assert [s.matched for s in resources] == [True, False]


def test_a_closed_need_takes_no_more_matches(world, sw):
    services.need_update(actor=None, need=sw.need, status=NeedStatus.CLOSED)
    with pytest.raises(ValidationError, match="需求已关闭"):
        services.match_create(
            actor=world.manager_a, need=Need.objects.get(code="XQ-A"), org=sw.zb_c
        )
    assert not Match.objects.exists()


# ---- utilisation --------------------------------------------------------------------------


def test_utilisation_counts_approved_hours_by_owner_and_by_others(world, sw):
    own = book(sw, world, org=world.zb_a)  # 2 h, own unit
    other = book(sw, world, start=at(3, 9), end=at(3, 12))  # 3 h, ZB-B
    later = book(
        sw, world, code="R-B", org=world.zb_a, start=at(20, 9), end=at(20, 13)
    )  # 4 h on ZB-B's, by ZB-A
    pending = book(sw, world, start=at(4, 9), end=at(4, 10))  # never approved
    for b in (own, other, later):
        services.booking_approve(actor=world.admin, booking=b, now=NOW)
    assert pending.status == BookingStatus.PENDING
    data = selectors.utilisation(root=world.dw, user=world.company, year=2026, now=at(10, 0))
    total = data["total"]
    assert (total.bookings, total.hours, total.used, total.others) == (3, 9.0, 5.0, 7.0)
    assert total.share == pytest.approx(7 / 9)
    by_resource = {
        r["resource"].code: (r["usage"].hours, r["usage"].others) for r in data["resources"]
    }
    assert by_resource == {"R-A": (5.0, 3.0), "R-B": (4.0, 4.0)}
    assert [(c["code"], c["usage"].hours) for c in data["companies"]] == [("DW", 9.0)]
    (lj_a,) = data["alliances"]
    assert (lj_a["code"], lj_a["hours"], lj_a["others"], lj_a["inside"]) == ("LJ-A", 9.0, 7.0, 7.0)
    assert data["months_own"][2] == 2.0 and data["months_other"][2] == 7.0
    # Another year, or a subtree without bookings, shows nothing.
    assert (
        selectors.utilisation(root=world.dw, user=world.company, year=2025)["total"].bookings == 0
    )
    assert selectors.utilisation(root=sw.zb_c, user=world.company, year=2026)["total"].bookings == 0


# ---- text limits --------------------------------------------------------------------------


def test_descriptions_are_bounded_on_every_path_so_an_export_always_imports_back(world, sw):
    """A resource's 说明 is an Excel column of at most 5000 characters: a longer one saved on
    the screen or through the API could be exported but never imported again. Needs and
    projects stop at the API's 10 000. A refusal writes nothing."""
    before = (
        list(Resource.objects.values_list("pk", "description")),
        Need.objects.count(),
        AuditLog.objects.count(),
    )
    with pytest.raises(ValidationError) as exc:
        services.resource_create(
            actor=None, name="长说明", kind="阵地", owner=world.zb_a, description="长" * 5001
        )
    assert exc.value.message_dict == {"description": ["说明不能超过 5000 个字符"]}
    with pytest.raises(ValidationError):
        services.resource_update(actor=None, resource=sw.r["R-A"], description="长" * 5001)
    with pytest.raises(ValidationError) as exc:
        services.need_create(
            actor=None, org=world.zb_a, title="长需求", tags=["安全培训"], description="长" * 10_001
        )
    assert exc.value.message_dict == {"description": ["需求描述不能超过 10000 个字符"]}
    with pytest.raises(ValidationError) as exc:
        services.project_create(
            actor=None,
            org=world.zb_a,
            title="长项目",
            partners_wanted=["专家"],
            description="长" * 10_001,
        )
    assert exc.value.message_dict == {"description": ["项目简介不能超过 10000 个字符"]}
    assert (
        list(Resource.objects.values_list("pk", "description")),
        Need.objects.count(),
        AuditLog.objects.count(),
    ) == before
    # The limits themselves are allowed.
    services.resource_update(actor=None, resource=sw.r["R-A"], description="长" * 5000)
    services.need_update(actor=None, need=sw.need, description="长" * 10_000)
