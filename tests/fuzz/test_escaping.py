"""Text people write is shown as text: markup stored through the services comes back escaped on every page
(and in every HTML email) that shows it, never as markup."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from certification.services import revoke_certificate
from classes.models import CourseMessage
from classes.services import message_families, update_baby, update_course
from instructors.services import save_profile
from notifications.models import OutgoingEmail
from tests.access.world import World

pytestmark = pytest.mark.django_db

PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']


def page(world: World, who: str | None, url: str) -> str:
    client = Client()
    if who is not None:
        client.force_login(getattr(world, who))
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def instructor_bio(world: World, payload: str) -> list[str]:
    save_profile(world.instructor, display_name=world.instructor.full_name, bio=payload, city="Madrid")
    return [
        page(world, None, world.profile.get_absolute_url()),
        page(world, None, world.course.get_absolute_url()),
        page(world, "instructor", reverse("instructors:profile_edit")),
    ]


def course_description(world: World, payload: str) -> list[str]:
    update_course(world.course, actor=world.instructor, description=payload, payment_notes=payload)
    return [
        page(world, None, world.course.get_absolute_url()),
        page(world, "parent", world.course.get_absolute_url()),
        page(world, "instructor", reverse("instructors:course_edit", kwargs={"pk": world.course.pk})),
    ]


def course_title(world: World, payload: str) -> list[str]:
    update_course(world.course, actor=world.instructor, title=f"Baby massage {payload}")
    return [
        page(world, None, reverse("classes:catalog")),
        page(world, None, world.course.get_absolute_url()),
        page(world, "parent", reverse("classes:my_bookings")),
        page(world, "instructor", reverse("instructors:dashboard")),
        page(world, None, world.profile.get_absolute_url()),
    ]


def baby_notes(world: World, payload: str) -> list[str]:
    update_baby(
        world.baby,
        first_name=world.baby.first_name,
        date_of_birth=world.baby.date_of_birth,
        notes=payload,
        notes_consent=True,
    )
    return [
        page(world, "instructor", reverse("instructors:roster", kwargs={"pk": world.course.pk})),
        page(world, "parent", reverse("classes:baby_edit", kwargs={"pk": world.baby.pk})),
    ]


def baby_name(world: World, payload: str) -> list[str]:
    update_baby(world.baby, first_name=payload, date_of_birth=world.baby.date_of_birth)
    # The register lists the families once its session has started.
    with time_machine.travel(world.session.starts_at + timedelta(minutes=5)):
        register = page(
            world, "instructor", reverse("instructors:session_register", kwargs={"pk": world.session.pk})
        )
    return [
        page(world, "instructor", reverse("instructors:roster", kwargs={"pk": world.course.pk})),
        register,
        page(world, "parent", reverse("classes:baby_list")),
        page(world, "parent", reverse("classes:my_bookings")),
        page(world, "parent", world.course.get_absolute_url()),
    ]


def message_body(world: World, payload: str) -> list[str]:
    message_families(world.course, actor=world.instructor, subject=f"Parking {payload}", body=payload)
    message = CourseMessage.objects.get()
    email = OutgoingEmail.objects.get(template="instructor_message", to_email=world.parent.email)
    assert message.body == payload
    return [
        page(world, "instructor", reverse("instructors:course_messages", kwargs={"pk": world.course.pk})),
        page(world, "instructor", reverse("instructors:dashboard")),
        email.body_html,
    ]


def revocation_statement(world: World, payload: str) -> list[str]:
    staff = type(world.parent).objects.create_superuser(email="sam@example.org", password=None)
    revoke_certificate(world.certificate, actor=staff, reason=payload, public_statement=payload)
    return [page(world, None, world.certificate.get_absolute_url())]


WHERE_TEXT_SHOWS: dict[str, Callable[[World, str], list[str]]] = {
    "instructor bio": instructor_bio,
    "course description and payment notes": course_description,
    "course title": course_title,
    "baby notes": baby_notes,
    "baby name": baby_name,
    "message to families": message_body,
    "revocation statement": revocation_statement,
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("text", sorted(WHERE_TEXT_SHOWS))
def test_stored_markup_is_shown_escaped(text, payload, world):
    pages = WHERE_TEXT_SHOWS[text](world, payload)

    for number, html in enumerate(pages):
        assert payload not in html, f"{text}: page {number} shows the markup raw"
        assert escape(payload) in html, f"{text}: page {number} does not show the text at all"
