"""Concurrent means concurrent: threads on their own connections, released together by a Barrier, on
Postgres."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection

from accounts.tests.factories import UserFactory
from classes.models import Booking
from classes.services import book_course
from payments.models import Payment
from payments.services import submit_card
from payments.tests.conftest import baby_of, pay_online_course
from payments.tests.stripe_server import CARD_OK

pytestmark = pytest.mark.django_db(transaction=True)


def all_at_once(calls: list[Callable[[], object]]) -> tuple[list, list[BaseException]]:
    barrier = threading.Barrier(len(calls))
    results: list = []
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait(timeout=30)
            results.append(call())
        except BaseException as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()
    return results, errors


def test_twenty_parents_on_the_last_two_places_of_a_pay_online_course_get_two_holds():
    course = pay_online_course(capacity=5)
    for _ in range(3):
        parent = UserFactory()
        Booking.objects.create(
            course=course, parent=parent, baby=baby_of(parent), status=Booking.Status.CONFIRMED
        )
    families = [(parent, baby_of(parent)) for parent in (UserFactory() for _ in range(20))]

    _, errors = all_at_once(
        [lambda p=parent, b=baby: book_course(course, parent=p, baby=b) for parent, baby in families]
    )

    assert errors == []
    statuses = list(
        Booking.objects.filter(parent__in=[p for p, _ in families]).values_list("status", flat=True)
    )
    assert statuses.count(Booking.Status.PENDING_PAYMENT) == 2
    assert statuses.count(Booking.Status.WAITLISTED) == 18
    assert Payment.objects.filter(status=Payment.Status.PENDING).count() == 2


def test_pay_pressed_in_two_tabs_at_once_charges_once(stripe_server):
    parent = UserFactory()
    booking = book_course(pay_online_course(), parent=parent, baby=baby_of(parent))
    cards = [stripe_server.card(CARD_OK) for _ in range(2)]
    # The fake server lives for the whole session: charges other tests left there are not this payment's,
    # whatever their metadata says (payment ids can repeat once a test's rows are flushed).
    before = {charge["id"] for charge in stripe_server._get("/v1/charges", limit=100)["data"]}

    results, errors = all_at_once(
        [lambda card=card: submit_card(booking.payment, payer=parent, payment_method=card) for card in cards]
    )

    assert errors == []
    assert sorted(result.status for result in results) == ["succeeded", "succeeded"]
    payment = Payment.objects.get(pk=booking.payment_id)
    assert payment.status == Payment.Status.SUCCEEDED
    charged = [
        charge
        for charge in stripe_server._get("/v1/charges", limit=100)["data"]
        if charge["id"] not in before
        and charge["status"] == "succeeded"
        and charge.get("payment_intent")
        and stripe_server.intent(charge["payment_intent"])["metadata"].get("payment") == str(payment.pk)
    ]
    assert len(charged) == 1
