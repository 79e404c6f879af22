"""Choosing the language: the browser's Accept-Language for a first visit, the switcher on every page,
remembered in a cookie for visitors and on the profile for signed-in people; the same URLs in every
language."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from classes.tests.factories import CourseFactory, SessionFactory

pytestmark = pytest.mark.django_db

SWITCHER = re.compile(
    r'<form class="language-form" action="/language/" method="post">.*?'
    r'<select id="language-select" name="language">(?P<options>.*?)</select>',
    re.DOTALL,
)


def switcher_options(html: str) -> list[tuple[str, bool]]:
    """(language code, selected) for each option of the page's language switcher."""
    match = SWITCHER.search(html)
    assert match, "no language switcher on the page"
    return [
        (code, bool(selected))
        for code, selected in re.findall(r'<option value="(\w+)" lang="\w+"( selected)?>', match["options"])
    ]


def test_a_first_visit_is_in_the_language_the_browser_asks_for(client):
    spanish = client.get("/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9,en;q=0.8")
    english = Client().get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert spanish.headers["Content-Language"] == "es"
    assert '<html lang="es">' in spanish.content.decode()
    assert "Busca un curso cerca de ti" in spanish.content.decode()
    assert "¿Qué es el masaje infantil?" in spanish.content.decode()
    assert "Accept-Language" in spanish.headers["Vary"]
    assert english.headers["Content-Language"] == "en"
    assert "Find a course near you" in english.content.decode()


def test_a_language_we_do_not_ship_falls_back_to_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")

    assert response.headers["Content-Language"] == "en"
    assert "Find a course near you" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/classes/",
        "/instructors/",
        "/training/",
        "/certificates/verify/",
        "/accounts/login/",
        "/nowhere/",
    ],
)
def test_every_visitor_page_has_the_switcher_with_its_language_chosen(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="es")

    assert switcher_options(response.content.decode()) == [("en", False), ("es", True)]


def test_signed_in_pages_have_the_switcher_too(client, parent, instructor):
    course = CourseFactory(instructor=instructor)
    SessionFactory(course=course)
    client.force_login(parent)

    for url in (course.get_absolute_url(), "/my/bookings/", "/my/babies/", "/my/account/", "/my/data/"):
        assert switcher_options(client.get(url).content.decode()) == [("en", True), ("es", False)], url


def test_a_visitor_switching_language_keeps_it_in_a_cookie_over_the_browser_setting(client):
    response = client.post("/language/", {"language": "es", "next": "/classes/"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 302
    assert response.headers["Location"] == "/classes/"
    assert response.cookies["django_language"].value == "es"
    page = client.get("/classes/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Cursos de masaje infantil" in page


def test_the_switch_is_remembered_on_the_profile_and_follows_the_person_to_a_new_session(
    client, parent, password
):
    client.force_login(parent)

    response = client.post("/language/", {"language": "es", "next": "/my/bookings/"})

    assert response.headers["Location"] == "/my/bookings/"
    parent.refresh_from_db()
    assert parent.preferred_language == "es"
    assert "<h1>Mis reservas</h1>" in client.get("/my/bookings/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    # Another browser, another day: English everywhere until she signs in, then her own language.
    phone = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert "Find a course near you" in phone.get("/").content.decode()
    signed_in = phone.post(
        reverse("account_login"), {"login": parent.email, "password": password}, follow=True
    )
    assert signed_in.redirect_chain, signed_in.content.decode()
    assert "Busca un curso cerca de ti" in phone.get("/").content.decode()
    assert "<h1>Mis bebés</h1>" in phone.get("/my/babies/").content.decode()


def test_switching_back_to_english_is_remembered_too(client, parent):
    parent.preferred_language = "es"
    parent.save(update_fields=["preferred_language"])
    client.force_login(parent)

    client.post("/language/", {"language": "en", "next": "/"})

    parent.refresh_from_db()
    assert parent.preferred_language == "en"
    assert "Find a course near you" in client.get("/", HTTP_ACCEPT_LANGUAGE="es").content.decode()


def test_urls_are_the_same_in_every_language(client):
    course = CourseFactory()
    names = [
        "home",
        "classes:catalog",
        "classes:my_bookings",
        "instructors:directory",
        "accounts:set_language",
    ]
    english = [reverse(name) for name in names] + [course.get_absolute_url()]
    with translation.override("es"):
        spanish = [reverse(name) for name in names] + [course.get_absolute_url()]

    assert spanish == english
    assert client.get("/es/classes/", HTTP_ACCEPT_LANGUAGE="es").status_code == 404
