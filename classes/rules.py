"""The booking rules as reads, each defined once: when a course takes bookings and when its waitlist closes,
whether a baby fits a course, whether a place can still be cancelled online and what a cancellation gives
back.

The services that enforce a rule (classes.services.bookings) and the pages that explain it (the course
page's booking panel, My bookings) both call these, so what a page offers is what the service accepts
(docs/domain.md, Bookings and the waitlist).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings

from accounts.selectors import has_verified_email
from classes.curriculum import CUES, strokes_for
from classes.models import Baby, Booking, Course, Session
from classes.selectors import cancellation_deadline_of, live_bookings_on
from payments.models import Payment
from payments.services import refundable_amount

ON_TIME, LATE, CLOSED = "on time", "late", "closed"


def waitlist_closes_at(first_session_at: datetime | None) -> datetime | None:
    """When a course's waitlist closes: no offer is made once less than WAITLIST_OFFER_CLOSE_HOURS are
    left before the first session."""
    if first_session_at is None:
        return None
    return first_session_at - timedelta(hours=settings.WAITLIST_OFFER_CLOSE_HOURS)


def baby_age_at_start(baby: Baby, course: Course) -> int | None:
    """The baby's age in whole weeks on the local date of the course's first session (None before any)."""
    if course.first_session_at is None:
        return None
    return baby.age_in_weeks(course.first_session_at.astimezone(course.zone).date())


def age_fit(course: Course, age_weeks: int) -> str:
    """ "fits", "too young" or "too old" for the course's age range."""
    if age_weeks < course.min_age_weeks:
        return "too young"
    if age_weeks > course.max_age_weeks:
        return "too old"
    return "fits"


def cancellation_window(course: Course, *, now: datetime) -> str:
    """Whether a confirmed place on the course can be cancelled online now: ON_TIME until the cutoff; LATE
    after it and before the first session, when the course gives a share back for a late cancellation
    (``late_refund_percent`` set); CLOSED otherwise, when the family is asked to contact the instructor."""
    deadline = cancellation_deadline_of(course)
    if deadline is None or now <= deadline:
        return ON_TIME
    if course.late_refund_percent is not None and now < course.first_session_at:
        return LATE
    return CLOSED


def may_cancel_online(booking: Booking, *, now: datetime) -> bool:
    """A waitlist place or an offer can always be let go; a confirmed place until the course's cutoff, or
    later when the course lets families cancel late."""
    if booking.status != Booking.Status.CONFIRMED:
        return True
    return cancellation_window(booking.course, now=now) != CLOSED


def refund_due(booking: Booking, *, now: datetime) -> int:
    """What goes back to the family's card if the booking is cancelled now, in the payment's minor units:
    for a confirmed place, the course's share for the moment (``refund_percent`` on time,
    ``late_refund_percent`` late) of what is left to refund, rounded down; anything else paid by card goes
    back whole. 0 without a card payment that went through, or when the place can no longer be cancelled.

    cancel_booking refunds this, and the cancel page and the cancellation email say it."""
    payment = booking.payment
    if payment is None or payment.status != Payment.Status.SUCCEEDED or not payment.is_online:
        return 0
    left = refundable_amount(payment)
    if booking.status != Booking.Status.CONFIRMED:
        return left
    window = cancellation_window(booking.course, now=now)
    if window == CLOSED:
        return 0
    percent = booking.course.refund_percent if window == ON_TIME else booking.course.late_refund_percent
    return left * percent // 100


def course_state(course: Course, *, now: datetime) -> str:
    """Whether the course takes bookings: "open", "cancelled", "started", or "closed" (full, and too close
    to the start for a freed place to be offered). Reads ``places_left`` (selectors.with_availability)."""
    if course.status == Course.Status.CANCELLED:
        return "cancelled"
    if course.first_session_at is None or course.first_session_at <= now:
        return "started"
    if course.places_left <= 0 and waitlist_closes_at(course.first_session_at) <= now:
        return "closed"
    return "open"


def next_change(course: Course, *, now: datetime) -> datetime | None:
    """When the course page would next change by the clock alone: its waitlist closing, its start."""
    moments = (waitlist_closes_at(course.first_session_at), course.first_session_at)
    return next((moment for moment in moments if moment is not None and moment > now), None)


@dataclass(frozen=True)
class BabyChoice:
    """One of the parent's babies as the course page offers it: bookable, or why not."""

    baby: Baby
    age_weeks: int
    booking: Booking | None
    fit: str

    @property
    def too_young(self) -> bool:
        return self.fit == "too young"

    @property
    def too_old(self) -> bool:
        return self.fit == "too old"

    @property
    def fits(self) -> bool:
        return self.booking is None and self.fit == "fits"


@dataclass
class BookingPanel:
    """What the course page offers this person: sign in, confirm the email, add a baby, book, or why not.
    The course's own instructor is told they cannot book it, as book_course would refuse."""

    state: str
    is_full: bool
    teaches_course: bool = False
    bookings: list[Booking] = field(default_factory=list)
    baby_choices: list[BabyChoice] = field(default_factory=list)
    is_confirmed: bool = False
    email_verified: bool = False
    home_practice: list = field(default_factory=list)

    @property
    def bookable_babies(self) -> list[BabyChoice]:
        return [choice for choice in self.baby_choices if choice.fits]

    @property
    def unfit_babies(self) -> list[BabyChoice]:
        return [choice for choice in self.baby_choices if choice.booking is None and not choice.fits]

    @property
    def has_babies(self) -> bool:
        return bool(self.baby_choices)

    @property
    def cues(self):
        return CUES if self.home_practice else ()

    def as_context(self) -> dict:
        names = ("state", "is_full", "teaches_course", "bookings", "baby_choices", "is_confirmed")
        context = {name: getattr(self, name) for name in names}
        context.update(
            email_verified=self.email_verified,
            home_practice=self.home_practice,
            bookable_babies=self.bookable_babies,
            unfit_babies=self.unfit_babies,
            has_babies=self.has_babies,
            cues=self.cues,
        )
        return context


def booking_panel(course: Course, user, *, now: datetime) -> BookingPanel:
    """The booking panel of a course page (a course from classes.selectors.course_for_page) for this user."""
    panel = BookingPanel(state=course_state(course, now=now), is_full=course.places_left <= 0)
    if not user.is_authenticated:
        return panel
    if course.instructor_id == user.pk:
        panel.teaches_course = True
        return panel
    panel.bookings = live_bookings_on(course, user)
    by_baby = {booking.baby_id: booking for booking in panel.bookings}
    for baby in user.babies.order_by("date_of_birth", "pk"):
        age = baby_age_at_start(baby, course) or 0
        panel.baby_choices.append(
            BabyChoice(baby=baby, age_weeks=age, booking=by_baby.get(baby.pk), fit=age_fit(course, age))
        )
    panel.is_confirmed = any(booking.status == Booking.Status.CONFIRMED for booking in panel.bookings)
    panel.email_verified = has_verified_email(user)
    if panel.is_confirmed:
        panel.home_practice = [
            (session, strokes_for(session.curriculum))
            for session in course.sessions.all()
            if session.status == Session.Status.SCHEDULED and session.ends_at <= now
        ]
    return panel
