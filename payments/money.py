"""Money as Stripe and the receipts count it: an integer number of the currency's minor units.

A price typed by an instructor (a Decimal in the currency's major unit) becomes minor units here and only
here; nothing in payments holds a float. Zero-decimal currencies (JPY, KRW, CLP…) have no minor unit, so
¥9000 is 9000, not 900000; for the three-decimal ones Stripe still counts in thousandths.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency
from django.utils import translation

# Stripe's list (docs "Zero-decimal currencies" and "Three-decimal currencies").
ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def decimals(currency: str) -> int:
    currency = currency.upper()
    if currency in ZERO_DECIMAL:
        return 0
    if currency in THREE_DECIMAL:
        return 3
    return 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """9.5 EUR → 950; 9000 JPY → 9000. Rounds half up to the currency's smallest unit."""
    places = decimals(currency)
    return int((Decimal(amount) * (10**places)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor_units(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-decimals(currency))


def format_money(amount: int, currency: str, *, language: str | None = None) -> str:
    """An amount in minor units as the reader's language writes it: "€90.00" in English, "90,00 €" in
    Spanish, "¥9,000" for yen."""
    locale = (language or translation.get_language() or "en").replace("-", "_")
    return format_currency(
        from_minor_units(amount, currency), currency.upper(), locale=locale, currency_digits=True
    )
