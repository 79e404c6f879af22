"""A parent books a pay-online course on her phone and pays in the Elements stand-in that localstripe (the
fake Stripe server) serves; a declined card says so and keeps the hold; a good card books the place, and
Stripe's webhook, sent by localstripe to the live server, finds it booked already. She cancels before the
cutoff and her money goes back: the refund is at localstripe and in her email.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from classes.models import Booking, Course
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email
from payments.models import Payment, Refund, StripeEvent
from payments.services import send_due_refunds
from payments.tests.stripe_server import (
    CARD_3D_SECURE,
    CARD_DECLINED,
    CARD_OK,
    StripeServer,
    running_stripe_server,
)
from tests.browser.conftest import assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEBHOOK_SECONDS = 15


@pytest.fixture
def stripe_for_live_server(live_server, settings) -> Iterator[StripeServer]:
    with running_stripe_server() as server:
        settings.PAYMENTS_ENABLED = True
        settings.STRIPE_API_BASE = server.base
        settings.STRIPE_JS_URL = f"{server.base}/js.stripe.com/v3/"
        settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
        settings.STRIPE_WEBHOOK_SECRET = "whsec_localstripe"
        server.send_webhooks_to(live_server.url + reverse("payments:stripe_webhook"))
        yield server


def fill_card(page, number: str) -> None:
    """The stand-in's card fields, as a parent types them."""
    form = page.locator("#payment-element")
    for placeholder, value in (("number", number), ("exp_month", "12"), ("exp_year", "30"), ("cvc", "123")):
        field = form.get_by_placeholder(placeholder, exact=True)
        field.fill("")
        field.type(value)


def webhook_seen(payment: Payment) -> bool:
    """localstripe sends its webhook a second after the charge; it is another process, so wait on it."""
    deadline = time.monotonic() + WEBHOOK_SECONDS
    while not StripeEvent.objects.filter(payment=payment, type="payment_intent.succeeded").exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)
    return True


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def pay_online_course(**extra) -> Course:
    course = CourseFactory(
        title="Baby massage, paid online", payment_mode=Course.PaymentMode.ONLINE, capacity=4, **extra
    )
    for _ in range(5):
        SessionFactory(course=course)
    return course


