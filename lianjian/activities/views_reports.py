"""Screens that read many activities: the compliance matrix and per-organisation page,
the month calendar, statistics, and the rule table (admins edit it)."""

from __future__ import annotations

import calendar as pycal
import datetime
import tempfile
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from lianjian.activities import services
from lianjian.activities.compliance import LEVEL_LABELS, STATUS_LABELS, summarise
from lianjian.activities.compliance_store import matrix_page
from lianjian.activities.forms import RuleForm
from lianjian.activities.models import (
    Activity,
    ActivityOrg,
    ActivityStatus,
    ActivityType,
    ComplianceRule,
    Frequency,
)
from lianjian.activities.output import write_compliance_xlsx
from lianjian.activities.schemas import ComplianceFilter, RuleFilter
from lianjian.activities.selectors import (
    ComplianceList,
    compliance_list,
    compliance_scope,
    local_start,
    month_activities,
    rule_infos,
    statistics,
)
from lianjian.activities.selectors import rule_list as rule_list_rows
from lianjian.core.dbrouters import reads_from_replica
from lianjian.core.pages import int_param
from lianjian.core.paging import paginate
from lianjian.orgs.forms import add_service_errors
from lianjian.orgs.models import Organisation, OrgKind

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope(request: HttpRequest) -> tuple[Organisation, QuerySet[Organisation]]:
    """The root ``?org=CODE`` (visible, else 404) or the user's own organisation (admins: the
    first top-level internal organisation), and what of its subtree the user may see
    (:func:`~lianjian.activities.selectors.compliance_scope`)."""
    code = request.GET.get("org", "").strip()
    if not code and request.user.org_id:
        code = request.user.org.code
    elif not code:
        first = (
            Organisation.objects.visible_to(request.user)
            .filter(parent__isnull=True, is_partner=False)
            .order_by("path")
            .first()
        )
        code = first.code if first is not None else ""
    try:
        root, orgs = compliance_scope(request.user, code)
    except Organisation.DoesNotExist:
        raise Http404 from None
    if root is None:
        raise Http404
    return root, orgs


def _year(request: HttpRequest) -> int:
    return int_param(request.GET.get("year", ""), 1950, 2200) or timezone.localdate().year


def _compliance(request: HttpRequest, **fixed: object) -> tuple[ComplianceFilter, ComplianceList]:
    """The compliance rows the query string asks for, through the one filter of the matrix,
    its export, the per-organisation page and ``GET /api/v1/compliance``
    (:func:`~lianjian.activities.selectors.compliance_list`); an organisation out of scope
    answers 404."""
    f = ComplianceFilter.from_query(request.GET)
    if fixed:
        f = f.model_copy(update=fixed)
    try:
        return f, compliance_list(request.user, f, today=timezone.localdate())
    except Organisation.DoesNotExist:
        raise Http404 from None


@login_required
@reads_from_replica
def compliance_matrix(request: HttpRequest) -> HttpResponse:
    """Organisations × periods of a year, each cell coloured by the worst status of its
    rules (三色: red missing, yellow ≤ 10 days left with nothing held): the subtree of
    ``?org=``, or every organisation the user may see."""
    f = ComplianceFilter.from_query(request.GET)
    today = timezone.localdate()
    try:
        result = matrix_page(request.user, f, today=today, page=request.GET.get("page"))
    except Organisation.DoesNotExist:
        raise Http404 from None
    ctx = {
        "nav": "compliance",
        "root": result.root,
        "f": f,
        "year": result.year,
        "rule": f.rule or "",
        "only": f.only or "",
        "columns": result.columns,
        "page": result.page,
        "summary": result.summary,
        "rules": rule_infos(),
        "today": today,
        "years": range(today.year + 1, today.year - 6, -1),
        "export_query": urlencode(
            {
                k: v
                for k, v in {
                    "org": f.org,
                    "year": result.year,
                    "rule": f.rule,
                    "only": f.only,
                }.items()
                if v
            }
        ),
    }
    template = (
        "activities/compliance_table.html" if request.htmx else "activities/compliance_matrix.html"
    )
    return render(request, template, ctx)


@login_required
def compliance_export(request: HttpRequest) -> HttpResponse:
    """The matrix's rows (same scope and filters) as an xlsx file."""
    _, result = _compliance(request)
    names = {info.code: info.name for info in result.orgs.values()}
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    write_compliance_xlsx(handle, result.year, result.rows, names)
    handle.seek(0)
    label = result.root.code if result.root is not None else "全部"
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"组织生活合规-{label}-{result.year}.xlsx",
        content_type=XLSX_TYPE,
    )


