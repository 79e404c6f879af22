"""The booking journey (sign up, confirm the address, add a baby, book, My bookings) in two languages.

Under the pseudo-locale of tests/i18n/pseudo.py every translated string is wrapped in ⟦markers⟧, so any
visible text outside them that is not data (a name, a place, a date, a number) escaped translation, and
the test names it. Then the same journey runs in Spanish, with screenshots to look at.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from classes.models import Booking
from classes.tests.factories import CourseFactory, SessionFactory, VenueFactory
from notifications.models import OutgoingEmail
from notifications.services import build_message, render_deferred_email
from tests.browser.conftest import PHONE, screenshot
from tests.i18n import pseudo
from tests.i18n.catalogue import check_spanish_is_compiled
from tests.i18n.pseudo import CLOSE, OPEN, escaped, html_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pseudo_locale(settings, tmp_path) -> str:
    return pseudo.serve(settings, tmp_path)


def visible_text(page: Page) -> str:
    """What a person sees or hears: the body's text, the title, and the text of labels in attributes."""
    attributes = page.eval_on_selector_all(
        "[aria-label], [title], [placeholder], [alt], input[type=submit], input[type=button]",
        "nodes => nodes.flatMap(node => ['aria-label', 'title', 'placeholder', 'alt', 'value']"
        ".filter(name => node.hasAttribute(name) && (name !== 'value' || node.type === 'submit'"
        " || node.type === 'button')).map(name => node.getAttribute(name)))",
    )
    return "\n".join([page.title(), page.inner_text("body"), *attributes])


def confirmation_link(email: OutgoingEmail, live_server_url: str) -> str:
    # The stored body hides the key from staff; the message delivery builds carries the real link.
    body = build_message(email).body
    match = re.search(rf"https?://\S*/accounts/confirm-email/[^\s{CLOSE}]*", body)
    assert match, body
    return live_server_url + urlparse(match.group(0)).path


@pytest.fixture
def course(user_factory):
    instructor = user_factory(full_name="Carmen Ortega")
    venue = VenueFactory(owner=instructor, name="Casa Nido", address="Calle Mayor 3", city="Madrid")
    course = CourseFactory(
        instructor=instructor,
        venue=venue,
        title="Masaje infantil, martes por la mañana",
        description="Cinco sesiones tranquilas en grupo pequeño.",
        language="es",
        price=Decimal("92.50"),
        min_age_weeks=2,
        max_age_weeks=40,
    )
    for _ in range(5):
        # No stored topic: the curriculum's topic, translated for whoever reads it.
        SessionFactory(course=course, topic="")
    return course


def data_of(course) -> list[str]:
    """What the journey's pages may show untranslated: the people, places and words the users typed."""
    venue = course.venue
    return [
        course.title,
        course.description,
        course.instructor.full_name,
        venue.name,
        venue.address,
        venue.city,
        "Nora Quinn",
        "Nora",
        "Ivy",
    ]


