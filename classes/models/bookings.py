"""A family's place on a course, the register of who came, and what the instructor hears about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from classes.models.babies import Baby
from classes.models.courses import Course, Session


class BookingQuerySet(models.QuerySet["Booking"]):
    def live(self) -> BookingQuerySet:
        return self.exclude(status=Booking.Status.CANCELLED)

    def holding_a_place(self) -> BookingQuerySet:
        """Confirmed places, places held while the family pays online, and places offered to a
        waitlisted family but not yet answered."""
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
        # A place on a pay-online course, held until its payment's pay_by (payments.Payment).
        PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
        WAITLISTED = "waitlisted", _("On the waitlist")
        OFFERED = "offered", _("Place offered")
        CANCELLED = "cancelled", pgettext_lazy("booking status", "Cancelled")

    class CancelReason(models.TextChoices):
        BY_PARENT = "by_parent", _("Cancelled by the parent")
        OFFER_EXPIRED = "offer_expired", _("Offer expired")
        OFFER_DECLINED = "offer_declined", _("Offer declined")
        COURSE_CANCELLED = "course_cancelled", _("Course cancelled")
        LEFT_WAITLIST = "left_waitlist", _("Left the waitlist")
        PAYMENT_EXPIRED = "payment_expired", _("Not paid in time")

    # What counts as taken against a course's capacity: confirmed places, places held while the family
    # pays online, and places offered to a waitlisted family but not yet answered.
    HOLDING_A_PLACE = (Status.CONFIRMED, Status.PENDING_PAYMENT, Status.OFFERED)

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
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    cancel_reason = models.CharField(
        _("why cancelled"), max_length=20, choices=CancelReason.choices, blank=True
    )
    waitlisted_at = models.DateTimeField(_("joined the waitlist"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    is_paid = models.BooleanField(_("paid"), default=False)
    # The online payment for this place (pay-online courses); the hold ends at its pay_by.
    payment = models.OneToOneField(
        "payments.Payment",
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="booking",
    )
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
            models.CheckConstraint(
                condition=~Q(status="pending_payment") | Q(payment__isnull=False),
                name="booking_pending_payment_has_payment",
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
