from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from instructors.models import Background, InstructorBackground, InstructorLanguage, InstructorProfile


class InstructorProfileFactory(DjangoModelFactory):
    class Meta:
        model = InstructorProfile

    user = factory.SubFactory(UserFactory)
    slug = factory.Sequence(lambda n: f"instructor-{n}")
    display_name = factory.LazyAttribute(lambda profile: profile.user.full_name or profile.user.email)
    bio = "Midwife and mother of two; I teach baby massage in small, calm groups."
    city = "Madrid"
    country = "ES"
    offers_private_sessions = False
    notice_preference = InstructorProfile.NoticePreference.EACH
    is_public = True


class InstructorBackgroundFactory(DjangoModelFactory):
    class Meta:
        model = InstructorBackground

    profile = factory.SubFactory(InstructorProfileFactory)
    background = Background.MIDWIFE


class InstructorLanguageFactory(DjangoModelFactory):
    class Meta:
        model = InstructorLanguage

    profile = factory.SubFactory(InstructorProfileFactory)
    language = "es"
