"""A parent books on her phone with the keyboard alone, with JavaScript off, and with no stylesheet at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page

from accounts.tests.factories import PASSWORD
from classes.models import Booking
from classes.tests.factories import BabyFactory, CourseFactory, SessionFactory
from tests.browser.conftest import PHONE, assert_accessible, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MOST_TAB_STOPS = 60

# What has keyboard focus now, and whether anyone can see where it is: an outline drawn around it (or
# around the ::after box that some cards stretch over their whole area), or a box shadow.
FOCUSED = """() => {
  const element = document.activeElement;
  const drawn = (style) => style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const own = getComputedStyle(element);
  const box = element.getBoundingClientRect();
  return {
    tag: element.tagName,
    text: (element.innerText || element.value || element.getAttribute('aria-label') || '').trim(),
    id: element.id,
    focusVisible: element.matches(':focus-visible'),
    indicator: drawn(own) || drawn(getComputedStyle(element, '::after')) || own.boxShadow !== 'none',
    outline: `${own.outlineStyle} ${own.outlineWidth} ${own.outlineColor}`,
    onScreen: box.width > 0 && box.height > 0,
  };
}"""


@pytest.fixture
def course():
    course = CourseFactory(
        title="Baby massage, Wednesday mornings", capacity=4, min_age_weeks=2, max_age_weeks=40
    )
    for _ in range(5):
        SessionFactory(course=course)
    return course


@pytest.fixture
def baby(parent):
    return BabyFactory(
        parent=parent, first_name="Ivy", date_of_birth=timezone.localdate() - timedelta(weeks=9)
    )


def tab_to(page: Page, matches, *, what: str) -> list[dict]:
    """Press Tab until the focused element matches; every stop on the way must show where focus is."""
    stops = []
    for _ in range(MOST_TAB_STOPS):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        stops.append(focused)
        assert focused["onScreen"], f"focus went to something hidden: {focused}"
        assert focused["focusVisible"] and focused["indicator"], f"no visible focus on {focused}"
        if matches(focused):
            return stops
    pytest.fail(f"{what} not reached in {MOST_TAB_STOPS} presses of Tab: {[stop['text'] for stop in stops]}")


def test_a_parent_books_and_cancels_with_the_keyboard_alone(page, live_server, parent, baby, course):
    sign_in(page.context, live_server.url, parent)
    page.goto(live_server.url + course.get_absolute_url())

    # The first Tab reaches the skip link, which shows itself; Enter takes focus to the page's content.
    page.keyboard.press("Tab")
    skip = page.evaluate(FOCUSED)
    assert skip["text"] == "Skip to main content"
    assert page.get_by_role("link", name="Skip to main content").is_visible()
    screenshot(page, "parent-keyboard-skip-link")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    stops = tab_to(
        page, lambda focused: focused["tag"] == "BUTTON" and focused["text"] == "Book", what="Book"
    )
    assert "Ivy, 9 weeks old at the first session" not in [stop["text"] for stop in stops]
    screenshot(page, "parent-keyboard-book-button")
    book_button = page.evaluate(FOCUSED)
    assert book_button["outline"].startswith("solid 3px")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/my/bookings/"))
    booking = Booking.objects.get(parent=parent, course=course)
    assert booking.status == Booking.Status.CONFIRMED

    tab_to(page, lambda focused: focused["text"] == "Cancel Ivy’s place", what="the cancel link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The confirmation asks once more; nothing is cancelled until its button is pressed.
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    tab_to(page, lambda focused: focused["text"] == "Yes, cancel the place", what="the confirming button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert_accessible(page, "my bookings, after cancelling by keyboard")


@pytest.fixture
def no_script(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=PHONE, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(10_000)
    yield context
    context.close()


def test_a_parent_signs_in_adds_her_baby_books_and_cancels_without_javascript(
    no_script, live_server, parent, course
):
    page = no_script.new_page()
    page.goto(live_server.url + course.get_absolute_url())
    page.get_by_role("link", name="Sign in to book").click()
    page.get_by_label("Email").fill(parent.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(course.get_absolute_url())))

    page.locator("#book").get_by_role("link", name="Add a baby").click()
    page.get_by_label("First name").fill("Ivy")
    page.get_by_label("Date of birth").fill((timezone.localdate() - timedelta(weeks=9)).isoformat())
    page.get_by_role("button", name="Add this baby").click()
    page.wait_for_url(re.compile(re.escape(course.get_absolute_url())))

    page.locator("#book").get_by_role("button", name="Book").click()
    page.wait_for_url(re.compile(r"/my/bookings/"))
    booking = Booking.objects.get(parent=parent, course=course)
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.baby.first_name == "Ivy"
    screenshot(page, "parent-my-bookings-no-javascript")

    page.get_by_role("link", name="Cancel Ivy’s place").click()
    page.get_by_role("button", name="Yes, cancel the place").click()
    page.wait_for_load_state()
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


# Each block of the page in the order it is read, and where it sits once nothing lays it out.
READING_ORDER = """() => {
  const top = (selector) => {
    const node = document.querySelector(selector);
    return node ? node.getBoundingClientRect().top + window.scrollY : null;
  };
  const focusable = [...document.querySelectorAll('a[href], button, input, select, textarea')];
  return {
    // The site's stylesheet moves the skip link off the screen until it has focus.
    styled: getComputedStyle(document.querySelector('.skip-link')).position !== 'static',
    firstFocusable: focusable[0] ? focusable[0].textContent.trim() : null,
    skip: top('.skip-link'), nav: top('.site-nav'), heading: top('main h1'), book: top('#book button'),
    footer: top('footer'),
  };
}"""


def test_without_the_stylesheet_the_page_reads_in_order_and_books(page, live_server, parent, baby, course):
    blocked = []

    def refuse_stylesheet(route):
        blocked.append(route.request.url)
        route.abort()

    page.route(re.compile(r"\.css(\?.*)?$"), refuse_stylesheet)
    sign_in(page.context, live_server.url, parent)
    page.goto(live_server.url + course.get_absolute_url())

    order = page.evaluate(READING_ORDER)
    assert blocked and not order["styled"]
    assert order["firstFocusable"] == "Skip to main content"
    assert order["skip"] < order["nav"] < order["heading"] < order["book"] < order["footer"]
    assert page.get_by_role("heading", level=1).inner_text() == course.title
    screenshot(page, "parent-course-page-no-css")

    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Skip to main content"
    page.locator("#book").get_by_role("button", name="Book").click()
    page.wait_for_url(re.compile(r"/my/bookings/"))
    assert Booking.objects.get(parent=parent, course=course).status == Booking.Status.CONFIRMED
    assert reverse("classes:booking_calendar", args=[Booking.objects.get().pk]) in page.content()
