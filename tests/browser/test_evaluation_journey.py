"""After a practicum course's last session, each family is emailed a link to evaluate it. Parents answer
on their phones, signed out; the trainee teaching the course sees nothing of the answers until the third
arrives, then anonymous aggregates only; a family that completed the course without answering does not
count toward the practicum."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page

from certification.tests.factories import eligible_enrollment, practicum_course
from classes.models import Booking, Evaluation
from classes.services.evaluations import evaluation_request_key, queue_evaluation_requests
from notifications.models import OutgoingEmail
from notifications.services import build_message
from tests.browser.conftest import PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
ANSWERS = [
    ("Bath time is calm now, and he sleeps better.", "Every day or nearly", "5"),
    ("I know when she has had enough.", "A few times a week", "4"),
    ("", "Now and then", "3"),
]


@pytest.fixture
def desk(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    yield context
    context.close()


def emailed_link(booking: Booking, live_server_url: str) -> str:
    """The evaluation link as delivery sends it (the stored body hides it from staff)."""
    body = build_message(OutgoingEmail.objects.get(key=evaluation_request_key(booking))).body
    match = re.search(r"https?://\S*/classes/evaluations/\S+/", body)
    assert match, body
    return live_server_url + urlparse(match.group(0)).path


def answer(page: Page, link: str, gained: str, practice: str, rating: str, *, capture: str = "") -> None:
    page.goto(link)
    assert page.get_by_role("button", name="Send my evaluation").is_visible()
    for question in (
        "Did the instructor show the strokes clearly?",
        "Do you feel confident massaging your baby now?",
        "Did the group and the place (or the online setting) suit you?",
        "Would you recommend the course to another family?",
    ):
        page.get_by_role("group", name=question).get_by_label(rating, exact=True).check()
    page.get_by_label(practice).check()
    page.get_by_label("What did you and your baby get from the course?").fill(gained)
    if capture:
        assert_accessible(page, "evaluation-form")
        screenshot(page, capture)
        page.screenshot(path=f"/tmp/{capture}.png", full_page=True)
    page.get_by_role("button", name="Send my evaluation").click()
    page.wait_for_load_state()
    assert "Thank you! Your evaluation is received." in page.content()


def aggregate_page(desk_page: Page, url: str) -> str:
    desk_page.goto(url)
    return desk_page.inner_text("main")


def test_parents_answer_signed_out_and_the_trainee_sees_aggregates_from_the_third(
    browser, phone, desk, live_server, settings
):
    settings.SITE_URL = live_server.url
    enrollment = eligible_enrollment(families=0)
    trainee = enrollment.trainee
    course = practicum_course(
        trainee, families=4, evaluated=0, first_session_at=timezone.now() - timedelta(days=30)
    )
    families = list(course.bookings.order_by("pk"))

    assert queue_evaluation_requests() == 4
    assert queue_evaluation_requests() == 0

    sign_in(desk, live_server.url, trainee)
    trainee_page = desk.new_page()
    results_url = f"{live_server.url}/teach/courses/{course.pk}/evaluations/"
    assert "0 of 4 families answered." in aggregate_page(trainee_page, results_url)

    # The first parent opens the emailed link on her phone, signed out, and answers.
    parent_page = phone.new_page()
    answer(parent_page, emailed_link(families[0], live_server.url), *ANSWERS[0], capture="evals-form-390")
    # Opening the link again thanks her; it does not ask twice.
    parent_page.goto(emailed_link(families[0], live_server.url))
    assert "Send my evaluation" not in parent_page.content()
    assert Evaluation.objects.count() == 1

    # A second family answers: still nothing for the trainee but the count.
    answer(phone.new_page(), emailed_link(families[1], live_server.url), *ANSWERS[1])
    hidden = aggregate_page(trainee_page, results_url)
    assert "2 of 4 families answered." in hidden
    assert "Results show from 3 answers" in hidden
    assert "I know when she has had enough." not in hidden and "out of 5" not in hidden

    # The third answer opens the aggregates, without any family's name.
    laptop = desk.browser.new_context(viewport=DESKTOP, locale="en-GB")
    answer(
        laptop.new_page(), emailed_link(families[2], live_server.url), *ANSWERS[2], capture="evals-form-1280"
    )
    laptop.close()
    shown = aggregate_page(trainee_page, results_url)
    assert "3 of 4 families answered." in shown
    assert "4.0 out of 5" in shown
    assert "Bath time is calm now, and he sleeps better." in shown
    assert "I know when she has had enough." in shown
    for booking in families:
        assert booking.parent.full_name not in shown and booking.baby.first_name not in shown
    assert_accessible(trainee_page, "course-evaluations")
    screenshot(trainee_page, "evals-aggregate-1280")
    trainee_page.screenshot(path="/tmp/evals-aggregate-1280.png", full_page=True)
    trainee_page.set_viewport_size(PHONE)
    trainee_page.reload()
    trainee_page.screenshot(path="/tmp/evals-aggregate-390.png", full_page=True)
    assert trainee_page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The fourth family completed the course but has not answered: it does not count yet.
    trainee_page.goto(f"{live_server.url}/training/progress/")
    progress = trainee_page.inner_text("main")
    assert "3 of 5 families completed." in progress
    assert "4 attended enough sessions, 3 evaluations received" in progress
    assert "1 family who completed your practicum course has not sent its evaluation yet" in progress