@login_required
def compliance_org(request: HttpRequest, code: str) -> HttpResponse:
    """One organisation's rules × periods with the activities that count."""
    f, result = _compliance(request, org=code, subtree=False)
    org, year = result.root, result.year
    if org is None:
        raise Http404
    by_rule: dict[str, list] = {}
    for row in result.rows:
        by_rule.setdefault(row.rule, []).append(row)
    start, end = local_start(datetime.date(year, 1, 1)), local_start(datetime.date(year + 1, 1, 1))
    # Those dated in the year and those held for it (所属年度) in the next one's first months.
    activities = (
        Activity.objects.visible_to(request.user)
        .exclude(status=ActivityStatus.VOID)
        .filter(
            Q(start__gte=start, start__lt=end) | Q(for_year=year),
            pk__in=ActivityOrg.objects.filter(org=org).values("activity_id"),
        )
        .select_related("host")
        .order_by("start")
    )
    today = timezone.localdate()
    return render(
        request,
        "activities/compliance_org.html",
        {
            "nav": "compliance",
            "org": org,
            "f": f,
            "year": year,
            "by_rule": by_rule,
            "summary": summarise(result.rows),
            "activities": activities[:500],
            "status_labels": STATUS_LABELS,
            "level_labels": LEVEL_LABELS,
            "years": range(today.year + 1, today.year - 6, -1),
        },
    )


@login_required
def activity_calendar(request: HttpRequest) -> HttpResponse:
    """A month of visible activities (``?month=YYYY-MM``, ``?org=`` subtree)."""
    today = timezone.localdate()
    year, month = today.year, today.month
    raw = request.GET.get("month", "")
    if len(raw) == 7 and raw[4] == "-":
        y, m = int_param(raw[:4], 1950, 2200), int_param(raw[5:], 1, 12)
        if y and m:
            year, month = y, m
    qs = Activity.objects.visible_to(request.user).exclude(status=ActivityStatus.VOID)
    scope_org = None
    code = request.GET.get("org", "").strip()
    if code:
        scope_org = Organisation.objects.visible_to(request.user).filter(code=code).first()
        if scope_org is None:
            raise Http404
        qs = qs.filter(
            pk__in=ActivityOrg.objects.filter(org__path__under=scope_org.path).values("activity_id")
        )
    by_day = month_activities(qs, year, month)
    weeks = [
        [(day, by_day.get(day, []), day.month == month) for day in week]
        for week in pycal.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    prev_month = datetime.date(year, month, 1) - datetime.timedelta(days=1)
    next_month = datetime.date(year, month, 28) + datetime.timedelta(days=7)
    return render(
        request,
        "activities/calendar.html",
        {
            "nav": "activities",
            "weeks": weeks,
            "year": year,
            "month": month,
            "today": today,
            "scope_org": scope_org,
            "org_code": code,
            "prev": f"{prev_month:%Y-%m}",
            "next": f"{next_month:%Y-%m}",
            "count": sum(len(v) for v in by_day.values()),
            "weekdays": "一二三四五六日",
        },
    )


@login_required
@reads_from_replica
def activity_stats(request: HttpRequest) -> HttpResponse:
    """Activities and person-times by type, month, organisation and alliance (ECharts)."""
    root, _ = _scope(request)
    year = _year(request)
    data = statistics(request.user, root=root, year=year)
    charts = {
        "types": [t for t, _, _ in data["by_type"]],
        "type_n": [n for _, n, _ in data["by_type"]],
        "type_p": [p for _, _, p in data["by_type"]],
        "months": [f"{m}月" for m, _, _ in data["by_month"]],
        "month_n": [n for _, n, _ in data["by_month"]],
        "month_p": [p for _, _, p in data["by_month"]],
        "orgs": [name for _, name, _, _ in data["by_org"]][::-1],
        "org_n": [n for _, _, n, _ in data["by_org"]][::-1],
        "org_p": [p for _, _, _, p in data["by_org"]][::-1],
        "alliances": [name for _, name, _, _ in data["by_alliance"]][::-1],
        "alliance_n": [n for _, _, n, _ in data["by_alliance"]][::-1],
        "alliance_p": [p for _, _, _, p in data["by_alliance"]][::-1],
    }
    today = timezone.localdate()
    return render(
        request,
        "activities/stats.html",
        {
            "nav": "activities",
            "root": root,
            "year": year,
            "data": data,
            "charts": charts,
            "years": range(today.year + 1, today.year - 6, -1),
        },
    )


@login_required
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rule table: everyone reads it, admins change it. Filtered as
    ``GET /api/v1/compliance/rules`` (``selectors.rule_list``)."""
    f = RuleFilter.from_query(request.GET)
    page = paginate(request, rule_list_rows(f), per_page=50)
    return render(
        request,
        "activities/rule_list.html",
        {
            "nav": "compliance",
            "page": page,
            "rules": page.object_list,
            "f": f,
            "can_edit": request.user.is_admin,
            "types": ActivityType.values,
            "kinds": OrgKind.values,
            "frequencies": Frequency.choices,
        },
    )


def _require_admin(request: HttpRequest) -> None:
    if not request.user.is_admin:
        raise PermissionDenied


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_admin(request)
    rule = get_object_or_404(ComplianceRule, pk=pk) if pk is not None else None
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if rule is None:
                services.rule_create(actor=request.user, **fields)
            else:
                services.rule_update(
                    actor=request.user, rule=ComplianceRule.objects.get(pk=rule.pk), **fields
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "规则已保存")
            return redirect("activities:rule_list")
    return render(
        request,
        "activities/rule_form.html",
        {"nav": "compliance", "form": form, "rule": rule},
        status=400 if form.errors else 200,
    )
