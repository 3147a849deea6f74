"""Reads for alliance screens: lists with counts, the member scatter and the network graph."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from lianjian.alliances.models import Agreement, Alliance, AllianceMember
from lianjian.alliances.schemas import AgreementFilter, AllianceFilter
from lianjian.core.filters import filter_given, register_list, search
from lianjian.orgs.models import Organisation


def alliance_rows(qs: QuerySet[Alliance]) -> QuerySet[Alliance]:
    """Alliances with their type, lead and current member counts (one query)."""
    return qs.select_related("type", "lead").annotate(
        n_members=Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True),
        n_partners=Count(
            "memberships",
            filter=Q(memberships__left_on__isnull=True, memberships__org__is_partner=True),
            distinct=True,
        ),
    )


def alliance_list(user: Any, f: AllianceFilter) -> QuerySet[Alliance]:
    """The alliances ``user`` may see that match ``f``, by code, with their counts — the one
    filter of the alliance screen and ``GET /api/v1/alliances``. The member filter is a
    subquery, not a join: a join on memberships would also limit the member counts that
    :func:`alliance_rows` annotates to the one filtered membership."""
    qs = search(
        Alliance.objects.visible_to(user),
        f.q,
        "name__icontains",
        "code__icontains",
        "sponsor__icontains",
    )
    qs = filter_given(qs, type__name=f.type, theme=f.theme, status=f.status)
    if f.org:
        current = AllianceMember.objects.filter(org__code=f.org, left_on__isnull=True)
        qs = qs.filter(pk__in=current.values("alliance_id"))
    return alliance_rows(qs).order_by("code")


def agreement_rows(qs: QuerySet[Agreement]) -> QuerySet[Agreement]:
    """Agreements with their alliance, successor and parties (two queries however many rows)."""
    parties = Organisation.objects.only("id", "code", "name", "is_partner").order_by(
        "is_partner", "code"
    )
    return qs.select_related("alliance", "successor").prefetch_related(
        Prefetch("parties", queryset=parties)
    )


def agreement_list(
    user: Any, f: AgreementFilter, today: datetime.date | None = None
) -> QuerySet[Agreement]:
    """The agreements of the alliances ``user`` may see that match ``f``, latest start
    first — the one filter of ``GET /api/v1/agreements``."""
    qs = Agreement.objects.filter(alliance__in=Alliance.objects.visible_to(user).values("pk"))
    if f.alliance:
        qs = qs.filter(alliance__code=f.alliance)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.expiring_within is not None:
        today = today or timezone.localdate()
        qs = qs.filter(
            status=Agreement.Status.ACTIVE,
            end__gte=today,
            end__lte=today + datetime.timedelta(days=f.expiring_within),
        )
    return agreement_rows(qs).order_by(F("start").desc(nulls_last=True), "-id")


register_list(
    "alliances",
    screen="alliances:alliance_list",
    api="/alliances",
    filter=AllianceFilter,
    key="code",
    selector=alliance_list,
)


# What the masking rule reads of a membership (AllianceMember.private_holder), loaded with it.
MEMBERSHIP_RELATED = ("org", "org__parent", "liaison_member__org")


def current_members(alliance: Alliance) -> list[AllianceMember]:
    return list(
        alliance.memberships.filter(left_on__isnull=True)
        .select_related(*MEMBERSHIP_RELATED)
        .order_by("-org__is_partner", "org__code")
    )


def past_members(alliance: Alliance) -> QuerySet[AllianceMember]:
    return alliance.memberships.filter(left_on__isnull=False).select_related(*MEMBERSHIP_RELATED)


def scatter_points(members: list[AllianceMember], lead_id: int) -> list[dict[str, Any]]:
    """Points for the ECharts scatter of members' coordinates ([lon, lat, name, role])."""
    out = []
    for m in members:
        o = m.org
        if o.lat is None or o.lon is None:
            continue
        role = "牵头" if o.pk == lead_id else ("外部" if o.is_partner else "内部")
        out.append({"value": [o.lon, o.lat], "name": o.name, "role": role})
    return out


def alliance_figures(alliance: Alliance) -> dict[str, Any]:
    """The agreements of one alliance and how many of them are in force. (Its activity
    figures come from the activities app, which sits above this one: activity_tags.)"""
    return {
        "agreements": alliance.agreements.count(),
        "active_agreements": alliance.agreements.filter(status=Agreement.Status.ACTIVE).count(),
    }


KIND_CATEGORY = {"党委": 0, "党总支": 1, "党支部": 2, "党小组": 3}


def network_graph(
    alliances: QuerySet[Alliance], *, visible_org_ids: set[int] | None
) -> dict[str, Any]:
    """Nodes and links of the network picture: organisations and alliances, in two queries.

    Partner organisations appear by name only (what an alliance shares). ``visible_org_ids``
    is None for admins (everything visible); otherwise internal organisations outside it show
    as anonymous context nodes without links to their pages.
    """
    alliance_list = list(alliances.select_related("type"))
    memberships = list(
        AllianceMember.objects.filter(
            alliance__in=[a.pk for a in alliance_list], left_on__isnull=True
        )
        .select_related("org")
        .only(
            "alliance_id",
            "org__id",
            "org__code",
            "org__name",
            "org__kind",
            "org__is_partner",
            "org__partner_kind",
        )
    )
    degree = Counter(m.org_id for m in memberships)
    nodes: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    categories = ["联建", "内部党组织", "外部单位党组织"]
    for a in alliance_list:
        nodes.append(
            {
                "id": f"a{a.pk}",
                "name": a.name,
                "category": 0,
                "symbolSize": 28,
                "url": f"/alliances/{a.code}/",
                "type": a.type.name,
                "theme": a.theme,
                "symbol": "diamond",
            }
        )
    seen: set[int] = set()
    for m in memberships:
        o = m.org
        if o.pk not in seen:
            seen.add(o.pk)
            link_ok = visible_org_ids is None or o.pk in visible_org_ids
            nodes.append(
                {
                    "id": f"o{o.pk}",
                    "name": o.name,
                    "category": 2 if o.is_partner else 1,
                    "symbolSize": 10 + 4 * degree[o.pk],
                    "url": f"/orgs/o/{o.code}/" if link_ok and not o.is_partner else "",
                    "kind": (o.partner_kind or "外部单位") if o.is_partner else o.kind,
                }
            )
        links.append({"source": f"o{o.pk}", "target": f"a{m.alliance_id}"})
    return {"nodes": nodes, "links": links, "categories": [{"name": c} for c in categories]}


def org_alliances(org: Organisation, user) -> list[AllianceMember]:
    """The alliances ``org`` belongs to (current and past) that ``user`` may see."""
    visible = Alliance.objects.visible_to(user).values("pk")
    return list(
        org.alliance_memberships.filter(alliance__in=visible).select_related(
            "alliance", "alliance__type", "alliance__lead"
        )
    )
