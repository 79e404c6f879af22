from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.models import Booking, Course
from classes.services import book_course
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from payments.tests.stripe_server import CARD_OK, StripeServer, free_port, running_stripe_server


@pytest.fixture(scope="session")
def _stripe_process() -> Iterator[StripeServer]:
    with running_stripe_server() as server:
        yield server


@pytest.fixture
def stripe_server(_stripe_process: StripeServer, settings) -> StripeServer:
    """localstripe running, and our settings pointing at it (as `make run` does)."""
    settings.PAYMENTS_ENABLED = True
    settings.STRIPE_API_BASE = _stripe_process.base
    settings.STRIPE_JS_URL = f"{_stripe_process.base}/js.stripe.com/v3/"
    settings.STRIPE_SECRET_KEY = "sk_test_localstripe"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_localstripe"
    settings.STRIPE_WEBHOOK_SECRET = "whsec_localstripe"
    return _stripe_process


@pytest.fixture
def stripe_down(settings) -> str:
    """Stripe unreachable: nothing listens at the API base."""
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    return settings.STRIPE_API_BASE


def pay_online_course(*, capacity: int = 6, instructor=None, **extra) -> Course:
    course = CourseFactory(
        capacity=capacity,
        payment_mode=Course.PaymentMode.ONLINE,
        **({"instructor": instructor} if instructor else {}),
        **extra,
    )
    for _ in range(5):
        SessionFactory(course=course)
    course.refresh_from_db()
    return course


def baby_of(parent):
    return BabyFactory(parent=parent, date_of_birth=timezone.localdate() - timedelta(weeks=8))


def paid_booking(course: Course, parent, client, server: StripeServer) -> Booking:
    """A place on a pay-online course paid by card at localstripe, through the pay page as the parent
    (the client stays signed in as them)."""
    booking = book_course(course, parent=parent, baby=baby_of(parent))
    client.force_login(parent)
    answer = client.post(
        reverse("payments:pay_card", kwargs={"pk": booking.payment_id}),
        data=json.dumps({"payment_method": server.card(CARD_OK)}),
        content_type="application/json",
    ).json()
    assert answer["status"] == "succeeded"
    return Booking.objects.select_related("payment", "course").get(pk=booking.pk)
