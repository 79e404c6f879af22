"""The database's own rules for the outbox."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from notifications.models import OutgoingEmail
from notifications.tests.factories import OutgoingEmailFactory

pytestmark = pytest.mark.django_db


def test_an_idempotency_key_is_queued_once():
    email = OutgoingEmailFactory()

    with pytest.raises(IntegrityError, match=r"Key \(key\)"), transaction.atomic():
        OutgoingEmailFactory(key=email.key)


def test_attempts_cannot_go_below_zero():
    email = OutgoingEmailFactory()

    # Both the column's own check and outbox_attempts_non_negative forbid it; either may report first.
    with pytest.raises(IntegrityError, match="attempts"), transaction.atomic():
        OutgoingEmail.objects.filter(pk=email.pk).update(attempts=-1)


def test_sent_email_needs_the_time_it_was_sent():
    with pytest.raises(IntegrityError, match="outbox_sent_has_sent_at"), transaction.atomic():
        OutgoingEmailFactory(sent=True, sent_at=None)
