"""The shapes every screen repeats, written once so that the views stay thin.

A form screen that writes through a service has one shape: on a valid POST call the service;
a :class:`~django.core.exceptions.ValidationError` it raises is shown on the form (on the
field it names when the form has one, :func:`add_service_errors`); on success say so and go
to the changed object; otherwise (a GET, an invalid form, a refusal) render the form — with
status 400 when it carries errors. :func:`form_page` is that shape::

    form = AllianceForm(request.POST or None, user=request.user, instance=alliance)
    return form_page(
        request,
        form,
        "alliances/alliance_form.html",
        {"nav": "alliances", "alliance": alliance},
        save=lambda: services.alliance_update(actor=request.user, alliance=alliance, **form.service_fields()),
        done=lambda _: saved(request, "已保存", "alliances:alliance_detail", code=alliance.code),
    )

The view keeps what is its own: which rows it may load (``core.scope``, 404 outside), which
form, which service, which words; never the control flow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from lianjian.core.scope import manages_any

T = TypeVar("T")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(
                field if field in form.fields else None, [e for err in errors for e in err.messages]
            )
    else:
        form.add_error(None, error.messages)


def form_status(form: forms.BaseForm) -> int:
    """400 for a form that carries errors (a refused POST), else 200."""
    return 400 if form.errors else 200


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    template: str,
    context: Mapping[str, Any],
    *,
    save: Callable[[], T],
    done: Callable[[T], HttpResponse],
    refused: str = "",
) -> HttpResponse:
    """The form screen of one service write: on a valid POST, ``save()`` and answer
    ``done(what it returned)``; a refusal of the service (``ValidationError``) lands on the
    form, and so does a ``PermissionDenied`` when ``refused`` (the message when the exception
    has none) is given. Otherwise the template with ``context`` and ``form`` (status 400 when
    the form has errors)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            if not refused:
                raise
            form.add_error(None, str(exc) or refused)
        else:
            return done(result)
    return render(request, template, {**context, "form": form}, status=form_status(form))


def saved(request: HttpRequest, message: str, to: str, *args: Any, **kwargs: Any) -> HttpResponse:
    """Say ``message`` (a success) and redirect to the URL named ``to`` with ``args``/``kwargs``."""
    messages.success(request, message)
    response: HttpResponse = redirect(to, *args, **kwargs)
    return response


def require_manager(request: HttpRequest) -> None:
    """403 unless the user manages some organisation (or is an admin): the gate of the
    screens that create rows (新建…) before any row names an organisation."""
    if not manages_any(request.user):
        raise PermissionDenied


def int_param(value: str | None, low: int, high: int) -> int | None:
    """The whole number a query parameter holds when it lies in ``low``..``high``, else None
    (a bad or out-of-range value is simply not a filter)."""
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


def bound_view(
    handler: Callable[..., HttpResponse], *bound: Any, post: bool = False, **bound_kwargs: Any
) -> Callable[..., HttpResponse]:
    """A logged-in view (POST-only with ``post``) that calls
    ``handler(request, *bound, **url kwargs, **bound_kwargs)``: the one view of several
    screens that differ by a value only — a kind of item (需求/项目), an action of a record
    (提交/通过/退回). The URL name and the module attribute stay the screen's own
    (``need_list = bound_view(_list, NEEDS)``)."""

    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return handler(request, *bound, **kwargs, **bound_kwargs)

    values = [str(getattr(b, "name", b)) for b in (*bound, *bound_kwargs.values())]
    view.__name__ = view.__qualname__ = "_".join([handler.__name__.lstrip("_"), *values])
    view.__doc__ = handler.__doc__
    wrapped = login_required(require_POST(view) if post else view)
    return wrapped


def post_action(handler: Callable[..., HttpResponse], action: str) -> Callable[..., HttpResponse]:
    """The logged-in, POST-only view of one ``action`` of a record whose actions share one
    handler (an activity's 提交/通过/退回, a problem's 分派/办理/…): it calls
    ``handler(request, **url kwargs, action=action)``."""
    return bound_view(handler, post=True, action=action)
