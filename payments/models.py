"""Money the association takes and gives back: payments, their refunds, and the Stripe events seen.

Amounts are integers in the currency's minor unit (payments.money). A payment says what it pays for by its
``purpose``; the thing paid for (a booking, an enrollment) points at its payment from the floor above, so
this app knows nothing of courses or trainings (docs/architecture.md, The floors).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Payment(models.Model):
    """One amount owed or paid for one thing: online by card through Stripe, or in cash or by transfer as
    recorded by whoever took it."""

    class Purpose(models.TextChoices):
        BOOKING = "booking", _("Course booking")
        TRAINING_FEE = "training_fee", _("Training fee")
        RENEWAL_FEE = "renewal_fee", _("Certificate renewal fee")

    class Method(models.TextChoices):
        CARD = "card", _("Card, online")
        CASH = "cash", _("Cash")
        TRANSFER = "transfer", _("Bank transfer")

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        SUCCEEDED = "succeeded", _("Paid")
        # No longer payable (the hold ran out, the booking was let go); a card payment that Stripe takes
        # anyway is still recorded, and the thing paid for decides whether it is kept or refunded.
        CANCELED = "canceled", pgettext_lazy("payment status", "Cancelled")
        # A cash or transfer payment recorded by mistake and taken back by whoever recorded it.
        VOIDED = "voided", _("Recorded in error")

    purpose = models.CharField(_("what for"), max_length=20, choices=Purpose.choices)
    description = models.CharField(
        _("description"), max_length=255, help_text=_("What was paid for, as the payer was shown it.")
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("payer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.CARD)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    pay_by = models.DateTimeField(_("pay by"), null=True, blank=True)
    # The current PaymentIntent. A declined card ends its intent (Stripe's test server cannot retry one),
    # so the next attempt gets a new one: ``attempts`` numbers them, and their idempotency keys.
    intent_id = models.CharField(_("Stripe PaymentIntent"), max_length=255, blank=True, db_index=True)
    intent_status = models.CharField(_("PaymentIntent status"), max_length=40, blank=True)
    charge_id = models.CharField(_("Stripe charge"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    succeeded_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    canceled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at"]
        permissions = [("refund_payment", _("Can refund a payment"))]
        indexes = [
            # The reconciliation sweep: card payments still open at Stripe, oldest change first.
            models.Index(fields=["status", "updated_at"], name="payment_status_updated_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=~Q(status="succeeded") | Q(succeeded_at__isnull=False), name="payment_paid_has_time"
            ),
            models.UniqueConstraint(
                fields=["intent_id"], condition=~Q(intent_id=""), name="payment_one_per_intent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.get_status_display()})"

    @property
    def is_online(self) -> bool:
        return self.method == self.Method.CARD


class Refund(models.Model):
    """Money given back on a card payment: sent to Stripe with an idempotency key by a worker, retried
    with backoff, and failed for staff to see once the attempts run out."""

    class Reason(models.TextChoices):
        LATE_PAYMENT = "late_payment", _("Paid after the place had gone")
        CANCELLED_BY_PARENT = "cancelled_by_parent", _("Cancelled by the family")
        COURSE_CANCELLED = "course_cancelled", _("Course cancelled")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        BY_STAFF = "by_staff", _("Refunded by the association")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Sending")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")

    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="refunds"
    )
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    provider_refund_id = models.CharField(_("Stripe refund"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    succeeded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        ordering = ["-created_at"]
        # The retry sweep: refunds due to be sent, and ones stuck in sending.
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="refund_due_idx")]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.payment.description} ({self.get_status_display()})"

    @property
    def idempotency_key(self) -> str:
        # Stripe returns the first refund for a repeated key: a worker that died after Stripe accepted
        # the refund, but before it was recorded, cannot refund twice when the sweep retries it. The
        # creation time keeps two databases sharing a Stripe account from ever sending the same key.
        return f"nurturing-touch-refund-{self.pk}-{int(self.created_at.timestamp())}"


class StripeEvent(models.Model):
    """A webhook event, recorded in the transaction that acts on it: a second delivery of the same event id
    finds the row and changes nothing."""

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    payment = models.ForeignKey(
        Payment,
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
