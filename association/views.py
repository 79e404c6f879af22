"""The association dashboard: a page of Django admin for staff holding association.view_dashboard."""

from __future__ import annotations

import csv
from functools import wraps

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from association.figures import FIGURES

PERMISSION = "association.view_dashboard"


def dashboard_staff_required(view):
    """Staff with the dashboard permission; a signed-in person without it is refused (403), a visitor is
    sent to sign in. Being staff alone opens nothing here."""

    @login_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not (request.user.is_staff and request.user.has_perm(PERMISSION)):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


@dashboard_staff_required
def dashboard(request):
    figures = [build() for build in FIGURES.values()]
    return render(
        request,
        "association/dashboard.html",
        {
            **admin.site.each_context(request),
            "title": _("Association dashboard"),
            "figures": figures,
            "generated_at": timezone.now(),
        },
    )


def _cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula (a trainee named "=HYPERLINK(…)") is
    written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@dashboard_staff_required
def figure_csv(request, slug: str):
    build = FIGURES.get(slug)
    if build is None:
        raise Http404
    figure = build()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{slug}-{timezone.localdate().isoformat()}.csv"
    )
    writer = csv.writer(response)
    writer.writerow(figure.columns)
    writer.writerows([_cell(value) for value in row] for row in figure.rows)
    return response
