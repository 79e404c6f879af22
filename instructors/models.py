from __future__ import annotations

from django.conf import global_settings, settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import Background


def photo_upload_to(instance: InstructorProfile, filename: str) -> str:
    return f"instructors/{instance.slug}/{filename}"


class InstructorProfile(models.Model):
    """An instructor's public face. Certified status is derived from certification, never stored here."""

    class NoticePreference(models.TextChoices):
        EACH = "each", _("An email for each booking change")
        DAILY_DIGEST = "daily_digest", _("One daily digest")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="instructor_profile",
    )
    slug = models.SlugField(_("public address"), max_length=80, unique=True)
    display_name = models.CharField(_("display name"), max_length=120)
    photo = models.ImageField(_("photo"), upload_to=photo_upload_to, blank=True)
    bio = models.TextField(_("about you"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), blank=True)
    # The centre of the instructor's city (classes.places), for the directory's "near me"; set with the city.
    latitude = models.FloatField(_("latitude"), null=True, blank=True, editable=False)
    longitude = models.FloatField(_("longitude"), null=True, blank=True, editable=False)
    offers_private_sessions = models.BooleanField(_("offers private sessions at home"), default=False)
    notice_preference = models.CharField(
        _("booking notices"), max_length=12, choices=NoticePreference.choices, default=NoticePreference.EACH
    )
    is_public = models.BooleanField(_("show my profile in the directory"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("instructor profile")
        verbose_name_plural = _("instructor profiles")
        ordering = ["display_name"]
        indexes = [
            # Directory filters.
            models.Index(fields=["is_public", "country", "city"], name="profile_directory_idx"),
            models.Index(fields=["latitude", "longitude"], name="profile_position_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("instructors:profile_detail", kwargs={"slug": self.slug})


class InstructorBackground(models.Model):
    """One professional background of an instructor (several allowed; a row each so it can be filtered)."""

    profile = models.ForeignKey(InstructorProfile, on_delete=models.CASCADE, related_name="backgrounds")
    background = models.CharField(_("background"), max_length=30, choices=Background.choices)

    class Meta:
        verbose_name = _("professional background")
        verbose_name_plural = _("professional backgrounds")
        constraints = [
            models.UniqueConstraint(fields=["profile", "background"], name="profile_background_once")
        ]
        indexes = [models.Index(fields=["background"], name="profile_background_idx")]

    def __str__(self) -> str:
        return self.get_background_display()


class InstructorLanguage(models.Model):
    """A language an instructor teaches in."""

    profile = models.ForeignKey(InstructorProfile, on_delete=models.CASCADE, related_name="languages")
    language = models.CharField(_("language"), max_length=10, choices=global_settings.LANGUAGES)

    class Meta:
        verbose_name = _("teaching language")
        verbose_name_plural = _("teaching languages")
        constraints = [models.UniqueConstraint(fields=["profile", "language"], name="profile_language_once")]
        indexes = [models.Index(fields=["language"], name="profile_language_idx")]

    def __str__(self) -> str:
        return self.get_language_display()
