"""Money given back to a family for a session that did not take place."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.models.bookings import Booking
from classes.models.courses import Session


class SessionRefund(models.Model):
    """Part of a family's card payment given back because one session of the course was cancelled: at most
    one per family and session, whoever asks and however often (the unique constraint is the last word
    when two instructors press at once). The refund itself is a payments.Refund, sent by the worker."""

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.PROTECT, related_name="session_refunds"
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.PROTECT, related_name="refunds"
    )
    refund = models.OneToOneField(
        "payments.Refund", verbose_name=_("refund"), on_delete=models.PROTECT, related_name="session_refund"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("refund for a cancelled session")
        verbose_name_plural = _("refunds for cancelled sessions")
        constraints = [
            models.UniqueConstraint(fields=["booking", "session"], name="session_refund_once_per_booking")
        ]

    def __str__(self) -> str:
        return f"{self.booking} — {self.session}"
