"""No page scrolls sideways on a phone: every page of the access table (tests/access/table.py), opened at
390 px by each kind of person — a signed-out visitor, a parent, an instructor, a trainee and a member of
staff — whatever they get (the page, a refusal, not found, the sign-in page). A wide table scrolls inside
its own region; the page itself never does."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, Page

from tests.access.table import ACCESS
from tests.access.world import World
from tests.browser.conftest import PHONE, refused_by_csp, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = """() => {
  const page = document.scrollingElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter((node) => node.getBoundingClientRect().right > page.clientWidth + 1)
    .filter((node) => !node.closest('[role="region"][tabindex="0"]') || node.matches('[role="region"]'))
    .slice(0, 3)
    .map((node) => `${node.tagName.toLowerCase()}.${[...node.classList].join('.')}`);
  return {scroll: page.scrollWidth, client: page.clientWidth, wide};
}"""


def html_pages(world: World) -> list[tuple[str, str]]:
    return [
        (name, reverse(name, kwargs=route.kwargs(world)))
        for name, route in sorted(ACCESS.items())
        if route.html and not route.post_only
    ]


@pytest.fixture
def phone_as(browser: Browser, live_server) -> Iterator:
    contexts, refusals = [], []

    def open_as(user) -> Page:
        context = browser.new_context(viewport=PHONE, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        refusals.append(refused_by_csp(context))
        if user is not None:
            sign_in(context, live_server.url, user)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()
    assert [refusal for refused in refusals for refusal in refused] == []


def test_no_page_scrolls_sideways_at_390_px_for_anyone(world, phone_as, live_server):
    people = {
        "anonymous": None,
        "parent": world.parent,
        "instructor": world.instructor,
        "trainee": world.trainee,
        "staff": world.certification_admin,
    }
    pages = html_pages(world)
    wide: dict[str, dict] = {}
    for who, user in people.items():
        page = phone_as(user)
        for name, url in pages:
            page.goto(live_server.url + url)
            measured = page.evaluate(OVERFLOW)
            if measured["scroll"] > measured["client"]:
                wide[f"{who}: {name}"] = measured
                screenshot(page, f"too-wide-{who}-{name.replace(':', '-')}")

    assert len(pages) >= 30
    assert wide == {}
