"""Refunds go to localstripe with an idempotency key, once each; a failure is retried with backoff and then
shown as failed in admin, where staff with the permission send it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from classes.services import book_course, cancel_booking, cancel_course
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email
from payments.models import Payment, Refund
from payments.services import PaymentError, request_refund, send_due_refunds, send_refund
from payments.tests.conftest import baby_of, paid_booking, pay_online_course

pytestmark = pytest.mark.django_db


def test_parent_cancelling_before_the_cutoff_is_refunded_in_full_and_told(parent, client, stripe_server):
    booking = paid_booking(pay_online_course(), parent, client, stripe_server)

    cancel_booking(booking, by=parent)
    send_due_refunds()

    refund = Refund.objects.get(payment=booking.payment)
    assert (refund.reason, refund.amount, refund.status) == (
        "cancelled_by_parent",
        9000,
        Refund.Status.SUCCEEDED,
    )
    assert [r["amount"] for r in stripe_server.refunds_for(booking.payment.intent_id)] == [9000]
    told = render_deferred_email(OutgoingEmail.objects.get(key=f"refund-made:{refund.pk}"))
    assert "You cancelled the booking in time" in told.body_text


def test_course_cancelled_refunds_every_paying_family_once(
    parent, other_parent, client, stripe_server, instructor
):
    course = pay_online_course(instructor=instructor)
    paid = [paid_booking(course, person, client, stripe_server) for person in (parent, other_parent)]

    cancel_course(course, actor=instructor)
    send_due_refunds()
    send_due_refunds()

    for booking in paid:
        intent_id = Payment.objects.get(pk=booking.payment_id).intent_id
        assert [r["amount"] for r in stripe_server.refunds_for(intent_id)] == [9000]
        assert Refund.objects.filter(payment_id=booking.payment_id, reason="course_cancelled").count() == 1
    cancelled_emails = OutgoingEmail.objects.filter(template="course_cancelled")
    assert cancelled_emails.count() == 2


def test_a_family_still_paying_when_the_course_is_cancelled_is_charged_nothing(
    parent, stripe_server, instructor
):
    course = pay_online_course(instructor=instructor)
    holding = book_course(course, parent=parent, baby=baby_of(parent))

    cancel_course(course, actor=instructor)

    payment = Payment.objects.get(pk=holding.payment_id)
    assert payment.status == Payment.Status.CANCELED
    assert not Refund.objects.exists()


def test_a_refund_stripe_refuses_is_retried_then_failed_and_shown_in_admin(
    parent, client, stripe_server, settings, staff
):
    booking = paid_booking(pay_online_course(), parent, client, stripe_server)
    settings.REFUND_MAX_ATTEMPTS = 3
    reachable = settings.STRIPE_API_BASE
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    refund = request_refund(booking.payment, reason=Refund.Reason.BY_STAFF)

    outcomes = [send_refund(refund.pk)]
    moment = timezone.now()
    for _ in range(settings.REFUND_MAX_ATTEMPTS - 1):
        refund.refresh_from_db()
        moment = refund.next_attempt_at + timedelta(seconds=1)
        with time_machine.travel(moment):
            outcomes.append(send_refund(refund.pk))

    assert outcomes == ["retrying", "retrying", "failed"]
    refund.refresh_from_db()
    assert (refund.status, refund.attempts) == (Refund.Status.FAILED, 3)
    assert "APIConnectionError" in refund.last_error or "Unavailable" in refund.last_error
    client.force_login(staff)
    listing = client.get(reverse("admin:payments_refund_changelist"), {"status__exact": "failed"})
    assert listing.status_code == 200
    assert "Failed" in listing.content.decode()
    assert "1 refund" in listing.content.decode()

    settings.STRIPE_API_BASE = reachable
    client.post(
        reverse("admin:payments_refund_changelist"),
        {"action": "send_again", "_selected_action": [refund.pk]},
    )
    send_due_refunds()

    refund.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert [r["amount"] for r in stripe_server.refunds_for(booking.payment.intent_id)] == [9000]


def test_sending_again_needs_the_refund_permission(parent, client, stripe_server, settings):
    booking = paid_booking(pay_online_course(), parent, client, stripe_server)
    refund = request_refund(booking.payment, reason=Refund.Reason.BY_STAFF)
    Refund.objects.filter(pk=refund.pk).update(status=Refund.Status.FAILED)
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_refund"))
    client.force_login(viewer)

    client.post(
        reverse("admin:payments_refund_changelist"), {"action": "send_again", "_selected_action": [refund.pk]}
    )

    refund.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert client.get(reverse("admin:payments_refund_changelist")).status_code == 200


def test_a_refund_is_never_more_than_what_is_left(parent, client, stripe_server):
    booking = paid_booking(pay_online_course(), parent, client, stripe_server)
    request_refund(booking.payment, reason=Refund.Reason.SESSION_CANCELLED, amount=2000)

    with pytest.raises(PaymentError):
        request_refund(booking.payment, reason=Refund.Reason.BY_STAFF, amount=7001)
    rest = request_refund(booking.payment, reason=Refund.Reason.BY_STAFF)

    assert rest.amount == 7000


def test_a_refund_sent_twice_reaches_stripe_once(parent, client, stripe_server):
    booking = paid_booking(pay_online_course(), parent, client, stripe_server)
    refund = request_refund(booking.payment, reason=Refund.Reason.BY_STAFF)

    assert [send_refund(refund.pk), send_refund(refund.pk)] == ["succeeded", "skipped"]
    assert len(stripe_server.refunds_for(booking.payment.intent_id)) == 1
    assert OutgoingEmail.objects.filter(key=f"refund-made:{refund.pk}").count() == 1
