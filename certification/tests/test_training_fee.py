"""The training fee: paid by card from the progress page against localstripe, or by bank transfer recorded
by staff in admin; a free training needs neither (docs/domain.md, Certification)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.tests.factories import UserFactory
from certification.models import Enrollment
from certification.selectors import missing_requirements
from certification.services import CertificationError, issue_certificate, open_training_fee_payment
from certification.tests.factories import EnrollmentFactory, eligible_enrollment, past_training
from certification.tests.paying import pay
from certification.tests.test_admin import change_page, form_data, shown_messages
from payments.models import Payment, Refund
from payments.tests.stripe_server import CARD_DECLINED, CARD_OK

pytestmark = pytest.mark.django_db

PROGRESS = reverse("certification:progress")


def pay_fee_url(enrollment: Enrollment) -> str:
    return reverse("certification:pay_training_fee", kwargs={"pk": enrollment.pk})


@pytest.fixture
def accepted(trainee) -> Enrollment:
    """Erin's application was accepted; the €450.00 fee is still to pay."""
    return EnrollmentFactory(trainee=trainee, accepted=True)


@pytest.fixture
def opened(accepted, client, trainee, stripe_server) -> Payment:
    """Erin pressed "Pay the training fee" on her progress page and is on the pay page."""
    client.force_login(trainee)
    response = client.post(pay_fee_url(accepted))
    accepted.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:pay", kwargs={"pk": accepted.fee_payment_id})
    return accepted.fee_payment


def test_an_accepted_trainee_with_the_fee_unpaid_sees_the_pay_button(accepted, client, trainee):
    client.force_login(trainee)

    page = client.get(PROGRESS).content.decode()

    assert "Pay the training fee (€450.00)" in page
    assert f'action="{pay_fee_url(accepted)}"' in page
    assert "Not paid yet: €450.00." in page


def test_pressing_pay_opens_a_card_payment_of_the_fee_in_minor_units(opened, accepted, trainee):
    assert opened.purpose == Payment.Purpose.TRAINING_FEE
    assert (opened.amount, opened.currency, opened.method) == (45000, "EUR", Payment.Method.CARD)
    assert opened.payer == trainee
    assert opened.status == Payment.Status.PENDING
    assert accepted.training.title in opened.description


def test_pressing_pay_again_finds_the_same_payment(opened, accepted, client):
    response = client.post(pay_fee_url(accepted))

    assert response["Location"] == reverse("payments:pay", kwargs={"pk": opened.pk})
    assert Payment.objects.count() == 1


def test_paying_with_a_good_card_marks_the_fee_paid_and_the_progress_page_says_so(
    opened, accepted, client, stripe_server
):
    answer = pay(client, opened, stripe_server.card(CARD_OK))

    assert answer["status"] == "succeeded"
    accepted.refresh_from_db()
    assert accepted.fee_paid
    opened.refresh_from_db()
    assert opened.status == Payment.Status.SUCCEEDED
    assert not opened.refunds.exists()
    done = client.get(reverse("payments:pay_done", kwargs={"pk": opened.pk}))
    assert done["Location"] == PROGRESS
    page = client.get(PROGRESS).content.decode()
    today = date_format(timezone.localtime(opened.succeeded_at).date(), "DATE_FORMAT")
    assert f"Paid online on {today}." in page
    receipt = opened.receipts.get()
    assert reverse("payments:receipt_pdf", kwargs={"pk": receipt.pk}) in page
    assert "Pay the training fee" not in page
    assert "The training fee" not in " ".join(missing_requirements(accepted))


def test_a_declined_card_leaves_the_fee_unpaid_and_says_why(opened, accepted, client, stripe_server):
    answer = pay(client, opened, stripe_server.card(CARD_DECLINED))

    assert answer["status"] == "declined"
    assert "Your card was declined, so nothing was charged." in answer["message"]
    accepted.refresh_from_db()
    assert not accepted.fee_paid
    opened.refresh_from_db()
    assert opened.status == Payment.Status.PENDING
    assert "Pay the training fee (€450.00)" in client.get(PROGRESS).content.decode()


def test_another_trainee_gets_404_for_someone_elses_fee_and_its_payment(
    opened, accepted, client, trainee, stripe_server
):
    pay_page = reverse("payments:pay", kwargs={"pk": opened.pk})
    assert client.get(pay_page).status_code == 200
    greta = UserFactory(email="greta@example.org", full_name="Greta Gómez")
    EnrollmentFactory(trainee=greta, training=accepted.training, accepted=True)
    client.force_login(greta)

    assert client.post(pay_fee_url(accepted)).status_code == 404
    assert client.get(pay_page).status_code == 404
    assert pay(client, opened, stripe_server.card(CARD_OK))["status_code"] == 404
    accepted.refresh_from_db()
    assert (accepted.fee_paid, accepted.fee_payment_id) == (False, opened.pk)
    assert Payment.objects.count() == 1


