"""Courses near me: the catalog takes a place name (any language the gazetteer knows, accents or not) and
a radius, lists the courses at venues within it nearest first with their distance, keeps online courses
after them, and answers a place it does not know with the places of the closest names."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from classes.models import Course
from classes.places import distance_km, find_place
from classes.services import create_venue
from classes.tests.factories import CourseFactory, SessionFactory, VenueFactory
from classes.tests.test_page_cache import course_with_places

pytestmark = pytest.mark.django_db

CATALOG = reverse("classes:catalog")
# Getafe is 12.6 km south of Madrid's centre, Alcalá de Henares 30 km east, Toledo 67 km south-south-west.
MADRID = (40.4165, -3.70256)
GETAFE = (40.30571, -3.73295)
ALCALA = (40.48205, -3.35996)
TOLEDO = (39.8581, -4.02263)


def course_at(title: str, position: tuple[float, float] | None, **fields) -> Course:
    if position is None:
        course = CourseFactory(title=title, online=True, **fields)
    else:
        venue = VenueFactory(latitude=position[0], longitude=position[1], city="Somewhere")
        course = CourseFactory(title=title, venue=venue, instructor=venue.owner, **fields)
    SessionFactory(course=course)
    return course


def titles(page: str) -> list[str]:
    return re.findall(r'<h3><a href="[^"]+">([^<]+)</a></h3>', page)


def test_a_town_lists_the_courses_within_the_radius_nearest_first_with_their_distance(client):
    course_at("Alcalá mornings", ALCALA)
    course_at("Getafe mornings", GETAFE)
    course_at("Toledo mornings", TOLEDO)
    course_at("Online evenings", None)

    page = client.get(CATALOG, {"near": "Madrid", "within": "50"}).content.decode()

    assert titles(page) == ["Getafe mornings", "Alcalá mornings", "Online evenings"]
    assert "13 km away" in page
    assert "30 km away" in page
    assert "Courses at venues within 50 km of Madrid, Spain, nearest first." in page
    assert "Online courses, wherever you are" in page


def test_the_radius_narrows_and_in_person_only_leaves_online_courses_out(client):
    course_at("Alcalá mornings", ALCALA)
    course_at("Getafe mornings", GETAFE)
    course_at("Online evenings", None)

    within_25 = client.get(CATALOG, {"near": "Madrid", "within": "25"}).content.decode()
    in_person = client.get(CATALOG, {"near": "Madrid", "within": "100", "format": "venue"}).content.decode()

    assert titles(within_25) == ["Getafe mornings", "Online evenings"]
    assert titles(in_person) == ["Getafe mornings", "Alcalá mornings"]


@pytest.mark.parametrize("typed", ["madrid", "MADRID", "Madrid, Spain", "Мадрид", "  Madrid  "])
def test_a_place_is_found_in_any_case_language_or_spelling_the_gazetteer_knows(client, typed):
    course_at("Getafe mornings", GETAFE)

    assert titles(client.get(CATALOG, {"near": typed}).content.decode()) == ["Getafe mornings"]


def test_a_name_shared_by_several_towns_means_the_one_where_the_association_has_venues(client):
    course_at("Valencia mornings", (39.46975, -0.37739))

    page = client.get(CATALOG, {"near": "Valencia"}).content.decode()

    assert find_place("Valencia").country_code == "VE"
    assert titles(page) == ["Valencia mornings"]
    assert "Valencia, Spain" in page


def test_a_misspelt_town_gets_the_places_with_the_closest_names_and_the_other_filters_still_apply(client):
    course_at("Getafe mornings", GETAFE)
    course_at("Online evenings", None)

    response = client.get(CATALOG, {"near": "Madird", "format": "online"})
    page = response.content.decode()

    assert response.status_code == 200
    assert "know a place called “Madird”" in page
    assert "near=Madrid%2C+Spain" in page
    assert titles(page) == ["Online evenings"]


def test_a_place_the_gazetteer_cannot_match_at_all_says_so(client):
    page = client.get(CATALOG, {"near": "Qqqqzzzx"}).content.decode()

    assert "Try the nearest town or city." in page


def test_the_near_me_catalog_costs_the_same_queries_for_three_or_twelve_courses(client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(CATALOG, {"near": "Madrid", "within": "100"}).status_code == 200
        return len(captured)

    course_at("Online", None)
    for _ in range(3):
        course_at("Getafe", GETAFE)
    few = queries()
    for _ in range(9):
        course_at("Alcalá", ALCALA)
        course_at("Online", None)

    assert queries() == few


def test_near_a_place_the_pages_count_every_course_in_the_radius_and_a_page_past_the_last_shows_the_last(
    client,
):
    for number in range(14):
        course_at(f"Getafe {number:02d}", GETAFE)
    course_at("Toledo mornings", TOLEDO)

    first = client.get(CATALOG, {"near": "Madrid", "within": "25"})
    second = client.get(CATALOG, {"near": "Madrid", "within": "25", "page": "2"})
    beyond = client.get(CATALOG, {"near": "Madrid", "within": "25", "page": "9"})

    assert first.context["page"].paginator.count == 14
    assert len(titles(first.content.decode())) == 12
    assert titles(second.content.decode()) == titles(beyond.content.decode())
    assert len(titles(second.content.decode())) == 2
    assert beyond.context["page"].number == 2
    assert "Toledo mornings" not in first.content.decode() + second.content.decode()


def test_the_near_me_page_reads_its_courses_count_and_cards_in_four_queries(client):
    # The page with its count and soonest start, the online courses beside it, then the cards of both
    # lists: their places and their rows. The filters' choices (two SELECT DISTINCT) are read too here,
    # where no shared cache keeps them.
    course_at("Getafe mornings", GETAFE)
    course_at("Online evenings", None)

    with CaptureQueriesContext(connection) as captured:
        page = client.get(CATALOG, {"near": "Madrid", "within": "25"}).content.decode()

    assert titles(page) == ["Getafe mornings", "Online evenings"]
    page_queries = [query["sql"] for query in captured if not query["sql"].startswith("SELECT DISTINCT")]
    assert len(page_queries) == 4, [sql[:80] for sql in page_queries]
    assert "COUNT(" in page_queries[0] and "OVER ()" in page_queries[0]


def test_a_new_venue_is_placed_at_its_citys_centre_unless_the_instructor_says_where():
    owner = UserFactory()
    common = {"name": "Casa Nido", "address": "Calle Mayor 1", "country": "ES", "time_zone": "Europe/Madrid"}

    by_city = create_venue(owner, city="Getafe", **common)
    by_hand = create_venue(owner, city="Getafe", latitude=40.3, longitude=-3.7, **common)
    unknown = create_venue(owner, city="Villanueva del Nada", **common)

    assert distance_km(by_city.latitude, by_city.longitude, *GETAFE) < 1
    assert (by_hand.latitude, by_hand.longitude) == (40.3, -3.7)
    assert (unknown.latitude, unknown.longitude) == (None, None)


def test_a_near_me_page_is_kept_under_the_places_own_spelling_only(redis_cache, client):
    course_with_places(3)

    client.get(CATALOG, {"near": "Madrid", "within": "25"})
    client.get(CATALOG, {"near": "madrid", "within": "25"})
    client.get(CATALOG, {"near": "Madrid"})

    kept = [key for key in redis_cache.stored_keys() if ":classes:visitor-page:" in key]
    assert len(kept) == 1
