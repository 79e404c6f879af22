from __future__ import annotations

from decimal import Decimal

from django import template

from payments.money import format_money, to_minor_units

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """{{ payment.amount|money:payment.currency }}: minor units in the page's language's currency format."""
    if amount is None:
        return ""
    return format_money(amount, currency)


@register.filter
def price(amount: Decimal | None, currency: str) -> str:
    """{{ course.price|price:course.currency }}: a price in the currency's major unit (as instructors type
    it) in the page's language's currency format: "€90.00" in English, "90,00 €" in Spanish."""
    if amount is None or amount == "":
        return ""
    return format_money(to_minor_units(Decimal(amount), currency), currency)
