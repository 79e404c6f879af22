from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.urls import reverse
from django.utils import timezone

from classes.emails import offer_token
from classes.models import Booking, Course
from classes.selectors import waitlist_position
from classes.services import BookingError, book_course, cancel_booking, expire_offers
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email


def course_with_sessions(capacity: int = 2, weeks: int = 5, **extra) -> Course:
    course = CourseFactory(capacity=capacity, **extra)
    for _ in range(weeks):
        SessionFactory(course=course)
    return course


def family(parent=None, weeks_old: int = 8):
    baby = BabyFactory(
        date_of_birth=timezone.localdate() - timedelta(weeks=weeks_old),
        **({"parent": parent} if parent else {}),
    )
    return baby.parent, baby


def keys_for(email: str) -> list[str]:
    return list(OutgoingEmail.objects.filter(to_email=email).order_by("pk").values_list("key", flat=True))


@pytest.mark.django_db
class TestBookCourse:
    def test_free_place_confirms_and_emails_the_calendar(self):
        course = course_with_sessions()
        parent, baby = family()
        booking = book_course(course, parent=parent, baby=baby)
        assert booking.status == Booking.Status.CONFIRMED
        email = OutgoingEmail.objects.get(key=f"booking-confirmed:{booking.pk}")
        assert email.to_email == parent.email
        # Rendered by the delivery worker, after the course lock is gone.
        assert email.awaits_rendering
        email = render_deferred_email(email)
        assert email.subject.startswith("Your place is booked")
        attachment = email.attachments.get()
        assert attachment.content_type == "text/calendar"
        assert attachment.file.read().count(b"BEGIN:VEVENT") == 5

    def test_full_course_puts_parent_on_waitlist_with_position(self):
        course = course_with_sessions(capacity=1)
        book_course(course, parent=(z := family())[0], baby=z[1])
        first_wait = book_course(course, parent=(p := family())[0], baby=p[1])
        second_wait = book_course(course, parent=(q := family())[0], baby=q[1])
        assert first_wait.status == second_wait.status == Booking.Status.WAITLISTED
        assert (waitlist_position(first_wait), waitlist_position(second_wait)) == (1, 2)
        assert OutgoingEmail.objects.filter(key=f"booking-waitlisted:{second_wait.pk}").exists()

    def test_baby_too_old_at_the_first_session_is_refused(self):
        course = course_with_sessions(max_age_weeks=20)
        parent, baby = family(weeks_old=25)
        with pytest.raises(BookingError, match="weeks old at the first session"):
            book_course(course, parent=parent, baby=baby)
        assert not Booking.objects.exists()

    def test_same_baby_twice_is_refused(self):
        course = course_with_sessions()
        parent, baby = family()
        book_course(course, parent=parent, baby=baby)
        with pytest.raises(BookingError, match="already booked"):
            book_course(course, parent=parent, baby=baby)
        assert Booking.objects.count() == 1

    def test_someone_elses_baby_is_refused(self, other_parent):
        course = course_with_sessions()
        _parent, baby = family()
        with pytest.raises(BookingError):
            book_course(course, parent=other_parent, baby=baby)

    def test_the_courses_instructor_cannot_book_a_place_on_it(self, instructor):
        course = course_with_sessions(instructor=instructor)
        _parent, baby = family(parent=instructor)

        with pytest.raises(BookingError, match="You teach this course, so you cannot book a place on it"):
            book_course(course, parent=instructor, baby=baby)
        assert not Booking.objects.exists()

    def test_draft_course_is_not_bookable(self):
        course = course_with_sessions(draft=True)
        parent, baby = family()
        with pytest.raises(BookingError, match="not open"):
            book_course(course, parent=parent, baby=baby)


