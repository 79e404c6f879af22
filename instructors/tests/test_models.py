"""The database's own rules for instructor profiles."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from instructors.models import Background
from instructors.tests.factories import (
    InstructorBackgroundFactory,
    InstructorLanguageFactory,
    InstructorProfileFactory,
)

pytestmark = pytest.mark.django_db


def test_two_instructors_cannot_share_a_public_address():
    InstructorProfileFactory(slug="carol-castro")

    with pytest.raises(IntegrityError, match=r"Key \(slug\)"), transaction.atomic():
        InstructorProfileFactory(slug="carol-castro")


def test_instructor_lists_a_background_once():
    background = InstructorBackgroundFactory(background=Background.NURSE)

    with pytest.raises(IntegrityError, match="profile_background_once"), transaction.atomic():
        InstructorBackgroundFactory(profile=background.profile, background=Background.NURSE)


def test_instructor_may_list_several_backgrounds():
    nurse = InstructorBackgroundFactory(background=Background.NURSE)

    InstructorBackgroundFactory(profile=nurse.profile, background=Background.DOULA)

    assert nurse.profile.backgrounds.count() == 2


def test_instructor_lists_a_teaching_language_once():
    language = InstructorLanguageFactory(language="es")

    with pytest.raises(IntegrityError, match="profile_language_once"), transaction.atomic():
        InstructorLanguageFactory(profile=language.profile, language="es")
