from __future__ import annotations

from decimal import Decimal

import pytest

from payments.money import format_money, from_minor_units, to_minor_units


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        (Decimal("90"), "EUR", 9000),
        (Decimal("92.50"), "eur", 9250),
        (Decimal("0.005"), "USD", 1),
        (Decimal("9000"), "JPY", 9000),
        (Decimal("25000"), "KRW", 25000),
        (Decimal("1.234"), "KWD", 1234),
    ],
)
def test_prices_become_whole_minor_units_of_their_currency(amount, currency, minor):
    assert to_minor_units(amount, currency) == minor


def test_minor_units_read_back_in_the_currencys_major_unit():
    assert from_minor_units(9250, "EUR") == Decimal("92.50")
    assert from_minor_units(9000, "JPY") == Decimal("9000")
    assert from_minor_units(1234, "KWD") == Decimal("1.234")


def test_amounts_are_written_as_the_readers_language_writes_money():
    assert format_money(9250, "EUR", language="en") == "€92.50"
    assert format_money(9250, "EUR", language="es") == "92,50\xa0€"
    assert format_money(9000, "JPY", language="en") == "¥9,000"
