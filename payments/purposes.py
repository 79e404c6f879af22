"""What a payment's success means is decided by the app that owns what it pays for.

payments sits below classes and certification (docs/architecture.md, The floors), so it cannot call
them; they register a Purpose here from their AppConfig.ready() instead, and payments calls it back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from payments.models import Payment


@dataclass(frozen=True)
class Purpose:
    """The callbacks of one kind of payment.

    ``lock`` locks what ``fulfil`` will change, and is called before payments locks the payment row, so
    every transaction takes the owner's lock (a course) before the payment's: never the other way round.
    ``fulfil`` runs in the transaction that records the payment as succeeded and says whether the money is
    kept (True) or must go back in full (False: what it paid for is gone). ``next_url`` is where the payer
    goes once paid, ``back_url`` where they go when the payment can no longer be made.

    ``receipt_in_own_email``: the email ``fulfil`` queues when it keeps a card payment carries the receipt
    (payments.emails.receipt_attachments), so payments sends no "payment received" email of its own for
    it. Otherwise, and for every cash or transfer payment (no ``fulfil`` runs for those), payments emails
    the receipt itself.
    """

    lock: Callable[[Payment], None]
    fulfil: Callable[[Payment], bool]
    next_url: Callable[[Payment], str]
    back_url: Callable[[Payment], str]
    receipt_in_own_email: bool = False


_purposes: dict[str, Purpose] = {}


def register(name: str, purpose: Purpose) -> None:
    _purposes[name] = purpose


def purpose_of(payment: Payment) -> Purpose:
    try:
        return _purposes[payment.purpose]
    except KeyError:
        raise LookupError(f"No app registered the payment purpose {payment.purpose!r}.") from None
