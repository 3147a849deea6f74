"""The 党建工作部's screen of the deadline colours (三色预警设置): presets and their thresholds,
the preset each kind of item uses, escalation ladders and their steps. Admins only: for
everyone else these pages do not exist (404), like the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from lianjian.core.scope import scope_of
from lianjian.deadlines import services
from lianjian.deadlines.engine import describe
from lianjian.deadlines.forms import KindPresetForm, LadderForm, PresetForm, steps_of
from lianjian.deadlines.models import DeadlineKind, DeadlinePreset, EscalationLadder
from lianjian.orgs.forms import add_service_errors

NAV = "deadlines"


def _admin_only(request: HttpRequest) -> None:
    if not scope_of(request.user).everything:
        raise Http404


def _page(request: HttpRequest, *, status: int = 200, **extra: Any) -> HttpResponse:
    presets = list(DeadlinePreset.objects.annotate(used=Count("kinds")))
    kinds = list(DeadlineKind.objects.select_related("preset"))
    ladders = list(
        EscalationLadder.objects.select_related("kind")
        .prefetch_related("steps")
        .annotate(issued=Count("steps__issued"))
        .order_by("-active", "id")
    )
    return render(
        request,
        "deadlines/settings.html",
        {
            "nav": NAV,
            "presets": [(p, describe(p.rule)) for p in presets],
            "kinds": kinds,
            "preset_choices": presets,
            "ladders": ladders,
            **extra,
        },
        status=status,
    )


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    return _page(request)


@login_required
def preset_edit(request: HttpRequest, code: str) -> HttpResponse:
    _admin_only(request)
    preset = get_object_or_404(DeadlinePreset, code=code)
    initial = {"name": preset.name, "yellow": preset.yellow, "red": preset.red, "note": preset.note}
    form = PresetForm(request.POST or None, initial=initial, kind=preset.kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.preset_update(actor=request.user, preset=preset, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"预警规则“{preset.name}”已保存")
            return redirect("deadlines:settings")
    return render(
        request,
        "deadlines/preset_form.html",
        {"nav": NAV, "form": form, "preset": DeadlinePreset.objects.get(pk=preset.pk)},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def kind_set(request: HttpRequest, code: str) -> HttpResponse:
    _admin_only(request)
    kind = get_object_or_404(DeadlineKind, code=code)
    form = KindPresetForm(request.POST)
    if not form.is_valid():
        message = "；".join(str(e) for errors in form.errors.values() for e in errors)
        return _page(request, status=400, error=f"“{kind}”未修改：{message}")
    services.kind_set_preset(actor=request.user, kind=kind, preset=form.cleaned_data["preset"])
    messages.success(request, f"“{kind}”改用预警规则“{form.cleaned_data['preset'].name}”")
    return redirect("deadlines:settings")


@login_required
def ladder_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _admin_only(request)
    ladder = get_object_or_404(EscalationLadder, pk=pk) if pk is not None else None
    if ladder is not None and not ladder.active:
        raise Http404
    current = [(s.name, s.days) for s in ladder.steps.order_by("position")] if ladder else []
    form = LadderForm(
        request.POST or None,
        initial={"name": ladder.name} if ladder else {},
        creating=ladder is None,
    )
    rows = current
    if request.method == "POST":
        steps, problem = steps_of(request.POST)
        rows = steps or current
        if problem:
            form.add_error(None, problem)
        if form.is_valid():
            try:
                if ladder is None:
                    services.ladder_create(
                        actor=request.user,
                        kind=form.cleaned_data["kind"],
                        name=form.cleaned_data["name"],
                        steps=steps,
                    )
                else:
                    services.ladder_update_steps(
                        actor=request.user,
                        ladder=ladder,
                        name=form.cleaned_data["name"],
                        steps=steps,
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "督办升级已保存")
                return redirect("deadlines:settings")
    blank = [("", "")] * (3 if not rows else 2)
    return render(
        request,
        "deadlines/ladder_form.html",
        {
            "nav": NAV,
            "form": form,
            "ladder": ladder,
            "rows": [*rows, *blank],
            "fixed": len(current),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def ladder_void(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    ladder = get_object_or_404(EscalationLadder, pk=pk)
    try:
        services.ladder_void(
            actor=request.user, ladder=ladder, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        return _page(request, status=400, error="；".join(exc.messages))
    messages.success(request, f"督办升级“{ladder.name}”已停用")
    return redirect("deadlines:settings")
