"""Staff roles on someone else's course: being staff grants nothing on /teach/; only the Course coordinators'
permission does, and what a coordinator does is on the record and signed as themselves."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import CERTIFICATION_ADMINS_GROUP, COURSE_COORDINATORS_GROUP, TRAINERS_GROUP
from certification.tests.test_admin import form_data
from classes.models import Booking, Course, CourseAction
from classes.services import CourseError, cancel_course, message_families, update_course
from conftest import _person
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def _staff(email: str, name: str, group: str | None = None):
    person = _person(email, name, is_staff=True)
    if group:
        person.groups.add(Group.objects.get(name=group))
    return person


@pytest.fixture
def coordinator(db):
    return _staff("tomas@example.org", "Tomás Herrera", COURSE_COORDINATORS_GROUP)


@pytest.fixture
def staff_roles(db):
    """Staff without the coordinators' permission: no group, a trainer, a certification admin."""
    return {
        "staff without a group": _staff("jo@example.org", "Jo Blake"),
        "trainer": _staff("meg@example.org", "Meg Ellis", TRAINERS_GROUP),
        "certification admin": _staff("amara@example.org", "Amara Okafor", CERTIFICATION_ADMINS_GROUP),
    }


@pytest.fixture
def carols_course(certified, make_course, book, parent):
    course = make_course(certified, capacity=2, price=Decimal("90"))
    book(course, "Oliver", parent=parent)
    return course


def teach_urls(course: Course) -> list[str]:
    session = course.sessions.order_by("starts_at").first()
    booking = course.bookings.first()
    return [
        reverse("instructors:course_manage", kwargs={"pk": course.pk}),
        reverse("instructors:course_edit", kwargs={"pk": course.pk}),
        reverse("instructors:roster", kwargs={"pk": course.pk}),
        reverse("instructors:roster_csv", kwargs={"pk": course.pk}),
        reverse("instructors:register_print", kwargs={"pk": course.pk}),
        reverse("instructors:course_messages", kwargs={"pk": course.pk}),
        reverse("instructors:course_cancel", kwargs={"pk": course.pk}),
        reverse("instructors:session_register", kwargs={"pk": session.pk}),
        reverse("instructors:session_move", kwargs={"pk": session.pk}),
        reverse("instructors:session_cancel", kwargs={"pk": session.pk}),
        f"{reverse('instructors:booking_paid', kwargs={'pk': booking.pk})}",
    ]


def test_staff_without_the_permission_are_refused_on_every_teaching_page_of_a_course(
    client, carols_course, staff_roles, certified
):
    client.force_login(certified)
    assert client.get(teach_urls(carols_course)[2]).status_code == 200  # the owner's control
    for role, person in staff_roles.items():
        client.force_login(person)
        for url in teach_urls(carols_course):
            response = client.get(url)
            assert response.status_code in (403, 404, 405), (role, url, response.status_code)
            assert b"Oliver" not in response.content, (role, url)


def test_staff_without_the_permission_cannot_act_through_the_services(carols_course, staff_roles):
    for person in staff_roles.values():
        with pytest.raises(CourseError):
            update_course(carols_course, actor=person, title="Renamed by staff")
        with pytest.raises(CourseError):
            cancel_course(carols_course, actor=person)
    carols_course.refresh_from_db()
    assert carols_course.title != "Renamed by staff"
    assert carols_course.status == Course.Status.PUBLISHED


def test_a_coordinator_sees_the_roster_of_any_course(client, carols_course, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("instructors:roster", kwargs={"pk": carols_course.pk}))

    assert response.status_code == 200
    assert "Oliver" in response.content.decode()


def test_a_coordinators_message_is_signed_as_the_association_and_recorded(carols_course, coordinator):
    message_families(carols_course, actor=coordinator, subject="Room change", body="We meet upstairs.")

    email = OutgoingEmail.objects.get(template="instructor_message")
    assert "on behalf of Carol Castro" in email.body_text
    assert "sent by Tomás Herrera" in email.body_text
    assert "tomas@example.org" in email.body_text
    assert "a message from Carol Castro" not in email.body_text
    action = CourseAction.objects.get(course=carols_course)
    assert (action.actor, action.kind) == (coordinator, CourseAction.Kind.MESSAGE_SENT)


def test_the_instructors_own_message_is_not_put_on_the_record(carols_course, certified):
    message_families(carols_course, actor=certified, subject="Hello", body="See you soon.")

    assert "a message from Carol Castro" in OutgoingEmail.objects.get(template="instructor_message").body_text
    assert not CourseAction.objects.exists()


def test_a_course_a_coordinator_cancels_tells_families_the_association_cancelled_it(
    carols_course, coordinator
):
    cancel_course(carols_course, actor=coordinator)

    email = OutgoingEmail.objects.get(template="course_cancelled")
    assert "the association has had to cancel" in email.body_text
    assert "Tomás Herrera cancelled it" in email.body_text
    assert CourseAction.objects.filter(kind=CourseAction.Kind.COURSE_CANCELLED, actor=coordinator).exists()


def test_the_instructor_sees_what_a_coordinator_changed_on_their_course(
    client, carols_course, coordinator, certified
):
    client.force_login(coordinator)
    response = client.post(
        reverse("instructors:booking_paid", kwargs={"pk": carols_course.bookings.get().pk}),
        {"paid": "1", "method": "cash"},
    )
    assert response.status_code == 302
    assert Booking.objects.get(course=carols_course).is_paid

    client.force_login(certified)
    page = client.get(reverse("instructors:course_manage", kwargs={"pk": carols_course.pk})).content.decode()

    assert "Changes made by the association" in page
    assert "Paid mark changed" in page
    assert "Tomás Herrera" in page


def test_admin_capacity_raise_offers_the_freed_place_at_once_and_is_recorded(
    client, carols_course, coordinator, book
):
    book(carols_course, "Mia")
    waiting2 = book(carols_course, "Leo")
    assert waiting2.status == Booking.Status.WAITLISTED
    client.force_login(coordinator)
    url = reverse("admin:classes_course_change", args=[carols_course.pk])
    data = form_data(client.get(url))
    data.update(capacity=["3"], _save=["Save"])

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    waiting2.refresh_from_db()
    assert waiting2.status == Booking.Status.OFFERED
    assert OutgoingEmail.objects.filter(template="place_offered", user=waiting2.parent).exists()
    assert CourseAction.objects.filter(course=carols_course, kind=CourseAction.Kind.EDITED).exists()


def test_admin_refuses_a_capacity_below_the_places_taken_next_to_the_field(
    client, carols_course, coordinator
):
    client.force_login(coordinator)
    url = reverse("admin:classes_course_change", args=[carols_course.pk])
    data = form_data(client.get(url))
    data.update(capacity=["0"], _save=["Save"])
    response = client.post(url, data)

    assert response.status_code == 200
    assert "capacity" in response.context["adminform"].form.errors
    carols_course.refresh_from_db()
    assert carols_course.capacity == 2


def test_staff_with_course_permissions_but_not_the_coordinators_cannot_change_a_course_in_admin(
    client, carols_course
):
    person = _staff("kim@example.org", "Kim Staff")
    person.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="classes", codename__in=["view_course", "change_course"]
        )
    )
    client.force_login(person)
    url = reverse("admin:classes_course_change", args=[carols_course.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert 'name="capacity"' not in page.content.decode()
    assert client.post(url, {"capacity": "9", "_save": "Save"}).status_code == 403
