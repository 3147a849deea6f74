"""Reads for the 智能分组 screens: scoped organisation sets, engine documents, run reports.

Every organisation query starts from ``Organisation.objects.visible_to(user)``. The
engine's ids are organisation codes (stable: a code never changes once set).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from lianjian.alliances.models import Alliance, AllianceMember
from lianjian.grouping.model import Instance, Org
from lianjian.grouping.validate import parse_instance
from lianjian.orgs.models import Organisation, OrgKind
from lianjian.proposals.explain import explain_group, pairs_objective
from lianjian.proposals.models import GroupingRun

if TYPE_CHECKING:
    from lianjian.accounts.models import User

NETWORK_TYPE = "联建网"
# Group colours on every chart and card (ECharts' default palette, then more).
PALETTE = (
    "#5470c6",
    "#91cc75",
    "#fac858",
    "#ee6666",
    "#73c0de",
    "#3ba272",
    "#fc8452",
    "#9a60b4",
    "#ea7ccc",
    "#206bc4",
    "#d63939",
    "#f59f00",
    "#2fb344",
    "#ae3ec9",
)
GROUPING_ROOT_KINDS = (OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH)


def colour(n: int) -> str:
    return PALETTE[n % len(PALETTE)]


def root_choices(user: User) -> QuerySet[Organisation]:
    """The 党委 and 党总支 ``user`` may group under: visible, active and internal."""
    return (
        Organisation.objects.visible_to(user)
        .active()
        .internal()
        .filter(kind__in=GROUPING_ROOT_KINDS)
        .order_by("path")
    )


def scope_orgs(user: User, root: Organisation, include_partners: bool) -> list[Organisation]:
    """The organisations a run over ``root`` groups: the visible active internal 党支部 of
    its subtree, plus the visible active partner organisations there when asked, by code."""
    qs = (
        Organisation.objects.visible_to(user)
        .active()
        .filter(path__under=root.path)
        .exclude(pk=root.pk)
    )
    branches = qs.internal().filter(kind=OrgKind.BRANCH)
    orgs = list(branches)
    if include_partners:
        orgs += list(qs.filter(is_partner=True))
    return sorted(orgs, key=lambda o: o.code)


def network_memberships(org_ids: list[int]) -> list[AllianceMember]:
    """Current memberships of today's 联建网 alliances (not 终止) among ``org_ids``."""
    return list(
        AllianceMember.objects.filter(
            org_id__in=org_ids,
            left_on__isnull=True,
            alliance__type__name=NETWORK_TYPE,
        )
        .exclude(alliance__status=Alliance.Status.ENDED)
        .select_related("alliance", "alliance__lead", "org")
        .order_by("alliance__code", "org__code")
    )


def network_leads(orgs: list[Organisation]) -> list[Organisation]:
    """Leads of today's 联建网 alliances that are among ``orgs`` (each once, by code)."""
    ids = {o.pk for o in orgs}
    leads = {
        m.alliance.lead_id for m in network_memberships(list(ids)) if m.alliance.lead_id in ids
    }
    return [o for o in orgs if o.pk in leads]


def missing_coordinates(orgs: list[Organisation]) -> list[Organisation]:
    return [o for o in orgs if o.lat is None or o.lon is None]


def engine_org(o: Organisation, lead: bool = False) -> dict[str, Any]:
    """One organisation as an engine input record (grouping.md Input); lists de-duplicated."""

    def clean(values: Any) -> list[str]:
        items = values if isinstance(values, list) else []
        return list(dict.fromkeys(str(v).strip() for v in items if str(v).strip()))

    record: dict[str, Any] = {
        "id": o.code,
        "name": o.name,
        "professions": clean(o.professions),
        "lat": o.lat,
        "lon": o.lon,
        "strengths": clean(o.strengths),
        "needs": clean(o.needs),
    }
    if lead:
        record["lead"] = True
    return record


