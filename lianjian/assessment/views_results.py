"""Screens for running a scheme and reading its results: versions (run, publish, compare),
the ranking, one organisation's breakdown down to its records, the company picture (star
distribution, leaders and laggards, 党建 × 业务 scatter), the trend over periods, the Excel
download, and the two background jobs asked for here: the Word report (``core.jobs``) and
重新计算并发布 (a ``RunJob`` with ``republish_of``; its page is ``run_job``).

A run is found through ``AssessmentRun.objects.visible_to`` (its scheme is visible, else
404) and its rows through ``AssessmentResult.objects.visible_to`` (a branch sees its own
row with the scheme-wide rank); running and publishing need ``Scheme.manageable_by``
(else 403). Results are never recomputed for display: a page shows what the run stored.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from lianjian.assessment import output, selectors, services, versions
from lianjian.assessment.forms import RunForm, VoidForm
from lianjian.assessment.models import AssessmentResult, AssessmentRun, KpiBatch, Rule, RunJob
from lianjian.assessment.schemas import RunFilter
from lianjian.assessment.stale import changes_from_json
from lianjian.assessment.views import NAV, can_manage, refused, require_manage, visible_scheme
from lianjian.core.jobs import own_job_or_404
from lianjian.core.pages import form_page, saved
from lianjian.core.paging import paginate, paginate_keyset
from lianjian.core.views import report_job_start_view
from lianjian.orgs.models import Organisation

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _is_counting(run: AssessmentRun) -> bool:
    """The version that counts for its period: the published one, else the latest draft
    (an older draft is superseded anyway)."""
    if run.is_published:
        return True
    return (
        not AssessmentRun.objects.filter(
            scheme_id=run.scheme_id, period=run.period, voided_at__isnull=True
        )
        .filter(Q(is_published=True) | Q(version__gt=run.version))
        .exists()
    )


def visible_run(request: HttpRequest, pk: int) -> AssessmentRun:
    return get_object_or_404(
        AssessmentRun.objects.visible_to(request.user).select_related(
            "scheme", "scheme__owner", "created_by", "published_by", "voided_by"
        ),
        pk=pk,
    )


def live_run(request: HttpRequest, pk: int) -> AssessmentRun:
    """A visible version that is not voided (downloads and objections): a voided one is 404."""
    run = selectors.live_run(request.user, pk)
    if run is None:
        raise Http404
    return run


def _run_context(request: HttpRequest, run: AssessmentRun, **extra: Any) -> dict[str, Any]:
    return {
        "nav": NAV,
        "run": run,
        "scheme": run.scheme,
        "period_label": selectors.period_label(run.period),
        "can_manage": can_manage(request.user, run.scheme),
        **extra,
    }


def _run_done(
    request: HttpRequest, run: AssessmentRun, *, republished: bool = False
) -> HttpResponse:
    period = selectors.period_label(run.period)
    if republished:
        text = f"已按当前数据重新计算并发布{period}第 {run.version} 版"
    else:
        text = (
            f"已计算{period}第 {run.version} 版，参评组织 {run.org_count} 个；"
            "发布前可与上一版比较变化"
        )
    messages.success(request, text)
    return redirect("assessment:run_results", pk=run.pk)


@login_required
def run_job(request: HttpRequest, pk: int) -> HttpResponse:
    """A run asked for by this user (404 for anyone else): progress while the task works
    (the page polls), then the new version (with the usual message) or every reason."""
    job = own_job_or_404(RunJob.objects.select_related("scheme", "run"), request, pk)
    if getattr(request, "htmx", False) and request.GET.get("poll"):
        response = render(request, "assessment/run_job_progress.html", {"job": job})
        if job.status != RunJob.Status.QUEUED:
            response["HX-Redirect"] = reverse("assessment:run_job", args=[job.pk])
        return response
    if job.run is not None:
        return _run_done(request, job.run, republished=job.republish_of_id is not None)
    return render(
        request,
        "assessment/run_job.html",
        {
            "nav": NAV,
            "job": job,
            "scheme": job.scheme,
            "period_label": selectors.period_label(job.period),
        },
    )


@login_required
def run_list(request: HttpRequest, code: str) -> HttpResponse:
    """The versions of a scheme by period (``RunFilter``: period, published), paginated; a
    manager runs a period here (POST)."""
    scheme = visible_scheme(request, code)
    f = RunFilter.from_query(request.GET).model_copy(update={"scheme": scheme.code})
    manage = can_manage(request.user, scheme)
    form = RunForm(
        request.POST or None,
        scheme=scheme,
        initial={"period": request.GET.get("period", scheme.period)},
    )
    if request.method == "POST":
        require_manage(request, scheme)
        if form.is_valid():
            # The run is computed by a background task; the job page follows it. When the
            # task already ended (the immediate backend), answer as the job page would.
            job = services.run_job_create(
                actor=request.user,
                scheme=scheme,
                period=form.cleaned_data["period"],
                note=form.cleaned_data["note"],
            )
            if job.status == RunJob.Status.QUEUED:
                return redirect("assessment:run_job", pk=job.pk)
            if job.run is not None:
                return _run_done(request, job.run)
            refused(request, ValidationError(job.errors))
    page = paginate(request, selectors.run_list(request.user, f))
    return render(
        request,
        "assessment/run_list.html",
        {
            "nav": NAV,
            "scheme": scheme,
            "page": page,
            "f": f,
            "periods": [
                (p, selectors.period_label(p), runs)
                for p, runs in selectors.by_period(page.object_list)
            ],
            "form": form,
            "can_manage": manage,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def run_publish(request: HttpRequest, pk: int) -> HttpResponse:
    run = visible_run(request, pk)
    require_manage(request, run.scheme)
    try:
        services.run_publish(actor=request.user, run=run)
    except ValidationError as exc:
        refused(request, exc)
    else:
        messages.success(request, f"已发布{selectors.period_label(run.period)}第 {run.version} 版")
    return redirect("assessment:run_results", pk=run.pk)


@login_required
def run_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking: stars ★ and 否决, search, star and pass filters, order by a dimension."""
    run = visible_run(request, pk)
    p = request.GET
    ctx = {
        "q": p.get("q", "").strip(),
        "stars": p.get("stars", ""),
        "passed": p.get("passed", ""),
        "sort": p.get("sort", ""),
    }
    qs = selectors.ranking(run, request.user, **ctx)
    # 36,000 rows a run at national scale: pages by cursor, each at the first page's cost.
    page = paginate_keyset(request, qs, key=selectors.ranking_key(run, ctx["sort"]), per_page=50)
    # The owners learn when the inputs moved since the version was computed: the stored
    # reading of a background check (services.stale_checks; collecting every source for
    # every organisation takes close to a minute at national scale, never in a request).
    stale_checks = (
        services.stale_check_for(actor=request.user, run=run)
        if can_manage(request.user, run.scheme)
        and run.voided_at is None
        and not getattr(request, "htmx", False)
        and _is_counting(run)
        else None
    )
    ctx.update(
        _run_context(
            request,
            run,
            page=page,
            dimensions=selectors.dimensions_of(run),
            star_filters=selectors.STAR_FILTERS,
            **_stale_context(stale_checks),
            whole=qs.model.objects.filter(run=run).count(),
            previous=AssessmentRun.objects.visible_to(request.user)
            .filter(
                scheme=run.scheme,
                period=run.period,
                version__lt=run.version,
                voided_at__isnull=True,
            )
            .order_by("-version")
            .first(),
        )
    )
    template = "assessment/results_table.html" if request.htmx else "assessment/results.html"
    return render(request, template, ctx)


