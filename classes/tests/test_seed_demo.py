from __future__ import annotations

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import call_command
from django.utils import timezone

from accounts.models import TRAINERS_GROUP, User
from certification.models import Certificate, Enrollment
from certification.selectors import has_active_certificate, practicum_enrollment
from classes.models import Booking, Course
from classes.selectors import with_availability
from instructors.management.demo_content import PASSWORD, email

COUNTED_APPS = ("accounts", "account", "auth", "notifications", "classes", "instructors", "certification")


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for label in COUNTED_APPS
        for model in apps.get_app_config(label).get_models()
    }


@pytest.fixture
def seeded(db) -> str:
    return seed()


def upcoming_published():
    return with_availability(Course.objects.published()).filter(first_session_at__gt=timezone.now())


def test_second_run_creates_nothing_and_prints_the_logins_again(seeded):
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "nothing new to create" in output
    assert email("admin") in output
    assert PASSWORD in output


def test_demo_offers_a_dozen_published_courses_ahead(seeded):
    assert upcoming_published().count() >= 12


def test_one_course_is_full_with_families_on_its_waitlist(seeded):
    full = [course for course in upcoming_published() if course.places_left == 0]

    assert len(full) == 1
    assert Booking.objects.filter(course=full[0], status=Booking.Status.WAITLISTED).count() == 2


def test_an_online_course_has_its_link_and_time_zone(seeded):
    online = upcoming_published().get(format=Course.Format.ONLINE)

    assert online.online_link.startswith("https://")
    assert online.venue is None
    assert online.time_zone == "America/New_York"


def test_trainee_in_practicum_stage_publishes_a_practicum_course(seeded):
    trainee = User.objects.get(email=email("trainee"))

    assert practicum_enrollment(trainee) is not None
    assert not has_active_certificate(trainee)
    assert upcoming_published().filter(instructor=trainee, is_practicum=True).exists()


def test_certified_instructors_hold_active_certificates(seeded):
    holders = {certificate.holder for certificate in Certificate.objects.select_related("holder")}

    assert len([holder for holder in holders if has_active_certificate(holder)]) >= 3
    assert has_active_certificate(User.objects.get(email=email("instructor")))


def test_upcoming_training_has_an_application_and_an_acceptance(seeded):
    upcoming = Enrollment.objects.filter(training__starts_on__gt=timezone.localdate())

    assert set(upcoming.values_list("status", flat=True)) == {
        Enrollment.Status.APPLIED,
        Enrollment.Status.ACCEPTED,
    }


def test_parent_has_twins_booked_on_two_courses(seeded):
    parent = User.objects.get(email=email("parent"))
    bookings = Booking.objects.filter(parent=parent, status=Booking.Status.CONFIRMED)

    assert sorted(parent.babies.values_list("first_name", flat=True)) == ["Mia", "Oliver"]
    assert bookings.values("course").distinct().count() == 2


@pytest.mark.parametrize("local", ["admin", "trainer", "instructor", "trainee", "parent"])
def test_demo_logins_sign_in_with_a_verified_address(seeded, client, local):
    assert client.login(username=email(local), password=PASSWORD)
    assert EmailAddress.objects.filter(email=email(local), verified=True, primary=True).exists()


def test_admin_and_trainer_reach_admin(seeded, client):
    trainer = User.objects.get(email=email("trainer"))
    assert trainer.is_staff
    assert trainer.groups.filter(name=TRAINERS_GROUP).exists()
    for local in ("admin", "trainer"):
        client.login(username=email(local), password=PASSWORD)
        assert client.get("/admin/").status_code == 200
