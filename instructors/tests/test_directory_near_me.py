"""Find an instructor near a town: listed instructors whose town is within the radius, nearest first, with
the distance; a town the gazetteer does not know gets the places of the closest names."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from instructors.services import save_profile
from instructors.tests.test_views_directory import DIRECTORY, listed, names

pytestmark = pytest.mark.django_db


def placed(name: str, city: str, position: tuple[float, float]):
    profile = listed(name, city=city)
    profile.latitude, profile.longitude = position
    profile.save(update_fields=["latitude", "longitude"])
    return profile


def test_instructors_near_a_town_come_nearest_first_with_their_distance(client):
    placed("Alba in Alcalá", "Alcalá de Henares", (40.48205, -3.35996))
    placed("Gema in Getafe", "Getafe", (40.30571, -3.73295))
    placed("Tomás in Toledo", "Toledo", (39.8581, -4.02263))

    page = client.get(DIRECTORY, {"near": "Madrid", "within": "50"}).content.decode()

    assert names(client, near="Madrid", within="50") == ["Gema in Getafe", "Alba in Alcalá"]
    assert names(client, near="madrid", within="100") == [
        "Gema in Getafe",
        "Alba in Alcalá",
        "Tomás in Toledo",
    ]
    assert "13 km away" in page
    assert "Instructors within 50 km of Madrid, Spain, nearest first." in page


def test_a_misspelt_town_in_the_directory_offers_the_closest_names(client):
    placed("Gema in Getafe", "Getafe", (40.30571, -3.73295))

    page = client.get(DIRECTORY, {"near": "Getaffe"}).content.decode()

    assert "know a place called “Getaffe”" in page
    assert "near=Getafe" in page


def test_a_saved_profile_is_placed_at_its_towns_centre(instructor):
    profile = save_profile(instructor, display_name="Carol", city="Sevilla", country="ES")
    moved = save_profile(instructor, display_name="Carol", city="Nowhere-on-Sea", country="ES")

    assert round(profile.latitude, 1) == 37.4
    assert (moved.latitude, moved.longitude) == (None, None)


def test_the_near_me_directory_reads_the_same_queries_for_two_or_ten_instructors(client):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(DIRECTORY, {"near": "Madrid", "within": "50"}).status_code == 200
        return len(captured)

    for n in range(2):
        placed(f"Gema {n}", "Getafe", (40.30571, -3.73295))
    few = queries()
    for n in range(8):
        placed(f"Alba {n}", "Alcalá de Henares", (40.48205, -3.35996))

    assert queries() == few
