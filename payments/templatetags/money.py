from __future__ import annotations

from django import template

from payments.money import format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """{{ payment.amount|money:payment.currency }}: minor units in the page's language's currency format."""
    if amount is None:
        return ""
    return format_money(amount, currency)
