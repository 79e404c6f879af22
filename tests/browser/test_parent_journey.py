"""A new parent books a course on a phone, and a waiting family takes the place she frees."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from classes.models import Booking
from classes.services import book_course
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from notifications.models import OutgoingEmail
from tests.browser.conftest import PHONE, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def link_in(email: OutgoingEmail, pattern: str, live_server_url: str) -> str:
    """The first link in an email's text matching the pattern, pointed at the live server."""
    match = re.search(rf"https?://\S*{pattern}\S*", email.body_text)
    assert match, f"no link like {pattern!r} in: {email.body_text}"
    return live_server_url + urlparse(match.group(0)).path


def test_new_parent_books_cancels_and_the_waiting_family_accepts_the_offer(
    browser, page, live_server, other_parent
):
    course = CourseFactory(
        title="Baby massage, Tuesday mornings", capacity=1, min_age_weeks=2, max_age_weeks=40
    )
    for _ in range(5):
        SessionFactory(course=course)

    # A new parent signs up and confirms her address from the email in the outbox.
    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Your full name").fill("Nora Quinn")
    page.get_by_label("Email").fill("nora@example.org")
    page.locator("#id_password1").fill("a-long-gentle-passphrase")
    page.locator("#id_password2").fill("a-long-gentle-passphrase")
    page.get_by_role("button", name=re.compile("sign up|create", re.I)).click()
    page.wait_for_load_state()
    confirmation = OutgoingEmail.objects.get(to_email="nora@example.org", key__startswith="account:")
    page.goto(link_in(confirmation, "/accounts/confirm-email/", live_server.url))
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_load_state()

    # She adds her baby, then books the course's only place.
    page.goto(f"{live_server.url}/my/babies/add/")
    page.get_by_label("First name").fill("Ivy")
    page.get_by_label("Date of birth").fill((timezone.localdate() - timedelta(weeks=9)).isoformat())
    page.get_by_role("button", name="Add this baby").click()
    page.goto(live_server.url + course.get_absolute_url())
    screenshot(page, "parent-course-page")
    page.locator("#book").get_by_role("button", name=re.compile("^Book", re.I)).click()
    page.wait_for_url(re.compile(r"/my/bookings/"))
    assert "Baby massage, Tuesday mornings" in page.content()
    screenshot(page, "parent-my-bookings")
    booking = Booking.objects.get(parent__email="nora@example.org")
    assert booking.status == Booking.Status.CONFIRMED
    assert OutgoingEmail.objects.filter(key=f"booking-confirmed:{booking.pk}").exists()

    # The calendar file has every session in the course's own time zone.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"\.ics")).click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert ics.count("BEGIN:VEVENT") == 5
    assert f"TZID={course.time_zone}" in ics

    # Meanwhile another family joined the waitlist.
    waiting_baby = BabyFactory(parent=other_parent, date_of_birth=timezone.localdate() - timedelta(weeks=10))
    waiting = book_course(course, parent=other_parent, baby=waiting_baby)
    assert waiting.status == Booking.Status.WAITLISTED

    page.get_by_role("button", name=re.compile("Cancel Ivy")).click()
    page.wait_for_load_state()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED

    # The waiting parent opens the offer from her email on her phone, without signing in, and accepts.
    offer = OutgoingEmail.objects.get(
        to_email=other_parent.email, key__startswith=f"place-offered:{waiting.pk}:"
    )
    offer_url = link_in(offer, "/classes/offers/", live_server.url)
    other_phone = browser.new_context(viewport=PHONE)
    try:
        offer_page = other_phone.new_page()
        offer_page.goto(offer_url)
        waiting.refresh_from_db()
        assert waiting.status == Booking.Status.OFFERED
        screenshot(offer_page, "parent-offer")
        offer_page.get_by_role("button", name="Accept the place").click()
        offer_page.wait_for_load_state()
        assert "The place is yours" in offer_page.content()
    finally:
        other_phone.close()
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED
