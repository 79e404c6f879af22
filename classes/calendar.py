"""iCalendar files: one VEVENT per session in the course's own time zone, with its VTIMEZONE — for one
booking (the .ics download and email attachment) and for a person's subscribed feed (the sessions they
teach, or those of all their bookings)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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


@dataclass(frozen=True)
class CalendarEntry:
    """One session as a calendar shows it to one person. `withdrawn` is set when the session still
    takes place but no longer for them (their place was cancelled): it shows as cancelled, one version
    later, at the time they left."""

    course: Course
    session: Session
    include_link: bool
    withdrawn_at: datetime | None = None


def _location(course: Course, *, include_link: bool) -> str:
    if course.venue_id:
        return f"{course.venue.name}, {course.venue.address}, {course.venue.city}"
    return course.online_link if include_link and course.online_link else _("Online")


def _event(entry: CalendarEntry, *, stamp: datetime) -> Event:
    course, session = entry.course, entry.session
    zone = course.zone
    cancelled = session.status == Session.Status.CANCELLED or entry.withdrawn_at is not None
    # A moved or cancelled session keeps its UID; SEQUENCE and LAST-MODIFIED tell calendar apps that
    # this version replaces the one they hold (the services count every change in `revision`).
    sequence = session.revision
    modified = session.changed_at
    if entry.withdrawn_at is not None and session.status == Session.Status.SCHEDULED:
        sequence += 1
        modified = max(modified, entry.withdrawn_at)
    event = Event()
    event.add("uid", session_uid(session))
    event.add("dtstamp", stamp)
    event.add("last-modified", modified)
    event.add("sequence", sequence)
    event.add("dtstart", session.starts_at.astimezone(zone))
    event.add("dtend", session.ends_at.astimezone(zone))
    event.add("summary", f"{course.title} — {session.week_topic}")
    event.add("location", _location(course, include_link=entry.include_link))
    event.add("url", f"{settings.SITE_URL}{course.get_absolute_url()}")
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(
    name: str, entries: Iterable[CalendarEntry], *, extra: dict[str, object] | None = None
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//Nurturing Touch//Courses//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for key, value in (extra or {}).items():
        calendar.add(key, value)
    stamp = timezone.now()
    years = []
    for entry in entries:
        calendar.add_component(_event(entry, stamp=stamp))
        years.append(entry.session.starts_at.year)
    if years:
        # Transitions from a year before the first session to a year after the last: a few lines, not
        # seventy years of them.
        calendar.add_missing_timezones(
            first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 1, 12, 31)
        )
    return calendar.to_ical()


def course_calendar(course: Course, sessions: list[Session], *, include_link: bool) -> bytes:
    """The course's sessions as an .ics file, in the active language; cancelled sessions stay in with
    STATUS:CANCELLED."""
    return _calendar(
        course.title,
        (CalendarEntry(course=course, session=session, include_link=include_link) for session in sessions),
    )


def feed_calendar(name: str, entries: list[CalendarEntry]) -> bytes:
    """A subscribed calendar: every entry, with a hint to calendar apps to fetch it again every few
    hours (they may take longer; every fetch gets the latest version of each session)."""
    return _calendar(name, entries, extra={"refresh-interval": timedelta(hours=4), "x-published-ttl": "PT4H"})
