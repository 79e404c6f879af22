"""iCalendar files for a booking: one VEVENT per session in the course's own time zone, with its VTIMEZONE."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from classes.models import Course, Session


def _uid_domain() -> str:
    return urlparse(settings.SITE_URL).hostname or "nurturingtouch.example"


def session_uid(session: Session) -> str:
    """Stable across edits and moves, so calendar apps update the event rather than add another."""
    return f"session-{session.pk}@{_uid_domain()}"


def course_calendar(course: Course, sessions: list[Session], *, include_link: bool) -> bytes:
    """The course's sessions as an .ics file, in the active language; cancelled sessions stay in with
    STATUS:CANCELLED."""
    calendar = Calendar()
    calendar.add("prodid", "-//Nurturing Touch//Courses//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", course.title)
    zone = course.zone
    location = (
        f"{course.venue.name}, {course.venue.address}, {course.venue.city}"
        if course.venue_id
        else (course.online_link if include_link and course.online_link else _("Online"))
    )
    for session in sessions:
        event = Event()
        event.add("uid", session_uid(session))
        event.add("dtstamp", timezone.now())
        event.add("dtstart", session.starts_at.astimezone(zone))
        event.add("dtend", session.ends_at.astimezone(zone))
        event.add("summary", f"{course.title} — {session.week_topic}")
        event.add("location", location)
        event.add("url", f"{settings.SITE_URL}{course.get_absolute_url()}")
        event.add("status", "CANCELLED" if session.status == Session.Status.CANCELLED else "CONFIRMED")
        # A moved session keeps its UID; the sequence tells calendar apps which version is newer.
        event.add("sequence", int(session.starts_at.timestamp()) // 60 % 2_000_000_000)
        calendar.add_component(event)
    if sessions:
        # Transitions from a year before the course to a year after: a few lines, not seventy years of them.
        years = [session.starts_at.year for session in sessions]
        calendar.add_missing_timezones(
            first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 1, 12, 31)
        )
    return calendar.to_ical()
