from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from classes.models import BookingNotice
from classes.services import book_course, cancel_booking
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from instructors.models import InstructorProfile
from instructors.services import queue_booking_digests, queue_booking_notices, save_profile
from notifications.models import OutgoingEmail


def course_of(instructor, capacity=3):
    course = CourseFactory(instructor=instructor, capacity=capacity)
    for _ in range(5):
        SessionFactory(course=course)
    return course


def book(course, name="Oliver"):
    baby = BabyFactory(first_name=name, date_of_birth=timezone.localdate() - timedelta(weeks=8))
    return book_course(course, parent=baby.parent, baby=baby)


@pytest.mark.django_db
def test_instructor_hears_of_each_booking_and_cancellation_once(instructor):
    course = course_of(instructor)
    booking = book(course, "Oliver")
    assert queue_booking_notices() == 1
    cancel_booking(booking, by=booking.parent)
    assert queue_booking_notices() == 1
    assert queue_booking_notices() == 0
    emails = OutgoingEmail.objects.filter(to_email=instructor.email).order_by("pk")
    assert [e.subject.split(":")[0] for e in emails] == ["New booking", "Cancellation"]
    assert "with Oliver" in emails[0].body_text
    assert "Places taken: 1 of 3" in emails[0].body_text


@pytest.mark.django_db
def test_digest_instructors_get_one_email_a_day_not_one_each(instructor):
    save_profile(
        instructor, display_name="Carol", notice_preference=InstructorProfile.NoticePreference.DAILY_DIGEST
    )
    course = course_of(instructor)
    book(course, "Oliver")
    book(course, "Mia")

    assert queue_booking_notices() == 0
    assert queue_booking_digests() == 1
    assert queue_booking_digests() == 0
    digest = OutgoingEmail.objects.get(to_email=instructor.email)
    assert "2 changes" in digest.subject
    assert "with Oliver" in digest.body_text and "with Mia" in digest.body_text
    assert not BookingNotice.objects.filter(notified_at__isnull=True).exists()


@pytest.mark.django_db
def test_text_emails_are_not_html_escaped(instructor):
    course = course_of(instructor)
    book(course, "D'Arcy")
    queue_booking_notices()
    notice = OutgoingEmail.objects.get(to_email=instructor.email)
    assert "D'Arcy" in notice.body_text
    assert "D&#x27;Arcy" in notice.body_html
