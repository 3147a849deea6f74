"""The thin form view that every edit screen shares.

A screen that edits through a service does the same five things: show the form; on a valid
POST call the service; show a service's ``ValidationError`` on the form (nothing changed,
400); on success say so and redirect; show a form with errors with 400. :func:`form_page`
does them once::

    form = SchemeForm(request.POST or None, user=request.user, instance=scheme)
    return form_page(
        request,
        form,
        lambda: services.scheme_update(actor=request.user, scheme=scheme, **form.service_fields()),
        done=lambda _: ("方案已保存", reverse("assessment:scheme_detail", args=[scheme.code])),
        template="assessment/scheme_form.html",
        context={"nav": NAV, "scheme": scheme},
    )

Scope checks stay in the view, before the form is built (out of scope → 404, a visible row
the user may not change → 403).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

_Saved = TypeVar("_Saved")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(
                field if field in form.fields else None, [e for err in errors for e in err.messages]
            )
    else:
        form.add_error(None, error.messages)


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    save: Callable[[], _Saved],
    *,
    done: Callable[[_Saved], tuple[str, str]],
    template: str,
    context: Mapping[str, Any],
    refused: str = "",
) -> HttpResponse:
    """On a valid POST call ``save()`` (the service; it may read ``form.cleaned_data``); its
    ``ValidationError`` goes on the form, and so does a ``PermissionDenied`` when
    ``refused`` (the message when the exception has none) is given. On success
    ``done(saved)`` gives the success message and the URL to go to. Otherwise the
    ``template`` is rendered with ``context`` and ``form``, 400 when the form has errors."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save()
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            if not refused:
                raise
            form.add_error(None, str(exc) or refused)
        else:
            message, url = done(saved)
            messages.success(request, message)
            return redirect(url)
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)
