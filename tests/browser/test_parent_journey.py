"""A new parent books a course on a phone and gets her reminder from the real worker; a waiting family
joins the full course's waitlist on the page and takes the place she frees.

This journey runs on the live server with a real Celery worker on Redis delivering every email to an
SMTP server, so the links the parents follow come from the messages that arrived.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.utils import timezone

from classes.models import Booking
from classes.services import queue_session_reminders
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from tests.browser.conftest import PHONE, assert_accessible, screenshot, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("celery_app_on_redis", "outbox_worker"),
]

DELIVERY_SECONDS = 30


def arrived(smtp_server, *, to: str, key: str) -> EmailMessage:
    """The email whose outbox key starts with `key`, once the worker has handed it to the SMTP server."""
    deadline = time.monotonic() + DELIVERY_SECONDS
    while True:
        for email in smtp_server.received:
            # A long key is folded onto the header's next line; unfolded, it keeps the leading space.
            if email.rcpt_tos == [to] and email.message["X-Outbox-Key"].strip().startswith(key):
                return email.message
        if time.monotonic() > deadline:
            keys = [(email.rcpt_tos, email.message["X-Outbox-Key"]) for email in smtp_server.received]
            pytest.fail(f"no email {key!r} to {to} after {DELIVERY_SECONDS}s; received: {keys}")
        # The worker is another process: what reached the SMTP server is the only thing to wait on.
        time.sleep(0.1)


def text_of(email: EmailMessage) -> str:
    return email.get_body(preferencelist=("plain",)).get_content()


def link_in(email: EmailMessage, pattern: str, live_server_url: str) -> str:
    """The first link in an email's text matching the pattern, pointed at the live server."""
    match = re.search(rf"https?://\S*{pattern}\S*", text_of(email))
    assert match, f"no link like {pattern!r} in: {text_of(email)}"
    return live_server_url + urlparse(match.group(0)).path


def test_new_parent_books_gets_her_reminder_and_a_waiting_family_takes_her_place(
    browser, page, live_server, other_parent, smtp_server
):
    course = CourseFactory(
        title="Baby massage, Tuesday mornings", capacity=1, min_age_weeks=2, max_age_weeks=40
    )
    for _ in range(5):
        SessionFactory(course=course)

    # A new parent signs up on her phone; the confirmation email reaches her through the worker.
    page.goto(f"{live_server.url}/accounts/signup/")
    assert_accessible(page, "sign up")
    page.get_by_label("Your full name").fill("Nora Quinn")
    page.get_by_label("Email").fill("nora@example.org")
    page.locator("#id_password1").fill("a-long-gentle-passphrase")
    page.locator("#id_password2").fill("a-long-gentle-passphrase")
    page.get_by_role("button", name=re.compile("sign up|create", re.I)).click()
    page.wait_for_load_state()
    assert_accessible(page, "sign up: check your email")
    confirmation = arrived(smtp_server, to="nora@example.org", key="account:")
    page.goto(link_in(confirmation, "/accounts/confirm-email/", live_server.url))
    assert_accessible(page, "confirm email")
    page.get_by_role("button", name=re.compile("confirm", re.I)).click()
    page.wait_for_load_state()

    # She adds her baby, then books the course's only place.
    page.goto(f"{live_server.url}/my/babies/add/")
    assert_accessible(page, "add a baby")
    page.get_by_label("First name").fill("Ivy")
    page.get_by_label("Date of birth").fill((timezone.localdate() - timedelta(weeks=9)).isoformat())
    page.get_by_role("button", name="Add this baby").click()
    page.wait_for_load_state()
    assert_accessible(page, "my babies")
    page.goto(live_server.url + course.get_absolute_url())
    assert_accessible(page, "course page, signed in")
    screenshot(page, "parent-course-page")
    page.locator("#book").get_by_role("button", name=re.compile("^Book", re.I)).click()
    page.wait_for_url(re.compile(r"/my/bookings/"))
    assert "Baby massage, Tuesday mornings" in page.content()
    assert_accessible(page, "my bookings")
    screenshot(page, "parent-my-bookings")
    booking = Booking.objects.get(parent__email="nora@example.org")
    assert booking.status == Booking.Status.CONFIRMED
    confirmed = arrived(smtp_server, to="nora@example.org", key=f"booking-confirmed:{booking.pk}")
    assert [part.get_filename() for part in confirmed.iter_attachments()] == [f"{course.slug}.ics"]

    # The calendar file has every session in the course's own time zone.
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"\.ics")).click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert ics.count("BEGIN:VEVENT") == 5
    assert f"TZID={course.time_zone}" in ics

    # The day before the first session, beat's sweep queues her reminder and the worker delivers it.
    first = course.sessions.order_by("starts_at").first()
    assert queue_session_reminders(now=first.starts_at - timedelta(hours=23)) == 1
    reminder = arrived(smtp_server, to="nora@example.org", key=f"reminder:{booking.pk}:{first.pk}:")
    assert "Baby massage, Tuesday mornings" in reminder["Subject"]
    assert "Ivy" in text_of(reminder)

    # Meanwhile another parent finds the course full and joins its waitlist from the course page.
    born = timezone.localdate() - timedelta(weeks=10)
    BabyFactory(parent=other_parent, first_name="Leo", date_of_birth=born)
    other_phone = browser.new_context(viewport=PHONE, locale="en-GB")
    other_phone.set_default_timeout(10_000)
    try:
        sign_in(other_phone, live_server.url, other_parent)
        waiting_page = other_phone.new_page()
        waiting_page.goto(live_server.url + course.get_absolute_url())
        assert_accessible(waiting_page, "course page, full")
        screenshot(waiting_page, "parent-course-page-full")
        waiting_page.get_by_role("button", name=re.compile(r"^Join (the )?waitlist")).click()
        waiting_page.wait_for_url(re.compile(r"/my/bookings/"))
        assert "you are number 1" in waiting_page.locator(".messages").inner_text()
        assert_accessible(waiting_page, "my bookings, on the waitlist")
    finally:
        other_phone.close()
    waiting = Booking.objects.get(parent=other_parent)
    assert waiting.status == Booking.Status.WAITLISTED
    arrived(smtp_server, to=other_parent.email, key=f"booking-waitlisted:{waiting.pk}")

    # Nora can no longer come and cancels; the place is offered to the waiting family.
    page.get_by_role("link", name=re.compile("Cancel Ivy")).click()
    assert (
        "A family is waiting for a place: yours will be offered to them." in page.locator("main").inner_text()
    )
    page.get_by_role("button", name="Yes, cancel the place").click()
    page.wait_for_load_state()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    arrived(smtp_server, to="nora@example.org", key=f"booking-cancelled:{booking.pk}")

    # The waiting parent opens the offer from the email on her phone, without signing in, and accepts.
    offer = arrived(smtp_server, to=other_parent.email, key=f"place-offered:{waiting.pk}:")
    offer_url = link_in(offer, "/classes/offers/", live_server.url)
    offer_phone = browser.new_context(viewport=PHONE, locale="en-GB")
    offer_phone.set_default_timeout(10_000)
    try:
        offer_page = offer_phone.new_page()
        offer_page.goto(offer_url)
        waiting.refresh_from_db()
        assert waiting.status == Booking.Status.OFFERED
        assert_accessible(offer_page, "place offered")
        screenshot(offer_page, "parent-offer")
        offer_page.get_by_role("button", name="Accept the place").click()
        offer_page.wait_for_load_state()
        assert "The place is yours" in offer_page.content()
    finally:
        offer_phone.close()
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED
