"""Where and when families meet: venues, courses and their weekly sessions."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import global_settings, settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from accounts.models import validate_time_zone
from classes.curriculum import topic_title

TEACHING_LANGUAGES = global_settings.LANGUAGES


class Venue(models.Model):
    """A place where group courses meet; it belongs to the instructor who created it."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="venues"
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=255)
    city = models.CharField(_("city"), max_length=100)
    country = CountryField(_("country"))
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    accessibility_notes = models.TextField(
        _("accessibility notes"),
        blank=True,
        help_text=_("Step-free access, pram parking, changing table, lift…"),
    )
    # Where the venue is, for "courses near me": taken from its city when it is created (classes.places),
    # and corrected by hand where the city's centre is far off.
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("venue")
        verbose_name_plural = _("venues")
        ordering = ["city", "name"]
        indexes = [
            models.Index(fields=["city"], name="venue_city_idx"),
            # The catalog's "near me" cuts by a box of latitudes (and longitudes) first.
            models.Index(fields=["latitude", "longitude"], name="venue_position_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=-90,
                    latitude__lte=90,
                    longitude__gte=-180,
                    longitude__lte=180,
                ),
                name="venue_position_both_or_none",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"


def default_cancellation_cutoff_hours() -> int:
    """BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS as it is when a course is created. A callable, so the
    migrations name this function instead of freezing the value the environment had when they were made."""
    return settings.BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS


def default_refund_percent() -> int:
    """COURSE_REFUND_PERCENT_DEFAULT as it is when a course is created (a callable, as above)."""
    return settings.COURSE_REFUND_PERCENT_DEFAULT


percentage = [MinValueValidator(0), MaxValueValidator(100)]


# What can change on a course after it is created (classes.services.update_course, the course form and
# admin all read these); sessions change through their own services.
COURSE_EDITABLE_FIELDS = frozenset(
    {
        "title",
        "description",
        "format",
        "venue",
        "online_link",
        "time_zone",
        "language",
        "capacity",
        "price",
        "currency",
        "payment_notes",
        "payment_mode",
        "min_age_weeks",
        "max_age_weeks",
        "cancellation_cutoff_hours",
        "refund_percent",
        "late_refund_percent",
        "is_practicum",
    }
)
# Once families have booked, only these change: families booked on the other terms (price, ages, place,
# language, what a cancellation gives back). The meeting link stays editable because a broken link must be
# fixable; capacity never goes below the places taken; session times change through "move session", which
# tells every family.
COURSE_EDITABLE_ONCE_BOOKED = frozenset({"title", "description", "payment_notes", "capacity", "online_link"})
COURSE_FIXED_ONCE_BOOKED = COURSE_EDITABLE_FIELDS - COURSE_EDITABLE_ONCE_BOOKED


class CourseQuerySet(models.QuerySet["Course"]):
    def published(self) -> CourseQuerySet:
        return self.filter(status=Course.Status.PUBLISHED)


class Course(models.Model):
    """A series of weekly sessions for a small group of families, booked as one."""

    class Format(models.TextChoices):
        VENUE = "venue", _("Group at a venue")
        ONLINE = "online", _("Group online (live video)")

    class PaymentMode(models.TextChoices):
        AT_COURSE = "at_course", _("Families pay at the course (cash or transfer)")
        ONLINE = "online", _("Families pay online when they book")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        # Contexts: the word takes the gender of what it describes in other languages.
        CANCELLED = "cancelled", pgettext_lazy("course status", "Cancelled")

    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("instructor"),
        on_delete=models.PROTECT,
        related_name="courses",
    )
    title = models.CharField(_("title"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160, allow_unicode=False)
    description = models.TextField(_("description"), blank=True)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.VENUE)
    venue = models.ForeignKey(
        Venue,
        verbose_name=_("venue"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    online_link = models.URLField(_("online meeting link"), blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    language = models.CharField(_("taught in"), max_length=10, choices=TEACHING_LANGUAGES, default="en")
    capacity = models.PositiveSmallIntegerField(_("places (families)"), default=8)
    price = models.DecimalField(_("price"), max_digits=8, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    payment_mode = models.CharField(
        _("payment"), max_length=10, choices=PaymentMode.choices, default=PaymentMode.AT_COURSE
    )
    payment_notes = models.TextField(
        _("how to pay"), blank=True, help_text=_("Shown on the course page: how families pay you, and when.")
    )
    min_age_weeks = models.PositiveSmallIntegerField(_("youngest baby (weeks)"), default=4)
    max_age_weeks = models.PositiveSmallIntegerField(_("oldest baby (weeks)"), default=30)
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        _("cancellation cutoff (hours before the first session)"),
        default=default_cancellation_cutoff_hours,
    )
    # The refund policy of a card-paid place the family cancels (docs/domain.md, Paying online): this share
    # until the cutoff; after it, the late share, or no online cancellation at all when that is empty.
    refund_percent = models.PositiveSmallIntegerField(
        _("refund when cancelled before the cutoff (%)"),
        default=default_refund_percent,
        validators=percentage,
    )
    late_refund_percent = models.PositiveSmallIntegerField(
        _("refund when cancelled after the cutoff (%)"),
        null=True,
        blank=True,
        validators=percentage,
        help_text=_("Empty: after the cutoff families cannot cancel online and are asked to contact you."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    is_practicum = models.BooleanField(
        _("practicum course"),
        default=False,
        help_text=_("Taught by a trainee as part of their certification."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # The start of the first *scheduled* session, None without one: kept by the services that create,
    # move or cancel sessions (classes.services.courses.refresh_first_session), in their transaction, so
    # the catalog filters, sorts and pages on an index instead of grouping every session.
    first_session_at = models.DateTimeField(_("first session"), null=True, blank=True, editable=False)

    objects = CourseQuerySet.as_manager()

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at"]
        # Acting on a course one does not teach (the Course coordinators group): is_staff never grants it.
        permissions = [("manage_any_course", _("Can act on any instructor's course, on the record"))]
        indexes = [
            # The catalog's language choices: the languages published courses are taught in.
            models.Index(fields=["status", "language"], name="course_status_language_idx"),
            # The catalog and the home page: published courses starting after now, soonest first, read a
            # page at a time in index order (classes.selectors.catalog_course_ids). The language and format
            # filters have their own, so a rare language does not walk the whole catalog; a date range
            # bounds the part read, and the city and baby's age are checked on the rows read.
            models.Index(
                fields=["first_session_at", "id"], condition=Q(status="published"), name="course_catalog_idx"
            ),
            models.Index(
                fields=["language", "first_session_at", "id"],
                condition=Q(status="published"),
                name="course_catalog_language_idx",
            ),
            models.Index(
                fields=["format", "first_session_at", "id"],
                condition=Q(status="published"),
                name="course_catalog_format_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="course_capacity_positive"),
            models.CheckConstraint(
                condition=Q(min_age_weeks__lte=models.F("max_age_weeks")), name="course_age_range"
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="course_price_non_negative"),
            models.CheckConstraint(condition=Q(refund_percent__lte=100), name="course_refund_percent_range"),
            models.CheckConstraint(
                condition=Q(late_refund_percent__isnull=True) | Q(late_refund_percent__lte=100),
                name="course_late_refund_percent_range",
            ),
            models.CheckConstraint(
                condition=Q(format="online") | Q(venue__isnull=False), name="course_venue_format_has_venue"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.title)[:160] or "course"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("classes:course_detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def takes_payment_online(self) -> bool:
        """Booking holds the place while the family pays online: the course says so, it costs something,
        and the association has online payment on (PAYMENTS_ENABLED)."""
        return self.payment_mode == self.PaymentMode.ONLINE and self.price > 0 and settings.PAYMENTS_ENABLED


class Session(models.Model):
    """One weekly meeting of a course."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", pgettext_lazy("session status", "Cancelled")

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), default=60, validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    week_number = models.PositiveSmallIntegerField(_("week"))
    curriculum = models.CharField(_("curriculum blocks"), max_length=20, blank=True)
    topic = models.CharField(
        _("topic"),
        max_length=200,
        blank=True,
        help_text=_("Leave empty to use the curriculum's topic for this week."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    # A calendar's SEQUENCE and LAST-MODIFIED for this session (classes.calendar): the services that move
    # or cancel it count the change, so calendar apps holding the event (a downloaded .ics, a subscribed
    # feed) replace their copy instead of keeping the old time. Database defaults, so bulk loads that
    # leave the columns out (bench/) still write valid rows.
    revision = models.PositiveIntegerField(_("revision"), default=0, db_default=0, editable=False)
    changed_at = models.DateTimeField(_("changed"), default=timezone.now, db_default=Now(), editable=False)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["starts_at"]
        indexes = [
            # The reminder and home-practice sweeps scan sessions by start time.
            models.Index(fields=["starts_at"], name="session_starts_at_idx"),
            models.Index(fields=["course", "starts_at"], name="session_course_starts_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="session_duration_positive"),
            models.UniqueConstraint(fields=["course", "week_number"], name="session_unique_week_per_course"),
        ]

    def __str__(self) -> str:
        return _("%(course)s — week %(week)s") % {"course": self.course, "week": self.week_number}

    @property
    def ends_at(self):
        return self.starts_at + timezone.timedelta(minutes=self.duration_minutes)

    @property
    def week_topic(self) -> str:
        """The instructor's own topic, or the curriculum's, translated for whoever reads it."""
        return self.topic or topic_title(self.curriculum)