@pytest.mark.django_db
class TestCancellationAndOffers:
    def test_cancel_offers_the_place_to_the_first_family_waiting(self):
        course = course_with_sessions(capacity=1)
        parent, baby = family()
        confirmed = book_course(course, parent=parent, baby=baby)
        first = book_course(course, parent=(a := family())[0], baby=a[1])
        second = book_course(course, parent=(b := family())[0], baby=b[1])

        cancel_booking(confirmed, by=parent)

        first.refresh_from_db()
        second.refresh_from_db()
        assert first.status == Booking.Status.OFFERED
        assert first.offer_expires_at <= timezone.now() + timedelta(hours=24)
        assert second.status == Booking.Status.WAITLISTED
        assert OutgoingEmail.objects.filter(key__startswith=f"place-offered:{first.pk}:").count() == 1
        assert f"booking-cancelled:{confirmed.pk}" in keys_for(parent.email)

    def test_offer_expires_and_passes_to_the_next_family(self):
        course = course_with_sessions(capacity=1)
        parent, baby = family()
        confirmed = book_course(course, parent=parent, baby=baby)
        first = book_course(course, parent=(a := family())[0], baby=a[1])
        second = book_course(course, parent=(b := family())[0], baby=b[1])
        cancel_booking(confirmed, by=parent)

        with time_machine.travel(timezone.now() + timedelta(hours=25)):
            assert expire_offers() == 1
            assert expire_offers() == 0

        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.status, first.cancel_reason) == (
            Booking.Status.CANCELLED,
            Booking.CancelReason.OFFER_EXPIRED,
        )
        assert second.status == Booking.Status.OFFERED
        assert OutgoingEmail.objects.filter(key__startswith=f"offer-expired:{first.pk}:").count() == 1

    def test_signed_link_get_changes_nothing_and_post_accepts(self, client):
        course = course_with_sessions(capacity=1)
        parent, baby = family()
        confirmed = book_course(course, parent=parent, baby=baby)
        waiting = book_course(course, parent=(a := family())[0], baby=a[1])
        cancel_booking(confirmed, by=parent)
        waiting.refresh_from_db()
        url = reverse("classes:offer_respond", kwargs={"token": offer_token(waiting)})

        page = client.get(url)
        waiting.refresh_from_db()
        assert page.status_code == 200
        assert waiting.status == Booking.Status.OFFERED

        client.post(url, {"choice": "accept"})
        waiting.refresh_from_db()
        assert waiting.status == Booking.Status.CONFIRMED
        assert OutgoingEmail.objects.filter(key=f"booking-confirmed:{waiting.pk}").exists()

    def test_tampered_offer_token_is_a_404(self, client):
        course = course_with_sessions(capacity=1)
        parent, baby = family()
        booking = book_course(course, parent=parent, baby=baby)
        token = offer_token(booking)
        response = client.get(reverse("classes:offer_respond", kwargs={"token": token[:-2] + "xx"}))
        assert response.status_code == 404

    def test_declining_frees_the_place_for_the_next_family(self, client):
        course = course_with_sessions(capacity=1)
        parent, baby = family()
        confirmed = book_course(course, parent=parent, baby=baby)
        first = book_course(course, parent=(a := family())[0], baby=a[1])
        second = book_course(course, parent=(b := family())[0], baby=b[1])
        cancel_booking(confirmed, by=parent)
        first.refresh_from_db()

        client.post(
            reverse("classes:offer_respond", kwargs={"token": offer_token(first)}), {"choice": "decline"}
        )

        first.refresh_from_db()
        second.refresh_from_db()
        assert first.cancel_reason == Booking.CancelReason.OFFER_DECLINED
        assert second.status == Booking.Status.OFFERED

    def test_cancelling_after_the_cutoff_is_refused_with_whom_to_contact(self):
        course = course_with_sessions(capacity=2)
        parent, baby = family()
        booking = book_course(course, parent=parent, baby=baby)
        first_start = course.sessions.order_by("starts_at").first().starts_at
        with (
            time_machine.travel(first_start - timedelta(hours=2)),
            pytest.raises(BookingError, match="contact your instructor"),
        ):
            cancel_booking(booking, by=parent)
        booking.refresh_from_db()
        assert booking.status == Booking.Status.CONFIRMED

    def test_no_offer_is_made_when_the_course_starts_too_soon(self):
        course = course_with_sessions(capacity=1, cancellation_cutoff_hours=0)
        parent, baby = family()
        confirmed = book_course(course, parent=parent, baby=baby)
        waiting = book_course(course, parent=(a := family())[0], baby=a[1])
        first_start = course.sessions.order_by("starts_at").first().starts_at
        with time_machine.travel(first_start - timedelta(hours=1)):
            cancel_booking(confirmed, by=parent)
        waiting.refresh_from_db()
        assert waiting.status == Booking.Status.WAITLISTED

    def test_parent_leaves_the_waitlist(self):
        course = course_with_sessions(capacity=1)
        book_course(course, parent=(a := family())[0], baby=a[1])
        parent, baby = family()
        waiting = book_course(course, parent=parent, baby=baby)
        cancel_booking(waiting, by=parent)
        waiting.refresh_from_db()
        assert waiting.cancel_reason == Booking.CancelReason.LEFT_WAITLIST


@pytest.mark.django_db(transaction=True)
def test_twenty_parents_booking_the_last_places_at_once_never_overbook():
    capacity, attempts = 3, 20
    course = course_with_sessions(capacity=capacity)
    families = [family() for _ in range(attempts)]
    barrier = threading.Barrier(attempts)
    errors: list[BaseException] = []

    def book(parent, baby):
        try:
            barrier.wait(timeout=30)
            book_course(course, parent=parent, baby=baby)
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=pair) for pair in families]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert errors == []
    statuses = list(Booking.objects.filter(course=course).values_list("status", flat=True))
    assert statuses.count(Booking.Status.CONFIRMED) == capacity
    assert statuses.count(Booking.Status.WAITLISTED) == attempts - capacity
    positions = sorted(waitlist_position(b) for b in Booking.objects.filter(status=Booking.Status.WAITLISTED))
    assert positions == list(range(1, attempts - capacity + 1))
    # One email a family, each waitlist email with the position its family joined at.
    emails = OutgoingEmail.objects.filter(user__in=[parent for parent, _ in families])
    assert sorted(email.template for email in emails) == sorted(
        ["booking_confirmed"] * capacity + ["booking_waitlisted"] * (attempts - capacity)
    )
    waiting = Booking.objects.filter(course=course, status=Booking.Status.WAITLISTED)
    assert {
        f"booking-waitlisted:{booking.pk}": {"booking": booking.pk, "position": waitlist_position(booking)}
        for booking in waiting
    } == {email.key: email.render_args for email in emails if email.template == "booking_waitlisted"}


@pytest.mark.django_db
def test_an_offer_link_older_than_the_longest_offer_is_refused(client):
    course = course_with_sessions(capacity=1)
    parent, baby = family()
    booking = book_course(course, parent=parent, baby=baby)
    url = reverse("classes:offer_respond", kwargs={"token": offer_token(booking)})
    with time_machine.travel(timezone.now() + timedelta(hours=26)):
        assert client.get(url).status_code == 404
