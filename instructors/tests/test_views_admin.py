"""Django admin changes a course's status only through actions that call the services: publishing goes
through instructors.services.publish_course (certificate rules included), cancelling through
classes.services.cancel_course after a confirmation page. Status fields stay read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.test import RequestFactory
from django.urls import reverse

from classes.models import Booking, Course
from instructors.admin import PublishingCourseAdmin
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:classes_course_changelist")


def run_action(client, action: str, courses, **extra):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [course.pk for course in courses], **extra}
    return client.post(CHANGELIST, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_course_admin_has_the_service_actions(rf: RequestFactory, staff):
    request = rf.get(CHANGELIST)
    request.user = staff
    course_admin = admin.site._registry[Course]

    assert isinstance(course_admin, PublishingCourseAdmin)
    assert {"publish_selected", "cancel_selected"} <= set(course_admin.get_actions(request))
    assert "status" in course_admin.get_readonly_fields(request, None)
    assert "status" in admin.site._registry[Booking].get_readonly_fields(request, None)


def test_the_publish_action_refuses_a_course_without_a_certificate_and_says_why(
    client, staff, instructor, make_course
):
    draft = make_course(instructor, publish=False)
    client.force_login(staff)

    response = run_action(client, "publish_selected", [draft])

    draft.refresh_from_db()
    assert draft.status == Course.Status.DRAFT
    assert messages_of(response) == [
        "“Baby massage in Chamberí” was not published: "
        "An active instructor certificate is needed to publish a course."
    ]


def test_the_publish_action_publishes_a_certified_instructors_draft(client, staff, certified, make_course):
    draft = make_course(certified, publish=False)
    client.force_login(staff)

    response = run_action(client, "publish_selected", [draft])

    draft.refresh_from_db()
    assert draft.status == Course.Status.PUBLISHED
    assert messages_of(response) == ["1 course(s) published."]


def test_the_cancel_action_asks_first_then_cancels_through_the_service(
    client, staff, certified, make_course, book
):
    course = make_course(certified)
    booking = book(course)
    client.force_login(staff)

    confirmation = run_action(client, "cancel_selected", [course])

    assert "Cancel these courses?" in confirmation.content.decode()
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED

    response = run_action(client, "cancel_selected", [course], post="yes")

    course.refresh_from_db()
    booking.refresh_from_db()
    assert course.status == Course.Status.CANCELLED
    assert booking.cancel_reason == Booking.CancelReason.COURSE_CANCELLED
    assert OutgoingEmail.objects.filter(template="course_cancelled").count() == 1
    assert messages_of(response) == ["1 course(s) cancelled; their families are emailed."]
