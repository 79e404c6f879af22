"""The instructor chooses how families pay for a course; the association may require online payment."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certification.tests.factories import CertificateFactory
from classes.models import Course
from classes.services import SessionPlan, create_course, create_venue, update_course
from classes.services.errors import CourseError
from instructors.forms import CourseForm

pytestmark = pytest.mark.django_db


def new_course(instructor, **fields) -> Course:
    venue = create_venue(
        instructor,
        name="Casa Nido",
        address="Calle Mayor 3",
        city="Madrid",
        country="ES",
        time_zone="Europe/Madrid",
    )
    first = timezone.now().replace(microsecond=0) + timedelta(days=20)
    return create_course(
        instructor,
        title="Baby massage",
        plan=SessionPlan(first_local=first.replace(tzinfo=None), weeks=5, duration_minutes=60),
        time_zone="Europe/Madrid",
        venue=venue,
        **fields,
    )


def test_a_course_is_paid_at_the_course_unless_the_instructor_chooses_online(instructor):
    assert new_course(instructor).payment_mode == Course.PaymentMode.AT_COURSE


def test_the_association_can_require_online_payment(instructor, settings):
    settings.PAYMENTS_REQUIRE_ONLINE = True
    course = new_course(instructor, payment_mode=Course.PaymentMode.AT_COURSE)

    assert course.payment_mode == Course.PaymentMode.ONLINE
    with pytest.raises(CourseError):
        update_course(course, actor=instructor, payment_mode=Course.PaymentMode.AT_COURSE)


def test_the_course_form_offers_the_choice_only_while_payments_are_on(settings):
    assert "payment_mode" in CourseForm(venues=[], show_practicum=False).fields
    settings.PAYMENTS_ENABLED = False
    assert "payment_mode" not in CourseForm(venues=[], show_practicum=False).fields


def test_the_instructor_chooses_online_payment_on_the_edit_page(client, instructor):
    CertificateFactory(holder=instructor)
    course = new_course(instructor, price=90)
    client.force_login(instructor)
    url = reverse("instructors:course_edit", kwargs={"pk": course.pk})
    saved = {
        name: value for name, value in client.get(url).context["form"].initial.items() if value is not None
    }

    response = client.post(url, {**saved, "payment_mode": Course.PaymentMode.ONLINE})

    course.refresh_from_db()
    assert response.status_code == 302, response.content.decode()[:2000]
    assert course.payment_mode == Course.PaymentMode.ONLINE
