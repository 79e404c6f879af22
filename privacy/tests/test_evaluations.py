"""A parent's evaluations of courses are theirs to download; deleting the account keeps them, nameless,
for the instructor's aggregates and the trainee's practicum."""

from __future__ import annotations

import pytest

from certification.selectors import practicum_families_count
from certification.tests.factories import eligible_enrollment
from classes.models import Booking, Evaluation
from classes.tests.factories import BookingFactory, EvaluationFactory
from privacy.services import delete_account, export_data

pytestmark = pytest.mark.django_db


def test_the_export_holds_the_parents_own_evaluations_only(parent, other_parent):
    mine = EvaluationFactory(booking=BookingFactory(parent=parent), to_improve="More time for questions.")
    EvaluationFactory(booking=BookingFactory(parent=other_parent), to_improve="Bob's own words.")

    data = export_data(parent)

    assert data["evaluations"] == [
        {
            "course": mine.booking.course.title,
            "submitted_at": mine.submitted_at.isoformat(),
            "language": "en",
            "home_practice": "daily",
            "teaching_rating": 5,
            "confidence_rating": 4,
            "group_rating": 4,
            "recommend_rating": 5,
            "gained": "We both relax at bath time now.",
            "to_improve": "More time for questions.",
        }
    ]


def test_a_deleted_account_leaves_its_evaluation_without_a_name():
    enrollment = eligible_enrollment()
    booking = Booking.objects.filter(course__instructor=enrollment.trainee).first()

    delete_account(booking.parent)

    evaluation = Evaluation.objects.get(booking=booking)
    assert (evaluation.booking.parent, evaluation.booking.baby) == (None, None)
    assert practicum_families_count(enrollment) == 5
