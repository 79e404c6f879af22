"""Calendar subscriptions: the secret address of a person's calendar feed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarFeed(models.Model):
    """A person's subscribable calendar (the sessions they teach, or those of their bookings) at an
    address whose token is the only key: renewing it ends the old address at once."""

    class Kind(models.TextChoices):
        TEACHING = "teaching", _("Teaching calendar")
        BOOKINGS = "bookings", _("My sessions")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="calendar_feeds",
    )
    kind = models.CharField(_("calendar"), max_length=10, choices=Kind.choices)
    # Unique, so the feed view finds its feed by the token alone, on this index.
    token = models.CharField(_("secret token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("address issued"), default=timezone.now)

    class Meta:
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")
        constraints = [models.UniqueConstraint(fields=["owner", "kind"], name="calendar_feed_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.owner}"
