"""Reads for calendar subscriptions: a feed by its token, a person's feeds, and the sessions each feed
holds — each in a number of queries that does not grow with the sessions."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from accounts.models import User
from classes.calendar import CalendarEntry
from classes.models import Booking, CalendarFeed, Course, Session


def calendar_feed_for_token(token: str) -> CalendarFeed | None:
    return CalendarFeed.objects.select_related("owner").filter(token=token).first()


def calendar_feed_of(user: User, *, kind: str) -> CalendarFeed | None:
    if not user.is_authenticated:
        return None
    return CalendarFeed.objects.filter(owner=user, kind=kind).first()


@dataclass(frozen=True)
class FeedAddresses:
    subscribe: str  # webcal://, which calendar apps open as a subscription
    download: str  # https://, to paste into a calendar app or download once


def feed_addresses(feed: CalendarFeed) -> FeedAddresses:
    download = settings.SITE_URL.rstrip("/") + reverse("classes:calendar_feed", kwargs={"token": feed.token})
    rest = download.partition("://")[2]
    return FeedAddresses(subscribe=f"webcal://{rest}", download=download)


def teaching_entries(instructor: User) -> list[CalendarEntry]:
    """Every session of the instructor's courses that were ever published (a cancelled one's sessions
    stay in as cancelled, so subscribed calendars drop them), with the meeting link. One query."""
    sessions = (
        Session.objects.filter(course__instructor=instructor, course__published_at__isnull=False)
        .filter(course__status__in=[Course.Status.PUBLISHED, Course.Status.CANCELLED])
        .select_related("course", "course__venue")
        .order_by("starts_at", "pk")
    )
    return [CalendarEntry(course=session.course, session=session, include_link=True) for session in sessions]


def booking_entries(parent: User) -> list[CalendarEntry]:
    """Every session of the courses the parent has a confirmed place on, and of those where they had
    one and cancelled it (shown cancelled, so subscribed calendars drop them). Two babies on one course
    make one entry per session: the family goes if either has a place. The meeting link only with a
    confirmed place. Two queries."""
    bookings = (
        Booking.objects.filter(parent=parent)
        .filter(
            Q(status=Booking.Status.CONFIRMED)
            | Q(status=Booking.Status.CANCELLED, confirmed_at__isnull=False)
        )
        .select_related("course", "course__venue")
        .prefetch_related("course__sessions")
        .order_by("pk")
    )
    by_course: dict[int, list[Booking]] = {}
    for booking in bookings:
        by_course.setdefault(booking.course_id, []).append(booking)
    entries = []
    for course_bookings in by_course.values():
        course = course_bookings[0].course
        confirmed = any(booking.status == Booking.Status.CONFIRMED for booking in course_bookings)
        withdrawn_at = None
        if not confirmed:
            withdrawn_at = max(
                (booking.cancelled_at or booking.updated_at for booking in course_bookings),
            )
        entries.extend(
            CalendarEntry(course=course, session=session, include_link=confirmed, withdrawn_at=withdrawn_at)
            for session in course.sessions.all()
        )
    return sorted(entries, key=lambda entry: (entry.session.starts_at, entry.session.pk))
