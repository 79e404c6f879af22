from __future__ import annotations

import pytest

from payments.models import Payment
from payments.services import PaymentError, record_offline_payment, void_offline_payment
from payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def _cash(parent, instructor, **changes) -> Payment:
    fields = {
        "purpose": Payment.Purpose.BOOKING,
        "payer": parent,
        "description": "“Baby massage”, a place for Oliver",
        "amount": 9000,
        "currency": "eur",
        "method": Payment.Method.CASH,
        "recorded_by": instructor,
    } | changes
    return record_offline_payment(**fields)


def test_cash_received_is_recorded_as_paid_by_whoever_took_it(parent, instructor):
    payment = _cash(parent, instructor)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert payment.succeeded_at is not None
    assert payment.method == Payment.Method.CASH
    assert payment.currency == "EUR"
    assert payment.recorded_by == instructor


def test_a_card_cannot_be_recorded_by_hand(parent, instructor):
    with pytest.raises(PaymentError):
        _cash(parent, instructor, method=Payment.Method.CARD)
    assert not Payment.objects.exists()


def test_nothing_to_pay_is_refused(parent, instructor):
    with pytest.raises(PaymentError):
        _cash(parent, instructor, amount=0)
    assert not Payment.objects.exists()


def test_undoing_a_transfer_voids_it(parent, instructor):
    payment = _cash(parent, instructor, method=Payment.Method.TRANSFER)

    void_offline_payment(payment, by=instructor)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
    assert payment.canceled_at is not None


def test_a_card_payment_is_never_voided(instructor):
    payment = PaymentFactory()

    with pytest.raises(PaymentError):
        void_offline_payment(payment, by=instructor)

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED


def test_a_voided_payment_cannot_be_voided_again(parent, instructor):
    payment = void_offline_payment(_cash(parent, instructor), by=instructor)

    with pytest.raises(PaymentError):
        void_offline_payment(payment, by=instructor)
