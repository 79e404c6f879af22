from __future__ import annotations


class PaymentError(Exception):
    """A payment or refund cannot be made as asked; the message is fit for the person who asked."""


class PaymentUnavailable(PaymentError):
    """The payment service could not be reached: nothing was charged, and trying again is right."""
