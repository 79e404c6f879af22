"""Prices are written as the reader's language writes money, through one template filter (payments'
``price``): "€90.00" in English, "90,00 €" in Spanish, on course cards, course pages and emails."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from classes.services import book_course
from classes.tests.factories import BabyFactory, CourseFactory, course_with_sessions
from notifications.models import OutgoingEmail
from notifications.services import render_deferred_email

pytestmark = pytest.mark.django_db

SPANISH_EUROS = "90,00\xa0€"


def price_of(price: Decimal, currency: str, language: str) -> str:
    with translation.override(language):
        return Template("{% load money %}{{ price|price:currency }}").render(
            Context({"price": price, "currency": currency})
        )


@pytest.mark.parametrize(
    ("price", "currency", "language", "written"),
    [
        (Decimal("90"), "EUR", "en", "€90.00"),
        (Decimal("90"), "EUR", "es", SPANISH_EUROS),
        (Decimal("92.50"), "GBP", "en", "£92.50"),
        (Decimal("9000"), "JPY", "en", "¥9,000"),
    ],
)
def test_the_price_filter_writes_a_price_in_the_readers_format(price, currency, language, written):
    assert price_of(price, currency, language) == written


def test_a_course_card_and_page_show_the_price_in_english(client):
    course, _sessions = course_with_sessions(price=Decimal("90"))

    catalog = client.get(reverse("classes:catalog")).content.decode()
    page = client.get(course.get_absolute_url()).content.decode()

    assert "€90.00" in catalog
    assert "€90.00" in page
    assert "90 EUR" not in page


def test_a_course_page_shows_the_price_in_spanish(client):
    course, _sessions = course_with_sessions(price=Decimal("90"))

    page = client.get(course.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert SPANISH_EUROS in page


def test_a_free_course_says_so(client):
    course, _sessions = course_with_sessions(price=Decimal("0"))

    assert "Free" in client.get(course.get_absolute_url()).content.decode()


def test_the_course_manage_page_shows_the_price_in_the_instructors_language(client, instructor):
    course = CourseFactory(instructor=instructor, price=Decimal("90"))
    instructor.preferred_language = "es"
    instructor.save()
    client.force_login(instructor)

    page = client.get(reverse("instructors:course_manage", kwargs={"pk": course.pk})).content.decode()

    assert SPANISH_EUROS in page


def test_the_email_summarising_a_course_states_its_price_in_the_parents_language(parent):
    course, _sessions = course_with_sessions(price=Decimal("90"))
    parent.preferred_language = "es"
    parent.save()
    booking = book_course(course, parent=parent, baby=BabyFactory(parent=parent))

    email = render_deferred_email(OutgoingEmail.objects.get(key=f"booking-confirmed:{booking.pk}"))

    assert SPANISH_EUROS in email.body_text
    assert SPANISH_EUROS in email.body_html
