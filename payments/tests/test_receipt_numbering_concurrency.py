"""Receipt numbers under real concurrency: threads on their own connections, released together by a
Barrier, on Postgres, each recording a payment in its own transaction."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from payments.models import Payment, Receipt, ReceiptSequence
from payments.services import record_offline_payment, void_offline_payment
from payments.tests.test_concurrency import all_at_once

pytestmark = pytest.mark.django_db(transaction=True)

PAYMENTS = 16


def record_cash(payer, recorded_by) -> Payment:
    return record_offline_payment(
        purpose=Payment.Purpose.BOOKING,
        payer=payer,
        description="“Baby massage”, a place for Oliver",
        amount=9000,
        currency="EUR",
        method=Payment.Method.CASH,
        recorded_by=recorded_by,
    )


def numbers_in_order(kind: str) -> list[int]:
    return sorted(Receipt.objects.filter(kind=kind).values_list("sequence", flat=True))


def test_payments_recorded_at_the_same_moment_get_every_number_once_with_no_gap():
    instructor = UserFactory()
    payers = [UserFactory() for _ in range(PAYMENTS)]

    with time_machine.travel(datetime(2027, 6, 1, 12, tzinfo=ZoneInfo("UTC"))):
        # The year's first receipts: every thread also races to create the year's sequence row.
        results, errors = all_at_once(
            [lambda payer=payer: record_cash(payer, instructor) for payer in payers]
        )

    assert errors == []
    assert len(results) == PAYMENTS
    assert numbers_in_order(Receipt.Kind.RECEIPT) == list(range(1, PAYMENTS + 1))
    assert Receipt.objects.values("number").distinct().count() == PAYMENTS
    assert all(number.startswith("R-2027-") for number in Receipt.objects.values_list("number", flat=True))
    assert ReceiptSequence.objects.get(series="R", year=2027).last == PAYMENTS


def test_voids_and_payments_at_the_same_moment_number_each_series_on_its_own_without_gaps():
    instructor = UserFactory()
    with time_machine.travel(datetime(2027, 6, 1, 12, tzinfo=ZoneInfo("UTC"))):
        recorded = [record_cash(UserFactory(), instructor) for _ in range(PAYMENTS // 2)]
        payers = [UserFactory() for _ in range(PAYMENTS // 2)]

        _, errors = all_at_once(
            [lambda payment=payment: void_offline_payment(payment, by=instructor) for payment in recorded]
            + [lambda payer=payer: record_cash(payer, instructor) for payer in payers]
        )

    assert errors == []
    assert numbers_in_order(Receipt.Kind.RECEIPT) == list(range(1, PAYMENTS + 1))
    assert numbers_in_order(Receipt.Kind.CREDIT_NOTE) == list(range(1, PAYMENTS // 2 + 1))
