"""The lists of ``core.filters.LISTS`` with rows in every one of them: both edges give the
same rows for every persona, each list finds rows, and the query counts stay flat as rows grow
(the cases and the edge helpers are ``tests/test_list_filters.py``'s)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianjian.core.filters import LISTS
from lianjian.sharing import services as sharing_services
from tests.conftest import build_world, module_transaction
from tests.consultation_helpers import make_consultations
from tests.keytask_helpers import make_tasks
from tests.matrix import PERSONAS
from tests.sharing_helpers import at, future_monday, make_sharing
from tests.supervision_helpers import make_ledger
from tests.test_list_filters import (
    BASE_PARAMS,
    CASES,
    ROW_LISTS,
    TREE_LISTS,
    _api_keys,
    _same_rows,
    _screen,
    _screen_url,
)


@pytest.fixture(scope="module")
def _rows(django_db_setup, django_db_blocker, tmp_path_factory):
    """The rows of every list, built once for the module inside a transaction rolled back at
    its end; each test runs in a savepoint within it (pytest-django's ``db``), so what a test
    adds (``_grow``) is gone for the next one. Building them took ~2 s per test on PostgreSQL."""
    with module_transaction(django_db_blocker, MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        world = build_world()
        _build_rows(world)
        yield world


@pytest.fixture
def lists(_rows, db, settings, tmp_path):
    """The world with alliances, problems, meetings, resources, a booking, a need, a project,
    notifications and audit rows, so that every list has rows to filter."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return _rows


def _build_rows(world) -> None:
    c = make_consultations(world)
    s = make_sharing(world, c.al)
    day = future_monday()
    sharing_services.booking_request(
        actor=world.manager_b,
        resource=s.r["R-A"],
        org=world.zb_b,
        start=at(day, 9),
        end=at(day, 11),
        purpose="主题党日",
    )
    sharing_services.project_create(
        actor=None,
        code="XM-B",
        org=world.zb_b,
        title="设备带电检测攻关",
        tags=["技术攻关"],
        partners_wanted=["专家"],
        sharing="全部内部组织",
    )
    _activity_rows(world)
    _assessment_rows(world)
    tasks = make_tasks(world)
    _package_rows(world, tasks.a)
    _decision_rows(world)
    _carrier_rows(world)
    _project_rows(world)
    make_ledger(world, recommendation=True)
    _points_rows(world)
    _appraisal_rows(world)


def _decision_rows(world) -> None:
    """DW's 事项清单 and two items, one executed by ZB-A (tests/decisions_helpers.py)."""
    from tests.decisions_helpers import make_register

    world.register = make_register(world)


def _carrier_rows(world) -> None:
    """岗区队: a named 示范岗 of ZB-A, a withdrawn one, a 责任区 of ZB-B being declared."""
    from lianjian.carriers import services
    from tests.carrier_helpers import named_post

    named_post(world)
    gone = named_post(world, name="安全督查党员示范岗")
    services.record_veto(None, gone, kind="违纪", description="违纪")
    services.declare(
        None,
        kind="责任区",
        org=world.zb_b,
        fields={"name": "线路通道责任区", "theme": "党建+安全生产"},
    )


def _project_rows(world) -> None:
    """揭榜挂帅: a reviewed call won by ZB-A (its project has a 省部 award; ZB-B's bid lost),
    an open call with ZB-B's bid and a draft call."""
    from lianjian.core.validation import today
    from lianjian.projects import services
    from tests.project_helpers import bid, make_call

    won = make_call(world, code="JB-L1")
    a, _b = bid(world, won, side="a"), bid(world, won, side="b")
    services.call_transition(world.company, won, "close")
    services.bid_transition(world.company, a, "shortlist")
    services.bid_transition(world.company, a, "defence", on=today())
    project = services.bid_award(world.company, a)
    services.award_add(world.company, project, level="省部", name="省级奖", awarded_on=today())
    bid(world, make_call(world, code="JB-L2", title="设备带电检测攻关"), side="b")
    make_call(world, publish=False, code="JB-L3", title="草拟的课题", kind="课题")


def _points_rows(world) -> None:
    """The points scheme of DW, auto entries of A and B, a manual deduction withdrawn, and
    claims of A (filed) and B (effective)."""
    from lianjian.points import services
    from lianjian.points.models import PointsEntry
    from tests.points_helpers import held_meeting, make_scheme

    scheme = make_scheme()
    held_meeting(world.zb_a, datetime.date(2026, 2, 10), present=[world.m_a1], absent=[world.m_a2])
    held_meeting(world.zb_b, datetime.date(2026, 2, 12), present=[world.m_b1])
    services.recompute(actor=None, scheme=scheme)
    entry = services.add_manual_entry(
        actor=None,
        member=world.m_a1,
        rule=scheme.rules.get(code="C1"),
        happened_on=datetime.date(2026, 3, 1),
        reason="无故缺席",
    )
    services.withdraw_entry(actor=None, entry=entry, reason="实为请假")
    rule = scheme.rules.get(code="B2")
    services.file_claim(
        actor=None,
        member=world.m_a1,
        rule=rule,
        happened_on=datetime.date(2026, 4, 1),
        text="获表彰",
    )
    claim = services.file_claim(
        actor=None,
        member=world.m_b1,
        rule=rule,
        happened_on=datetime.date(2026, 4, 2),
        text="获表彰",
    )
    for action, day in (("group", 1), ("committee", 1), ("publish", 1), ("effective", 4)):
        claim = services.claim_step(
            actor=None, claim=claim, action=action, today=datetime.date(2026, 5, day)
        )
    assert PointsEntry.objects.filter(claim=claim).exists()


def _appraisal_rows(world) -> None:
    """民主评议: ZB-A's of 2025 (准备) and 2026 (测评中), ZB-B's of 2026 (准备)."""
    from lianjian.appraisals import services

    for branch, year in ((world.zb_a, 2025), (world.zb_a, 2026), (world.zb_b, 2026)):
        a = services.appraisal_create(
            actor=world.company, branch=branch, year=year, held_on=datetime.date(year, 6, 1)
        )
        if branch == world.zb_a and year == 2026:
            services.appraisal_start(actor=world.company, appraisal=a)


def _package_rows(world, task) -> None:
    """Task packages: ZB-A's published one (a claim) and its draft, ZB-B's of last month."""
    from lianjian.keytasks import services

    published = services.package_create(
        None,
        organisation=world.zb_a,
        month="2026-12",
        name="12月重点任务包",
        items=[("入户走访", task), ("政策宣讲", None)],
    )
    services.package_publish(None, published)
    services.package_item_claim(None, published.items.order_by("id").first(), world.m_a1)
    services.package_create(
        None, organisation=world.zb_a, month="2026-12", name="草稿任务包", items=[("巡线", None)]
    )
    other = services.package_create(
        None, organisation=world.zb_b, month="2026-11", name="11月任务包", items=[("走访", None)]
    )
    services.package_publish(None, other)


def _assessment_rows(world) -> None:
    """The assessed example scheme (KPIs, evaluator scores, two runs, one published), a
    quarterly scheme, the other company's scheme and objections of ZB-A and ZB-B, one answered."""
    from lianjian.assessment import objections
    from lianjian.assessment.models import KpiValue, Objection
    from lianjian.assessment.services import scheme_import
    from tests.assessment_engine_helpers import example
    from tests.assessment_screens_helpers import make_assessed

    make_assessed(world)
    scheme_import(example(code="DW-Q", name="季度考核", period="2025Q1"), actor=None)
    for org, raiser in ((world.zb_a, world.manager_a), (world.zb_b, world.manager_b)):
        for code in ("YW1", "YW2"):
            kpi = KpiValue.objects.get(org=org, period="2025", indicator_code=code)
            objections.objection_raise(actor=raiser, kpi=kpi, reason="有误")
    objections.objection_answer(
        actor=world.company,
        objection=Objection.objects.order_by("pk").first(),
        accept=True,
        corrected_value=2,
        answer="改",
    )


def _activity_rows(world) -> None:
    """Activities of A and B, one joint, one voided draft (left out unless asked for)."""
    from lianjian.activities import services
    from lianjian.activities.selectors import TZ

    def rec(code, atype, host, *co, month=3, status="已通过"):
        return services.activity_record(
            actor=None,
            code=code,
            type=atype,
            host=host,
            co_orgs=list(co),
            start=datetime.datetime(2026, month, 5, 9, tzinfo=TZ),
            topic=f"{atype}{code}",
            venue="党员活动室",
            status=status,
        )

    rec("LF-A", "主题党日", world.zb_a)
    rec("LF-AB", "联建活动", world.zb_a, world.zb_b, month=4)
    rec("LF-B", "党课", world.zb_b, month=5)
    draft = rec("LF-D", "主题党日", world.zb_a, status="草稿")
    rec("LF-V", "主题党日", world.zb_b, status="草稿")
    services.activity_void(actor=None, activity=draft, reason="重复登记")


@pytest.mark.parametrize(
    ("name", "params"),
    [(n, p) for n, cases in CASES.items() if n not in TREE_LISTS | ROW_LISTS for p in cases],
)
def test_screen_and_api_list_the_same_rows_for_every_persona(lists, name, params):
    # Every persona within one case: the fixture with every list's rows is built once for six users.
    for persona in PERSONAS:
        _same_rows(lists, name, params, persona)


@pytest.mark.parametrize("name", [n for n in CASES if n not in TREE_LISTS | ROW_LISTS])
def test_every_list_finds_rows_for_the_administrator(lists, name):
    # The equality above means little if both edges list nothing.
    entry = LISTS[name]
    user = lists.manager_a if name == "inbox" else lists.admin
    if name == "supervision_leads":  # leads are the bodies' only, not the admin's
        user = lists.jijian
    assert _screen(user, entry, BASE_PARAMS.get(name, {}))[1]


def test_a_filter_naming_an_organisation_out_of_sight_lists_nothing_on_both_edges(lists):
    for name in ("problems", "resources", "needs"):
        entry = LISTS[name]
        assert _screen(lists.manager_b, entry, {"org": "ZB-A"}) == (200, [])
        assert _api_keys(lists.manager_b, entry, {"org": "ZB-A"}) == []


# Queries of one list selector evaluated with every row a list screen shows, for the
# administrator (who sees most). Pinned: a join that turns into one query per row fails.
SELECTOR_QUERIES = {
    "orgs": 1,
    "members": 1,
    "alliances": 1,
    "problems": 2,
    "meetings": 1,
    "resources": 1,
    "bookings": 1,
    "needs": 1,
    "projects": 1,
    "audit": 1,
    "inbox": 1,
    "schemes": 1,
    "kpis": 1,
    "objections": 1,
    "runs": 1,
    "reviews": 1,
    "keytask_lists": 1,
    "packages": 1,
    "decisions": 1,
    "carriers": 1,
    "points_schemes": 1,
    "points_entries": 1,
    "points_claims": 1,
    "appraisals": 1,
}


@pytest.mark.parametrize("name", sorted(SELECTOR_QUERIES))
def test_each_list_selector_issues_a_fixed_number_of_queries(lists, name):
    entry = LISTS[name]
    assert entry.selector is not None or name in {"orgs", "members"}
    selector = entry.selector or _ORG_SELECTORS[name]
    user = lists.manager_a if name == "inbox" else lists.admin
    if name == "supervision_leads":  # leads are the bodies' only, not the admin's
        user = lists.jijian
    with CaptureQueriesContext(connection) as ctx:
        rows = list(selector(user, entry.filter()))
    assert rows
    assert len(ctx.captured_queries) <= SELECTOR_QUERIES[name] + _SCOPE_QUERIES


# The scope lookup of the user's organisation path, at most once per selector.
_SCOPE_QUERIES = 1


def _org_selector(name):
    from lianjian.orgs import selectors

    return selectors.org_list if name == "orgs" else selectors.member_list


_ORG_SELECTORS = {"orgs": _org_selector("orgs"), "members": _org_selector("members")}


# ---- query counts flat as rows grow -----------------------------------------------------


def _grow(world, name: str, i: int) -> None:
    """One more row of list ``name``, with its relations (owners, members, agenda …)."""
    import datetime

    from django.utils import timezone

    from lianjian.alliances import services as alliance_services
    from lianjian.alliances.models import Alliance, AllianceType
    from lianjian.consultations import services as consultation_services
    from lianjian.core.models import AuditLog
    from lianjian.notifications.models import Notification
    from lianjian.sharing.models import Resource

    if name == "alliances":
        alliance_services.alliance_create(
            actor=None,
            code=f"LJ-G{i}",
            name=f"增长联建{i}",
            type=AllianceType.objects.get(name="联建网"),
            lead=world.zb_a,
            members=[world.zb_b, world.partner],
            founded=datetime.date(2024, 1, 1),
        )
    elif name == "problems":
        p = consultation_services.problem_raise(
            actor=None,
            raised_by=world.zb_a,
            title=f"增长问题{i}",
            category="其他",
            alliance=Alliance.objects.get(code="LJ-A"),
        )
        consultation_services.problem_assign(
            actor=None,
            problem=p,
            owners=[world.zb_b, world.partner],
            deadline=timezone.localdate() + datetime.timedelta(days=30),
        )
    elif name == "meetings":
        start = timezone.now() + datetime.timedelta(days=10 + i)
        consultation_services.meeting_create(
            actor=None,
            alliance=Alliance.objects.get(code="LJ-A"),
            title=f"增长会议{i}",
            start=start,
            convener=world.zb_a,
            agenda=[consultation_services.Agenda("通报")],
            attendees=[
                consultation_services.Attendee(
                    org=world.zb_a, name="张三", post="书记", member=world.m_a1
                )
            ],
        )
    elif name == "resources":
        sharing_services.resource_create(
            actor=None,
            name=f"增长资源{i}",
            kind="阵地",
            owner=world.zb_a,
            sharing="联建单位",
            tags=["活动阵地"],
        )
    elif name == "bookings":
        day = future_monday() + datetime.timedelta(days=7 * (i + 1))
        sharing_services.booking_request(
            actor=world.manager_b,
            resource=Resource.objects.get(code="R-A"),
            org=world.zb_b,
            start=at(day, 9),
            end=at(day, 10),
            purpose=f"增长{i}",
        )
    elif name == "needs":
        sharing_services.need_create(
            actor=None,
            org=world.zb_a,
            title=f"增长需求{i}",
            tags=["安全培训"],
            sharing="全部内部组织",
        )
    elif name == "projects":
        sharing_services.project_create(
            actor=None,
            org=world.zb_b,
            title=f"增长项目{i}",
            tags=["技术攻关"],
            partners_wanted=["专家"],
            sharing="全部内部组织",
        )
    elif name == "audit":
        AuditLog.objects.create(
            action="update",
            target_type="orgs.organisation",
            target_id="ZB-A",
            target_repr=f"增长{i}",
            actor_name="测试",
        )
    elif name == "inbox":
        Notification.objects.create(user=world.manager_a, key=f"grow-{i}", title=f"增长通知{i}")
    elif name == "activities":
        from lianjian.activities import services as activity_services
        from lianjian.activities.selectors import TZ

        activity_services.activity_record(
            actor=None,
            code=f"LF-G{i}",
            type="主题党日",
            host=world.zb_a,
            co_orgs=[world.zb_b],
            start=datetime.datetime(2026, 6, 1 + i, 9, tzinfo=TZ),
            topic=f"增长活动{i}",
            venue="党员活动室",
            status="已通过",
        )
    elif name == "rules":
        from lianjian.activities import services as activity_services

        activity_services.rule_create(
            actor=None,
            activity_type=("谈心谈话", "联建活动", "党课", "主题党日", "支部委员会")[i],
            org_kind="党总支",
            frequency="年度",
            required=1,
        )
    elif name in {"schemes", "kpis", "objections", "runs", "reviews"}:
        _grow_assessment(world, name, i)
    elif name == "keytask_lists":
        from lianjian.keytasks import services as keytask_services

        keytask_services.list_create(
            actor=None,
            organisation=world.zb_a,
            year=2026,
            name=f"增长清单{i}",
            code=f"QD-G{i}",
            approval_ref="支部委员会",
            approved_on=datetime.date(2026, 1, 5),
        )
    elif name.startswith("points_"):
        _grow_points(world, name, i)
    elif name == "packages":
        from lianjian.keytasks import services as keytask_services

        package = keytask_services.package_create(
            actor=None,
            organisation=world.zb_b,
            month="2026-10",
            name=f"增长任务包{i}",
            items=[(f"增长事项{i}", None)],
        )
        keytask_services.package_publish(None, package)
        keytask_services.package_item_claim(None, package.items.get(), world.m_b1)
    elif name == "decisions":
        from lianjian.decisions import services as decision_services

        reg = world.register
        item = decision_services.item_create(
            actor=reg.board,
            matter_list=reg.ml,
            title=f"增长事项{i}",
            category="大额度资金运作",
            amount=150 + i,
            department="财务部",
            sponsor="王总",
        )
        decision_services.item_submit(actor=reg.board, item=item)
    elif name == "carriers":
        from tests.carrier_helpers import named_post

        named_post(world, name=f"增长示范岗{i}")
    elif name in {"calls", "bids", "projects_board"}:
        from lianjian.core.validation import today
        from lianjian.projects import services as project_services
        from tests.project_helpers import bid, make_call

        grown = make_call(world, code=f"JB-G{i}", publish=True)
        if name != "calls":
            made = bid(world, grown, side="a")
        if name == "projects_board":
            project_services.call_transition(world.company, grown, "close")
            project_services.bid_transition(world.company, made, "shortlist")
            project_services.bid_transition(world.company, made, "defence", on=today())
            project_services.bid_award(world.company, made)
    elif name.startswith("supervision_"):
        _grow_supervision(world, name, i)
    elif name == "appraisals":
        from lianjian.appraisals import services as appraisal_services

        appraisal_services.appraisal_create(
            actor=world.company,
            branch=world.zb_b,
            year=2015 + i,
            held_on=datetime.date(2015 + i, 6, 1),
        )
    else:
        raise KeyError(name)


def _grow_supervision(world, name: str, i: int) -> None:
    import datetime

    from lianjian.supervision import services
    from lianjian.supervision.models import Batch, Item, Recommendation

    if name == "supervision_batches":
        services.batch_create(
            actor=None,
            code=f"XC-G{i}",
            title=f"增长巡察{i}",
            source="巡察",
            issuing_body="巡察组",
            issuing_org=world.dw,
            inspected_org=world.zb_b,
            feedback_date=datetime.date(2026, 6, 1),
        )
    elif name == "supervision_items":
        item = services.item_create(
            actor=None,
            batch=Batch.objects.get(code="XC-2026-01"),
            number=f"G{i}",
            description=f"增长问题{i}",
            responsible_org=world.zb_b,
            kind="限期整改",
            deadline=datetime.date(2027, 6, 30),
        )
        services.measure_add(actor=None, item=item, text="措施", deadline=datetime.date(2027, 1, 1))
    elif name == "supervision_leads":
        services.lead_create(
            actor=None,
            org=world.dw,
            from_body="巡察",
            to_body="纪委",
            transferred_on=datetime.date(2026, 9, 1),
            case=f"增长线索{i}",
            item=Item.objects.get(batch__code="XC-2026-01", number="1"),
        )
    else:
        rec = Recommendation.objects.create(
            kind="纪检监察建议",
            issuer_org=world.dw,
            recipient=world.zb_a,
            text=f"增长建议{i}",
            reply_due=datetime.date(2027, 1, 31),
        )
        rec.items.set(Item.objects.filter(batch__code="XC-2026-01"))


def _grow_points(world, name: str, i: int) -> None:
    from lianjian.points import services
    from lianjian.points.models import PointsScheme
    from tests.points_helpers import make_scheme

    if name == "points_schemes":
        make_scheme(code=f"2026-JF{i}", name=f"增长积分办法{i}")
        return
    scheme = PointsScheme.objects.get(code="2026-JF")
    rule = scheme.rules.get(code="B2")
    if name == "points_entries":
        services.add_manual_entry(
            actor=None, member=world.m_b1, rule=rule, happened_on=datetime.date(2026, 6, 1 + i),
            reason=f"增长{i}",
        )  # fmt: skip
    else:
        services.file_claim(
            actor=None, member=world.m_b1, rule=rule, happened_on=datetime.date(2026, 6, 1 + i),
            text=f"增长申报{i}",
        )  # fmt: skip


def _grow_assessment(world, name: str, i: int) -> None:
    from lianjian.assessment import objections, services
    from lianjian.assessment.models import KpiValue, Scheme
    from tests.assessment_engine_helpers import example

    scheme = Scheme.objects.get(code="2025-SWD")
    if name == "schemes":
        services.scheme_import(example(code=f"G-{i}", name=f"增长方案{i}"), actor=None)
    elif name == "kpis":
        services.kpi_set(
            None, org=world.zb_a, period=f"2024-0{i + 1}", indicator_code="YW1", value=i
        )
    elif name == "objections":  # the values not yet objected to, and the answered one
        org, code, raiser = (
            (world.zb_a, "LJ2", world.manager_a),
            (world.zb_a, "FJ1", world.manager_a),
            (world.zb_b, "LJ2", world.manager_b),
            (world.zb_b, "FJ1", world.manager_b),
            (world.zb_a, "YW1", world.manager_a),
        )[i]
        kpi = KpiValue.objects.get(org=org, period="2025", indicator_code=code)
        objections.objection_raise(actor=raiser, kpi=kpi, reason=f"增长{i}")
    elif name == "runs":
        services.assessment_run(None, scheme, "2025", note=f"增长{i}")
    else:  # reviews: one more 评议打分 indicator the administrator evaluates
        services.indicator_save(
            None,
            scheme,
            code=f"PY{i}",
            name=f"增长评议{i}",
            dimension=scheme.dimensions.get(code="DJ"),
            max=1,
            rule="manual",
            source="manual",
            evaluators=[world.admin],
        )


def _queries(user, entry, params) -> tuple[int, int]:
    """Queries of the screen (a full page) and of the API list, for ``user``."""
    client = Client()
    client.force_login(user)
    url, rest = _screen_url(entry, params)
    with CaptureQueriesContext(connection) as screen:
        assert client.get(url, {**rest, "size": 200}).status_code == 200
    if not entry.api:
        return len(screen.captured_queries), 0
    from tests.api_helpers import auth_header

    headers = auth_header(user)
    with CaptureQueriesContext(connection) as api:
        assert (
            Client()
            .get(f"/api/v1{entry.api}?{urlencode({**params, 'page_size': 500})}", **headers)
            .status_code
            == 200
        )
    return len(screen.captured_queries), len(api.captured_queries)


@pytest.mark.parametrize("name", [n for n in CASES if n not in TREE_LISTS | ROW_LISTS])
def test_the_screen_and_the_api_issue_as_many_queries_for_five_more_rows(lists, name):
    entry = LISTS[name]
    user = lists.manager_a if name == "inbox" else lists.admin
    if name == "supervision_leads":  # leads are the bodies' only, not the admin's
        user = lists.jijian
    params = BASE_PARAMS.get(name, {})
    before_rows = len(_screen(user, entry, params)[1])
    before = _queries(user, entry, params)
    for i in range(5):
        _grow(lists, name, i)
    assert len(_screen(user, entry, params)[1]) == before_rows + 5
    assert _queries(user, entry, params) == before


def test_the_inbox_filters_by_kind_and_keeps_the_kind_across_its_tabs(lists):
    from lianjian.notifications.models import Notification

    Notification.objects.create(user=lists.manager_a, key="note", title="一条消息", kind="message")
    client = Client()
    client.force_login(lists.manager_a)
    assert {
        n.kind for n in client.get(reverse("notifications:inbox"), {"show": "all"}).context["page"]
    } == {"todo", "message"}
    response = client.get(reverse("notifications:inbox"), {"show": "all", "kind": "message"})
    page = response.context["page"]
    assert "一条消息" in [n.title for n in page] and {n.kind for n in page} == {"message"}
    assert 'href="?show=unread&amp;kind=message"' in response.content.decode()


# ---- compliance: rows of org × rule × period (selectors.compliance_list) -----------------
