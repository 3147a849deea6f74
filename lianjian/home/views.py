"""The home page: the figures of the user's scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lianjian.orgs.models import Member, Organisation
from lianjian.orgs.selectors import WARNING_LABELS, scope_figures


@login_required
def home(request: HttpRequest) -> HttpResponse:
    figures = scope_figures(
        Organisation.objects.visible_to(request.user), Member.objects.visible_to(request.user)
    )
    return render(request, "home/home.html", {"figures": figures, "warning_labels": WARNING_LABELS})
