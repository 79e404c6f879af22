"""axe-core on every page people read, as the person whose page it is, and form errors tied to their fields.

The pages come from the access table (tests/access/table.py), so a new page is audited as soon as it has an
entry there, plus the allauth pages our templates override and the error pages. Parents and visitors are
on a phone (390×844), instructors and trainees on a laptop. No page may have a serious or critical
violation; the table printed at the end of the run lists every violation by impact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page

from classes.models import Booking
from classes.tests.factories import BabyFactory
from tests.access.table import ACCESS, CERTIFICATION_ADMIN, INSTRUCTOR, PARENT, TRAINEE
from tests.access.world import World
from tests.browser.conftest import PHONE, AxeAudit, assert_accessible, audit, refused_by_csp, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 900}

# Pages that are not ours to route but are ours to render (allauth's, with our templates), and the
# states of our pages the access table does not reach.
EXTRA_PAGES = {
    None: [
        ("sign in", lambda w: reverse("account_login")),
        ("create an account", lambda w: reverse("account_signup")),
        ("forgotten password", lambda w: reverse("account_reset_password")),
        ("password reset sent", lambda w: reverse("account_reset_password_done")),
        ("page not found", lambda w: "/no-such-page/"),
        ("certificate not found", lambda w: reverse("certification:verify_token", args=["not-a-token"])),
    ],
    PARENT: [
        ("course page, with a booking", lambda w: w.course.get_absolute_url()),
        ("course page, with an offer", lambda w: w.full_course.get_absolute_url()),
        ("teaching page refused to a parent", lambda w: reverse("instructors:dashboard")),
        ("no certificate yet", lambda w: reverse("certification:my_certificate")),
        ("email addresses", lambda w: reverse("account_email")),
        ("change password", lambda w: reverse("account_change_password")),
        ("sign out", lambda w: reverse("account_logout")),
    ],
    INSTRUCTOR: [
        ("draft course", lambda w: reverse("instructors:course_manage", args=[w.draft.pk])),
    ],
}


def page_url(name: str, world: World) -> str:
    return reverse(name, kwargs=ACCESS[name].kwargs(world))


def audited_pages(world: World) -> dict[str | None, list[tuple[str, str]]]:
    """Every page of the access table as its owner opens it (public pages as a visitor), and the extras."""
    pages: dict[str | None, list[tuple[str, str]]] = {}
    for name, route in ACCESS.items():
        if route.html and not route.post_only:
            pages.setdefault(route.owner, []).append((name, page_url(name, world)))
    for who, extras in EXTRA_PAGES.items():
        pages.setdefault(who, []).extend((name, url(world)) for name, url in extras)
    return pages


@pytest.fixture
def context_for(browser: Browser, live_server) -> Iterator:
    contexts: list[BrowserContext] = []
    refusals: list[list[str]] = []

    def open_as(user, *, viewport) -> Page:
        context = browser.new_context(viewport=viewport, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        refusals.append(refused_by_csp(context))
        if user is not None:
            sign_in(context, live_server.url, user)
        return context.new_page()

    yield open_as
    for context in contexts:
        context.close()
    assert [refusal for refused in refusals for refusal in refused] == [], "the CSP blocked part of a page"


def test_every_page_has_no_serious_or_critical_accessibility_violation(world, context_for, live_server):
    people = {
        None: None,
        PARENT: world.parent,
        INSTRUCTOR: world.instructor,
        TRAINEE: world.trainee,
        CERTIFICATION_ADMIN: world.certification_admin,
    }
    results: list[AxeAudit] = []
    for who, pages in audited_pages(world).items():
        laptop = who in (INSTRUCTOR, TRAINEE, CERTIFICATION_ADMIN)
        page = context_for(people[who], viewport=LAPTOP if laptop else PHONE)
        for name, url in pages:
            page.goto(live_server.url + url)
            results.append(audit(page, name))

    # A confirmation link and a password reset link, as they arrive by email.
    address = EmailAddress.objects.create(user=world.other_parent, email="bob@work.example", verified=False)
    page = context_for(None, viewport=PHONE)
    page.goto(live_server.url + reverse("account_confirm_email", args=[EmailConfirmationHMAC(address).key]))
    results.append(audit(page, "confirm an email address"))
    page.goto(live_server.url + reverse("account_confirm_email", args=["not-a-key"]))
    results.append(audit(page, "confirmation link not valid"))
    page.goto(live_server.url + reverse("account_reset_password_from_key", args=["1", "not-a-key"]))
    results.append(audit(page, "password reset link not valid"))

    audited = {result.name for result in results}
    pages_in_table = {name for name, route in ACCESS.items() if route.html and not route.post_only}
    assert pages_in_table <= audited
    blocking = [result for result in results if result.blocking]
    assert not blocking, "\n".join(result.describe(result.blocking) for result in blocking)


TIED_ERRORS = """() => {
  // Every field marked invalid names a visible error message in aria-describedby (its own, or that of
  // the fieldset grouping its radio buttons), and every field's error list is named by some field.
  const untied = [];
  const invalid = [...document.querySelectorAll('[aria-invalid="true"]')];
  for (const field of invalid) {
    const holder = field.closest('fieldset[aria-describedby]');
    const own = field.getAttribute('aria-describedby') || '';
    const ids = `${own} ${holder ? holder.getAttribute('aria-describedby') : ''}`;
    const errors = ids.split(/\\s+/).filter(Boolean).map((id) => document.getElementById(id))
      .filter((node) => node && node.classList.contains('errorlist') && node.innerText.trim());
    if (!errors.length) untied.push(field.name || field.id);
  }
  for (const list of document.querySelectorAll('.errorlist[id]')) {
    if (!document.querySelector(`[aria-describedby~="${list.id}"]`)) untied.push(`#${list.id}`);
  }
  return {invalid: [...new Set(invalid.map((field) => field.name))], untied};
}"""


def assert_errors_tied(page: Page, *fields: str) -> None:
    state = page.evaluate(TIED_ERRORS)
    assert set(fields) <= set(state["invalid"]), state
    assert state["untied"] == [], state


def test_form_errors_are_tied_to_their_fields(world, context_for, live_server):
    visitor = context_for(None, viewport=PHONE)
    visitor.goto(live_server.url + reverse("account_signup"))
    visitor.get_by_label("Email").fill("not an address")
    visitor.locator("#id_password1").fill("short")
    visitor.locator("#id_password2").fill("different")
    visitor.get_by_role("button", name="Create account").click()
    visitor.wait_for_load_state()
    assert_errors_tied(visitor, "full_name", "email")
    assert_accessible(visitor, "create an account, with errors")

    visitor.goto(live_server.url + reverse("account_login"))
    visitor.get_by_label("Email").fill(world.parent.email)
    visitor.get_by_label("Password").fill("not-her-password")
    visitor.get_by_role("button", name="Sign in").click()
    visitor.wait_for_load_state()
    assert "not correct" in visitor.locator("main").inner_text()
    assert_accessible(visitor, "sign in, with an error")

    parent = context_for(world.parent, viewport=PHONE)
    parent.goto(live_server.url + reverse("classes:baby_add"))
    parent.get_by_label("Date of birth").fill((timezone.localdate() + timedelta(days=3)).isoformat())
    parent.get_by_role("button", name="Add this baby").click()
    parent.wait_for_load_state()
    assert_errors_tied(parent, "first_name", "date_of_birth")
    assert parent.get_by_role("alert").inner_text() == "Please correct the highlighted fields."
    assert_accessible(parent, "add a baby, with errors")

    # With two babies who fit, none is chosen for her; a browser that does not check `required` posts
    # the form without a choice, and the error is said next to the choice.
    BabyFactory(
        parent=world.parent, first_name="Rosa", date_of_birth=timezone.localdate() - timedelta(weeks=6)
    )
    parent.goto(live_server.url + world.course.get_absolute_url())
    booking_form = parent.locator("#book form")
    booking_form.evaluate("form => { form.noValidate = true; }")
    booking_form.get_by_role("button", name="Book").click()
    parent.wait_for_load_state()
    assert_errors_tied(parent, "baby")
    fieldset = parent.get_by_role("group", name="Who is coming?")
    assert fieldset.get_attribute("aria-describedby") == "book-baby_error"
    assert parent.locator("#book-baby_error").inner_text() == "Choose which baby to book for."
    assert_accessible(parent, "course page, booking without a choice")
    assert Booking.objects.filter(parent=world.parent, course=world.course).count() == 1


def test_the_roster_table_scrolls_sideways_by_keyboard(world, context_for, live_server):
    page = context_for(world.instructor, viewport=PHONE)
    page.goto(live_server.url + reverse("instructors:roster", args=[world.course.pk]))
    table = page.get_by_role("region", name=re.compile("with a place"))

    assert table.get_attribute("tabindex") == "0"
    assert_accessible(page, "roster on a phone")
