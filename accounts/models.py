from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TRAINERS_GROUP = "Trainers"
CERTIFICATION_ADMINS_GROUP = "Certification admins"
# Holds classes.manage_any_course: acts on other instructors' courses, on the record.
COURSE_COORDINATORS_GROUP = "Course coordinators"
# Reads payments, refunds, receipts and credit notes, and refunds a card payment (payments.refund_payment).
PAYMENTS_OFFICERS_GROUP = "Payments officers"


class Background(models.TextChoices):
    """The professions instructors come from (docs/domain.md, People): on an instructor's profile and in
    a training application. Kept here, on the lowest floor that knows people, so both can use it."""

    NURSE = "nurse", _("Nurse")
    MIDWIFE = "midwife", _("Midwife")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    DOULA = "doula", _("Doula")
    LACTATION_CONSULTANT = "lactation_consultant", _("Lactation consultant")
    CHILDBIRTH_EDUCATOR = "childbirth_educator", _("Childbirth educator")
    SOCIAL_WORKER = "social_worker", _("Social worker")
    SPEECH_THERAPIST = "speech_therapist", _("Speech therapist")
    DEVELOPMENTAL_SPECIALIST = "developmental_specialist", _("Developmental specialist")
    MASSAGE_THERAPIST = "massage_therapist", _("Massage therapist")
    PARENT = "parent", _("Parent")
    OTHER = "other", _("Other")


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def time_zone_choices() -> list[tuple[str, str]]:
    zones = zoneinfo.available_timezones()
    names = sorted(zone for zone in zones if "/" in zone and not zone.startswith("Etc/"))
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields) -> User:
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person with a login. Email is the login; roles come from groups and related data."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_unique_ci",
                violation_error_message=_("An account with this email address already exists."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email.split("@")[0]

    @property
    def surname(self) -> str:
        return self.full_name.rsplit(" ", 1)[-1] if self.full_name else ""
