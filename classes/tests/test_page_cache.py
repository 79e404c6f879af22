"""Signed-out visitors get the catalog and course pages from the shared cache, and places left are still
exact: every booking service bumps the catalog version when it commits, so the next visitor sees the
change at once. The cache is Redis here, as in production, under a key prefix of this test's own
(the `redis_cache` fixture), so the keys a visitor's requests leave behind can be counted."""

from __future__ import annotations

import random
import re
import secrets
import string
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes.catalog_views import CATALOG_PAGE_SIZE
from classes.emails import offer_version
from classes.models import Booking, Course
from classes.services import (
    book_course,
    cancel_booking,
    cancel_course,
    expire_offers,
    mark_course_published,
    respond_to_offer,
)
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory

pytestmark = pytest.mark.django_db

CATALOG = reverse("classes:catalog")
# A catalog page served from the cache reads nothing from the database: even the languages courses are
# taught in (the language filter's choices, which its value is checked against before the page is asked
# for) are kept under the catalog version.
CACHED_CATALOG_QUERIES = 0


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
    """Whether the page came from the cache: it read nothing from the database but what a kept page costs."""
    cached_cost = CACHED_CATALOG_QUERIES if url.split("?")[0] == CATALOG else 0
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries) == cached_cost


def page_keys(redis_cache) -> set[str]:
    return {key for key in redis_cache.stored_keys() if ":classes:visitor-page:" in key}


def test_a_booking_shows_on_the_cached_course_page_and_catalog_at_once(
    redis_cache, client, parent, django_capture_on_commit_callbacks
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


def card_renders(client: Client, url: str) -> int:
    """How many course cards the page rendered rather than read from the cache."""
    response = client.get(url)
    return [template.name for template in response.templates].count("includes/course_card.html")


def test_a_booking_shows_on_a_signed_in_catalog_at_once_though_its_cards_are_kept(
    redis_cache, client, parent, other_parent, django_capture_on_commit_callbacks
):
    course = course_with_places(3)
    client.force_login(parent)
    assert card_renders(client, CATALOG) == 1
    assert card_renders(client, CATALOG) == 0
    assert places(client, CATALOG) == "3 places left"

    with django_capture_on_commit_callbacks(execute=True):
        book_course(course, parent=other_parent, baby=BabyFactory(parent=other_parent))

    assert card_renders(client, CATALOG) == 1
    assert places(client, CATALOG) == "2 places left"


def test_kept_cards_are_read_in_the_readers_own_language(redis_cache, client, parent, other_parent):
    course_with_places(3)
    client.force_login(parent)
    assert places(client, CATALOG) == "3 places left"
    other_parent.preferred_language = "es"
    other_parent.save(update_fields=["preferred_language"])
    client.force_login(other_parent)

    assert "Quedan 3 plazas" in client.get(CATALOG).content.decode()


def test_cancelling_a_place_shows_at_once(redis_cache, client, parent, django_capture_on_commit_callbacks):
    course = course_with_places(2)
    booking = BookingFactory(course=course, parent=parent)
    assert places(client, course.get_absolute_url()) == "1 place left"

    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking, by=parent)

    assert places(client, course.get_absolute_url()) == "2 places left"


@pytest.mark.parametrize("accept", [True, False], ids=["accepted", "declined"])
def test_answering_an_offer_shows_at_once(redis_cache, client, django_capture_on_commit_callbacks, accept):
    course = course_with_places(2)
    BookingFactory(course=course)
    offered = BookingFactory(course=course, offered=True)
    assert places(client, CATALOG) == "Full — waitlist open"

    with django_capture_on_commit_callbacks(execute=True):
        respond_to_offer(offered, accept=accept, offer_version=offer_version(offered))

    assert places(client, CATALOG) == ("Full — waitlist open" if accept else "1 place left")


def test_an_expired_offer_frees_its_place_on_the_page_at_once(
    redis_cache, client, django_capture_on_commit_callbacks
):
    course = course_with_places(1)
    offered = BookingFactory(course=course, offered=True)
    Booking.objects.filter(pk=offered.pk).update(offer_expires_at=timezone.now() - timedelta(minutes=1))
    assert places(client, course.get_absolute_url()) == "Full — waitlist open"

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_offers() == 1

    assert places(client, course.get_absolute_url()) == "1 place left"


