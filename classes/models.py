from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from django.conf import global_settings, settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Q
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
        "min_age_weeks",
        "max_age_weeks",
        "cancellation_cutoff_hours",
        "is_practicum",
    }
)
# Once families have booked, only these change: families booked on the other terms (price, ages, place,
# language). The meeting link stays editable because a broken link must be fixable; capacity never goes
# below the places taken; session times change through "move session", which tells every family.
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
    payment_notes = models.TextField(
        _("how to pay"), blank=True, help_text=_("Shown on the course page: how families pay you, and when.")
    )
    min_age_weeks = models.PositiveSmallIntegerField(_("youngest baby (weeks)"), default=4)
    max_age_weeks = models.PositiveSmallIntegerField(_("oldest baby (weeks)"), default=30)
    cancellation_cutoff_hours = models.PositiveSmallIntegerField(
        _("cancellation cutoff (hours before the first session)"),
        default=settings.BOOKING_DEFAULT_CANCELLATION_CUTOFF_HOURS,
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


class BookingQuerySet(models.QuerySet["Booking"]):
    def live(self) -> BookingQuerySet:
        return self.exclude(status=Booking.Status.CANCELLED)

    def holding_a_place(self) -> BookingQuerySet:
        """Confirmed places and places offered to a waitlisted family but not yet answered."""
        return self.filter(status__in=Booking.HOLDING_A_PLACE)

    def place_counts(self, *, baby) -> dict[str, int]:
        """In one query, for the booking services under the course lock: places `taken` (holding_a_place),
        families `waiting`, and the `baby`'s own live bookings (`booked`)."""
        return self.aggregate(
            taken=Count("pk", filter=Q(status__in=Booking.HOLDING_A_PLACE)),
            waiting=Count("pk", filter=Q(status=Booking.Status.WAITLISTED)),
            booked=Count("pk", filter=Q(baby=baby) & ~Q(status=Booking.Status.CANCELLED)),
        )


class Booking(models.Model):
    """One family (a parent and a baby) on one course: all of its sessions."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        OFFERED = "offered", _("Place offered")
        CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")

    class CancelReason(models.TextChoices):
        BY_PARENT = "by_parent", _("Cancelled by the parent")
        OFFER_EXPIRED = "offer_expired", _("Offer expired")
        OFFER_DECLINED = "offer_declined", _("Offer declined")
        COURSE_CANCELLED = "course_cancelled", _("Course cancelled")
        LEFT_WAITLIST = "left_waitlist", _("Left the waitlist")

    # What counts as taken against a course's capacity: confirmed places, and places offered to a
    # waitlisted family but not yet answered.
    HOLDING_A_PLACE = (Status.CONFIRMED, Status.OFFERED)

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="bookings"
    )
    # Both null after a parent deletes their account: the register keeps a "deleted family" row.
    baby = models.ForeignKey(
        Baby,
        verbose_name=_("baby"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    parent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bookings",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    cancel_reason = models.CharField(
        _("why cancelled"), max_length=20, choices=CancelReason.choices, blank=True
    )
    waitlisted_at = models.DateTimeField(_("joined the waitlist"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    is_paid = models.BooleanField(_("paid"), default=False)
    created_at = models.DateTimeField(_("booked"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["created_at"]
        indexes = [
            # Places taken per course and the FIFO waitlist are read on every catalog and course page.
            models.Index(fields=["course", "status", "waitlisted_at"], name="booking_course_status_idx"),
            # The offer-expiry sweep.
            models.Index(fields=["status", "offer_expires_at"], name="booking_offer_expiry_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "baby"],
                condition=~Q(status="cancelled"),
                name="booking_one_live_per_baby_per_course",
            ),
            models.CheckConstraint(
                condition=~Q(status="offered") | Q(offer_expires_at__isnull=False),
                name="booking_offer_has_expiry",
            ),
            models.CheckConstraint(
                condition=(Q(status="cancelled") & ~Q(cancel_reason=""))
                | (~Q(status="cancelled") & Q(cancel_reason="")),
                name="booking_cancel_reason_iff_cancelled",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["waitlisted", "offered"]) | Q(waitlisted_at__isnull=False),
                name="booking_waitlist_has_time",
            ),
        ]

    def __str__(self) -> str:
        baby = self.baby.first_name if self.baby_id else _("deleted family")
        return f"{baby} — {self.course} ({self.get_status_display()})"


class Attendance(models.Model):
    """The register: whether a booked family came to one session."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")

    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="attendances"
    )
    session = models.ForeignKey(
        Session, verbose_name=_("session"), on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices)
    marked_at = models.DateTimeField(_("marked"), auto_now=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["booking", "session"], name="attendance_once_per_session")
        ]

    def __str__(self) -> str:
        return f"{self.booking} @ {self.session}: {self.get_status_display()}"


class BookingNotice(models.Model):
    """Something an instructor should hear about a booking. Written by the booking services in the same
    transaction; instructors.services mails them one by one or as a daily digest (the instructor's choice)."""

    class Kind(models.TextChoices):
        NEW_BOOKING = "new_booking", _("New booking")
        JOINED_WAITLIST = "joined_waitlist", _("Joined the waitlist")
        CANCELLATION = "cancellation", _("Cancellation")
        OFFER_ACCEPTED = "offer_accepted", _("Offer accepted")
        OFFER_EXPIRED = "offer_expired", _("Offer expired")

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="notices"
    )
    booking = models.ForeignKey(
        Booking, verbose_name=_("booking"), on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("when"), default=timezone.now)
    notified_at = models.DateTimeField(_("instructor told"), null=True, blank=True)

    class Meta:
        verbose_name = _("booking notice")
        verbose_name_plural = _("booking notices")
        ordering = ["at"]
        # The notice sweep reads the ones nobody has been told about yet.
        indexes = [models.Index(fields=["notified_at", "at"], name="notice_pending_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.booking}"


class CourseMessage(models.Model):
    """A message an instructor sent to the confirmed families of a course; the dashboard lists them."""

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="messages"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("message"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.PositiveSmallIntegerField(_("families emailed"), default=0)

    class Meta:
        verbose_name = _("message to families")
        verbose_name_plural = _("messages to families")
        ordering = ["-sent_at"]
        # The dashboard and the course's message page read the latest messages of a course.
        indexes = [models.Index(fields=["course", "sent_at"], name="course_message_sent_idx")]

    def __str__(self) -> str:
        return f"{self.course}: {self.subject}"


class CourseAction(models.Model):
    """What someone who does not teach a course did to it (a course coordinator acting on the instructor's
    behalf): who, when, what. The course's instructor sees these beside their course."""

    class Kind(models.TextChoices):
        EDITED = "edited", _("Details changed")
        TOPICS_EDITED = "topics_edited", _("Week topics changed")
        PUBLISHED = "published", _("Published")
        SESSION_MOVED = "session_moved", _("Session moved")
        SESSION_CANCELLED = "session_cancelled", _("Session cancelled")
        COURSE_CANCELLED = "course_cancelled", _("Course cancelled")
        REGISTER_TAKEN = "register_taken", _("Register taken")
        PAID_MARKED = "paid_marked", _("Paid mark changed")
        MESSAGE_SENT = "message_sent", _("Message sent to families")

    course = models.ForeignKey(
        Course, verbose_name=_("course"), on_delete=models.CASCADE, related_name="actions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("done by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    details = models.TextField(_("details"), blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("action on someone else's course")
        verbose_name_plural = _("actions on someone else's courses")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["course", "at"], name="course_action_course_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.course}"
