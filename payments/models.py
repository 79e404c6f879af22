"""Money the association takes and gives back: payments, their refunds, the receipts and credit notes
issued for them, and the Stripe events seen.

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

from notifications.storage import private_storage


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
        # A fee arriving for what no longer wants it: an enrollment declined, a certificate revoked or
        # renewed by staff meanwhile.
        NO_LONGER_DUE = "no_longer_due", _("Paid for something no longer due")
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


class ReceiptSequence(models.Model):
    """The last number handed out in one series (R for receipts, C for credit notes) and year. The
    transaction that issues the next number locks this row and commits the number with the document, so
    numbers go up by one with neither gap nor duplicate (payments.services.receipts)."""

    series = models.CharField(_("series"), max_length=1)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("receipt number sequence")
        verbose_name_plural = _("receipt number sequences")
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="receipt_sequence_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"


def receipt_upload_to(receipt: Receipt, filename: str) -> str:
    return f"receipts/{receipt.year}/{filename}"


class Receipt(models.Model):
    """A receipt for a payment that went through (R-2027-000123), or a credit note (C-2027-000012) for a
    refund made or a cash or transfer payment taken back as recorded in error.

    Written once, by the service that records the money, with everything it says as it was then (the
    payer, what was paid for, the association's details): a later change to any of them does not change
    an issued document. Its PDF is rendered from these fields and kept once an email has carried it.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        CREDIT_NOTE = "credit_note", _("Credit note")

    # Why a credit note was issued: a refund's reason, or a payment voided as recorded in error.
    VOIDED = "voided"
    CREDIT_REASONS = [*Refund.Reason.choices, (VOIDED, _("Payment recorded in error"))]

    kind = models.CharField(_("kind"), max_length=11, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("number in the year"))
    payment = models.ForeignKey(
        Payment, verbose_name=_("payment"), on_delete=models.PROTECT, related_name="receipts"
    )
    refund = models.OneToOneField(
        Refund,
        verbose_name=_("refund"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_note",
    )
    # The receipt a credit note takes back, when the payment had one.
    credits = models.ForeignKey(
        "self",
        verbose_name=_("credits receipt"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credit_notes",
    )
    reason = models.CharField(_("reason"), max_length=30, choices=CREDIT_REASONS, blank=True)
    issued_at = models.DateTimeField(_("issued"))
    payer_name = models.CharField(_("payer's name"), max_length=150, blank=True)
    payer_email = models.EmailField(_("payer's email"), blank=True)
    description = models.CharField(_("description"), max_length=255)
    amount = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    method = models.CharField(_("method"), max_length=10, choices=Payment.Method.choices)
    paid_at = models.DateTimeField(_("paid at"))
    language = models.CharField(_("language"), max_length=10)
    association_name = models.CharField(_("association"), max_length=200)
    association_address = models.TextField(_("association's address"), blank=True)
    association_tax_id = models.CharField(_("association's tax id"), max_length=50, blank=True)
    association_email = models.CharField(_("association's email"), max_length=254, blank=True)
    pdf = models.FileField(
        _("PDF"), upload_to=receipt_upload_to, storage=private_storage, blank=True, max_length=300
    )

    class Meta:
        verbose_name = _("receipt or credit note")
        verbose_name_plural = _("receipts and credit notes")
        ordering = ["issued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year", "sequence"], name="receipt_number_once_a_year"),
            models.UniqueConstraint(
                fields=["payment"], condition=Q(kind="receipt"), name="receipt_one_per_payment"
            ),
            models.UniqueConstraint(
                fields=["payment"],
                condition=Q(kind="credit_note", refund__isnull=True),
                name="receipt_one_void_credit_note_per_payment",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="receipt_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="credit_note") | Q(refund__isnull=True, reason=""),
                name="receipt_credits_nothing",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def filename(self) -> str:
        return f"{self.number}.pdf"