def test_signed_in_parents_get_their_own_page_not_the_cached_one(redis_cache, client, parent):
    course = course_with_places(3)
    BookingFactory(course=course, parent=parent)
    Client().get(course.get_absolute_url())
    client.force_login(parent)

    assert not served_from_cache(client, course.get_absolute_url())
    assert "Sign out" in client.get(course.get_absolute_url()).content.decode()


def test_each_visitor_gets_a_csrf_token_of_their_own_that_works(redis_cache):
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


def catalog_of_fourteen() -> None:
    """Two pages unfiltered; one page for every format and language filter (one of them empty)."""
    for _ in range(CATALOG_PAGE_SIZE - 3):
        SessionFactory(course=CourseFactory(language="en"))
    for _ in range(3):
        SessionFactory(course=CourseFactory(language="es"))
    for _ in range(2):
        SessionFactory(course=CourseFactory(online=True, language="en"))


def visit_every_canonical_catalog_page(client: Client) -> None:
    for format in ("", "venue", "online"):
        for language in ("", "en", "es"):
            for page in (1, 2, 3):
                query = {"format": format, "language": language, "page": page}
                response = client.get(CATALOG, {name: value for name, value in query.items() if value})
                assert response.status_code == 200


def junk(rng: random.Random, *, longest: int = 12) -> str:
    alphabet = string.ascii_letters + string.digits + " -_.%/áñü€"
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(1, longest)))


