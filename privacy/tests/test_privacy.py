from __future__ import annotations

import json
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from classes.models import Attendance, Baby, Booking
from classes.services import book_course
from classes.services.privacy import erase_expired_baby_notes
from classes.tests.factories import (
    AttendanceFactory,
    BabyFactory,
    BookingFactory,
    CourseFactory,
    SessionFactory,
)
from notifications.models import OutgoingEmail


def course(capacity=4, **extra):
    course = CourseFactory(capacity=capacity, **extra)
    for _ in range(5):
        SessionFactory(course=course)
    return course


def baby_of(parent, **extra):
    return BabyFactory(parent=parent, date_of_birth=timezone.localdate() - timedelta(weeks=8), **extra)


@pytest.mark.django_db
def test_parent_downloads_account_babies_bookings_and_emails_as_json(client, parent):
    booking = book_course(course(), parent=parent, baby=baby_of(parent, first_name="Ivy"))
    client.force_login(parent)

    response = client.get(reverse("privacy:export"))

    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == parent.email
    assert [b["first_name"] for b in data["babies"]] == ["Ivy"]
    assert data["bookings"][0]["course"] == booking.course.title
    assert len(data["bookings"][0]["sessions"]) == 5
    assert any(e["subject"].startswith("Your place is booked") for e in data["emails"])


@pytest.mark.django_db
def test_export_needs_signing_in(client):
    assert client.get(reverse("privacy:export")).status_code == 302


@pytest.mark.django_db
def test_deleting_an_account_anonymises_and_keeps_registers_and_practicum_counts(client, parent, password):
    past = CourseFactory(is_practicum=True)
    session = SessionFactory(course=past, starts_at=timezone.now() - timedelta(days=10))
    attended = BookingFactory(course=past, parent=parent, baby=baby_of(parent, first_name="Ivy"))
    AttendanceFactory(booking=attended, session=session)
    ahead = course(capacity=1)
    place = book_course(ahead, parent=parent, baby=baby_of(parent, first_name="Max"))
    waiting_parent = BabyFactory(date_of_birth=timezone.localdate() - timedelta(weeks=8))
    waiting = book_course(ahead, parent=waiting_parent.parent, baby=waiting_parent)
    client.force_login(parent)

    response = client.post(reverse("privacy:delete_account"), {"password": password})

    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.email.endswith("@deleted.invalid") and parent.full_name == "" and not parent.is_active
    assert not parent.has_usable_password()
    assert not Baby.objects.filter(parent=parent).exists()
    attended.refresh_from_db()
    assert (attended.parent, attended.baby, attended.status) == (None, None, Booking.Status.CONFIRMED)
    assert Attendance.objects.filter(booking=attended).count() == 1
    place.refresh_from_db()
    assert place.status == Booking.Status.CANCELLED
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.OFFERED
    assert not OutgoingEmail.objects.filter(to_email="alice@example.org").exclude(subject="").exists()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wrong_password_deletes_nothing(client, parent):
    client.force_login(parent)
    response = client.post(reverse("privacy:delete_account"), {"password": "not-mine"})
    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert User.objects.get(pk=parent.pk).is_active


@pytest.mark.django_db
def test_an_instructor_is_asked_to_write_to_the_association(client, instructor, password):
    CourseFactory(instructor=instructor)
    client.force_login(instructor)
    response = client.post(reverse("privacy:delete_account"), {"password": password}, follow=True)
    assert "write to the association" in response.content.decode()
    assert User.objects.get(pk=instructor.pk).is_active


@pytest.mark.django_db
def test_baby_notes_are_erased_the_set_time_after_the_course_ends(parent, settings):
    settings.BABY_NOTES_RETENTION_DAYS = 90
    baby = baby_of(parent, notes="Born at 34 weeks", notes_consent=True)
    kept = baby_of(parent, notes="Reflux", notes_consent=True)
    ended = course()
    BookingFactory(course=ended, parent=parent, baby=baby)
    running = course()
    BookingFactory(course=running, parent=parent, baby=kept)
    last_of_ended = ended.sessions.order_by("-starts_at").first().starts_at
    running.sessions.update(starts_at=last_of_ended + timedelta(days=60))

    with time_machine.travel(last_of_ended + timedelta(days=89)):
        assert erase_expired_baby_notes() == 0
    with time_machine.travel(last_of_ended + timedelta(days=91)):
        assert erase_expired_baby_notes() == 1

    baby.refresh_from_db()
    kept.refresh_from_db()
    assert (baby.notes, baby.notes_consent) == ("", False)
    assert kept.notes == "Reflux"
