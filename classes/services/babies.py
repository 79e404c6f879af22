"""Babies on a parent's account. Notes are kept only with consent to share them (docs/domain.md, Privacy)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from accounts.models import User
from classes.models import Baby
from classes.services.errors import BookingError
from config.locking import busy_as


def create_baby(
    parent: User, *, first_name: str, date_of_birth: date, notes: str = "", notes_consent: bool = False
) -> Baby:
    """Add a baby to a parent's account. Notes are kept only with consent to share them."""
    with transaction.atomic():
        baby = Baby(
            parent=parent,
            first_name=first_name,
            date_of_birth=date_of_birth,
            notes=notes if notes_consent else "",
            notes_consent=notes_consent,
        )
        baby.full_clean()
        baby.save()
    return baby


def update_baby(
    baby: Baby, *, first_name: str, date_of_birth: date, notes: str = "", notes_consent: bool = False
) -> Baby:
    """Change a baby's profile. Notes are kept only with consent to share them; unticking drops them.

    Raises BookingError when the row stays locked too long (the parent is asked to try again).
    """
    with busy_as(BookingError), transaction.atomic():
        baby = Baby.objects.select_for_update().get(pk=baby.pk)
        baby.first_name = first_name
        baby.date_of_birth = date_of_birth
        baby.notes = notes if notes_consent else ""
        baby.notes_consent = notes_consent
        baby.full_clean()
        baby.save()
    return baby