def today_alliances(run: GroupingRun, inst: Instance) -> dict[str, Any]:
    """Today's 联建网 alliances restricted to the run's orgs, scored like the proposal.

    Organisations in no such alliance count as singletons (they add nothing); an alliance
    with fewer than two of the run's orgs contributes no pair. Overlapping alliances count
    each pair once (see :func:`pairs_objective`).
    """
    pos = {o.id: n for n, o in enumerate(inst.orgs)}
    by_alliance: dict[int, list[int]] = defaultdict(list)
    names: dict[int, Alliance] = {}
    for m in network_memberships(run.org_ids):
        if m.org.code in pos:
            by_alliance[m.alliance_id].append(pos[m.org.code])
            names[m.alliance_id] = m.alliance
    objective, components = pairs_objective(inst, by_alliance.values())
    in_any = {i for group in by_alliance.values() for i in group}
    membership: dict[int, int] = defaultdict(int)
    for group in by_alliance.values():
        for i in group:
            membership[i] += 1
    return {
        "objective": objective,
        "components": components,
        "alliances": [
            {"code": names[a].code, "name": names[a].name, "size": len(g)}
            for a, g in sorted(by_alliance.items(), key=lambda t: names[t[0]].code)
        ],
        "singletons": inst.n - len(in_any),
        "overlapping": sum(1 for c in membership.values() if c > 1),
    }


def run_report(run: GroupingRun) -> dict[str, Any]:
    """The result page of a finished run: groups explained, scatter points, totals, today's."""
    inst = parse_instance(run.instance)
    result = run.result or {}
    pos = {o.id: n for n, o in enumerate(inst.orgs)}
    groups = []
    points = []
    for g, group in enumerate(result.get("groups", [])):
        members = [pos[code] for code in group["members"]]
        lead = pos[group["lead"]] if group.get("lead") else None
        card = explain_group(inst, members, lead)
        card.update(
            {
                "number": g + 1,
                "colour": colour(g),
                "members": [
                    {
                        "code": inst.orgs[i].id,
                        "name": inst.orgs[i].name,
                        "lead": i == lead,
                        "professions": sorted(inst.orgs[i].professions),
                    }
                    for i in members
                ],
                "points": [
                    {
                        "value": [inst.orgs[i].lon, inst.orgs[i].lat],
                        "name": inst.orgs[i].name,
                        "lead": i == lead,
                    }
                    for i in members
                ],
            }
        )
        groups.append(card)
        points.append({"name": f"第{g + 1}组", "colour": colour(g), "data": card["points"]})
    objective = result.get("objective", 0.0)
    bound = result.get("bound")
    today = today_alliances(run, inst)
    return {
        "groups": groups,
        "series": points,
        "objective": objective,
        "components": result.get("components", {}),
        "status": result.get("status"),
        "bound": bound,
        "gap": (bound - objective) / bound * 100 if bound else None,
        "seconds": result.get("seconds"),
        "today": today,
        "gain": objective - today["objective"],
        "n": inst.n,
    }


def partner_candidates(
    user: User, target: Organisation
) -> tuple[list[Organisation], list[Organisation]]:
    """Candidates for the partner finder: visible active internal 党支部 and visible active
    partner organisations, other than ``target``; split into (with, without) coordinates."""
    qs = Organisation.objects.visible_to(user).active().exclude(pk=target.pk).filter(
        kind=OrgKind.BRANCH, is_partner=False
    ) | Organisation.objects.visible_to(user).active().exclude(pk=target.pk).filter(is_partner=True)
    orgs = sorted(qs.distinct(), key=lambda o: o.code)
    missing = missing_coordinates(orgs)
    return [o for o in orgs if o not in missing], missing


def as_engine_org(o: Organisation) -> Org:
    """An organisation with coordinates as the engine's Org (lists as sets)."""
    rec = engine_org(o)
    return Org(
        id=rec["id"],
        name=rec["name"],
        professions=frozenset(rec["professions"]),
        lat=float(o.lat or 0.0),  # only organisations with coordinates come here
        lon=float(o.lon or 0.0),
        strengths=frozenset(rec["strengths"]),
        needs=frozenset(rec["needs"]),
    )
