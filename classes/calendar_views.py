"""Calendar subscriptions: the feed itself (its secret token is the key, as calendar apps fetch it
without signing in) and the parent's button that issues a new address. The instructor's button is on
/teach/ (instructors.views.calendar)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from classes.calendar import feed_calendar
from classes.calendar_feeds import (
    booking_entries,
    calendar_feed_for_token,
    calendar_feed_of,
    teaching_entries,
)
from classes.models import CalendarFeed
from classes.services.calendars import renew_calendar_feed


@require_safe
def calendar_feed(request, token: str):
    """The person's sessions as a subscribed calendar, in their language; an address that was renewed
    (or never was) is a 404, like any page that does not exist."""
    feed = calendar_feed_for_token(token)
    if feed is None or not feed.owner.is_active:
        raise Http404
    with translation.override(feed.owner.preferred_language or settings.LANGUAGE_CODE):
        if feed.kind == CalendarFeed.Kind.TEACHING:
            content = feed_calendar(_("Nurturing Touch: my teaching"), teaching_entries(feed.owner))
        else:
            content = feed_calendar(_("Nurturing Touch: my sessions"), booking_entries(feed.owner))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"nurturing-touch-{feed.kind}.ics"
    )
    # Personal data at a secret address: no shared cache keeps it, and no search engine lists it.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


def renewed_message(request, *, first: bool) -> None:
    if first:
        messages.success(
            request,
            _("Your calendar address is ready: subscribe to it from your calendar app."),
        )
    else:
        messages.success(
            request,
            _("Your calendar has a new address. The old one no longer works: subscribe to the new one."),
        )


@require_POST
@login_required
def bookings_feed_renew(request):
    """Issue the parent's "all my sessions" calendar address, or a new one in place of the old."""
    first = calendar_feed_of(request.user, kind=CalendarFeed.Kind.BOOKINGS) is None
    renew_calendar_feed(request.user, kind=CalendarFeed.Kind.BOOKINGS)
    renewed_message(request, first=first)
    return redirect(reverse("classes:my_bookings") + "#calendar")
