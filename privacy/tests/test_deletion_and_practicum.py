"""A family that deletes its account after a practicum course still counts toward the trainee's practicum,
and the trainee's roster keeps the place as a deleted family (docs/domain.md, Privacy)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from certification.selectors import missing_requirements, practicum_families_count
from certification.tests.factories import eligible_enrollment
from classes.models import Booking

pytestmark = pytest.mark.django_db


def test_a_deleted_family_still_counts_toward_the_practicum_and_stays_on_the_roster():
    enrollment = eligible_enrollment(families=5)
    booking = Booking.objects.filter(course__instructor=enrollment.trainee).order_by("pk").first()
    family = Client()
    family.force_login(booking.parent)

    assert family.post(reverse("privacy:delete_account"), {"password": PASSWORD}).status_code == 302

    booking.refresh_from_db()
    assert (booking.parent, booking.baby) == (None, None)
    assert practicum_families_count(enrollment) == 5
    assert missing_requirements(enrollment) == []
    trainee = Client()
    trainee.force_login(enrollment.trainee)
    roster = trainee.get(reverse("instructors:roster", args=[booking.course_id]))
    assert roster.status_code == 200
    assert "Deleted family" in roster.content.decode()