def test_the_pay_fee_action_refuses_a_get(accepted, client, trainee):
    client.force_login(trainee)

    assert client.get(pay_fee_url(accepted)).status_code == 405
    assert not Payment.objects.exists()


def test_an_application_not_yet_accepted_has_no_fee_to_pay_yet(client, trainee):
    applied = EnrollmentFactory(trainee=trainee)
    client.force_login(trainee)

    assert "Pay the training fee" not in client.get(PROGRESS).content.decode()
    response = client.post(pay_fee_url(applied), follow=True)

    assert "The training fee is paid once your application is accepted." in shown_messages(response)
    assert not Payment.objects.exists()


def test_a_free_training_needs_no_payment_and_counts_as_paid(client, trainee):
    free = eligible_enrollment(trainee=trainee, fee_paid=False, training=past_training(fee=Decimal("0")))
    client.force_login(trainee)

    page = client.get(PROGRESS).content.decode()
    response = client.post(pay_fee_url(free), follow=True)

    assert "No fee for this training." in page
    assert "Pay the training fee" not in page
    assert missing_requirements(Enrollment.objects.get(pk=free.pk)) == []
    assert "There is no training fee left to pay." in shown_messages(response)
    assert not Payment.objects.exists()


def test_a_fee_paid_for_an_application_withdrawn_meanwhile_goes_back_in_full(
    opened, accepted, client, stripe_server
):
    Enrollment.objects.filter(pk=accepted.pk).update(status=Enrollment.Status.WITHDRAWN)

    answer = pay(client, opened, stripe_server.card(CARD_OK))

    assert answer["status"] == "succeeded"
    accepted.refresh_from_db()
    assert not accepted.fee_paid
    refund = Refund.objects.get(payment=opened)
    assert refund.amount == 45000


def test_staff_record_a_bank_transfer_and_the_fee_is_paid(client, staff, trainee, accepted):
    client.force_login(staff)
    data = form_data(client.get(change_page(accepted)))
    data.update(fee_paid=["on"], _save=["Save"])

    response = client.post(change_page(accepted), data)

    assert response.status_code == 302
    accepted.refresh_from_db()
    payment = accepted.fee_payment
    assert accepted.fee_paid
    assert (payment.method, payment.purpose, payment.status) == (
        Payment.Method.TRANSFER,
        Payment.Purpose.TRAINING_FEE,
        Payment.Status.SUCCEEDED,
    )
    assert (payment.amount, payment.currency, payment.payer, payment.recorded_by) == (
        45000,
        "EUR",
        trainee,
        staff,
    )
    client.force_login(trainee)
    assert "Paid by bank transfer on" in client.get(PROGRESS).content.decode()


def test_a_transfer_recorded_while_a_card_payment_waits_cancels_the_card_payment(
    opened, accepted, client, staff
):
    client.force_login(staff)
    data = form_data(client.get(change_page(accepted)))
    data.update(fee_paid=["on"], _save=["Save"])

    client.post(change_page(accepted), data)

    opened.refresh_from_db()
    accepted.refresh_from_db()
    assert opened.status == Payment.Status.CANCELED
    assert accepted.fee_payment.method == Payment.Method.TRANSFER


def test_unticking_a_transfer_recorded_by_mistake_voids_it(client, staff, accepted):
    client.force_login(staff)
    data = form_data(client.get(change_page(accepted)))
    data.update(fee_paid=["on"], _save=["Save"])
    client.post(change_page(accepted), data)
    transfer = Enrollment.objects.get(pk=accepted.pk).fee_payment
    data = form_data(client.get(change_page(accepted)))
    data.pop("fee_paid", None)
    data["_save"] = ["Save"]

    client.post(change_page(accepted), data)

    transfer.refresh_from_db()
    accepted.refresh_from_db()
    assert transfer.status == Payment.Status.VOIDED
    assert (accepted.fee_paid, accepted.fee_payment) == (False, None)


def test_a_fee_paid_by_card_cannot_be_unticked_in_admin(opened, accepted, client, staff, stripe_server):
    pay(client, opened, stripe_server.card(CARD_OK))
    client.force_login(staff)
    data = form_data(client.get(change_page(accepted)))
    data.pop("fee_paid", None)
    data["_save"] = ["Save"]

    response = client.post(change_page(accepted), data, follow=True)

    assert "A card payment is refunded, not undone." in shown_messages(response)
    accepted.refresh_from_db()
    assert accepted.fee_paid


def test_issuing_without_the_fee_is_refused_naming_the_fee_and_works_once_it_is_paid(
    client, staff, trainee, stripe_server
):
    enrollment = eligible_enrollment(trainee=trainee, fee_paid=False)

    with pytest.raises(CertificationError, match=r"The training fee \(€450\.00\) is not paid\."):
        issue_certificate(enrollment, actor=staff)

    payment = open_training_fee_payment(enrollment, trainee=trainee)
    client.force_login(trainee)
    assert pay(client, payment, stripe_server.card(CARD_OK))["status"] == "succeeded"
    certificate = issue_certificate(enrollment, actor=staff)
    assert certificate.holder == trainee
