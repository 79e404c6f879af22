"""Answers to an offered waitlist place that arrive at the same moment as something else: the same offer
accepted twice (two tabs, a double click), and an accept racing the offer-expiry sweep at the moment the
offer runs out. Each side runs in a thread on its own connection, released together by a Barrier.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import close_old_connections, connection
from django.utils import timezone

from classes.emails import offer_version
from classes.models import Booking, BookingNotice, Course
from classes.services import BookingError, expire_offers, respond_to_offer
from classes.tests.factories import BookingFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

NO_LONGER_OPEN = "This offer is no longer open."
# How long before the offer runs out the sweep and the accept are released: from "well before" (the accept
# wins, the sweep finds nothing yet) through "within the time a service takes" (a true race) to "at the
# very moment" (the sweep wins, the accept comes too late).
RELEASED_BEFORE_EXPIRY = [timedelta(milliseconds=ms) for ms in (1000, 40, 20, 10, 5, 3, 2, 1, 0)]


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run each call in a thread of its own, on its own connection, released together; returns what each
    returned or raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except BaseException as error:  # handed back to the test, which says what it expects
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    close_old_connections()
    return outcomes


def course_with_an_offer(expires_at: datetime | None = None) -> tuple[Course, Booking, Booking]:
    """A course of one place, offered to one family (until `expires_at`), with another family waiting."""
    course = CourseFactory(capacity=1)
    for _ in range(3):
        SessionFactory(course=course)
    offered = BookingFactory(course=course, offered=True)
    if expires_at is not None:
        Booking.objects.filter(pk=offered.pk).update(offer_expires_at=expires_at)
        offered.refresh_from_db()
    waiting = BookingFactory(course=course, waitlisted=True)
    return course, offered, waiting


def email_keys(booking: Booking, prefix: str) -> list[str]:
    return list(
        OutgoingEmail.objects.filter(key__startswith=f"{prefix}:{booking.pk}").values_list("key", flat=True)
    )


def test_the_same_offer_accepted_twice_at_once_confirms_one_place_and_emails_once():
    _course, offered, waiting = course_with_an_offer()
    version = offer_version(offered)

    outcomes = at_once(
        lambda: respond_to_offer(offered, accept=True, offer_version=version),
        lambda: respond_to_offer(offered, accept=True, offer_version=version),
    )

    confirmed = [outcome for outcome in outcomes if isinstance(outcome, Booking)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, BookingError)]
    assert len(confirmed) == len(refused) == 1, outcomes
    assert str(refused[0]) == NO_LONGER_OPEN
    assert Booking.objects.get(pk=offered.pk).status == Booking.Status.CONFIRMED
    assert email_keys(offered, "booking-confirmed") == [f"booking-confirmed:{offered.pk}"]
    assert BookingNotice.objects.filter(booking=offered, kind=BookingNotice.Kind.OFFER_ACCEPTED).count() == 1
    assert Booking.objects.get(pk=waiting.pk).status == Booking.Status.WAITLISTED


@pytest.mark.parametrize(
    "early", RELEASED_BEFORE_EXPIRY, ids=lambda early: f"{early.total_seconds() * 1000:g}ms"
)
def test_an_accept_racing_the_expiry_sweep_either_confirms_or_expires_never_both(early):
    expires_at = timezone.now().replace(microsecond=0) + timedelta(hours=2)
    _course, offered, waiting = course_with_an_offer(expires_at)
    version = offer_version(offered)

    with time_machine.travel(expires_at - early):
        accepted, swept = at_once(
            lambda: respond_to_offer(offered, accept=True, offer_version=version),
            expire_offers,
        )
    # The next sweep, as beat runs it a minute later: an offer left open past its time is expired then.
    with time_machine.travel(expires_at + timedelta(minutes=1)):
        swept_later = expire_offers()

    offered.refresh_from_db()
    waiting.refresh_from_db()
    confirmations = email_keys(offered, "booking-confirmed")
    expiries = email_keys(offered, "offer-expired")
    if offered.status == Booking.Status.CONFIRMED:
        assert isinstance(accepted, Booking), accepted
        assert (swept, swept_later) == (0, 0)
        assert (confirmations, expiries) == ([f"booking-confirmed:{offered.pk}"], [])
        assert waiting.status == Booking.Status.WAITLISTED
        assert not email_keys(waiting, "place-offered")
    else:
        assert (offered.status, offered.cancel_reason) == (
            Booking.Status.CANCELLED,
            Booking.CancelReason.OFFER_EXPIRED,
        )
        assert isinstance(accepted, BookingError) and str(accepted) == NO_LONGER_OPEN, accepted
        assert swept + swept_later == 1
        assert (confirmations, expiries) == ([], [f"offer-expired:{offered.pk}:{version}"])
        assert waiting.status == Booking.Status.OFFERED
        assert len(email_keys(waiting, "place-offered")) == 1
    if early == timedelta(0):
        # At the very moment of expiry the offer is over, whoever takes the course lock first.
        assert offered.status == Booking.Status.CANCELLED
    if early == timedelta(seconds=1):
        assert offered.status == Booking.Status.CONFIRMED