def _stale_context(state: services.StaleState | None) -> dict[str, Any]:
    """What the stale-input notice shows: the changes of the latest finished check (with
    when it was taken) and whether a newer check is waiting (the fragment then polls)."""
    if state is None:
        return {"stale": [], "stale_check": None, "stale_waiting": None}
    done = state.done
    return {
        "stale": changes_from_json(done.changes) if done is not None else [],
        "stale_check": done,
        "stale_waiting": state.waiting,
    }


@login_required
def run_stale(request: HttpRequest, pk: int) -> HttpResponse:
    """The stale-input notice alone (htmx polls it every 2 s while a check waits): the
    owners of the scheme only; anyone else, a voided version or a version that no longer
    counts answers 404. Only reads — it never asks for a check nor collects."""
    run = visible_run(request, pk)
    if not can_manage(request.user, run.scheme) or run.voided_at is not None:
        raise Http404
    if not _is_counting(run):
        raise Http404
    return render(
        request,
        "assessment/_stale_notice.html",
        _run_context(request, run, **_stale_context(services.stale_state(run))),
    )


@login_required
def result_detail(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One organisation: dimension → indicator → value → the records behind it."""
    run = visible_run(request, pk)
    result = get_object_or_404(
        AssessmentResult.objects.visible_to(request.user).select_related("org"),
        run=run,
        org__code=code,
    )
    result.run = run
    return render(
        request,
        "assessment/result_detail.html",
        _run_context(
            request,
            run,
            result=result,
            rule_labels=dict(Rule.choices),
            channels=dict(KpiBatch.Channel.choices),
            **selectors.breakdown(result, request.user),
        ),
    )


@login_required
def run_analysis(request: HttpRequest, pk: int) -> HttpResponse:
    """Star distribution, leaders and laggards per dimension, and the scatter of two
    dimensions with Pearson's r stated as a correlation — over the visible results."""
    run = visible_run(request, pk)
    rows = selectors.result_rows(run, request.user)
    dimensions = selectors.dimensions_of(run)
    dx, dy = selectors.pick_axes(dimensions, request.GET.get("x", ""), request.GET.get("y", ""))
    scatter = selectors.scatter(rows, dx, dy) if dx and dy else None
    return render(
        request,
        "assessment/analysis.html",
        _run_context(
            request,
            run,
            rows=rows,
            distribution=selectors.distribution(rows),
            dimensions=dimensions,
            leaders=selectors.leaders_and_laggards(rows, dimensions),
            dx=dx,
            dy=dy,
            scatter=scatter,
            chart={
                "distribution": [[label, n, key] for key, label, n in selectors.distribution(rows)],
                "points": scatter["points"] if scatter else [],
                "x": dx,
                "y": dy,
            },
        ),
    )


@login_required
def run_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """What moved between two versions (default: the previous version of the same period):
    total, rank and stars before and after, and the indicators whose points changed."""
    run = visible_run(request, pk)
    other_id = request.GET.get("with", "")
    runs = AssessmentRun.objects.visible_to(request.user).filter(
        scheme=run.scheme, voided_at__isnull=True
    )
    if other_id.isdigit() and len(other_id) < 12:
        other = runs.filter(pk=int(other_id)).first()
        if other is None:
            raise Http404
    else:
        other = runs.filter(period=run.period, version__lt=run.version).order_by("-version").first()
    choices = list(runs.exclude(pk=run.pk).order_by("-period", "-version"))
    changes: list[dict[str, Any]] = []
    old = new = None
    if other is not None:
        old, new = (
            (other, run)
            if (other.period, other.version) <= (run.period, run.version)
            else (run, other)
        )
        visible = set(
            Organisation.objects.visible_to(request.user)
            .filter(assessment_results__run__in=[old.pk, new.pk])
            .values_list("code", flat=True)
        )
        changes = [c for c in output.run_compare(old, new) if c["org"] in visible]
    only = request.GET.get("only", "moved")
    return render(
        request,
        "assessment/compare.html",
        _run_context(
            request,
            run,
            other=other,
            choices=choices,
            all_count=len(changes),
            only=only,
            changes=[c for c in changes if only != "moved" or c["changed"]],
            moved_count=sum(1 for c in changes if c["changed"]),
            old=old,
            new=new,
            scheme_changes=selectors.scheme_changes(old.scheme_snapshot, new.scheme_snapshot)
            if old
            else [],
            old_label=selectors.period_label(old.period) if old else "",
            new_label=selectors.period_label(new.period) if new else "",
        ),
    )


@login_required
def scheme_trend(request: HttpRequest, code: str) -> HttpResponse:
    """Per period (published version, else the latest): mean total, mean score rate per
    dimension and the 党建 × 业务 correlation; ``?org=CODE`` follows one organisation."""
    scheme = visible_scheme(request, code)
    org = None
    org_code = request.GET.get("org", "").strip()
    if org_code:
        org = get_object_or_404(Organisation.objects.visible_to(request.user), code=org_code)
    data = selectors.trend(scheme, request.user, org=org)
    chart = {
        "periods": data["periods"],
        "dims": [
            {
                "code": d["code"],
                "name": d["name"],
                "values": [
                    None if r["rates"].get(d["code"]) is None else round(r["rates"][d["code"]], 2)
                    for r in data["rows"]
                ],
            }
            for d in data["dimensions"]
        ],
        "totals": [
            None if r["mean_total"] is None else round(r["mean_total"], 2) for r in data["rows"]
        ],
        "r": [None if r["r"] is None else round(r["r"], 3) for r in data["rows"]],
    }
    return render(
        request,
        "assessment/trend.html",
        {
            "nav": NAV,
            "scheme": scheme,
            "org": org,
            "org_code": org_code,
            "data": data,
            "chart": chart,
        },
    )


@login_required
def run_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The ranking workbook (``output.run_xlsx``). It holds every organisation of the run,
    so it is for those who see the whole run: the scheme's managers."""
    run = live_run(request, pk)
    require_manage(request, run.scheme)
    return _download(
        lambda handle: output.run_xlsx(run, handle),
        f"{run.scheme.code}-{run.period}-第{run.version}版-考核排名.xlsx",
        XLSX_TYPE,
    )


@login_required
def run_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The Word summary report of the results the user may see (``report.write_report``),
    written by a background task: this queues it (GET keeps the old download links working)
    and shows its job page, which offers the file when it is written."""
    run = live_run(request, pk)
    return report_job_start_view(request, "assessment_run", run, str(run.pk))


def _download(write: Callable[[Any], object], name: str, content_type: str) -> FileResponse:
    """A file written by ``write(handle)`` into a temporary file, as an attachment."""
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)


@login_required
def run_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void a version with a reason (GET: the form; POST: void). Owners only (403)."""
    run = live_run(request, pk)
    require_manage(request, run.scheme)
    form = VoidForm(request.POST or None)
    return form_page(
        request,
        form,
        "assessment/run_void.html",
        _run_context(request, run),
        save=lambda: versions.run_void(
            actor=request.user, run=run, reason=form.cleaned_data["reason"]
        ),
        done=lambda _: saved(
            request,
            f"已作废{selectors.period_label(run.period)}第 {run.version} 版",
            reverse("assessment:run_results", args=[run.pk]),
        ),
    )


@login_required
@require_POST
def run_republish(request: HttpRequest, pk: int) -> HttpResponse:
    """Recalculate the version's period from today's inputs and publish it (owners only), as
    a background task; the job page follows it (``run_job``). Asking again for the same
    version answers the same job, so a double click publishes once."""
    run = live_run(request, pk)
    require_manage(request, run.scheme)
    try:
        job = services.run_republish_job_create(actor=request.user, run=run)
    except ValidationError as exc:
        refused(request, exc)
        return redirect("assessment:run_results", pk=run.pk)
    return redirect("assessment:run_job", pk=job.pk)
