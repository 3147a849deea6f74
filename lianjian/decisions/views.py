"""Screens of the 三重一大 register: the 事项清单 and their lines, the register list and its
views, an item's page and the forms of each step. Thin: find the row (404 outside the
user's scope), check the action (403 for a visible row the user may not change), call the
service, say so."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from lianjian.core.pages import form_page, saved
from lianjian.core.paging import paginate
from lianjian.core.scope import get_visible_or_404, may, require, scope_of
from lianjian.decisions import rules, selectors, services
from lianjian.decisions.forms import (
    DecisionForm,
    EvaluationForm,
    ExecutionForm,
    ExecutionUpdateForm,
    ItemForm,
    LineForm,
    MatterListForm,
    ReasonForm,
    StudyForm,
)
from lianjian.decisions.models import DecisionItem, Execution, MatterLine, MatterList
from lianjian.decisions.pickers import kept_lists_for, register_orgs_for
from lianjian.decisions.schemas import DecisionFilter
from lianjian.keytasks.models import KeyTask

NAV = "decisions"
NOT_BOARD = services.NOT_BOARD


def _keeps_any(user: Any) -> bool:
    scope = scope_of(user)
    return scope.everything or bool(scope.of("board"))


def _item(request: HttpRequest, number: str) -> DecisionItem:
    qs = DecisionItem.objects.select_related("organisation", "matter_list", "line", "follows")
    return get_visible_or_404(qs, request.user, number=number)


def _changeable(request: HttpRequest, number: str) -> DecisionItem:
    item = _item(request, number)
    require(request.user, "change", item, NOT_BOARD)
    return item


def _to_item(request: HttpRequest, message: str, item: DecisionItem) -> HttpResponse:
    return saved(request, message, "decisions:item_detail", number=item.number)


# --- the register ------------------------------------------------------------------------


@login_required
def item_list(request: HttpRequest) -> HttpResponse:
    """The register: the items the user sees, filtered; htmx gets the table."""
    f = DecisionFilter.from_query(request.GET)
    page = paginate(request, selectors.item_list(request.user, f))
    on = timezone.localdate()
    colours = {i.pk: selectors.evaluation_colour(i, on) for i in page.object_list}
    ctx = {
        "nav": NAV,
        "page": page,
        "rows": [(i, colours[i.pk]) for i in page.object_list],
        "f": f,
        "years": range(on.year + 1, on.year - 6, -1),
        "categories": rules.CATEGORIES,
        "states": rules.ALL_STATES,
        "can_create": _keeps_any(request.user),
    }
    if getattr(request, "htmx", False):
        return render(request, "decisions/item_table.html", ctx)
    return render(request, "decisions/item_list.html", ctx)


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """台账统计: by year and category, prior-study share, re-study rate, overdue evaluations."""
    view = selectors.register_view(request.user, timezone.localdate())
    return render(request, "decisions/register.html", {"nav": NAV, "view": view})


# --- 事项清单 -------------------------------------------------------------------------------


@login_required
def matter_lists(request: HttpRequest) -> HttpResponse:
    """The 事项清单 the user sees."""
    lists = list(selectors.matter_lists(request.user))
    return render(
        request,
        "decisions/matter_lists.html",
        {"nav": NAV, "lists": lists, "can_create": _keeps_any(request.user)},
    )


@login_required
def matter_list_create(request: HttpRequest) -> HttpResponse:
    if not _keeps_any(request.user):
        raise PermissionDenied(NOT_BOARD)
    initial: dict[str, Any] = {"year": timezone.localdate().year}
    own = getattr(request.user, "org", None)
    if own is not None and register_orgs_for(request.user).filter(pk=own.pk).exists():
        initial["organisation"] = own.code
    form = MatterListForm(request.POST or None, user=request.user, initial=initial)
    return form_page(
        request,
        form,
        "decisions/form.html",
        {"nav": NAV, "heading": "新建事项清单", "back": "decisions:matter_lists"},
        save=lambda: services.matter_list_create(actor=request.user, **form.cleaned_data),
        done=lambda ml: saved(
            request, "事项清单已建立", "decisions:matter_list_detail", code=ml.code
        ),
        refused=NOT_BOARD,
    )


@login_required
def matter_list(request: HttpRequest, code: str) -> HttpResponse:
    """A 事项清单 with its lines; the board office adds and withdraws lines here."""
    ml = get_visible_or_404(
        MatterList.objects.select_related("organisation"), request.user, code=code
    )
    can_change = may(request.user, "change", ml)
    form = LineForm(request.POST or None) if can_change else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(NOT_BOARD)
        return form_page(
            request,
            form,
            "decisions/matter_list.html",
            _list_context(ml, can_change),
            save=lambda: services.line_add(actor=request.user, matter_list=ml, **form.cleaned_data),
            done=lambda _: saved(
                request, "已添加条目", "decisions:matter_list_detail", code=ml.code
            ),
        )
    return render(
        request, "decisions/matter_list.html", {**_list_context(ml, can_change), "form": form}
    )


def _list_context(ml: MatterList, can_change: bool) -> dict[str, Any]:
    return {
        "nav": NAV,
        "ml": ml,
        "lines": list(ml.lines.order_by("category", "threshold", "id")),
        "can_change": can_change,
        "withdraw_form": ReasonForm(),
    }


@login_required
@require_POST
def line_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_visible_or_404(MatterLine.objects.select_related("matter_list"), request.user, pk=pk)
    require(request.user, "change", line.matter_list, NOT_BOARD)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写撤回原因")
    else:
        try:
            services.line_withdraw(
                actor=request.user, line=line, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "条目已撤回")
    return redirect("decisions:matter_list_detail", code=line.matter_list.code)


# --- items -------------------------------------------------------------------------------


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    if not _keeps_any(request.user):
        raise PermissionDenied(NOT_BOARD)
    initial: dict[str, Any] = {}
    latest = kept_lists_for(request.user).first()
    if latest is not None:
        initial["matter_list"] = latest.code
    form = ItemForm(request.POST or None, user=request.user, initial=initial)

    def save() -> DecisionItem:
        data = form.cleaned_data
        return services.item_create(
            actor=request.user,
            matter_list=data["matter_list"],
            number=data.get("number") or "",
            **form.item_fields(),
        )

    return form_page(
        request,
        form,
        "decisions/form.html",
        {"nav": NAV, "heading": "新建三重一大事项", "back": "decisions:item_list"},
        save=save,
        done=lambda item: _to_item(request, "事项已建立（草拟）", item),
        refused=NOT_BOARD,
    )


@login_required
def item_detail(request: HttpRequest, number: str) -> HttpResponse:
    """An item: its routing (with the list line that decided it), studies, decisions,
    execution with the linked key tasks and their colours, post-evaluation. The execution
    owner sees the item and its execution only."""
    item = _item(request, number)
    full = may(request.user, "view_all", item)
    page = selectors.item_page(item, full, timezone.localdate())
    can_change = may(request.user, "change", item)
    # The execution owner sees the item, not necessarily the company's matter list nor every
    # linked key task: those are named without a link that would land on a 404.
    linked = [t.pk for t, _ in page.tasks]
    tasks_visible = (
        set(
            KeyTask.objects.restrict(request.user, "view")
            .filter(pk__in=linked)
            .values_list("pk", flat=True)
        )
        if linked
        else set()
    )
    return render(
        request,
        "decisions/item_detail.html",
        {
            "nav": NAV,
            "item": item,
            "p": page,
            "can_change": can_change,
            "actions": rules.actions_in(item.state) if can_change else [],
            "labels": rules.ACTION_LABELS,
            "execution": getattr(item, "execution", None),
            "evaluation": getattr(item, "evaluation", None) if full else None,
            "full": full,
            "list_visible": may(request.user, "view", item.matter_list),
            "tasks_visible": tasks_visible,
        },
    )


@login_required
def item_edit(request: HttpRequest, number: str) -> HttpResponse:
    item = _changeable(request, number)
    initial = {
        "title": item.title,
        "category": item.category,
        "amount": item.amount,
        "department": item.department,
        "sponsor": item.sponsor,
        **{k: v for k, _, v in item.material_rows},
    }
    form = ItemForm(request.POST or None, user=request.user, edit=True, initial=initial)
    if item.state != rules.DRAFT:
        for name in ("title", "category", "amount", "department", "sponsor"):
            form.fields[name].disabled = True
    return form_page(
        request,
        form,
        "decisions/form.html",
        {"nav": NAV, "heading": f"修改事项 {item.number}", "item": item},
        save=lambda: services.item_update(
            actor=request.user,
            item=item,
            **(
                form.item_fields() if item.state == rules.DRAFT else {"materials": form.materials()}
            ),
        ),
        done=lambda it: _to_item(request, "已保存", it),
    )


def _post_step(request: HttpRequest, number: str, action: str) -> HttpResponse:
    item = _changeable(request, number)
    calls = {
        "submit": services.item_submit,
        "finish": services.execution_finish,
        "archive": services.item_archive,
    }
    try:
        calls[action](actor=request.user, item=item)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("decisions:item_detail", number=item.number)
    return _to_item(request, f"已{rules.ACTION_LABELS[action]}", item)


def _step_view(action: str) -> Any:
    def view(request: HttpRequest, number: str) -> HttpResponse:
        return _post_step(request, number, action)

    view.__name__ = f"item_{action}"
    return login_required(require_POST(view))


item_submit = _step_view("submit")
item_finish = _step_view("finish")
item_archive = _step_view("archive")


def _record_page(
    request: HttpRequest, item: DecisionItem, form: Any, heading: str, save: Any, message: str
) -> HttpResponse:
    return form_page(
        request,
        form,
        "decisions/form.html",
        {"nav": NAV, "heading": heading, "item": item},
        save=save,
        done=lambda _: _to_item(request, message, item),
    )


@login_required
def study_create(request: HttpRequest, number: str) -> HttpResponse:
    item = _changeable(request, number)
    if item.state != rules.PRIOR:
        raise Http404
    form = StudyForm(request.POST or None)
    heading = f"记录党委前置研究（第{item.studies.count() + 1}次）· {item.title}"
    return _record_page(
        request,
        item,
        form,
        heading,
        lambda: services.study_record(actor=request.user, item=item, **form.cleaned_data),
        "前置研究已记录",
    )


@login_required
def decision_create(request: HttpRequest, number: str) -> HttpResponse:
    item = _changeable(request, number)
    if item.state != rules.PENDING:
        raise Http404
    form = DecisionForm(request.POST or None)
    return _record_page(
        request,
        item,
        form,
        f"记录{item.body}决策 · {item.title}",
        lambda: services.decision_record(actor=request.user, item=item, **form.cleaned_data),
        "决策已记录",
    )


@login_required
def execution_create(request: HttpRequest, number: str) -> HttpResponse:
    item = _changeable(request, number)
    if item.state != rules.DECIDED:
        raise Http404
    form = ExecutionForm(request.POST or None, user=request.user)
    return _record_page(
        request,
        item,
        form,
        f"开始执行 · {item.title}",
        lambda: services.execution_start(actor=request.user, item=item, **form.cleaned_data),
        "已开始执行",
    )


@login_required
def execution_edit(request: HttpRequest, number: str) -> HttpResponse:
    item = _item(request, number)
    execution = Execution.objects.filter(item=item).select_related("item").first()
    if execution is None:
        raise Http404
    require(request.user, "change", execution, NOT_BOARD)
    initial = {
        "key_tasks": "、".join(execution.key_tasks.order_by("code").values_list("code", flat=True)),
        "deviations": execution.deviations,
    }
    form = ExecutionUpdateForm(request.POST or None, initial=initial)
    return _record_page(
        request,
        item,
        form,
        f"执行情况 · {item.title}",
        lambda: services.execution_update(
            actor=request.user, execution=execution, **form.cleaned_data
        ),
        "执行情况已保存",
    )


@login_required
def evaluation_create(request: HttpRequest, number: str) -> HttpResponse:
    item = _changeable(request, number)
    if item.state not in rules.EVALUABLE:
        raise Http404
    form = EvaluationForm(request.POST or None)
    return _record_page(
        request,
        item,
        form,
        f"后评估 · {item.title}",
        lambda: services.evaluation_record(actor=request.user, item=item, **form.service_fields()),
        "后评估已记录",
    )
