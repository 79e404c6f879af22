"""Reads about people that several apps ask."""

from __future__ import annotations

from allauth.account.models import EmailAddress


def has_verified_email(user) -> bool:
    """Whether the person confirmed an email address: booking and applying wait for it."""
    return EmailAddress.objects.filter(user=user, verified=True).exists()