def test_parent_pays_on_her_phone_then_cancels_and_is_refunded(
    page, live_server, parent, stripe_for_live_server
):
    server = stripe_for_live_server
    course = pay_online_course()
    BabyFactory(parent=parent, first_name="Oliver", date_of_birth=timezone.localdate() - timedelta(weeks=8))
    sign_in(page.context, live_server.url, parent)

    page.goto(live_server.url + course.get_absolute_url())
    page.get_by_role("button", name="Book and pay").click()
    page.wait_for_url(re.compile(r"/pay/\d+/$"))
    assert page.get_by_text("Test payments — no real money.").is_visible()
    booking = Booking.objects.get(course=course, parent=parent)
    assert booking.status == Booking.Status.PENDING_PAYMENT
    page.get_by_placeholder("number", exact=True).wait_for()
    assert_accessible(page, "pay page")
    screenshot(page, "payment-pay-page-phone")

    # A declined card: a clear message, and the place stays held.
    fill_card(page, CARD_DECLINED)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "declined" in alert.inner_text()
    screenshot(page, "payment-declined-phone")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING_PAYMENT
    assert page.get_by_text("Held for you until").is_visible()

    # A good card: booked.
    fill_card(page, CARD_OK)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.wait_for_url(f"{live_server.url}{reverse('classes:my_bookings')}")
    assert page.get_by_text("your payment went through").is_visible()
    assert page.locator(".booking-card .badge--success", has_text="Booked").is_visible()
    screenshot(page, "payment-booked-phone")
    booking.refresh_from_db()
    payment = Payment.objects.get(pk=booking.payment_id)
    assert (booking.status, payment.status) == (Booking.Status.CONFIRMED, Payment.Status.SUCCEEDED)
    assert server.intent(payment.intent_id)["status"] == "succeeded"
    assert webhook_seen(payment), "localstripe's webhook did not reach the live server"
    assert OutgoingEmail.objects.filter(key=f"booking-confirmed:{booking.pk}").count() == 1

    # The receipt: a PDF attached to the confirmation (made by the worker as it delivers the email), and the
    # same document from My bookings.
    receipt = payment.receipts.get(kind="receipt")
    confirmed = render_deferred_email(OutgoingEmail.objects.get(key=f"booking-confirmed:{booking.pk}"))
    attached = {attachment.filename: attachment for attachment in confirmed.attachments.all()}
    with attached[receipt.filename].file.open("rb") as handle:
        emailed = pdf_text(handle.read())
    assert receipt.number in emailed and "€90.00" in emailed and "Baby massage, paid online" in emailed
    link = page.get_by_role("link", name=f"Receipt {receipt.number} (PDF)")
    downloaded = page.context.request.get(live_server.url + link.get_attribute("href"))
    assert downloaded.headers["content-type"] == "application/pdf"
    assert receipt.number in pdf_text(downloaded.body())

    # She cancels before the cutoff: the whole amount goes back.
    page.get_by_role("link", name="Cancel Oliver’s place").click()
    assert page.get_by_text("You paid €90.00 by card: it goes back to your card in full").is_visible()
    page.get_by_role("button", name="Yes, cancel the place").click()
    page.wait_for_url(f"{live_server.url}{reverse('classes:my_bookings')}")
    send_due_refunds()
    refund = Refund.objects.get(payment=payment)
    assert (refund.status, refund.amount, refund.reason) == (
        Refund.Status.SUCCEEDED,
        9000,
        "cancelled_by_parent",
    )
    assert [r["amount"] for r in server.refunds_for(payment.intent_id)] == [9000]
    # The worker renders the refund email, with its credit note, when it delivers it.
    told = render_deferred_email(OutgoingEmail.objects.get(key=f"refund-made:{refund.pk}"))
    assert told.to_email == parent.email
    assert "€90.00" in told.body_text
    credit_note = payment.receipts.get(kind="credit_note")
    assert [attachment.filename for attachment in told.attachments.all()] == [credit_note.filename]


def test_3d_secure_is_completed_in_the_stand_ins_box(page, live_server, parent, stripe_for_live_server):
    course = pay_online_course()
    BabyFactory(parent=parent, first_name="Mia", date_of_birth=timezone.localdate() - timedelta(weeks=8))
    sign_in(page.context, live_server.url, parent)
    page.goto(live_server.url + course.get_absolute_url())
    page.get_by_role("button", name="Book and pay").click()
    page.wait_for_url(re.compile(r"/pay/\d+/$"))
    page.get_by_placeholder("number", exact=True).wait_for()

    fill_card(page, CARD_3D_SECURE)
    page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    page.get_by_role("button", name="Complete authentication").click()

    page.wait_for_url(f"{live_server.url}{reverse('classes:my_bookings')}")
    assert Booking.objects.get(course=course, parent=parent).status == Booking.Status.CONFIRMED


def test_pay_page_on_a_laptop(browser, live_server, parent, stripe_for_live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        course = pay_online_course()
        BabyFactory(parent=parent, first_name="Ivy", date_of_birth=timezone.localdate() - timedelta(weeks=8))
        sign_in(context, live_server.url, parent)
        page = context.new_page()
        page.goto(live_server.url + course.get_absolute_url())
        page.get_by_role("button", name="Book and pay").click()
        page.wait_for_url(re.compile(r"/pay/\d+/$"))
        page.get_by_placeholder("number", exact=True).wait_for()
        screenshot(page, "payment-pay-page-laptop")
        assert page.get_by_role("button", name=re.compile(r"^Pay ")).is_enabled()
    finally:
        context.close()
