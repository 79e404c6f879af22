"""Signed-out visitors get the catalog and course pages from the shared cache, and places left are still
exact: every booking service bumps the catalog version when it commits, so the next visitor sees the
change at once. The cache is Redis here, as in production, under a key prefix of this test's own."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes.emails import offer_version
from classes.models import Booking, Course
from classes.services import book_course, cancel_booking, expire_offers, respond_to_offer
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory
from tests.support import delete_keys, redis_cache_settings

pytestmark = pytest.mark.django_db

CATALOG = reverse("classes:catalog")


REDIS_CACHE = "redis://127.0.0.1:6379/10"


@pytest.fixture
def shared_cache(settings):
    prefix = f"nt-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = redis_cache_settings(REDIS_CACHE, prefix)
    yield
    delete_keys(REDIS_CACHE, f"{prefix}:")


def course_with_places(capacity: int) -> Course:
    course = CourseFactory(capacity=capacity, title="Sunday mornings")
    for _ in range(2):
        SessionFactory(course=course)
    return course


def places(client: Client, url: str) -> str:
    """The places badge of the (only) course on the page."""
    page = client.get(url).content.decode()
    return re.search(r"(\d+ places? left|Full — waitlist open)", page).group(1)


def served_from_cache(client: Client, url: str) -> bool:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries) == 0


def test_a_booking_shows_on_the_cached_course_page_and_catalog_at_once(
    shared_cache, client, parent, django_capture_on_commit_callbacks
):
    course = course_with_places(3)
    baby = BabyFactory(parent=parent)
    assert places(client, course.get_absolute_url()) == "3 places left"
    assert places(client, CATALOG) == "3 places left"
    assert served_from_cache(client, course.get_absolute_url())
    assert served_from_cache(client, CATALOG)

    with django_capture_on_commit_callbacks(execute=True):
        book_course(course, parent=parent, baby=baby)

    assert places(client, course.get_absolute_url()) == "2 places left"
    assert places(client, CATALOG) == "2 places left"


def test_cancelling_a_place_shows_at_once(shared_cache, client, parent, django_capture_on_commit_callbacks):
    course = course_with_places(2)
    booking = BookingFactory(course=course, parent=parent)
    assert places(client, course.get_absolute_url()) == "1 place left"

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking, by=parent)

    assert places(client, course.get_absolute_url()) == "2 places left"


@pytest.mark.parametrize("accept", [True, False], ids=["accepted", "declined"])
def test_answering_an_offer_shows_at_once(shared_cache, client, django_capture_on_commit_callbacks, accept):
    course = course_with_places(2)
    BookingFactory(course=course)
    offered = BookingFactory(course=course, offered=True)
    assert places(client, CATALOG) == "Full — waitlist open"

    with django_capture_on_commit_callbacks(execute=True):
        respond_to_offer(offered, accept=accept, offer_version=offer_version(offered))

    assert places(client, CATALOG) == ("Full — waitlist open" if accept else "1 place left")


def test_an_expired_offer_frees_its_place_on_the_page_at_once(
    shared_cache, client, django_capture_on_commit_callbacks
):
    course = course_with_places(1)
    offered = BookingFactory(course=course, offered=True)
    Booking.objects.filter(pk=offered.pk).update(offer_expires_at=timezone.now() - timedelta(minutes=1))
    assert places(client, course.get_absolute_url()) == "Full — waitlist open"

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_offers() == 1

    assert places(client, course.get_absolute_url()) == "1 place left"


def test_signed_in_parents_get_their_own_page_not_the_cached_one(shared_cache, client, parent):
    course = course_with_places(3)
    BookingFactory(course=course, parent=parent)
    Client().get(course.get_absolute_url())
    client.force_login(parent)

    assert not served_from_cache(client, course.get_absolute_url())
    assert "Sign out" in client.get(course.get_absolute_url()).content.decode()


def test_each_visitor_gets_a_csrf_token_of_their_own_that_works(shared_cache):
    course = course_with_places(3)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for visitor in (first, second):
        page = visitor.get(course.get_absolute_url()).content.decode()
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1))

    response = second.post(
        reverse("accounts:set_language"), {"language": "es", "next": "/", "csrfmiddlewaretoken": tokens[1]}
    )

    assert tokens[0] != tokens[1]
    assert served_from_cache(Client(), course.get_absolute_url())
    assert response.status_code == 302


def test_without_a_shared_cache_nothing_is_kept(client):
    course = course_with_places(3)
    client.get(course.get_absolute_url())

    assert not served_from_cache(client, course.get_absolute_url())
