"""The instructor's teaching calendar: the button on /teach/ that issues its secret address."""

from __future__ import annotations

from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from classes.calendar_feeds import calendar_feed_of
from classes.calendar_views import renewed_message
from classes.models import CalendarFeed
from classes.services.calendars import renew_calendar_feed
from instructors.views.access import teaching_required


@require_POST
@teaching_required
def teaching_feed_renew(request):
    """Issue the instructor's teaching calendar address, or a new one in place of the old."""
    first = calendar_feed_of(request.user, kind=CalendarFeed.Kind.TEACHING) is None
    renew_calendar_feed(request.user, kind=CalendarFeed.Kind.TEACHING)
    renewed_message(request, first=first)
    return redirect(reverse("instructors:dashboard") + "#calendar")
