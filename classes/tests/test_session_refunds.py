"""A cancelled session gives families who paid by card part of their payment back: once per family and
session, through request_refund, on the record when a coordinator does it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from accounts.tests.factories import UserFactory
from classes.models import CourseAction, SessionRefund
from classes.services import (
    CourseError,
    cancel_session,
    refund_cancelled_session,
    refund_cancelled_session_to_all,
)
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email
from payments.models import Refund
from payments.services import send_due_refunds
from payments.tests.conftest import paid_booking, pay_online_course

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_course(instructor, parent, other_parent, client, stripe_server):
    """Carol's pay-online course of five weeks: Alice and Bob paid €90.00 by card, and week 2 is cancelled."""
    course = pay_online_course(instructor=instructor)
    alice = paid_booking(course, parent, client, stripe_server)
    bob = paid_booking(course, other_parent, client, stripe_server)
    second = course.sessions.order_by("starts_at")[1]
    cancel_session(second, actor=instructor)
    second.refresh_from_db()
    return {"course": course, "alice": alice, "bob": bob, "session": second}


def test_a_family_gets_the_amount_back_at_stripe_and_is_emailed(paid_course, instructor, stripe_server):
    alice = paid_course["alice"]

    made = refund_cancelled_session(alice, session=paid_course["session"], amount=1800, actor=instructor)
    send_due_refunds()

    refund = Refund.objects.get(pk=made.refund_id)
    assert (refund.reason, refund.amount, refund.status) == (
        "session_cancelled",
        1800,
        Refund.Status.SUCCEEDED,
    )
    assert [r["amount"] for r in stripe_server.refunds_for(alice.payment.intent_id)] == [1800]
    email = render_deferred_email(OutgoingEmail.objects.get(key=f"refund-made:{refund.pk}"))
    assert "A session was cancelled, so part of your payment goes back to you." in email.body_text


def test_a_second_refund_for_the_same_session_is_refused(paid_course, instructor):
    alice, session = paid_course["alice"], paid_course["session"]
    refund_cancelled_session(alice, session=session, amount=1800, actor=instructor)

    with pytest.raises(CourseError, match="has had a refund for week 2 already"):
        refund_cancelled_session(alice, session=session, amount=500, actor=instructor)

    assert Refund.objects.filter(payment=alice.payment).count() == 1


def test_a_session_still_scheduled_is_not_refunded(paid_course, instructor):
    held = paid_course["course"].sessions.order_by("starts_at")[2]

    with pytest.raises(CourseError, match="Only a cancelled session is refunded"):
        refund_cancelled_session(paid_course["alice"], session=held, amount=1800, actor=instructor)

    assert not Refund.objects.exists()


@pytest.mark.parametrize("amount", [0, -100, 9001])
def test_an_amount_of_nothing_or_more_than_is_left_is_refused_next_to_the_amount(
    paid_course, instructor, amount
):
    with pytest.raises(CourseError) as refused:
        refund_cancelled_session(
            paid_course["alice"], session=paid_course["session"], amount=amount, actor=instructor
        )

    assert refused.value.field == "amount"
    assert not SessionRefund.objects.exists()


def test_another_instructor_cannot_refund(paid_course, other_instructor):
    with pytest.raises(CourseError):
        refund_cancelled_session(
            paid_course["alice"], session=paid_course["session"], amount=1800, actor=other_instructor
        )

    assert not Refund.objects.exists()


def test_every_paying_family_gets_the_amount_and_a_family_refunded_already_is_left_out(
    paid_course, instructor
):
    session = paid_course["session"]
    refund_cancelled_session(paid_course["alice"], session=session, amount=1000, actor=instructor)

    made = refund_cancelled_session_to_all(session, amount=1800, actor=instructor)

    assert [refund.booking_id for refund in made] == [paid_course["bob"].pk]
    with pytest.raises(CourseError, match="has had a refund for this session already"):
        refund_cancelled_session_to_all(session, amount=1800, actor=instructor)


def test_a_coordinators_refund_is_on_the_record(paid_course):
    coordinator = UserFactory()
    coordinator.user_permissions.add(Permission.objects.get(codename="manage_any_course"))

    refund_cancelled_session(
        paid_course["alice"], session=paid_course["session"], amount=1800, actor=coordinator
    )

    action = CourseAction.objects.get(course=paid_course["course"])
    assert (action.kind, action.actor) == (CourseAction.Kind.SESSION_REFUNDED, coordinator)
