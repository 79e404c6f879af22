"""A receipt's PDF reaches its payer and staff holding payments.view_receipt; to anyone else it does not
exist. The links include shows a payment's documents, or nothing, at no query per row when prefetched."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import PAYMENTS_OFFICERS_GROUP
from accounts.tests.factories import UserFactory
from payments.models import Payment, Receipt
from payments.selectors import receipt_links_prefetch
from payments.services import record_offline_payment, void_offline_payment
from payments.tests.factories import PaymentFactory

pytestmark = pytest.mark.django_db


def paid_in_cash(payer, recorded_by) -> Payment:
    return record_offline_payment(
        purpose=Payment.Purpose.BOOKING,
        payer=payer,
        description="“Baby massage in Chamberí”, a place for Oliver",
        amount=9000,
        currency="EUR",
        method=Payment.Method.CASH,
        recorded_by=recorded_by,
    )


def staff_member(*groups: str):
    user = UserFactory(is_staff=True)
    user.groups.add(*(Group.objects.get(name=name) for name in groups))
    return user


@pytest.fixture
def receipt(parent, instructor) -> Receipt:
    return paid_in_cash(parent, instructor).receipts.get()


def download(client, user, receipt: Receipt):
    client.force_login(user)
    return client.get(reverse("payments:receipt_pdf", kwargs={"pk": receipt.pk}))


def test_the_payer_downloads_the_receipt_as_a_pdf_nobody_caches(client, parent, receipt):
    response = download(client, parent, receipt)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert receipt.filename in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    assert receipt.number in PdfReader(BytesIO(response.content)).pages[0].extract_text()


def test_another_parent_gets_a_404(client, other_parent, receipt):
    assert download(client, other_parent, receipt).status_code == 404


def test_staff_without_the_permission_get_a_404_and_with_it_the_pdf(client, receipt):
    clerk = staff_member()
    assert download(client, clerk, receipt).status_code == 404

    clerk.user_permissions.add(Permission.objects.get(codename="view_receipt"))
    clerk = type(clerk).objects.get(pk=clerk.pk)

    assert download(client, clerk, receipt).status_code == 200


def test_a_payments_officer_downloads_any_receipt(client, receipt):
    officer = staff_member(PAYMENTS_OFFICERS_GROUP)

    assert download(client, officer, receipt).status_code == 200


def test_a_visitor_is_sent_to_sign_in_and_a_post_is_refused(client, parent, receipt):
    url = reverse("payments:receipt_pdf", kwargs={"pk": receipt.pk})
    assert reverse("account_login") in client.get(url)["Location"]
    client.force_login(parent)
    assert client.post(url).status_code == 405


def test_a_download_writes_nothing_and_its_queries_do_not_grow(client, parent, instructor, receipt):
    void_offline_payment(receipt.payment, by=instructor)
    credit_note = receipt.payment.receipts.get(kind=Receipt.Kind.CREDIT_NOTE)

    client.force_login(parent)
    counts = []
    for document in (receipt, credit_note):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("payments:receipt_pdf", kwargs={"pk": document.pk}))
        assert response.status_code == 200
        assert not [
            q for q in queries.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        counts.append(len(queries))

    assert counts[0] == counts[1]
    receipt.refresh_from_db()
    assert not receipt.pdf


def test_the_links_name_the_receipt_and_credit_note_of_a_payment(parent, instructor, receipt):
    void_offline_payment(receipt.payment, by=instructor)
    credit_note = receipt.payment.receipts.get(kind=Receipt.Kind.CREDIT_NOTE)

    html = render_to_string("payments/_receipt_links.html", {"payment": receipt.payment})

    assert f"Receipt {receipt.number} (PDF)" in html
    assert f"Credit note {credit_note.number} (PDF)" in html
    assert reverse("payments:receipt_pdf", kwargs={"pk": credit_note.pk}) in html
    assert html.index(receipt.number) < html.index(credit_note.number)


def test_the_links_are_nothing_at_all_without_documents():
    assert render_to_string("payments/_receipt_links.html", {"payment": None}).strip() == ""
    unpaid = PaymentFactory(pending=True)
    assert render_to_string("payments/_receipt_links.html", {"payment": unpaid}).strip() == ""


def test_prefetched_links_cost_no_query_per_payment(parent, instructor):
    for _ in range(3):
        paid_in_cash(parent, instructor)
    payments = list(Payment.objects.prefetch_related(receipt_links_prefetch()))

    with CaptureQueriesContext(connection) as queries:
        html = "".join(render_to_string("payments/_receipt_links.html", {"payment": p}) for p in payments)

    assert len(queries) == 0
    assert html.count("(PDF)") == 3


def test_the_payments_officers_group_holds_what_the_role_needs():
    group = Group.objects.get(name=PAYMENTS_OFFICERS_GROUP)

    held = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert held == {
        ("payments", "view_payment"),
        ("payments", "view_refund"),
        ("payments", "view_receipt"),
        ("payments", "refund_payment"),
    }