def junk_catalog_query(rng: random.Random) -> str:
    """Unknown parameters, page numbers of every kind, typed towns, filter values right and wrong."""
    params = [(junk(rng), junk(rng)) for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.6:
        page = rng.choice([str(rng.randint(-3, 40)), junk(rng, longest=4), "", "1.5", " 2", "02", "1e3"])
        params.append(("page", page))
    if rng.random() < 0.4:
        params.append(("city", rng.choice(["Madrid", " madrid ", "   ", junk(rng, longest=30)])))
    if rng.random() < 0.5:
        params.append(("format", rng.choice(["", "venue", "online", "VENUE", junk(rng)])))
    if rng.random() < 0.5:
        params.append(("language", rng.choice(["", "en", "es", "fr", " en", junk(rng, longest=5)])))
    if rng.random() < 0.3:
        day = timezone.localdate() + timedelta(days=rng.randint(-900, 900))
        params.append(
            (rng.choice(["starts_from", "starts_to", "baby_born"]), rng.choice([day.isoformat(), junk(rng)]))
        )
    rng.shuffle(params)
    return urlencode(params)


def test_a_thousand_junk_catalog_urls_add_no_key_beyond_the_canonical_pages(redis_cache, client):
    catalog_of_fourteen()
    visit_every_canonical_catalog_page(client)
    canonical = page_keys(redis_cache)
    # Nine filter combinations with one page each, and the unfiltered catalog's second page.
    assert len(canonical) == 10
    seed = secrets.randbits(32)
    rng = random.Random(seed)

    statuses = {client.get(f"{CATALOG}?{junk_catalog_query(rng)}").status_code for _ in range(1000)}

    assert statuses == {200}, f"seed {seed}"
    assert page_keys(redis_cache) == canonical, f"seed {seed}"


def test_unknown_parameters_get_the_canonical_page_and_its_links_carry_none_of_them(redis_cache, client):
    catalog_of_fourteen()
    client.get(CATALOG, {"format": "", "language": "", "utm_source": "newsletter"})

    assert served_from_cache(client, CATALOG)
    page = client.get(f"{CATALOG}?utm_source=other&city=").content.decode()
    assert len(page_keys(redis_cache)) == 1
    assert "utm_source" not in page
    assert 'href="?page=2"' in page
    assert f'name="next" value="{CATALOG}"' in page


def test_a_filter_from_the_offered_choices_is_kept_under_one_spelling(redis_cache, client):
    catalog_of_fourteen()
    client.get(CATALOG, {"language": "es", "format": "venue", "city": "", "baby_born": ""})

    assert served_from_cache(client, f"{CATALOG}?format=venue&language=es")
    assert served_from_cache(client, f"{CATALOG}?language=es&format=venue&page=1&x=1")
    assert len(page_keys(redis_cache)) == 1


@pytest.mark.parametrize(
    "query",
    [
        {"city": "Madrid"},
        {"city": "  "},
        {"starts_from": "2030-01-01"},
        {"baby_born": "not a date"},
        {"language": "fr"},
        {"format": "by-pigeon"},
        {"page": "3"},
        {"page": "0"},
    ],
    ids=[
        "town",
        "blank town",
        "date",
        "invalid date",
        "language nobody teaches",
        "unknown format",
        "page past the last",
        "page zero",
    ],
)
def test_pages_filtered_by_typed_or_invalid_values_are_shown_but_never_kept(redis_cache, client, query):
    catalog_of_fourteen()

    response = client.get(CATALOG, query)

    assert response.status_code == 200
    assert page_keys(redis_cache) == set()


def test_page_numbers_are_kept_only_up_to_the_last_page(redis_cache, client):
    catalog_of_fourteen()
    for page in ("2", "02", " 2", "+2"):
        assert "Page 2 of 2" in client.get(CATALOG, {"page": page}).content.decode()

    assert len(page_keys(redis_cache)) == 1
    assert served_from_cache(client, f"{CATALOG}?page=2")


def test_a_course_page_has_one_key_whatever_the_query_or_the_spelling_of_its_number(redis_cache, client):
    course = course_with_places(3)
    url = course.get_absolute_url()
    client.get(f"{url}?ref=newsletter")

    assert served_from_cache(client, url)
    assert served_from_cache(client, f"{url}?x={secrets.token_hex(8)}")
    assert served_from_cache(client, url.replace(f"/{course.pk}-", f"/000{course.pk}-"))
    assert len(page_keys(redis_cache)) == 1
    assert "ref=newsletter" not in client.get(url).content.decode()


def test_a_wrong_slug_still_redirects_once_the_course_page_is_kept(redis_cache, client):
    course = course_with_places(3)
    client.get(course.get_absolute_url())

    response = client.get(reverse("classes:course_detail", kwargs={"pk": course.pk, "slug": "old-title"}))

    assert response.status_code == 301 and response["Location"] == course.get_absolute_url()
    assert len(page_keys(redis_cache)) == 1


def test_a_signed_in_parent_gets_the_kept_course_page_with_their_own_booking_panel(
    redis_cache, client, parent, other_parent
):
    course = course_with_places(3)
    BookingFactory(course=course, parent=parent, baby=BabyFactory(parent=parent, first_name="Noa"))
    BabyFactory(parent=other_parent, first_name="Leo")
    url = course.get_absolute_url()
    client.force_login(parent)
    first = client.get(url).content.decode()
    again = client.get(url).content.decode()
    client.force_login(other_parent)
    theirs = client.get(url).content.decode()

    assert "Noa has a place on this course." in first
    assert "Noa has a place on this course." in again
    assert [key for key in redis_cache.stored_keys() if ":classes:shared-page:" in key]
    assert "Noa" not in theirs
    assert "Leo" in theirs
    assert "Book a place" in theirs
    assert "<!--personal:" not in first + again + theirs


def test_the_kept_course_page_reads_only_what_is_personal(redis_cache, client, parent):
    course = course_with_places(3)
    BookingFactory(course=course, parent=parent)
    client.force_login(parent)
    url = course.get_absolute_url()
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    with CaptureQueriesContext(connection) as kept:
        page = client.get(url).content.decode()

    read = " ".join(query["sql"] for query in kept.captured_queries)
    assert "has a place on this course" in page
    assert len(kept) < len(first)
    assert '"classes_session"' not in read
    assert '"classes_venue"' not in read


def test_a_booking_shows_in_the_signed_in_parents_kept_panel_at_once(
    redis_cache, client, parent, django_capture_on_commit_callbacks
):
    course = course_with_places(3)
    baby = BabyFactory(parent=parent, first_name="Noa")
    client.force_login(parent)
    url = course.get_absolute_url()
    assert "Who is coming?" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        book_course(course, parent=parent, baby=baby)
    page = client.get(url).content.decode()

    assert "Noa has a place on this course." in page
    assert "2 places left" in page


def test_the_signed_in_catalog_is_kept_once_per_menu_and_never_shows_another_menu(
    redis_cache, client, parent, instructor
):
    SessionFactory(course=CourseFactory(instructor=instructor))
    client.force_login(instructor)
    client.get(CATALOG)
    client.force_login(parent)
    assert client.get(CATALOG).status_code == 200

    with CaptureQueriesContext(connection) as queries:
        page = client.get(CATALOG).content.decode()

    read = " ".join(query["sql"] for query in queries.captured_queries)
    assert '"classes_course"' not in read
    assert "Sign out" in page
    assert reverse("instructors:dashboard") not in page
    client.force_login(instructor)
    assert reverse("instructors:dashboard") in client.get(CATALOG).content.decode()


def test_a_booking_re_renders_only_the_card_of_its_own_course(
    redis_cache, client, parent, django_capture_on_commit_callbacks
):
    booked, _other, _third = (course_with_places(3) for _ in range(3))
    assert card_renders(client, CATALOG) == 3
    assert card_renders(client, CATALOG) == 0

    with django_capture_on_commit_callbacks(execute=True):
        book_course(booked, parent=parent, baby=BabyFactory(parent=parent))

    assert card_renders(client, CATALOG) == 1
    assert client.get(CATALOG).content.decode().count("3 places left") == 2


def test_a_changed_title_gets_a_new_card_though_no_place_changed(
    redis_cache, client, django_capture_on_commit_callbacks
):
    course = course_with_places(3)
    client.get(CATALOG)
    Course.objects.filter(pk=course.pk).update(title="Saturday afternoons")

    page = client.get(CATALOG, {"format": "venue"}).content.decode()

    assert "Saturday afternoons" in page


def test_the_filter_form_is_kept_for_canonical_pages_only_and_shows_what_was_sent(redis_cache, client):
    catalog_of_fourteen()
    client.get(CATALOG, {"language": "es"})
    kept = {key for key in redis_cache.stored_keys() if ":classes:catalog-filters:" in key}

    typed = client.get(CATALOG, {"city": "Villa Nueva"}).content.decode()
    spanish = client.get(CATALOG, {"language": "es"}).content.decode()

    assert len(kept) == 1
    assert {key for key in redis_cache.stored_keys() if ":classes:catalog-filters:" in key} == kept
    assert 'value="Villa Nueva"' in typed
    assert '<option value="es" selected>' in spanish


def test_a_course_published_in_a_new_language_is_offered_by_the_language_filter_at_once(
    redis_cache, client, django_capture_on_commit_callbacks
):
    course_with_places(3)
    assert 'value="fr"' not in client.get(CATALOG).content.decode()
    french = CourseFactory(draft=True, language="fr")
    SessionFactory(course=french)

    with django_capture_on_commit_callbacks(execute=True):
        mark_course_published(french, actor=french.instructor)

    assert '<option value="fr"' in client.get(CATALOG).content.decode()


@pytest.mark.parametrize("query", ["", "?format=online", "?near=Madrid&within=25"])
def test_a_kept_catalog_page_costs_one_round_trip_to_the_cache(redis_cache, client, monkeypatch, query):
    # The page and the filters' choices it is checked against are read together (SharedPage.peek).
    from redis.client import Redis

    course_with_places(capacity=4)
    client.get(CATALOG + query)
    commands = []
    real = Redis.execute_command
    monkeypatch.setattr(
        Redis,
        "execute_command",
        lambda self, *args, **options: commands.append(args[0]) or real(self, *args, **options),
    )

    assert served_from_cache(client, CATALOG + query)
    assert commands == ["MGET"]


def test_a_kept_filtered_page_is_not_served_once_its_filter_is_no_longer_offered(
    redis_cache, client, django_capture_on_commit_callbacks
):
    # A kept page is served before its filters are checked again: the listing change that withdraws a
    # filter's choice must leave the page behind.
    spanish = CourseFactory(language="es", title="Masaje en español")
    SessionFactory(course=spanish)
    course_with_places(capacity=4)
    url = f"{CATALOG}?language=es"
    client.get(url)
    assert served_from_cache(client, url)

    with django_capture_on_commit_callbacks(execute=True):
        cancel_course(spanish, actor=spanish.instructor)

    page = client.get(url).content.decode()
    assert "Masaje en español" not in page
    assert not served_from_cache(client, url)
