"""What beat runs for certificates: renewal-due and expired emails, and certificate emails lost in transit.

Every email here has a key that names the certificate and its valid_until date, so a sweep that runs
twice (or two beats by mistake) queues nothing new, and a renewal starts a fresh set of notices.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from certification import emails
from certification.models import Certificate
from certification.services.certificates import enqueue_certificate_email
from notifications.models import OutgoingEmail

# Days before valid_until when the holder is reminded to renew; only the nearest one due is sent, so a
# sweep that was down for weeks sends one reminder, not two at once.
RENEWAL_NOTICE_DAYS = (30, 7)
# An expiry older than this gets no email: after an outage, or on the first deploy, old news stays quiet.
EXPIRED_NOTICE_WINDOW = timedelta(days=30)
# A certificate email requested this long ago and not yet in the outbox lost its task to a broker hiccup.
PENDING_EMAIL_GRACE = timedelta(minutes=2)
SWEEP_BATCH = 500


def _queue_new(pairs: list[tuple[Certificate, str]], queue) -> int:
    """Queue one email per (certificate, key) whose key the outbox does not hold yet."""
    known = set(
        OutgoingEmail.objects.filter(key__in=[key for _c, key in pairs]).values_list("key", flat=True)
    )
    queued = 0
    for certificate, key in pairs:
        if key in known:
            continue
        with transaction.atomic():
            queue(certificate)
        queued += 1
    return queued


def queue_expiry_notices(*, now: datetime | None = None) -> int:
    """Queue the renewal-due emails (30 and 7 days before expiry) and the expired email, each once.

    Returns the number of emails queued.
    """
    now = now or timezone.now()
    thresholds = sorted(RENEWAL_NOTICE_DAYS)
    due = (
        Certificate.objects.valid_at(now)
        .filter(valid_until__lte=now + timedelta(days=thresholds[-1]))
        .select_related("holder")
        .order_by("valid_until")[:SWEEP_BATCH]
    )
    reminders = []
    for certificate in due:
        remaining = certificate.valid_until - now
        days = next(days for days in thresholds if remaining <= timedelta(days=days))
        reminders.append((certificate, emails.renewal_due_key(certificate, days), days))
    queued = 0
    for days in thresholds:
        queued += _queue_new(
            [(certificate, key) for certificate, key, due_in in reminders if due_in == days],
            lambda certificate, days=days: emails.queue_renewal_due(certificate, days=days),
        )
    expired = (
        Certificate.objects.expired_at(now)
        .filter(valid_until__gt=now - EXPIRED_NOTICE_WINDOW)
        .select_related("holder")
        .order_by("valid_until")[:SWEEP_BATCH]
    )
    queued += _queue_new(
        [(certificate, emails.expired_key(certificate)) for certificate in expired],
        emails.queue_certificate_expired,
    )
    return queued


def requeue_pending_certificate_emails(*, now: datetime | None = None) -> int:
    """Queue again the task of every certificate email requested a while ago and not yet in the outbox.

    The task is safe to run twice, so one still in flight does no harm. Returns tasks queued.
    """
    now = now or timezone.now()
    pending = (
        Certificate.objects.filter(email_requested_at__lte=now - PENDING_EMAIL_GRACE)
        .order_by("email_requested_at")
        .values_list("pk", "email_version")[:SWEEP_BATCH]
    )
    pending = list(pending)
    for certificate_id, version in pending:
        enqueue_certificate_email(certificate_id, version)
    return len(pending)
