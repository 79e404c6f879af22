"""The catalog at /classes/, as a parent sees it: filters, their messages, pagination."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.models import Booking, Course
from classes.services import BookingError, book_course
from classes.tests.factories import BabyFactory, BookingFactory, CourseFactory, SessionFactory, VenueFactory

pytestmark = pytest.mark.django_db

CATALOG = reverse("classes:catalog")


def course_starting(day_offset: int = 7, *, at: time = time(10, 0), weeks: int = 2, **extra) -> Course:
    """A published course whose first session is `day_offset` days from today, local time `at`."""
    course = CourseFactory(**extra)
    zone = ZoneInfo(course.time_zone)
    first_day = timezone.localdate() + timedelta(days=day_offset)
    for week in range(weeks):
        SessionFactory(
            course=course,
            week_number=week + 1,
            starts_at=datetime.combine(first_day + timedelta(weeks=week), at, tzinfo=zone),
        )
    return course


def first_local_day(course: Course):
    return course.sessions.order_by("starts_at").first().starts_at.astimezone(course.zone).date()


def titles(response) -> set[str]:
    return {course.title for course in response.context["courses"]}


def test_catalog_lists_only_published_courses_whose_first_session_is_ahead(client):
    open_course = course_starting(title="Open course")
    course_starting(title="Draft course", draft=True)
    course_starting(title="Cancelled course", status=Course.Status.CANCELLED)
    course_starting(-1, title="Started course")

    response = client.get(CATALOG)

    assert response.status_code == 200
    assert titles(response) == {open_course.title}
    assert "1 upcoming course" in response.content.decode()


def test_each_course_shows_places_left_start_format_language_price_and_instructor(client, instructor):
    course = course_starting(title="Sunday mornings", instructor=instructor, language="es", capacity=3)
    BookingFactory(course=course)

    page = client.get(CATALOG).content.decode()

    assert "Sunday mornings" in page
    assert "2 places left" in page
    assert "(Europe/Madrid time)" in page
    assert "Madrid" in page
    assert "Spanish" in page
    assert "€90.00" in page
    assert "Carol Castro" in page


def test_city_filter_matches_venue_cities_and_keeps_online_courses(client):
    course_starting(title="In Madrid", venue=VenueFactory(city="Madrid"))
    course_starting(title="In Sevilla", venue=VenueFactory(city="Sevilla"))
    course_starting(title="Online", online=True)

    response = client.get(CATALOG, {"city": "madr"})

    assert titles(response) == {"In Madrid", "Online"}


def test_in_person_only_leaves_online_courses_out(client):
    course_starting(title="In Madrid", venue=VenueFactory(city="Madrid"))
    course_starting(title="Online", online=True)

    response = client.get(CATALOG, {"city": "Madrid", "format": "venue"})

    assert titles(response) == {"In Madrid"}


def test_online_only_shows_only_online_courses(client):
    course_starting(title="In Madrid")
    course_starting(title="Online", online=True)

    response = client.get(CATALOG, {"format": "online"})

    assert titles(response) == {"Online"}


def test_language_filter_offers_the_languages_taught_and_keeps_those_courses(client):
    course_starting(title="In Spanish", language="es")
    course_starting(title="In English", language="en")
    course_starting(title="Draft in French", language="fr", draft=True)

    response = client.get(CATALOG, {"language": "es"})

    assert titles(response) == {"In Spanish"}
    offered = [code for code, _label in response.context["form"].fields["language"].choices]
    assert offered == ["", "en", "es"]


def test_unknown_language_is_reported_next_to_the_field_and_the_other_filters_still_apply(client):
    course_starting(title="In Madrid")
    course_starting(title="Online", online=True)

    response = client.get(CATALOG, {"language": "xx", "format": "online"})

    assert response.status_code == 200
    assert "language" in response.context["form"].errors
    assert titles(response) == {"Online"}


def test_start_date_range_keeps_courses_whose_first_session_falls_between_the_dates(client):
    course_starting(5, title="Soon")
    middle = course_starting(12, title="Middle")
    course_starting(30, title="Later")
    day = first_local_day(middle)

    response = client.get(
        CATALOG, {"starts_from": (day - timedelta(days=1)).isoformat(), "starts_to": day.isoformat()}
    )

    assert titles(response) == {"Middle"}


def test_start_dates_are_the_first_session_day_in_the_courses_own_time_zone(client):
    # 20:00 in New York is already the next day in UTC; the parent in New York means the local day.
    evening = course_starting(
        10, at=time(20, 0), title="Evening online", online=True, time_zone="America/New_York"
    )
    day = first_local_day(evening)

    assert titles(client.get(CATALOG, {"starts_to": day.isoformat()})) == {"Evening online"}
    assert titles(client.get(CATALOG, {"starts_from": (day + timedelta(days=1)).isoformat()})) == set()


def test_a_start_day_keeps_the_courses_on_that_local_day_from_the_earliest_time_zone_to_the_latest(client):
    # Kiritimati (UTC+14) and Pago Pago (UTC-11) are 25 hours apart: the same local day spans two UTC days.
    early = course_starting(
        10, at=time(0, 30), title="Kiritimati", online=True, time_zone="Pacific/Kiritimati"
    )
    late = course_starting(10, at=time(23, 30), title="Pago Pago", online=True, time_zone="Pacific/Pago_Pago")
    course_starting(11, at=time(0, 30), title="A day later", online=True, time_zone="Pacific/Kiritimati")
    course_starting(9, at=time(23, 30), title="A day earlier", online=True, time_zone="Pacific/Pago_Pago")
    day = first_local_day(early)
    assert first_local_day(late) == day

    response = client.get(CATALOG, {"starts_from": day.isoformat(), "starts_to": day.isoformat()})

    assert titles(response) == {"Kiritimati", "Pago Pago"}


def test_a_bad_date_gets_a_clear_message_and_no_error_page(client):
    course_starting(title="Any")

    response = client.get(CATALOG, {"starts_from": "2026-13-45", "baby_born": "yesterday"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "starts_from": ["Enter a date like 2026-05-31."],
        "baby_born": ["Enter a date like 2026-05-31."],
    }
    assert "Enter a date like 2026-05-31." in response.content.decode()
    assert titles(response) == {"Any"}


def test_an_end_date_before_the_start_date_is_refused_with_a_message(client):
    course_starting(title="Any")
    today = timezone.localdate()

    response = client.get(
        CATALOG, {"starts_from": (today + timedelta(days=9)).isoformat(), "starts_to": today.isoformat()}
    )

    assert response.context["form"].errors["starts_to"] == ["This date is before the “Starting from” date."]


def test_a_birth_date_more_than_two_years_ago_is_refused(client):
    response = client.get(CATALOG, {"baby_born": (timezone.localdate() - timedelta(days=800)).isoformat()})

    assert "more than two years ago" in response.context["form"].errors["baby_born"][0]


def test_babys_date_of_birth_keeps_courses_whose_age_range_fits_at_the_first_session(client):
    course = course_starting(14, title="Eight to twelve weeks", min_age_weeks=8, max_age_weeks=12)
    first_day = first_local_day(course)
    cases = {
        "exactly eight weeks": (first_day - timedelta(weeks=8), True),
        "a day short of eight weeks": (first_day - timedelta(weeks=8) + timedelta(days=1), False),
        "twelve weeks and six days": (first_day - timedelta(weeks=13) + timedelta(days=1), True),
        "thirteen weeks": (first_day - timedelta(weeks=13), False),
    }
    for label, (born, fits) in cases.items():
        response = client.get(CATALOG, {"baby_born": born.isoformat()})
        assert (titles(response) == {course.title}) is fits, label


def test_the_catalogs_age_filter_agrees_with_the_booking_rule_for_an_evening_course_abroad(client, parent):
    # 19:30 in Los Angeles is the next day in UTC: the age counts on the local day, as booking does.
    course = course_starting(
        8,
        at=time(19, 30),
        title="Evening",
        online=True,
        time_zone="America/Los_Angeles",
        min_age_weeks=6,
        max_age_weeks=10,
    )
    first_day = first_local_day(course)
    for born in (first_day - timedelta(weeks=6, days=delta) for delta in (-1, 0, 1)):
        listed = titles(client.get(CATALOG, {"baby_born": born.isoformat()})) == {"Evening"}
        baby = BabyFactory(parent=parent, date_of_birth=born)
        try:
            book_course(course, parent=parent, baby=baby)
            bookable = True
        except BookingError:
            bookable = False
        assert listed is bookable, born
    assert Booking.objects.count() == 2


def test_pages_hold_twelve_courses_and_page_links_keep_the_filters(client):
    for number in range(14):
        course_starting(3 + number, title=f"Madrid {number:02}", venue=VenueFactory(city="Madrid"))
    course_starting(4, title="Bilbao", venue=VenueFactory(city="Bilbao"))

    first_page = client.get(CATALOG, {"city": "Madrid", "format": "venue"})
    body = first_page.content.decode()

    assert len(first_page.context["courses"]) == 12
    assert "14 upcoming courses" in body
    assert "?city=Madrid&amp;format=venue&amp;page=2" in body
    second_page = client.get(CATALOG, {"city": "Madrid", "format": "venue", "page": 2})
    assert titles(second_page) == {"Madrid 12", "Madrid 13"}
    assert "?city=Madrid&amp;format=venue&amp;page=1" in second_page.content.decode()


def test_a_nonsense_page_number_shows_a_page_rather_than_an_error(client):
    course_starting(title="Any")

    response = client.get(CATALOG, {"page": "lots"})

    assert response.status_code == 200
    assert titles(response) == {"Any"}


def test_the_home_page_search_by_city_lands_on_the_filtered_catalog(client):
    course_starting(title="In Madrid", venue=VenueFactory(city="Madrid"))
    course_starting(title="In Sevilla", venue=VenueFactory(city="Sevilla"))

    response = client.get(CATALOG, {"city": "Sevilla"})

    assert titles(response) == {"In Sevilla"}
    assert response.context["form"]["city"].value() == "Sevilla"


def test_the_filters_in_force_are_spelled_out_above_the_results(client):
    course_starting(title="In Madrid", language="es", venue=VenueFactory(city="Madrid"))
    born = timezone.localdate() - timedelta(weeks=6)

    page = client.get(
        CATALOG, {"city": "Madrid", "language": "es", "baby_born": born.isoformat()}
    ).content.decode()

    assert "In “Madrid” or online · Taught in Spanish · Fits a baby born on" in page
    assert "Clear the filters and see every course" in page


def test_a_start_date_at_the_end_of_the_calendar_is_refused_next_to_its_field(client):
    response = client.get(
        reverse("classes:catalog"), {"starts_to": "9999-12-31", "starts_from": "0001-01-01"}
    )

    assert response.status_code == 200
    assert response.content.decode().count("Choose a date within three years of today.") == 2
