"""Screens of 智能分组: the run form, the run page (polled while running), adopt, partners.

Permissions: every screen is for admins and managers (members: 403 on what they can see);
a run is found through ``GroupingRun.objects.visible_to`` and must have all its
organisations visible (else 404); adopting needs every organisation manageable (else 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from lianjian.core.pages import require_manager
from lianjian.grouping.solve import default_time_limit
from lianjian.orgs.forms import add_service_errors
from lianjian.orgs.models import Organisation
from lianjian.proposals import selectors, services
from lianjian.proposals.explain import rank_partners
from lianjian.proposals.forms import AdoptForm, RunForm, WeightsForm, default_sizes
from lianjian.proposals.models import GroupingRun

RECENT_RUNS = 20


def _visible_run(request: HttpRequest, pk: int) -> GroupingRun:
    run = get_object_or_404(
        GroupingRun.objects.visible_to(request.user).select_related("root"), pk=pk
    )
    ids = set(run.org_ids)
    if Organisation.objects.visible_to(request.user).filter(pk__in=ids).count() != len(ids):
        raise Http404("智能分组方案不存在")
    require_manager(request)
    return run


def _scope(request: HttpRequest, roots: list[Organisation]) -> tuple[Organisation | None, bool]:
    """The root and partner option the page shows: from the request, else the user's org."""
    source = request.POST if request.method == "POST" else request.GET
    by_code = {o.code: o for o in roots}
    code = source.get("root", "")
    root = by_code.get(code)
    if root is None:
        root = next((o for o in roots if o.pk == request.user.org_id), roots[0] if roots else None)
    return root, source.get("include_partners") in ("on", "1", "true")


@login_required
def run_form(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    roots = list(selectors.root_choices(request.user))
    root, include_partners = _scope(request, roots)
    orgs = selectors.scope_orgs(request.user, root, include_partners) if root else []
    network_leads = selectors.network_leads(orgs)
    n = len(orgs)
    prefill = request.GET.get("prefill") == "alliances" and bool(network_leads)
    k = len(network_leads) if network_leads else max(1, round(n / 6))
    lo, hi = default_sizes(n, k)
    initial = {
        "root": root.code if root else "",
        "include_partners": include_partners,
        "groups": k,
        "min_size": lo,
        "max_size": hi,
        "leads": [o.code for o in network_leads] if prefill else [],
    }
    form = RunForm(
        request.POST if request.method == "POST" else None, roots=roots, orgs=orgs, initial=initial
    )
    if request.method == "POST" and form.is_valid() and root is not None:
        run = services.run_create(
            actor=request.user,
            root=root,
            orgs=orgs,
            instance=form.instance_doc,
            params=form.run_params(),
            time_limit=form.cleaned_data["time_limit"],
        )
        services.run_start(run)
        return redirect("proposals:run_detail", pk=run.pk)
    lead_codes = set(form["leads"].value() or [])
    runs = list(GroupingRun.objects.visible_to(request.user).select_related("root")[:RECENT_RUNS])
    ctx = {
        "nav": "grouping",
        "form": form,
        "roots": roots,
        "root": root,
        "orgs": orgs,
        "include_partners": include_partners,
        "lead_codes": lead_codes,
        "network_leads": network_leads,
        "missing": selectors.missing_coordinates(orgs),
        "default_limit": default_time_limit(n),
        "runs": runs,
        "prefilled": prefill,
    }
    template = (
        "proposals/run_form_card.html"
        if request.htmx and request.method == "GET"
        else "proposals/run_form.html"
    )
    return render(request, template, ctx, status=400 if form.errors else 200)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = services.run_expire(_visible_run(request, pk))
    if request.htmx and request.GET.get("poll"):
        response = render(request, "proposals/run_progress.html", {"run": run})
        if run.is_finished:
            response["HX-Refresh"] = "true"
        return response
    ctx = {"nav": "grouping", "run": run, "can_adopt": False}
    if run.status == GroupingRun.Status.DONE:
        ctx["report"] = selectors.run_report(run)
        ctx["can_adopt"] = run.adopted_at is None and services.may_adopt(request.user, run)
        ctx["adopted"] = list(run.alliances.order_by("code"))
    return render(request, "proposals/run_detail.html", ctx)


@login_required
def run_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm adoption: the networks to create, today's 联建网 they touch, and the required
    choice of what becomes of those (保留, 终止 or 替换)."""
    run = _visible_run(request, pk)
    if not services.may_adopt(request.user, run):
        raise PermissionDenied
    detail = reverse("proposals:run_detail", args=[run.pk])
    if run.status != GroupingRun.Status.DONE:
        messages.error(request, "只有已完成的分组方案才能采纳")
        return redirect(detail)
    if run.adopted_at is not None:
        messages.error(request, "该方案已采纳，不能重复采纳")
        return redirect(detail)
    form = AdoptForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.run_adopt(
                actor=request.user, run=run, networks=form.cleaned_data["networks"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已采纳方案 #{run.pk}，新建联建网 {len(created)} 个")
            return redirect(detail)
    changes = {c: services.network_changes(run, c) for c in services.Networks.VALUES}
    return render(
        request,
        "proposals/run_adopt.html",
        {
            "nav": "grouping",
            "run": run,
            "plan": services.adoption_plan(run),
            "form": form,
            "touched": [
                (k, changes[services.Networks.REPLACE][i]["action"])
                for i, k in enumerate(changes[services.Networks.KEEP])
            ],
        },
        status=400 if form.errors else 200,
    )


@login_required
def partners(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(Organisation.objects.visible_to(request.user), code=code)
    require_manager(request)
    form = WeightsForm(request.GET or None)
    params = form.params()
    candidates, missing = selectors.partner_candidates(request.user, org)
    rows = []
    if org.lat is not None and org.lon is not None:
        target = selectors.as_engine_org(org)
        rows = rank_partners(target, [selectors.as_engine_org(o) for o in candidates], params)
        by_code = {o.code: o for o in candidates}
        for row in rows:
            row["model"] = by_code[row["org"].id]
    return render(
        request,
        "proposals/partners.html",
        {
            "nav": "grouping",
            "org": org,
            "form": form,
            "params": params,
            "rows": rows,
            "missing": missing,
            "n_candidates": len(candidates),
            # 发起联建 from a result: the user may found an alliance led by this organisation.
            "can_found": not org.dissolved
            and Organisation.objects.manageable_by(request.user).filter(pk=org.pk).exists(),
        },
    )
