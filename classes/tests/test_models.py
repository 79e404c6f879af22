"""The database's own rules for classes: each constraint is hit with a row that breaks it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from classes.curriculum import REVIEW, curriculum_for_week, topic_title
from classes.models import Booking, Course
from classes.tests.factories import (
    AttendanceFactory,
    BabyFactory,
    BookingFactory,
    CourseFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db


def test_course_needs_at_least_one_place():
    with pytest.raises(IntegrityError, match="course_capacity_positive"), transaction.atomic():
        CourseFactory(capacity=0)


def test_course_youngest_age_cannot_exceed_oldest_age():
    with pytest.raises(IntegrityError, match="course_age_range"), transaction.atomic():
        CourseFactory(min_age_weeks=20, max_age_weeks=10)


def test_course_age_range_may_be_a_single_week():
    course = CourseFactory(min_age_weeks=12, max_age_weeks=12)

    assert course.pk


def test_course_price_cannot_be_negative():
    with pytest.raises(IntegrityError, match="course_price_non_negative"), transaction.atomic():
        CourseFactory(price=Decimal("-1.00"))


def test_course_at_a_venue_needs_a_venue():
    with pytest.raises(IntegrityError, match="course_venue_format_has_venue"), transaction.atomic():
        CourseFactory(format=Course.Format.VENUE, venue=None)


def test_online_course_needs_no_venue():
    course = CourseFactory(online=True)

    assert course.venue is None


def test_session_needs_a_positive_duration():
    with pytest.raises(IntegrityError, match="session_duration_positive"), transaction.atomic():
        SessionFactory(duration_minutes=0)


def test_course_cannot_have_two_sessions_in_the_same_week():
    session = SessionFactory(week_number=2)

    with pytest.raises(IntegrityError, match="session_unique_week_per_course"), transaction.atomic():
        SessionFactory(course=session.course, week_number=2)


def test_baby_notes_need_the_parents_consent():
    with pytest.raises(IntegrityError, match="baby_notes_need_consent"), transaction.atomic():
        BabyFactory(notes="Reflux; prefers tummy strokes last.", notes_consent=False)


def test_baby_notes_with_consent_are_stored():
    baby = BabyFactory(notes="Reflux; prefers tummy strokes last.", notes_consent=True)

    assert baby.notes


def test_baby_cannot_hold_two_live_bookings_on_one_course():
    booking = BookingFactory()

    with pytest.raises(IntegrityError, match="booking_one_live_per_baby_per_course"), transaction.atomic():
        BookingFactory(course=booking.course, parent=booking.parent, baby=booking.baby, waitlisted=True)


def test_cancelled_booking_does_not_block_booking_the_same_baby_again():
    cancelled = BookingFactory(cancelled=True)

    rebooked = BookingFactory(course=cancelled.course, parent=cancelled.parent, baby=cancelled.baby)

    assert rebooked.status == Booking.Status.CONFIRMED


def test_offered_place_needs_an_expiry():
    with pytest.raises(IntegrityError, match="booking_offer_has_expiry"), transaction.atomic():
        BookingFactory(offered=True, offer_expires_at=None)


def test_cancelled_booking_needs_a_reason():
    with pytest.raises(IntegrityError, match="booking_cancel_reason_iff_cancelled"), transaction.atomic():
        BookingFactory(cancelled=True, cancel_reason="")


def test_live_booking_cannot_carry_a_cancel_reason():
    with pytest.raises(IntegrityError, match="booking_cancel_reason_iff_cancelled"), transaction.atomic():
        BookingFactory(cancel_reason=Booking.CancelReason.BY_PARENT)


def test_waitlisted_booking_needs_the_time_it_joined():
    with pytest.raises(IntegrityError, match="booking_waitlist_has_time"), transaction.atomic():
        BookingFactory(waitlisted=True, waitlisted_at=None)


def test_offered_booking_keeps_the_time_it_joined_the_waitlist():
    expires = timezone.now() + timedelta(hours=24)

    with pytest.raises(IntegrityError, match="booking_waitlist_has_time"), transaction.atomic():
        BookingFactory(offered=True, waitlisted_at=None, offer_expires_at=expires)


def test_attendance_is_marked_once_per_session():
    attendance = AttendanceFactory()

    with pytest.raises(IntegrityError, match="attendance_once_per_session"), transaction.atomic():
        AttendanceFactory(booking=attendance.booking, session=attendance.session)


WHOLE_BODY = "The whole-body routine"
LEGS_FEET_TUMMY = "Legs, feet and tummy"
THE_REST = "The rest: chest, arms, face, back and gentle movements"
LEGS_AND_FEET = "Asking permission; legs and feet"
TUMMY = "Tummy"
CHEST_ARMS = "Chest, arms and hands"
FACE_BACK = "Face and back"
FACE_BACK_MOVEMENTS = "Face, back and gentle movements"
MOVEMENTS = "Gentle movements and the whole-body routine"
REVIEW_WEEK = "Review, and adapting massage as your baby grows"

FIVE_WEEKS = [("1", LEGS_AND_FEET), ("2", TUMMY), ("3", CHEST_ARMS), ("4", FACE_BACK), ("5", MOVEMENTS)]

# Shorter courses merge neighbouring topics; weeks after the fifth are review.
CURRICULUM_BY_LENGTH = {
    1: [("1,2,3,4,5", WHOLE_BODY)],
    2: [("1,2", LEGS_FEET_TUMMY), ("3,4,5", THE_REST)],
    3: [("1,2", LEGS_FEET_TUMMY), ("3", CHEST_ARMS), ("4,5", FACE_BACK_MOVEMENTS)],
    4: [("1", LEGS_AND_FEET), ("2", TUMMY), ("3", CHEST_ARMS), ("4,5", FACE_BACK_MOVEMENTS)],
    5: FIVE_WEEKS,
    6: [*FIVE_WEEKS, (REVIEW, REVIEW_WEEK)],
    7: [*FIVE_WEEKS, (REVIEW, REVIEW_WEEK), (REVIEW, REVIEW_WEEK)],
    8: [*FIVE_WEEKS, (REVIEW, REVIEW_WEEK), (REVIEW, REVIEW_WEEK), (REVIEW, REVIEW_WEEK)],
}


@pytest.mark.parametrize(("weeks", "expected"), CURRICULUM_BY_LENGTH.items())
def test_each_course_length_follows_the_curriculum_table(weeks, expected):
    plan = [curriculum_for_week(weeks, week) for week in range(1, weeks + 1)]

    assert [(blocks, topic_title(blocks)) for blocks in plan] == expected
