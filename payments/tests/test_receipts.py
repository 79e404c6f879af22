"""Receipts and credit notes: one per payment, refund or void, numbered per year with no gap, saying what
was true when they were issued, as a PDF whose text can be read back."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client
from pypdf import PdfReader

from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email
from payments.gateway import Intent
from payments.models import Payment, Receipt, ReceiptSequence
from payments.pdf import render_receipt_pdf
from payments.purposes import Purpose, _purposes, register
from payments.services import (
    issue_receipt,
    receipt_pdf,
    record_offline_payment,
    record_success,
    request_refund,
    send_refund,
    void_offline_payment,
)
from payments.tests.conftest import pay_online_course
from payments.tests.factories import PaymentFactory
from payments.tests.test_refunds import paid_booking

pytestmark = pytest.mark.django_db


def cash(payer, recorded_by, **changes) -> Payment:
    fields = {
        "purpose": Payment.Purpose.TRAINING_FEE,
        "payer": payer,
        "description": "Instructor training — Madrid, spring",
        "amount": 45000,
        "currency": "EUR",
        "method": Payment.Method.CASH,
        "recorded_by": recorded_by,
    } | changes
    return record_offline_payment(**fields)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def test_each_payment_recorded_gets_the_next_receipt_number_of_the_year(parent, other_parent, instructor):
    with time_machine.travel(datetime(2027, 3, 1, 10, tzinfo=ZoneInfo("UTC"))):
        first, second = cash(parent, instructor), cash(other_parent, instructor)
        third = cash(parent, instructor, method=Payment.Method.TRANSFER)

    numbers = [payment.receipts.get().number for payment in (first, second, third)]
    assert numbers == ["R-2027-000001", "R-2027-000002", "R-2027-000003"]


def test_a_new_year_starts_again_at_one_in_the_associations_time_zone(parent, instructor, settings):
    settings.TIME_ZONE = "Europe/Madrid"
    with time_machine.travel(datetime(2027, 12, 31, 22, 30, tzinfo=ZoneInfo("UTC"))):
        december = cash(parent, instructor)
    # 23:30 UTC on New Year's Eve is already 00:30 on 1 January in Madrid.
    with time_machine.travel(datetime(2027, 12, 31, 23, 30, tzinfo=ZoneInfo("UTC"))):
        january = cash(parent, instructor)
        again = cash(parent, instructor)

    assert december.receipts.get().number == "R-2027-000001"
    assert [january.receipts.get().number, again.receipts.get().number] == ["R-2028-000001", "R-2028-000002"]


def test_a_rolled_back_payment_leaves_no_gap_in_the_numbers(parent, instructor):
    with time_machine.travel(datetime(2027, 5, 4, 9, tzinfo=ZoneInfo("UTC"))):
        cash(parent, instructor)
        with pytest.raises(IntegrityError), transaction.atomic():
            cash(parent, instructor)
            raise IntegrityError("the change the payment belonged to failed")
        after = cash(parent, instructor)

    assert after.receipts.get().number == "R-2027-000002"
    assert ReceiptSequence.objects.get(series="R", year=2027).last == 2


def test_issuing_a_receipt_twice_returns_the_first_and_takes_no_number(parent, instructor):
    payment = cash(parent, instructor)

    again = issue_receipt(payment)

    assert again == payment.receipts.get()
    assert ReceiptSequence.objects.get(series="R").last == 1


def test_a_receipt_keeps_what_it_said_when_it_was_issued(parent, instructor, settings):
    payment = cash(parent, instructor)
    parent.full_name = "Alice Otherwise"
    parent.save()
    Payment.objects.filter(pk=payment.pk).update(description="Edited later")
    settings.ASSOCIATION_NAME = "A renamed association"

    receipt = Receipt.objects.get(payment=payment)

    assert (receipt.payer_name, receipt.payer_email) == ("Alice Alvarez", "alice@example.org")
    assert receipt.description == "Instructor training — Madrid, spring"
    assert (receipt.amount, receipt.currency, receipt.method) == (45000, "EUR", "cash")
    assert receipt.association_name == "Nurturing Touch — Infant Massage Association"
    assert "A renamed association" not in text_of(render_receipt_pdf(receipt))


def test_voiding_a_cash_payment_issues_a_credit_note_for_its_receipt_and_emails_it(parent, instructor):
    payment = cash(parent, instructor)

    void_offline_payment(payment, by=instructor)

    credit_note = Receipt.objects.get(payment=payment, kind=Receipt.Kind.CREDIT_NOTE)
    assert credit_note.number.startswith("C-") and credit_note.number.endswith("-000001")
    assert (credit_note.amount, credit_note.reason) == (45000, Receipt.VOIDED)
    assert credit_note.credits == payment.receipts.get(kind=Receipt.Kind.RECEIPT)
    email = render_deferred_email(OutgoingEmail.objects.get(key=f"payment-voided:{payment.pk}"))
    assert credit_note.number in email.subject
    assert payment.receipts.get(kind=Receipt.Kind.RECEIPT).number in email.body_text
    assert [attachment.filename for attachment in email.attachments.all()] == [credit_note.filename]


def test_a_refund_made_gets_a_credit_note_in_its_own_series_attached_to_the_refund_email(
    parent, stripe_server
):
    booking = paid_booking(pay_online_course(), parent, Client(), stripe_server)
    refund = request_refund(booking.payment, reason="by_staff", amount=4000)
    assert Receipt.objects.filter(kind=Receipt.Kind.CREDIT_NOTE).count() == 0

    assert send_refund(refund.pk) == "succeeded"

    credit_note = Receipt.objects.get(refund=refund)
    receipt = Receipt.objects.get(payment=booking.payment, kind=Receipt.Kind.RECEIPT)
    assert credit_note.number.split("-")[::2] == ["C", "000001"]
    assert (credit_note.amount, credit_note.credits, credit_note.reason) == (4000, receipt, "by_staff")
    email = render_deferred_email(OutgoingEmail.objects.get(key=f"refund-made:{refund.pk}"))
    assert credit_note.number in email.body_text
    [attachment] = email.attachments.all()
    assert attachment.filename == credit_note.filename
    with attachment.file.open("rb") as handle:
        assert credit_note.number in text_of(handle.read())


def test_the_pdf_says_number_amount_in_the_payers_language_payer_and_association(parent, instructor):
    parent.preferred_language = "es"
    parent.save()
    payment = cash(parent, instructor, amount=9050)

    text = text_of(receipt_pdf(payment.receipts.get()))

    assert payment.receipts.get().number in text
    assert "90,50\xa0€" in text or "90,50 €" in text
    assert "Alice Alvarez" in text
    assert "Nurturing Touch — Infant Massage Association" in text
    assert "Instructor training — Madrid, spring" in text


def test_a_credit_note_pdf_names_the_receipt_it_takes_back(parent, instructor):
    payment = void_offline_payment(cash(parent, instructor, currency="JPY", amount=9000), by=instructor)
    credit_note = payment.receipts.get(kind=Receipt.Kind.CREDIT_NOTE)

    text = text_of(render_receipt_pdf(credit_note))

    assert credit_note.number in text
    assert payment.receipts.get(kind=Receipt.Kind.RECEIPT).number in text
    assert "¥9,000" in text


def test_a_cash_payment_emails_its_receipt_and_keeps_the_pdf_privately(parent, instructor, settings):
    payment = cash(parent, instructor)
    receipt = payment.receipts.get()

    email = render_deferred_email(OutgoingEmail.objects.get(key=f"receipt-issued:{payment.pk}"))

    assert email.subject == f"Payment received — your receipt {receipt.number}"
    assert "€450.00" in email.body_text
    assert [attachment.filename for attachment in email.attachments.all()] == [receipt.filename]
    receipt.refresh_from_db()
    assert receipt.pdf.name.startswith("receipts/2")
    assert receipt.pdf.storage.path(receipt.pdf.name).startswith(str(settings.PRIVATE_MEDIA_ROOT))
    assert receipt.number in text_of(receipt_pdf(receipt))


def test_a_payment_without_a_payer_gets_a_receipt_and_no_email(instructor):
    payment = cash(None, instructor)

    assert payment.receipts.get().payer_email == ""
    assert not OutgoingEmail.objects.exists()


def test_a_card_payment_of_a_purpose_without_an_email_of_its_own_is_emailed_its_receipt(parent):
    payment = PaymentFactory(payer=parent, pending=True, purpose=Payment.Purpose.RENEWAL_FEE)
    previous = _purposes.get(Payment.Purpose.RENEWAL_FEE)
    register(
        Payment.Purpose.RENEWAL_FEE,
        Purpose(lock=lambda p: None, fulfil=lambda p: True, next_url=lambda p: "/", back_url=lambda p: "/"),
    )
    try:
        intent = Intent(
            id=payment.intent_id,
            status="succeeded",
            amount=payment.amount,
            currency=payment.currency,
            client_secret="",
            charge_id="ch_renewal",
            error_code="",
            metadata={},
        )
        record_success(payment, intent)
    finally:
        if previous is not None:
            register(Payment.Purpose.RENEWAL_FEE, previous)
        else:
            _purposes.pop(Payment.Purpose.RENEWAL_FEE)

    assert OutgoingEmail.objects.get(key=f"receipt-issued:{payment.pk}").user == parent
    assert payment.receipts.get().number.startswith("R-")


def test_a_paid_booking_confirmation_carries_the_receipt_and_payments_sends_no_other_email(
    parent, stripe_server
):
    booking = paid_booking(pay_online_course(), parent, Client(), stripe_server)
    receipt = Receipt.objects.get(payment=booking.payment_id)

    email = render_deferred_email(OutgoingEmail.objects.get(key=f"booking-confirmed:{booking.pk}"))

    attachments = {attachment.filename: attachment for attachment in email.attachments.all()}
    assert set(attachments) == {f"{booking.course.slug}.ics", receipt.filename}
    assert attachments[receipt.filename].content_type == "application/pdf"
    with attachments[receipt.filename].file.open("rb") as handle:
        text = text_of(handle.read())
    assert receipt.number in text and "€90.00" in text and "Alice Alvarez" in text
    assert not OutgoingEmail.objects.filter(template="receipt_issued").exists()
