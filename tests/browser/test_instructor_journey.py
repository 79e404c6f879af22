"""A certified instructor builds and publishes a five-week course on a laptop, sees a family's booking
in the roster with the baby's age in weeks, takes the register, moves a session — and the family's
outbox has the email about it."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from certification.tests.factories import CertificateFactory
from classes.models import Attendance, Course, Session
from classes.services import book_course
from classes.tests.factories import BabyFactory
from instructors.models import Background
from instructors.tests.factories import (
    InstructorBackgroundFactory,
    InstructorLanguageFactory,
    InstructorProfileFactory,
)
from notifications.models import OutgoingEmail
from tests.browser.conftest import assert_accessible, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MADRID = ZoneInfo("Europe/Madrid")
LAPTOP = {"width": 1280, "height": 900}


def listed_instructor(user, *, name: str, city: str, backgrounds, languages):
    CertificateFactory(holder=user)
    profile = InstructorProfileFactory(user=user, display_name=name, city=city, country="ES")
    for background in backgrounds:
        InstructorBackgroundFactory(profile=profile, background=background)
    for language in languages:
        InstructorLanguageFactory(profile=profile, language=language)
    return profile


def test_instructor_builds_publishes_takes_the_register_and_moves_a_session(
    browser, page, live_server, instructor, other_instructor, parent, password, settings, tmp_path
):
    phone_page = page
    settings.MEDIA_ROOT = tmp_path
    listed_instructor(
        instructor,
        name="Carol Castro",
        city="Madrid",
        backgrounds=[Background.MIDWIFE],
        languages=["es", "en"],
    )
    listed_instructor(
        other_instructor,
        name="Dave Dunn",
        city="Sevilla",
        backgrounds=[Background.PHYSIOTHERAPIST, Background.PARENT],
        languages=["en"],
    )
    context = browser.new_context(viewport=LAPTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # Carol signs in and opens her dashboard.
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(instructor.email)
    page.locator("#id_password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/teach/")
    page.get_by_role("link", name="Build a new course").first.click()

    # She builds a five-week course at a new venue, first session in three days at 18:00 Madrid time.
    first_day = timezone.localdate() + timedelta(days=3)
    page.get_by_label("Title").fill("Baby massage in Chamberí")
    page.get_by_label("Description").fill("Five gentle weeks for parents and babies from four weeks old.")
    page.get_by_label("Venue name").fill("Casa Nido")
    page.get_by_label("Street address").fill("Calle de Fuencarral 120")
    page.locator("#id_new_venue_city").fill("Madrid")
    page.locator("#id_new_venue_country").select_option("ES")
    page.locator("#id_new_venue_time_zone").select_option("Europe/Madrid")
    page.get_by_label("Places (families)").fill("6")
    page.get_by_label("Price for the whole course").fill("90")
    page.get_by_label("How families pay you").fill("Bizum or cash at the first session.")
    page.get_by_label("Date of the first session").fill(first_day.isoformat())
    page.get_by_label("Start time").fill("18:00")
    assert page.get_by_label("Number of weekly sessions").input_value() == "5"
    assert_accessible(page, "teach-course-builder")
    screenshot(page, "teach-course-builder")
    page.get_by_role("button", name="Create the draft course").click()
    page.wait_for_url(re.compile(r"/teach/courses/\d+/$"))
    course = Course.objects.get(title="Baby massage in Chamberí")
    assert course.sessions.count() == 5
    assert "Asking permission; legs and feet" in page.content()

    # She publishes it.
    page.get_by_role("button", name="Publish this course").click()
    page.wait_for_load_state()
    assert "is published: families can book it now" in page.content()
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED

    # Alice books her eight-week-old Oliver.
    baby = BabyFactory(
        parent=parent,
        first_name="Oliver",
        date_of_birth=timezone.localdate() - timedelta(weeks=8),
        notes="Born three weeks early.",
        notes_consent=True,
    )
    booking = book_course(course, parent=parent, baby=baby)

    # The roster shows the family and Oliver's age in weeks on the day of the first session.
    page.get_by_role("navigation", name="This course").get_by_role("link", name="Families").click()
    page.wait_for_url(re.compile(r"/roster/$"))
    first = course.sessions.order_by("starts_at").first()
    age = (first.starts_at.astimezone(MADRID).date() - baby.date_of_birth).days // 7
    row = page.get_by_role("row", name=re.compile("Oliver"))
    assert "Alice Alvarez" in row.inner_text()
    assert f"{age} weeks" in row.inner_text()
    assert_accessible(page, "teach-roster")
    screenshot(page, "teach-roster")

    # Before week 1 starts there is no register to take yet.
    page.get_by_role("navigation", name="This course").get_by_role("link", name="Sessions").click()
    assert page.get_by_role("link", name="Register for week 1").count() == 0

    # Week 1 has begun: she takes its register. Oliver is there.
    with time_machine.travel(first.starts_at + timedelta(minutes=5), tick=True):
        page.reload()
        page.get_by_role("link", name="Register for week 1").click()
        page.get_by_role("group", name=re.compile("Oliver")).get_by_label("Present").check()
        page.get_by_role("button", name="Save the register").click()
        page.wait_for_load_state()
        assert "The register for week 1 is saved." in page.content()
        assert Attendance.objects.get(booking=booking, session=first).status == Attendance.Status.PRESENT
        assert_accessible(page, "teach-register")
        screenshot(page, "teach-register")

    # She moves week 2 to the next evening at 19:30; Alice is emailed once.
    page.get_by_role("navigation", name="This course").get_by_role("link", name="Sessions").click()
    page.get_by_role("link", name="Move week 2").click()
    week_2 = Session.objects.get(course=course, week_number=2)
    new_day = week_2.starts_at.astimezone(MADRID).date() + timedelta(days=1)
    page.get_by_label("New date").fill(new_day.isoformat())
    page.get_by_label("New start time").fill("19:30")
    page.get_by_role("button", name="Move the session").click()
    page.wait_for_url(re.compile(r"/teach/courses/\d+/$"))
    assert "Week 2 is moved." in page.content()

    week_2.refresh_from_db()
    assert week_2.starts_at.astimezone(MADRID).strftime("%Y-%m-%d %H:%M") == f"{new_day.isoformat()} 19:30"
    moved = OutgoingEmail.objects.filter(to_email=parent.email, template="session_moved")
    assert moved.count() == 1
    assert moved.get().subject == "Session moved: Baby massage in Chamberí, week 2"
    assert "19:30 (Europe/Madrid)" in moved.get().body_text

    # She writes to the families, and prints the register for her folder.
    page.get_by_role("navigation", name="This course").get_by_role("link", name="Messages").click()
    page.get_by_label("Subject").fill("Parking next Thursday")
    page.get_by_label("Message").fill("The car park is closed on Thursday; the bus stop is round the corner.")
    page.get_by_role("button", name="Send to every family").click()
    page.wait_for_load_state()
    assert OutgoingEmail.objects.filter(to_email=parent.email, template="instructor_message").count() == 1
    assert_accessible(page, "teach-messages")
    screenshot(page, "teach-messages")
    page.get_by_role("navigation", name="This course").get_by_role("link", name="Register").click()
    page.emulate_media(media="print")
    screenshot(page, "teach-register-print")
    page.emulate_media(media="screen")

    page.goto(f"{live_server.url}/teach/")
    assert_accessible(page, "teach-dashboard")
    screenshot(page, "teach-dashboard")

    # Families find her in the directory.
    page.goto(f"{live_server.url}/instructors/")
    assert page.get_by_role("link", name="Carol Castro").is_visible()
    assert_accessible(page, "instructors-directory")
    screenshot(page, "instructors-directory")
    page.get_by_role("link", name="Carol Castro").click()
    page.wait_for_load_state()
    assert "Baby massage in Chamberí" in page.content()
    assert_accessible(page, "instructor-profile")
    screenshot(page, "instructor-profile")
    context.close()

    # Parents look for instructors on their phones.
    phone_page.goto(f"{live_server.url}/instructors/?country=ES")
    assert phone_page.get_by_role("link", name="Dave Dunn").is_visible()
    assert_accessible(phone_page, "instructors-directory-phone")
    screenshot(phone_page, "instructors-directory-phone")
