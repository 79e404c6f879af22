"""The emails the booking services send while the course is locked are deferred: under the lock a booking
costs one outbox row, and the delivery worker renders the email after commit. What the email reports is
what happened at that moment, whatever changed before it was rendered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.base import Template
from django.utils import timezone

from classes import emails
from classes.models import Booking
from classes.services import book_course, cancel_booking, respond_to_offer, set_paid
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email

pytestmark = pytest.mark.django_db


def course_with_sessions(capacity: int = 2, **extra):
    course = CourseFactory(capacity=capacity, **extra)
    for _ in range(5):
        SessionFactory(course=course)
    return course


def book(course, parent=None) -> Booking:
    baby = BabyFactory(
        date_of_birth=timezone.localdate() - timedelta(weeks=8), **({"parent": parent} if parent else {})
    )
    return book_course(course, parent=baby.parent, baby=baby)


def rendered(key: str) -> OutgoingEmail:
    return render_deferred_email(OutgoingEmail.objects.get(key=key))


def test_booking_renders_nothing_while_the_course_is_locked(monkeypatch):
    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered under the course lock")

    # The template engine itself, so no path to an email template escapes, wherever it is called from.
    monkeypatch.setattr(Template, "render", no_rendering)
    monkeypatch.setattr(emails, "course_calendar", no_rendering)
    course = course_with_sessions(capacity=1)

    confirmed, waiting = book(course), book(course)

    stored = OutgoingEmail.objects.filter(
        key__in=[f"booking-confirmed:{confirmed.pk}", f"booking-waitlisted:{waiting.pk}"]
    )
    assert [(email.template, email.awaits_rendering) for email in stored.order_by("pk")] == [
        ("booking_confirmed", True),
        ("booking_waitlisted", True),
    ]
    assert not stored.filter(attachments__isnull=False).exists()


def test_the_confirmation_is_rendered_with_its_calendar_in_the_language_the_parent_reads_then(parent):
    course = course_with_sessions(title="Masaje infantil")
    booking = book(course, parent)
    parent.preferred_language = "es"
    parent.save(update_fields=["preferred_language"])

    email = rendered(f"booking-confirmed:{booking.pk}")

    assert email.language == "es"
    assert email.subject == "Tu plaza está reservada: Masaje infantil"
    assert "Alice" in email.body_text and booking.baby.first_name in email.body_html
    calendar = email.attachments.get()
    assert (calendar.filename, calendar.content_type) == (f"{course.slug or 'course'}.ics", "text/calendar")
    assert calendar.file.read().count(b"BEGIN:VEVENT") == 5


def test_the_waitlist_email_gives_the_position_the_family_joined_at_after_others_left(parent):
    course = course_with_sessions(capacity=1)
    book(course)
    first_waiting = book(course)
    second_waiting = book(course, parent)
    cancel_booking(first_waiting, by=first_waiting.parent)

    email = rendered(f"booking-waitlisted:{second_waiting.pk}")

    assert "You are number 2 in line." in email.body_text
    assert "You are first in line." in rendered(f"booking-waitlisted:{first_waiting.pk}").body_text


def test_a_cancellation_says_what_was_paid_when_it_was_cancelled(parent):
    course = course_with_sessions()
    booking = book(course, parent)
    set_paid(booking, actor=course.instructor, paid=True)
    cancel_booking(booking, by=parent)
    set_paid(booking, actor=course.instructor, paid=False)

    email = rendered(f"booking-cancelled:{booking.pk}")

    assert "is cancelled, as you asked" in email.body_text
    assert "contact you about a refund" in email.body_text


def test_a_confirmation_rendered_after_the_family_cancelled_still_reports_the_confirmation(parent):
    course = course_with_sessions()
    booking = book(course, parent)
    cancel_booking(booking, by=parent)

    email = rendered(f"booking-confirmed:{booking.pk}")

    assert email.subject.startswith("Your place is booked")
    assert email.attachments.count() == 1


def test_an_accepted_offer_defers_its_confirmation_and_a_declined_one_its_cancellation(parent, other_parent):
    course = course_with_sessions(capacity=1)
    holding = book(course)
    accepting, declining = book(course, parent), book(course, other_parent)
    cancel_booking(holding, by=holding.parent)
    accepting.refresh_from_db()
    respond_to_offer(accepting, accept=True, offer_version=emails.offer_version(accepting))
    cancel_booking(accepting, by=parent)
    declining.refresh_from_db()

    respond_to_offer(declining, accept=False, offer_version=emails.offer_version(declining))

    confirmation = OutgoingEmail.objects.get(key=f"booking-confirmed:{accepting.pk}")
    cancellation = OutgoingEmail.objects.get(key=f"booking-cancelled:{declining.pk}")
    assert confirmation.awaits_rendering and cancellation.awaits_rendering
    assert rendered(confirmation.key).attachments.count() == 1
    assert "is cancelled" in rendered(cancellation.key).body_text
