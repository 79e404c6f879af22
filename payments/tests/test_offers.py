"""A waitlisted family accepting an offered place on a pay-online course pays within the offer's time."""

from __future__ import annotations

import pytest
from django.urls import reverse

from classes.emails import offer_token
from classes.models import Booking
from classes.services import book_course, cancel_booking
from payments.models import Payment
from payments.tests.conftest import baby_of, pay_online_course

pytestmark = pytest.mark.django_db


def test_accepting_an_offer_leads_to_paying_before_the_offer_would_have_expired(
    parent, other_parent, client, settings
):
    settings.PAYMENTS_ENABLED = True
    course = pay_online_course(capacity=1)
    first = book_course(course, parent=other_parent, baby=baby_of(other_parent))
    waiting = book_course(course, parent=parent, baby=baby_of(parent))
    cancel_booking(first, by=other_parent)
    waiting.refresh_from_db()
    offer_ends = waiting.offer_expires_at
    client.force_login(parent)

    response = client.post(
        reverse("classes:offer_respond", kwargs={"token": offer_token(waiting)}), {"choice": "accept"}
    )

    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.PENDING_PAYMENT
    assert waiting.payment.pay_by == offer_ends
    assert waiting.payment.status == Payment.Status.PENDING
    assert response["Location"] == reverse("payments:pay", kwargs={"pk": waiting.payment_id})


def test_my_bookings_offers_to_pay_or_let_the_place_go(parent, client):
    booking = book_course(pay_online_course(), parent=parent, baby=baby_of(parent))
    client.force_login(parent)

    page = client.get(reverse("classes:my_bookings")).content.decode()

    assert "Awaiting payment" in page
    assert reverse("payments:pay", kwargs={"pk": booking.payment_id}) in page
    assert "Let the place go" in page
    client.post(reverse("classes:booking_cancel", kwargs={"pk": booking.pk}))
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.payment.status == Payment.Status.CANCELED