def book_a_course(
    browser: Browser, live_server_url: str, course, *, locale: str, check: Callable[[Page, str], None]
) -> Iterator[Page]:
    """The parent journey of test_parent_journey.py, by element ids rather than by English labels;
    `check` looks at every page on the way."""
    context = browser.new_context(
        viewport=PHONE, locale=locale, extra_http_headers={"Accept-Language": locale}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(live_server_url + "/")
        check(page, "home")
        page.goto(live_server_url + "/classes/")
        check(page, "catalog")
        page.goto(live_server_url + course.get_absolute_url())
        check(page, "course page")

        page.goto(live_server_url + "/accounts/signup/")
        check(page, "sign up")
        page.locator("#id_full_name").fill("Nora Quinn")
        page.locator("#id_email").fill("nora@example.org")
        page.locator("#id_password1").fill("a-long-gentle-passphrase")
        page.locator("#id_password2").fill("a-long-gentle-passphrase")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        check(page, "check your email")

        confirmation = OutgoingEmail.objects.get(to_email="nora@example.org", key__startswith="account:")
        page.goto(confirmation_link(confirmation, live_server_url))
        check(page, "confirm your address")
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()

        page.goto(live_server_url + "/my/babies/add/")
        check(page, "add a baby")
        page.locator("#id_first_name").fill("Ivy")
        page.locator("#id_date_of_birth").fill((timezone.localdate() - timedelta(weeks=9)).isoformat())
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        check(page, "my babies")

        page.goto(live_server_url + course.get_absolute_url())
        check(page, "course page, signed in")
        page.locator("#book form button[type=submit]").first.click()
        page.wait_for_url(re.compile(r"/my/bookings/"))
        check(page, "my bookings")
        yield page
    finally:
        context.close()


def test_booking_journey_under_a_pseudo_locale_shows_no_untranslated_text(
    browser, live_server, course, pseudo_locale
):
    data = data_of(course)
    problems: dict[str, list[str]] = {}
    seen: list[str] = []

    def check(page: Page, name: str) -> None:
        seen.append(name)
        text = visible_text(page)
        assert OPEN in text, f"{name}: the pseudo-locale is not in use"
        if lines := escaped(text, data):
            problems[name] = lines

    for page in book_a_course(browser, live_server.url, course, locale=pseudo_locale, check=check):
        screenshot(page, "pseudo-my-bookings")

    booking = Booking.objects.get(parent__email="nora@example.org")
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.parent.preferred_language == pseudo_locale
    assert len(seen) == 10
    for email in OutgoingEmail.objects.filter(to_email="nora@example.org"):
        # Booking emails are rendered by the delivery worker; none runs here, so render them as it would.
        if email.rendered_at is None:
            email = render_deferred_email(email)
        assert email.body_text, email.template
        assert email.language == pseudo_locale
        parts = (("subject", email.subject), ("text", email.body_text), ("HTML", html_text(email.body_html)))
        for part, text in parts:
            if lines := escaped(text, data):
                problems[f"email {email.template} ({part})"] = lines
    assert not problems, "Text outside translation:\n" + "\n".join(
        f"{name}:\n" + "\n".join(f"    {line}" for line in lines) for name, lines in problems.items()
    )


SPANISH_ON = {
    "home": ["Busca un curso cerca de ti", "¿Qué es el masaje infantil?", "Idioma"],
    "catalog": ["Cursos de masaje infantil", "Filtrar los cursos", "1 curso próximo", "Quedan 8 plazas"],
    "course page": [
        "Sobre este curso",
        "Precio y pago",
        "92,50\xa0€",
        "Entra para reservar",
        "Pedir permiso",
    ],
    "sign up": ["Crea una cuenta", "Tu nombre completo", "Crear cuenta"],
    "check your email": ["Revisa tu correo"],
    "confirm your address": ["Confirma tu correo electrónico"],
    "add a baby": ["Añadir un bebé", "Fecha de nacimiento", "Añadir este bebé"],
    "my babies": ["Mis bebés", "Hemos añadido a Ivy.", "Edad hoy", "9 semanas"],
    "course page, signed in": ["Reserva una plaza", "¿Quién viene?", "Reservar"],
    "my bookings": ["Mis reservas", "¡Reservado! Ivy tiene plaza", "Reservado", "para Ivy", "Próxima sesión"],
}


def test_the_same_journey_in_spanish(browser, live_server, course):
    check_spanish_is_compiled()
    seen: dict[str, str] = {}

    def check(page: Page, name: str) -> None:
        seen[name] = page.inner_text("body")
        assert page.locator("html").get_attribute("lang") == "es", name
        if name in ("catalog", "course page"):
            screenshot(page, f"es-{name.replace(' ', '-')}")

    for page in book_a_course(browser, live_server.url, course, locale="es-ES", check=check):
        screenshot(page, "es-my-bookings")
        email = OutgoingEmail.objects.get(to_email="nora@example.org", template="booking_confirmed")
        email = render_deferred_email(email) if email.rendered_at is None else email
        assert email.language == "es"
        page.set_content(email.body_html)
        screenshot(page, "es-email-booking-confirmed")

    missing = {
        name: [phrase for phrase in phrases if phrase not in seen[name]]
        for name, phrases in SPANISH_ON.items()
    }
    assert not any(missing.values()), missing
    assert email.language == "es"
    assert email.subject == "Tu plaza está reservada: Masaje infantil, martes por la mañana"
    assert "la plaza de Ivy en este curso está confirmada" in email.body_text
    assert OutgoingEmail.objects.get(to_email="nora@example.org", key__startswith="account:").language == "es"
