"""Screens of 岗区队: the registry (filters, figures, map), 申报, a carrier's page (duties,
commitments, members, reviews, veto events, history, linked tasks and the lifecycle's
actions), 复核, 一票否决, the contest view (岗区队竞赛), the coverage of 班组 and the
public 公示 page of an organisation.

Each view finds its row through ``visible_to`` (else 404), checks the action with
:func:`lianjian.core.scope.require` (else 403) and calls one service; a refusal re-renders
with the reason and status 400, nothing written.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from lianjian.carriers import rules, selectors, services
from lianjian.carriers.forms import (
    CarrierForm,
    MemberAddForm,
    ReasonForm,
    ReviewForm,
    VetoForm,
    WorkGroupForm,
)
from lianjian.carriers.models import Carrier, CarrierMember
from lianjian.carriers.schemas import CarrierFilter
from lianjian.core.pages import add_service_errors, form_page, require_manager, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import APPROVE, CHANGE, get_visible_or_404, manages_any, may, require
from lianjian.core.validation import HISTORY, today
from lianjian.orgs.models import Organisation

NAV = "carriers"
DETAIL = "carriers:carrier_detail"

SUCCESS = {
    "submit": "已提交支部审核",
    "branch_pass": "支部审核通过，已报党委审批",
    "branch_return": "已退回申报",
    "approve": "党委审批通过，开始公示",
    "reject": "已退回申报",
    "object": "公示有异议，已退回申报",
    "name": "已命名授牌",
    "start_review": "已开始复核",
    "complete": "突击队任务完成",
    "void": "申报已作废",
}
CONFIRM = {
    "branch_return": "确定退回该申报？",
    "reject": "确定退回该申报？",
    "object": "确定因公示异议退回？",
    "void": "作废后不能恢复，确定作废该申报？",
    "complete": "确定突击队任务已完成？",
}


def _carrier(request: HttpRequest, code: str) -> Carrier:
    return get_visible_or_404(
        selectors.carrier_detail(Carrier.objects.all()), request.user, code=code
    )


@login_required
def carrier_list(request: HttpRequest) -> HttpResponse:
    """The registry: the carriers the user sees, with figures as of today and a map of those
    with coordinates; htmx gets the table."""
    f = CarrierFilter.from_query(request.GET)
    rows = selectors.carrier_list(request.user, f)
    page = paginate(request, rows)
    ctx: dict[str, Any] = {"nav": NAV, "page": page, "f": f}
    if getattr(request, "htmx", False):
        return render(request, "carriers/carrier_table.html", ctx)
    on = _as_of(request.GET.get("on"))
    figs = selectors.figures(request.user, on)
    ctx.update(
        {
            "on": on,
            "kinds": [(k, rules.KIND_LABELS[k], figs[k]) for k in rules.KINDS],
            "total": figs["全部"],
            "states": rules.STATES,
            "kind_choices": rules.KINDS,
            "points": selectors.map_points(rows),
            "can_create": manages_any(request.user),
        }
    )
    return render(request, "carriers/carrier_list.html", ctx)


def _as_of(value: str | None) -> datetime.date:
    """The day the figures are counted on: ``?on=YYYY-MM-DD`` when it is a date that has
    passed (a bad or future value is today)."""
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return today()
    return day if not HISTORY.problem(day) else today()


def _actions(user: Any, carrier: Carrier) -> list[dict[str, Any]]:
    """The lifecycle actions the user may take on the carrier now (the buttons)."""
    out = []
    for action in rules.TRANSITIONS:
        if rules.transition_problem(carrier.kind, carrier.state, action):
            continue
        needed = APPROVE if action in rules.COMMITTEE_ACTIONS else CHANGE
        if not may(user, needed, carrier):
            continue
        out.append(
            {
                "action": action,
                "label": rules.ACTION_LABELS[action],
                "reason": action in rules.REASON_ACTIONS,
                "confirm": CONFIRM.get(action, ""),
            }
        )
    return out


def _detail(
    request: HttpRequest,
    carrier: Carrier,
    *,
    bound: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    can_approve = may(user, APPROVE, carrier)
    can_change = may(user, CHANGE, carrier)
    forms = {
        "review": ReviewForm(initial={"preset": rules.DEFAULT_PRESET, "period": str(today().year)}),
        "veto": VetoForm(initial={"day": today()}),
        "member": MemberAddForm(user=user),
        **(bound or {}),
    }
    ctx = {
        "nav": NAV,
        "c": carrier,
        "actions": _actions(user, carrier),
        "can_change": can_change and carrier.state in services.EDITABLE_STATES,
        "can_review": can_approve and carrier.state in rules.REVIEW_STATES,
        "can_veto": can_approve and carrier.state in rules.ACTIVE_STATES,
        "can_reapply": can_change and carrier.state == rules.WITHDRAWN,
        "can_members": can_change
        and carrier.state not in (rules.WITHDRAWN, rules.COMPLETED, rules.VOID),
        "review_items": [
            (forms["review"][f"item_{i}"], name)
            for i, name in enumerate(forms["review"].item_names)  # type: ignore[attr-defined]
        ],
        "presets": rules.PRESETS,
        "forms": forms,
    }
    return render(request, "carriers/carrier_detail.html", ctx, status=status)


@login_required
def carrier_detail(request: HttpRequest, code: str) -> HttpResponse:
    return _detail(request, _carrier(request, code))


@login_required
def carrier_create(request: HttpRequest) -> HttpResponse:
    """申报 a carrier for an organisation the user manages."""
    require_manager(request)
    own = getattr(request.user, "org", None)
    initial: dict[str, Any] = {"kind": request.GET.get("kind", rules.POST), "established": today()}
    if own is not None:
        initial["org"] = own.code
    form = CarrierForm(request.POST or None, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        "carriers/carrier_form.html",
        {"nav": NAV, "carrier": None},
        save=lambda: services.declare(
            request.user,
            kind=form.cleaned_data["kind"],
            org=form.cleaned_data["org"],
            fields=form.values(),
            work_groups=form.groups(),
            key_tasks=form.tasks(),
        ),
        done=lambda c: saved(request, "已申报，请提交支部审核", DETAIL, code=c.code),
        refused="无权为该组织申报岗区队",
    )


@login_required
def carrier_edit(request: HttpRequest, code: str) -> HttpResponse:
    carrier = _carrier(request, code)
    require(request.user, CHANGE, carrier)
    form = CarrierForm(request.POST or None, user=request.user, instance=carrier)
    return form_page(
        request,
        form,
        "carriers/carrier_form.html",
        {"nav": NAV, "carrier": carrier},
        save=lambda: services.update(
            request.user, carrier, form.values(), work_groups=form.groups(), key_tasks=form.tasks()
        ),
        done=lambda c: saved(request, "已保存", DETAIL, code=c.code),
    )


def _act(
    request: HttpRequest,
    carrier: Carrier,
    name: str,
    form: Form,
    save: Callable[[], object],
    message: str,
) -> HttpResponse:
    """An action on the carrier page: on a valid ``form``, ``save()`` and go back saying
    ``message``; a refusal re-renders the page with the reason on the form ``name``, 400."""
    if form.is_valid():
        try:
            save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return saved(request, message, DETAIL, code=carrier.code)
    return _detail(request, _carrier(request, carrier.code), bound={name: form}, status=400)


def _transition(request: HttpRequest, code: str, action: str) -> HttpResponse:
    if action not in rules.TRANSITIONS:
        raise Http404
    carrier = _carrier(request, code)
    require(request.user, APPROVE if action in rules.COMMITTEE_ACTIONS else CHANGE, carrier)
    form = ReasonForm(request.POST)
    return _act(
        request,
        carrier,
        "transition",
        form,
        lambda: services.transition(
            request.user, carrier, action, reason=form.cleaned_data.get("reason") or ""
        ),
        SUCCESS[action],
    )


@login_required
@require_POST
def carrier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    """提交, 审核, 审批, 公示异议, 命名, 复核, 任务完成, 作废 (a reason where needed)."""
    return _transition(request, code, action)


@login_required
@require_POST
def carrier_review(request: HttpRequest, code: str) -> HttpResponse:
    """复核: item scores of a preset for a period; the band decides the state."""
    carrier = _carrier(request, code)
    require(request.user, APPROVE, carrier)
    form = ReviewForm(request.POST)
    return _act(
        request,
        carrier,
        "review",
        form,
        lambda: services.record_review(
            request.user,
            carrier,
            preset=form.cleaned_data["preset"],
            period=form.cleaned_data["period"],
            scores=form.item_scores(),
            note=form.cleaned_data.get("note") or "",
        ),
        "已记录复核结果",
    )


@login_required
@require_POST
def carrier_veto(request: HttpRequest, code: str) -> HttpResponse:
    """一票否决: a 责任事故 or 违纪 withdraws the title at once."""
    carrier = _carrier(request, code)
    require(request.user, APPROVE, carrier)
    form = VetoForm(request.POST)
    return _act(
        request,
        carrier,
        "veto",
        form,
        lambda: services.record_veto(
            request.user,
            carrier,
            kind=form.cleaned_data["kind"],
            description=form.cleaned_data["description"],
            day=form.cleaned_data["day"],
        ),
        "已记录一票否决事件，称号已摘除",
    )


@login_required
@require_POST
def carrier_reapply(request: HttpRequest, code: str) -> HttpResponse:
    """Re-apply (from the year after a 摘牌): a new declaration naming the old one."""
    carrier = _carrier(request, code)
    require(request.user, CHANGE, carrier)
    try:
        new = services.reapply(request.user, carrier)
    except ValidationError as exc:
        form = ReasonForm({})
        form.is_valid()
        add_service_errors(form, exc)
        return _detail(request, carrier, bound={"transition": form}, status=400)
    return saved(request, "已重新申报", DETAIL, code=new.code)


@login_required
@require_POST
def member_add(request: HttpRequest, code: str) -> HttpResponse:
    carrier = _carrier(request, code)
    require(request.user, CHANGE, carrier)
    form = MemberAddForm(request.POST, user=request.user)
    return _act(
        request,
        carrier,
        "member",
        form,
        lambda: services.add_member(
            request.user,
            carrier,
            kind=form.cleaned_data["kind"],
            member=form.cleaned_data.get("member"),
            name=form.cleaned_data.get("name") or "",
            masses=form.cleaned_data.get("masses") or "",
        ),
        "已添加成员",
    )


@login_required
@require_POST
def member_leave(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    carrier = _carrier(request, code)
    require(request.user, CHANGE, carrier)
    row = get_object_or_404(CarrierMember, pk=pk, carrier=carrier)
    row.carrier = carrier
    return _act(
        request,
        carrier,
        "member",
        ReasonForm(request.POST),
        lambda: services.remove_member(request.user, row),
        "成员已退出",
    )


@login_required
def contest(request: HttpRequest) -> HttpResponse:
    """岗区队竞赛: the reviews of one period side by side, best first."""
    kind = request.GET.get("kind") or None
    kind = kind if kind in rules.KINDS else None
    periods, reviews = selectors.contest(request.user, request.GET.get("period"), kind)
    chosen = reviews[0].period if reviews else None
    return render(
        request,
        "carriers/contest.html",
        {"nav": NAV, "periods": periods, "period": chosen, "reviews": reviews, "kind": kind,
         "kind_choices": rules.KINDS},
    )  # fmt: skip


@login_required
def coverage(request: HttpRequest) -> HttpResponse:
    """班组 coverage by 责任区 per organisation, with the gaps; managers register 班组."""
    form = WorkGroupForm(request.POST or None, user=request.user)
    if request.method == "POST":
        require_manager(request)
    return form_page(
        request,
        form,
        "carriers/coverage.html",
        {
            "nav": NAV,
            "rows": selectors.coverage(request.user),
            "can_create": manages_any(request.user),
        },
        save=lambda: services.create_work_group(
            request.user,
            org=form.cleaned_data["org"],
            code=form.cleaned_data["code"],
            name=form.cleaned_data["name"],
        ),
        done=lambda g: saved(request, f"已登记班组 {g.name}", "carriers:coverage"),
        refused="无权为该组织登记班组",
    )


@login_required
def public_page(request: HttpRequest, org: str) -> HttpResponse:
    """The 公示 page of an organisation: its carriers holding a title or in 公示, with their
    holders, posts, members and public commitments (what members and 群众 see)."""
    organisation = get_visible_or_404(Organisation.objects.all(), request.user, code=org)
    return render(
        request,
        "carriers/public.html",
        {"nav": NAV, "org": organisation, "carriers": selectors.public_carriers(organisation)},
    )
