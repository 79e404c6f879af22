"""A person's own data: download it, or delete the account (PRODUCT.md §6). Each app says what it holds;
this top-floor app puts it together, because it may read every floor below."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import anonymise_user
from certification.models import Certificate, Enrollment
from classes.services.privacy import forget_parent, parent_data, teaches_courses
from notifications.services import emails_sent_to, forget_recipient


class PrivacyError(Exception):
    """A request about personal data that cannot be carried out; the message is shown to the person."""


def export_data(user: User) -> dict:
    """Everything we hold about a person, as JSON-ready data: account, babies, bookings, emails."""
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined.isoformat(),
        },
        **parent_data(user),
        "emails": emails_sent_to(user),
    }


def delete_account(user: User) -> None:
    """Delete a parent's account: places ahead are cancelled, babies deleted, registers keep a
    "deleted family", emails keep their metadata only, and the account becomes an anonymous shell.

    Raises PrivacyError for staff and for instructors or trainees, whose courses and certificates are
    professional records the association must keep: they write to the association instead.
    """
    if user.is_staff:
        raise PrivacyError(_("Staff accounts are closed by an administrator."))
    if (
        teaches_courses(user)
        or Certificate.objects.filter(holder=user).exists()
        or Enrollment.objects.filter(trainee=user).exists()
    ):
        raise PrivacyError(
            _(
                "Your account holds teaching or certification records the association must keep. "
                "Please write to the association to close it."
            )
        )
    forget_parent(user)
    with transaction.atomic():
        forget_recipient(user)
        anonymise_user(user)
