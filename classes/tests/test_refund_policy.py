"""A course's refund policy: the share of a card payment a family cancelling before the cutoff gets back,
and whether (and with what share) it may cancel after the cutoff; the cancel page and the email say how
much goes back, and the money reaches localstripe."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from classes.models import Booking, Course
from classes.rules import refund_due
from classes.services import (
    BookingError,
    CourseError,
    book_course,
    cancel_booking,
    cancel_course,
    update_course,
)
from classes.tests.factories import BookingFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email
from payments.models import Refund
from payments.services import send_due_refunds
from payments.tests.conftest import baby_of, paid_booking, pay_online_course
from payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def after_the_cutoff(course: Course):
    """Twelve hours before the first session: past the default cutoff of 24 hours."""
    return time_machine.travel(course.first_session_at - timedelta(hours=12), tick=False)


def refunded_at_stripe(server, booking: Booking) -> list[int]:
    return [refund["amount"] for refund in server.refunds_for(booking.payment.intent_id)]


def cancellation_email(booking: Booking) -> str:
    return render_deferred_email(OutgoingEmail.objects.get(key=f"booking-cancelled:{booking.pk}")).body_text


class TestBeforeTheCutoff:
    def test_a_full_refund_is_the_default(self, parent, client, stripe_server):
        booking = paid_booking(pay_online_course(), parent, client, stripe_server)
        assert booking.course.refund_percent == 100

        cancel_booking(booking, by=parent)
        send_due_refunds()

        assert refunded_at_stripe(stripe_server, booking) == [9000]
        assert "The €90.00 you paid by card goes back to you in full" in cancellation_email(booking)

    def test_a_course_giving_back_a_stated_share_refunds_that_share(self, parent, client, stripe_server):
        booking = paid_booking(pay_online_course(refund_percent=60), parent, client, stripe_server)

        cancel_booking(booking, by=parent)
        send_due_refunds()

        assert refunded_at_stripe(stripe_server, booking) == [5400]
        refund = Refund.objects.get(payment=booking.payment)
        assert (refund.reason, refund.status) == (Refund.Reason.CANCELLED_BY_PARENT, Refund.Status.SUCCEEDED)
        assert "€54.00 of the €90.00 you paid by card goes back to you" in cancellation_email(booking)

    def test_a_course_giving_nothing_back_frees_the_place_and_refunds_nothing(
        self, parent, client, stripe_server
    ):
        booking = paid_booking(pay_online_course(refund_percent=0), parent, client, stripe_server)

        cancel_booking(booking, by=parent)

        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
        assert not Refund.objects.exists()
        assert "the €90.00 you paid by card is not refunded" in cancellation_email(booking)


class TestAfterTheCutoff:
    def test_with_a_late_share_the_place_goes_to_the_waitlist_and_that_share_is_refunded(
        self, parent, other_parent, client, stripe_server
    ):
        course = pay_online_course(capacity=1, late_refund_percent=50)
        booking = paid_booking(course, parent, client, stripe_server)
        waiting = book_course(course, parent=other_parent, baby=baby_of(other_parent))
        assert waiting.status == Booking.Status.WAITLISTED

        with after_the_cutoff(course):
            cancel_booking(booking, by=parent)
            send_due_refunds()

        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CANCELLED
        assert Booking.objects.get(pk=waiting.pk).status == Booking.Status.OFFERED
        assert refunded_at_stripe(stripe_server, booking) == [4500]
        assert "€45.00 of the €90.00 you paid by card goes back to you" in cancellation_email(booking)

    def test_without_a_late_share_cancelling_is_refused_and_nothing_changes(
        self, parent, client, stripe_server
    ):
        course = pay_online_course()
        booking = paid_booking(course, parent, client, stripe_server)

        with after_the_cutoff(course), pytest.raises(BookingError, match="too late to cancel online"):
            cancel_booking(booking, by=parent)

        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED
        assert not Refund.objects.exists()
        assert not OutgoingEmail.objects.filter(key=f"booking-cancelled:{booking.pk}").exists()

    def test_once_the_course_has_started_a_late_share_no_longer_lets_a_family_cancel(self, parent):
        course = CourseFactory(late_refund_percent=50)
        booking = BookingFactory(course=course, parent=parent)
        SessionFactory(course=course)
        course.refresh_from_db()

        started = course.first_session_at + timedelta(minutes=5)
        with time_machine.travel(started, tick=False), pytest.raises(BookingError):
            cancel_booking(booking, by=parent)


def test_a_course_cancelled_by_its_instructor_refunds_every_family_in_full_whatever_its_policy(
    parent, client, stripe_server, instructor
):
    course = pay_online_course(instructor=instructor, refund_percent=20, late_refund_percent=0)
    booking = paid_booking(course, parent, client, stripe_server)

    cancel_course(course, actor=instructor)
    send_due_refunds()

    assert refunded_at_stripe(stripe_server, booking) == [9000]


def test_the_share_is_rounded_down_to_the_currencys_unit():
    course = CourseFactory(refund_percent=33)
    payment = PaymentFactory(amount=9999)
    booking = BookingFactory(course=course, payment=payment, is_paid=True)
    SessionFactory(course=course)
    booking = Booking.objects.select_related("payment", "course").get(pk=booking.pk)

    assert refund_due(booking, now=course.first_session_at - timedelta(days=3)) == 3299


def test_the_policy_is_fixed_once_families_have_booked(instructor):
    course = CourseFactory(instructor=instructor)
    BookingFactory(course=course)

    with pytest.raises(CourseError, match="can no longer change"):
        update_course(course, actor=instructor, refund_percent=50)
    with pytest.raises(CourseError, match="can no longer change"):
        update_course(course, actor=instructor, late_refund_percent=50)


def test_the_default_share_of_a_new_course_comes_from_the_setting(settings):
    settings.COURSE_REFUND_PERCENT_DEFAULT = 80

    assert CourseFactory().refund_percent == 80


class TestPages:
    def test_the_cancel_page_says_how_much_goes_back(self, parent, client, stripe_server):
        booking = paid_booking(pay_online_course(refund_percent=60), parent, client, stripe_server)

        page = client.get(reverse("classes:booking_cancel", kwargs={"pk": booking.pk})).content.decode()

        assert "You paid €90.00 by card" in page
        assert "€54.00 goes back to your card if you cancel now" in page

    def test_after_the_cutoff_the_cancel_page_offers_the_late_share(self, parent, client, stripe_server):
        course = pay_online_course(late_refund_percent=25)
        booking = paid_booking(course, parent, client, stripe_server)

        with after_the_cutoff(course):
            page = client.get(reverse("classes:booking_cancel", kwargs={"pk": booking.pk})).content.decode()
            bookings = client.get(reverse("classes:my_bookings")).content.decode()

        assert "still lets you cancel online until its first session" in page
        assert "€22.50 goes back to your card if you cancel now" in page
        assert "Yes, cancel the place" in page
        assert "still lets you cancel online until its first session" in bookings

    def test_the_course_page_states_the_policy_in_plain_words(self, client, settings):
        settings.PAYMENTS_ENABLED = True
        course = pay_online_course(refund_percent=100)
        late = pay_online_course(refund_percent=70, late_refund_percent=30)

        page = client.get(course.get_absolute_url()).content.decode()
        other = client.get(late.get_absolute_url()).content.decode()

        assert "Cancel online until:" in page
        assert "Until then, your payment is refunded in full." in page
        assert "After that, you cannot cancel online: please contact the instructor." in page
        assert "Until then, 70 % of your payment is refunded." in other
        assert (
            "After that and until the first session, you can still cancel online and get 30 % back." in other
        )
