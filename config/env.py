"""Typed readers for environment variables.

Each reader returns the default when the variable is unset or empty and raises ImproperlyConfigured
when it is set to something that cannot be what was meant, so a typo fails at start-up, not at 3 a.m.
"""

from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false, 1/0, yes/no), not {value!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}.")
    return number


def env_amount(name: str, default: str) -> Decimal:
    """An amount of money in major units ("60.00"), never negative."""
    value = env_str(name, default)
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name} must be an amount such as 60.00, not {value!r}.") from None
    if not amount.is_finite() or amount < 0:
        raise ImproperlyConfigured(f"{name} must be an amount of 0 or more, not {value!r}.")
    return amount


def env_currency(name: str, default: str) -> str:
    """An ISO 4217 currency code (three letters), upper-cased."""
    value = env_str(name, default).upper()
    if not (value.isascii() and value.isalpha() and len(value) == 3):
        raise ImproperlyConfigured(f"{name} must be a three-letter currency code such as EUR, not {value!r}.")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default or [])
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(sorted(choices))}, not {value!r}.")
    return value
