"""Money in admin: lists filtered and searched, exported as CSV as they are filtered, receipts read-only,
refunds requested by staff holding payments.refund_payment, and a person's payments in their data export."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import PAYMENTS_OFFICERS_GROUP
from accounts.tests.factories import UserFactory
from payments.models import Payment, Receipt, Refund
from payments.services import issue_credit_note, issue_receipt, record_offline_payment
from payments.tests.factories import PaymentFactory, RefundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    user = UserFactory(is_staff=True, email="olga@association.example.org")
    user.groups.add(Group.objects.get(name=PAYMENTS_OFFICERS_GROUP))
    return user


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_payments_csv_has_the_filtered_rows_with_amounts_in_major_units(client, officer, parent):
    card = PaymentFactory(payer=parent, amount=9050, description="=HYPERLINK(evil)")
    issue_receipt(card)
    PaymentFactory(payer=parent, amount=1200, currency="JPY")
    PaymentFactory(pending=True)
    client.force_login(officer)

    response = client.get(
        reverse("admin:payments_payment_csv"), {"status__exact": "succeeded", "currency": "EUR"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, *rows = csv_rows(response)
    assert header[:4] == ["Payment", "Created", "Paid at", "What for"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert (row["Amount"], row["Currency"], row["Method"], row["Status"]) == (
        "90.50",
        "EUR",
        "Card, online",
        "Paid",
    )
    assert row["Description"] == "'=HYPERLINK(evil)"
    assert row["Payer's email"] == "alice@example.org"
    assert row["Receipt"] == card.receipts.get().number


def test_the_payments_csv_honours_the_lists_search_by_receipt_number(client, officer):
    wanted, other = PaymentFactory(), PaymentFactory()
    number = issue_receipt(wanted).number
    issue_receipt(other)
    client.force_login(officer)

    listed = client.get(reverse("admin:payments_payment_changelist"), {"q": number})
    exported = csv_rows(client.get(reverse("admin:payments_payment_csv"), {"q": number}))

    assert list(listed.context["cl"].result_list) == [wanted]
    assert [row[0] for row in exported[1:]] == [str(wanted.pk)]
    assert reverse("admin:payments_payment_csv") + f"?q={number}" in listed.content.decode()


def test_the_refunds_csv_lists_refunds_with_their_credit_notes(client, officer):
    refund = RefundFactory(amount=4000, payment__currency="EUR")
    credit_note = issue_credit_note(refund.payment, refund=refund)
    RefundFactory(status=Refund.Status.FAILED)
    client.force_login(officer)

    header, *rows = csv_rows(client.get(reverse("admin:payments_refund_csv"), {"status__exact": "succeeded"}))

    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert (row["Amount"], row["Currency"], row["Credit note"]) == ("40.00", "EUR", credit_note.number)
    assert row["Reason"] == "Course cancelled"


def test_staff_without_the_view_permission_get_no_csv(client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(reverse("admin:payments_payment_csv")).status_code == 403
    assert client.get(reverse("admin:payments_refund_csv")).status_code == 403


def test_receipts_are_listed_searchable_and_read_only(client, officer, parent, instructor):
    payment = record_offline_payment(
        purpose=Payment.Purpose.BOOKING,
        payer=parent,
        description="A place for Oliver",
        amount=9000,
        currency="EUR",
        method=Payment.Method.CASH,
        recorded_by=instructor,
    )
    receipt = payment.receipts.get()
    client.force_login(officer)

    listed = client.get(reverse("admin:payments_receipt_changelist"), {"q": receipt.number})
    change = client.get(reverse("admin:payments_receipt_change", args=[receipt.pk]))

    assert list(listed.context["cl"].result_list) == [receipt]
    assert change.status_code == 200
    assert reverse("payments:receipt_pdf", args=[receipt.pk]) in change.content.decode()
    assert not change.context["has_change_permission"]
    assert client.post(reverse("admin:payments_receipt_change", args=[receipt.pk]), {}).status_code == 403


def refund_action(client, payment: Payment, **extra):
    return client.post(
        reverse("admin:payments_payment_changelist"),
        {"action": "refund_in_full", ACTION_CHECKBOX_NAME: [payment.pk], **extra},
    )


def test_a_payments_officer_refunds_a_card_payment_after_saying_yes(client, officer):
    payment = PaymentFactory(amount=9000)
    client.force_login(officer)

    asked = refund_action(client, payment)

    assert asked.status_code == 200
    assert "€90.00" in asked.content.decode()
    assert not Refund.objects.exists()

    done = refund_action(client, payment, post="yes")

    assert done.status_code == 302
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.reason, refund.requested_by) == (9000, Refund.Reason.BY_STAFF, officer)


def test_staff_who_may_only_view_payments_are_not_offered_the_refund(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name=PAYMENTS_OFFICERS_GROUP).permissions.exclude(codename="refund_payment")
    )
    payment = PaymentFactory()
    client.force_login(viewer)

    response = refund_action(client, payment, post="yes")

    assert response.status_code == 200
    assert not Refund.objects.exists()


def test_the_data_export_holds_the_persons_payments_refunds_and_receipt_numbers(client, parent, other_parent):
    paid = PaymentFactory(payer=parent, amount=9000, description="“Baby massage”, a place for Oliver")
    receipt = issue_receipt(paid)
    refund = RefundFactory(payment=paid, amount=3000, reason=Refund.Reason.CANCELLED_BY_PARENT)
    credit_note = issue_credit_note(paid, refund=refund)
    PaymentFactory(payer=other_parent, description="Bob's own")
    client.force_login(parent)

    exported = json.loads(client.get(reverse("privacy:export")).content)

    [payment] = exported["payments"]
    assert payment["for"] == "“Baby massage”, a place for Oliver"
    assert (payment["amount"], payment["currency"], payment["method"], payment["status"]) == (
        "90.00",
        "EUR",
        "card",
        "succeeded",
    )
    assert payment["paid_at"] == paid.succeeded_at.isoformat()
    assert payment["receipt"] == receipt.number
    assert payment["refunds"] == [
        {
            "amount": "30.00",
            "reason": "cancelled_by_parent",
            "status": "succeeded",
            "requested_at": refund.created_at.isoformat(),
            "refunded_at": refund.succeeded_at.isoformat(),
            "credit_note": credit_note.number,
        }
    ]
    assert Receipt.objects.count() == 2
