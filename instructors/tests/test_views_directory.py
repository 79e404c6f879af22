"""Find an instructor: public profiles of instructors whose certificate is active right now, filtered and
paginated."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certification.tests.factories import CertificateFactory
from instructors.models import Background
from instructors.tests.factories import (
    InstructorBackgroundFactory,
    InstructorLanguageFactory,
    InstructorProfileFactory,
)

pytestmark = pytest.mark.django_db

DIRECTORY = reverse("instructors:directory")


def listed(name: str, *, city: str = "Madrid", country: str = "ES", backgrounds=(), languages=(), **extra):
    profile = InstructorProfileFactory(display_name=name, city=city, country=country, **extra)
    CertificateFactory(holder=profile.user)
    for background in backgrounds:
        InstructorBackgroundFactory(profile=profile, background=background)
    for language in languages:
        InstructorLanguageFactory(profile=profile, language=language)
    return profile


def names(client, **filters) -> list[str]:
    response = client.get(DIRECTORY, filters)
    assert response.status_code == 200
    return [profile.display_name for profile in response.context["profiles"]]


def test_only_public_profiles_with_an_active_certificate_are_listed(client):
    listed("Ana Active")
    expired = InstructorProfileFactory(display_name="Eva Expired")
    CertificateFactory(
        holder=expired.user,
        issued_at=timezone.now() - timedelta(days=400),
        valid_until=timezone.now() - timedelta(days=1),
    )
    revoked = InstructorProfileFactory(display_name="Rita Revoked")
    CertificateFactory(
        holder=revoked.user,
        revoked_at=timezone.now(),
        revocation_reason="Breach of the code of ethics.",
        public_statement="Revoked.",
    )
    InstructorProfileFactory(display_name="Nora No-certificate")
    listed("Paula Private", is_public=False)

    assert names(client) == ["Ana Active"]


def test_filters_by_country_city_language_and_background(client):
    listed("Ana", city="Madrid", country="ES", backgrounds=[Background.MIDWIFE], languages=["es"])
    listed("Bea", city="Sevilla", country="ES", backgrounds=[Background.NURSE], languages=["es", "en"])
    listed("Cora", city="London", country="GB", backgrounds=[Background.MIDWIFE], languages=["en"])

    assert names(client, country="ES") == ["Ana", "Bea"]
    assert names(client, city="sevilla") == ["Bea"]
    assert names(client, language="en") == ["Bea", "Cora"]
    assert names(client, background=Background.MIDWIFE) == ["Ana", "Cora"]
    assert names(client, country="ES", language="en") == ["Bea"]


def test_search_looks_in_names_and_towns(client):
    listed("Ana Alvarez", city="Madrid")
    listed("Bea Blanco", city="Sevilla")

    assert names(client, q="alvarez") == ["Ana Alvarez"]
    assert names(client, q="sevil") == ["Bea Blanco"]
    assert names(client, q="nobody") == []


def test_the_filters_offer_what_listed_instructors_have(client):
    listed("Ana", country="ES", languages=["es"])
    listed("Cora", country="GB", languages=["en"])
    InstructorProfileFactory(display_name="Not listed", country="FR")

    form = client.get(DIRECTORY).context["form"]

    assert [code for code, _name in form.fields["country"].choices] == ["", "ES", "GB"]
    assert sorted(code for code, _name in form.fields["language"].choices) == ["", "en", "es"]


def test_a_bad_filter_value_is_left_out(client):
    listed("Ana")

    assert names(client, country="ZZ") == ["Ana"]


def test_the_directory_is_paginated(client):
    for number in range(14):
        listed(f"Instructor {number:02d}")

    first = client.get(DIRECTORY)
    second = client.get(DIRECTORY, {"page": 2})

    assert len(first.context["profiles"]) == 12
    assert [p.display_name for p in second.context["profiles"]] == ["Instructor 12", "Instructor 13"]
    assert "Page 1 of 2" in first.content.decode()
