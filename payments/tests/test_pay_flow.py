"""Booking a pay-online course and paying on our page, against localstripe: the card the Elements stand-in
tokenises is posted to our server as the page's script posts it, and the answer is what the page shows."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from classes.models import Booking
from classes.services import book_course
from notifications.models import OutgoingEmail
from payments.models import Payment
from payments.tests.conftest import baby_of, pay_online_course
from payments.tests.stripe_server import CARD_3D_SECURE, CARD_DECLINED, CARD_OK

pytestmark = pytest.mark.django_db


def pay(client, payment: Payment, card: str):
    return client.post(
        reverse("payments:pay_card", kwargs={"pk": payment.pk}),
        data=json.dumps({"payment_method": card}),
        content_type="application/json",
    )


@pytest.fixture
def held(parent, client):
    """Alice booked a place on a pay-online course through the course page: it is held while she pays."""
    course = pay_online_course()
    baby = baby_of(parent)
    client.force_login(parent)
    response = client.post(
        reverse("classes:book", kwargs={"pk": course.pk}), {"baby": baby.pk, "expected": "book"}
    )
    booking = Booking.objects.get(course=course, baby=baby)
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:pay", kwargs={"pk": booking.payment_id})
    return booking


def test_booking_a_pay_online_course_holds_the_place_and_emails_nothing_yet(held, parent):
    assert held.status == Booking.Status.PENDING_PAYMENT
    payment = held.payment
    assert (payment.status, payment.amount, payment.currency) == (Payment.Status.PENDING, 9000, "EUR")
    assert payment.payer == parent
    assert not OutgoingEmail.objects.filter(user=parent).exists()


def test_pay_page_shows_amount_hold_and_test_notice_and_admits_stripe_js(held, client, stripe_server):
    response = client.get(reverse("payments:pay", kwargs={"pk": held.payment_id}))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Test payments — no real money." in page
    assert "€90.00" in page
    assert "Held for you until" in page
    assert f'src="{stripe_server.base}/js.stripe.com/v3/"' in page
    policy = response["Content-Security-Policy"]
    assert f"script-src 'self' {stripe_server.base}" in policy
    assert stripe_server.base not in client.get(reverse("classes:my_bookings"))["Content-Security-Policy"]


def test_a_good_card_confirms_the_place_and_queues_the_confirmation_once(held, client, stripe_server, parent):
    response = pay(client, held.payment, stripe_server.card(CARD_OK))

    assert response.json()["status"] == "succeeded"
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert held.is_paid
    payment = held.payment
    assert payment.status == Payment.Status.SUCCEEDED
    assert stripe_server.intent(payment.intent_id)["status"] == "succeeded"
    done = client.get(reverse("payments:pay_done", kwargs={"pk": payment.pk}))
    assert done["Location"] == reverse("classes:my_bookings")
    assert list(OutgoingEmail.objects.filter(user=parent).values_list("template", flat=True)) == [
        "booking_confirmed"
    ]


def test_a_declined_card_says_so_and_keeps_the_hold_for_another_card(held, client, stripe_server):
    declined = pay(client, held.payment, stripe_server.card(CARD_DECLINED))

    assert declined.json()["status"] == "declined"
    assert "declined" in declined.json()["message"]
    held.refresh_from_db()
    assert held.status == Booking.Status.PENDING_PAYMENT
    assert held.payment.status == Payment.Status.PENDING
    assert held.payment.intent_id == ""

    again = pay(client, held.payment, stripe_server.card(CARD_OK))

    assert again.json()["status"] == "succeeded"
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED


def test_3d_secure_is_answered_in_the_page_and_the_return_asks_stripe(held, client, stripe_server):
    answer = pay(client, held.payment, stripe_server.card(CARD_3D_SECURE)).json()
    assert answer["status"] == "requires_action"
    held.payment.refresh_from_db()
    stripe_server.authenticate(held.payment.intent_id, answer["client_secret"])

    done = client.get(answer["next"])

    assert done["Location"] == reverse("classes:my_bookings")
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED


def test_failed_3d_secure_sends_the_parent_back_to_the_card_form_with_why(held, client, stripe_server):
    answer = pay(client, held.payment, stripe_server.card(CARD_3D_SECURE)).json()
    held.payment.refresh_from_db()
    stripe_server.authenticate(held.payment.intent_id, answer["client_secret"], success=False)

    done = client.get(answer["next"], follow=True)

    assert done.redirect_chain[-1][0] == reverse("payments:pay", kwargs={"pk": held.payment_id})
    assert "3-D Secure" in done.content.decode()
    held.refresh_from_db()
    assert held.status == Booking.Status.PENDING_PAYMENT


def test_pressing_pay_twice_charges_once(held, client, stripe_server):
    card = stripe_server.card(CARD_OK)

    first = pay(client, held.payment, card)
    second = pay(client, held.payment, card)

    assert (first.json()["status"], second.json()["status"]) == ("succeeded", "succeeded")
    held.payment.refresh_from_db()
    assert stripe_server.succeeded_charges([held.payment.intent_id]) == 1
    assert OutgoingEmail.objects.filter(template="booking_confirmed").count() == 1


def test_stripe_down_when_pay_is_pressed_says_so_and_loses_nothing(held, client, stripe_server, settings):
    card = stripe_server.card(CARD_OK)
    reachable = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"

    response = pay(client, held.payment, card)

    assert response.status_code == 503
    assert "could not reach the payment service" in response.json()["message"]
    held.refresh_from_db()
    assert held.status == Booking.Status.PENDING_PAYMENT
    assert held.payment.status == Payment.Status.PENDING

    settings.STRIPE_API_BASE = reachable
    assert pay(client, held.payment, card).json()["status"] == "succeeded"


def test_someone_elses_payment_is_a_404_and_the_owner_gets_the_page(
    held, client, other_parent, stripe_server
):
    urls = [
        reverse("payments:pay", kwargs={"pk": held.payment_id}),
        reverse("payments:pay_done", kwargs={"pk": held.payment_id}),
    ]
    assert [client.get(url).status_code for url in urls] == [200, 200]
    client.force_login(other_parent)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    assert pay(client, held.payment, stripe_server.card()).status_code == 404
    held.refresh_from_db()
    assert held.status == Booking.Status.PENDING_PAYMENT


def test_the_card_endpoint_refuses_a_get(held, client):
    assert client.get(reverse("payments:pay_card", kwargs={"pk": held.payment_id})).status_code == 405


def test_a_course_paid_at_the_course_books_as_before(parent):
    course = pay_online_course()
    course.payment_mode = course.PaymentMode.AT_COURSE
    course.save()

    booking = book_course(course, parent=parent, baby=baby_of(parent))

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.payment is None


def test_with_payments_off_a_pay_online_course_is_paid_at_the_course(parent, settings):
    settings.PAYMENTS_ENABLED = False

    booking = book_course(pay_online_course(), parent=parent, baby=baby_of(parent))

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.payment is None


def test_pay_pressed_without_a_card_is_refused_and_the_hold_stays(held, client):
    response = pay(client, held.payment, "")

    assert response.status_code == 409
    assert response.json()["status"] == "refused"
    held.refresh_from_db()
    assert held.status == Booking.Status.PENDING_PAYMENT


def test_with_stripe_itself_the_pay_page_admits_stripe_js_and_its_3d_secure_frames(held, client, settings):
    settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"
    settings.STRIPE_API_BASE = "https://api.stripe.com"

    policy = client.get(reverse("payments:pay", kwargs={"pk": held.payment_id}))["Content-Security-Policy"]

    assert "script-src 'self' https://api.stripe.com https://js.stripe.com" in policy
    assert "https://hooks.stripe.com" in policy


def test_with_payments_off_the_pay_pages_are_gone(held, client, settings):
    settings.PAYMENTS_ENABLED = False

    assert client.get(reverse("payments:pay", kwargs={"pk": held.payment_id})).status_code == 404
