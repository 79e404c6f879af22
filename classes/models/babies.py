"""The babies parents book courses for."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Baby(models.Model):
    """A baby a parent books courses for. Seen only by the parent, their instructors and staff."""

    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("parent"), on_delete=models.CASCADE, related_name="babies"
    )
    first_name = models.CharField(_("first name"), max_length=60)
    date_of_birth = models.DateField(_("date of birth"))
    notes = models.TextField(
        _("notes for the instructor"),
        blank=True,
        help_text=_("Optional. Only shared with the instructors of courses you book, if you agree below."),
    )
    notes_consent = models.BooleanField(
        _("I agree to share these notes with the instructors of the courses I book for this baby"),
        default=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("baby")
        verbose_name_plural = _("babies")
        ordering = ["date_of_birth"]
        constraints = [
            # Notes about a baby exist only with the parent's consent to share them (docs/domain.md, Privacy).
            models.CheckConstraint(
                condition=Q(notes="") | Q(notes_consent=True), name="baby_notes_need_consent"
            ),
        ]

    def __str__(self) -> str:
        return self.first_name

    def age_in_weeks(self, on: date) -> int:
        return (on - self.date_of_birth).days // 7
