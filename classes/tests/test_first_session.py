"""A course's ``first_session_at`` is the start of its first scheduled session, kept by every service that
creates, moves or cancels sessions: the catalog filters, sorts and pages on it."""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from classes.models import Course, Session
from classes.services import (
    SessionPlan,
    cancel_course,
    cancel_session,
    create_course,
    create_venue,
    mark_course_published,
    move_session,
    update_course,
)
from classes.tests.factories import CourseFactory, SessionFactory

pytestmark = pytest.mark.django_db


def published_course(instructor, *, days_ahead: int = 10, title: str = "Masaje infantil") -> Course:
    """Five weekly sessions at 18:00 in Madrid, the first `days_ahead` days from now, through the services."""
    venue = create_venue(
        instructor,
        name="Casa Nido",
        address="Calle Mayor 3",
        city="Madrid",
        country="ES",
        time_zone="Europe/Madrid",
    )
    first = datetime.combine(timezone.localdate() + timedelta(days=days_ahead), datetime.min.time())
    course = create_course(
        instructor,
        title=title,
        plan=SessionPlan(first_local=first.replace(hour=18), weeks=5, duration_minutes=60),
        time_zone="Europe/Madrid",
        venue=venue,
    )
    return mark_course_published(course, actor=instructor)


def week(course: Course, number: int) -> Session:
    return course.sessions.get(week_number=number)


def stored_first_session_at(course: Course) -> datetime | None:
    return Course.objects.values_list("first_session_at", flat=True).get(pk=course.pk)


def test_a_new_course_starts_at_the_first_session_of_its_plan(instructor):
    course = published_course(instructor)

    assert course.first_session_at == week(course, 1).starts_at
    assert stored_first_session_at(course) == week(course, 1).starts_at


def test_moving_the_first_session_earlier_moves_the_start(instructor):
    course = published_course(instructor)
    earlier = week(course, 1).starts_at - timedelta(days=2)

    move_session(week(course, 1), actor=instructor, starts_at=earlier)

    assert stored_first_session_at(course) == earlier


def test_moving_the_first_session_after_the_second_makes_the_second_first(instructor):
    course = published_course(instructor)
    second = week(course, 2).starts_at

    move_session(week(course, 1), actor=instructor, starts_at=second + timedelta(days=2))

    assert stored_first_session_at(course) == second


def test_moving_a_later_session_before_the_first_makes_it_first(instructor):
    course = published_course(instructor)
    before_the_first = week(course, 1).starts_at - timedelta(days=3)

    move_session(week(course, 4), actor=instructor, starts_at=before_the_first)

    assert stored_first_session_at(course) == before_the_first


def test_cancelling_the_first_session_makes_the_next_scheduled_one_first(instructor):
    course = published_course(instructor)
    cancel_session(week(course, 2), actor=instructor)

    cancel_session(week(course, 1), actor=instructor)

    assert stored_first_session_at(course) == week(course, 3).starts_at


def test_cancelling_a_later_session_keeps_the_start(instructor):
    course = published_course(instructor)

    cancel_session(week(course, 3), actor=instructor)

    assert stored_first_session_at(course) == week(course, 1).starts_at


def test_a_course_cancelled_before_it_starts_has_no_first_session_and_leaves_the_catalog(client, instructor):
    course = published_course(instructor)

    cancel_course(course, actor=instructor)

    assert stored_first_session_at(course) is None
    assert client.get(reverse("classes:catalog")).context["courses"] == []


def test_a_course_cancelled_part_way_keeps_the_start_of_the_first_session_it_held(instructor):
    course = published_course(instructor, days_ahead=3)
    first = week(course, 1).starts_at

    with time_machine.travel(week(course, 2).starts_at + timedelta(days=1)):
        cancel_course(course, actor=instructor)

    assert stored_first_session_at(course) == first
    assert week(course, 3).status == Session.Status.CANCELLED


def test_a_new_time_zone_keeps_the_local_time_and_moves_the_start_with_it(instructor):
    course = published_course(instructor)
    local = week(course, 1).starts_at.astimezone(ZoneInfo("Europe/Madrid")).replace(tzinfo=None)

    update_course(course, actor=instructor, format=Course.Format.ONLINE, time_zone="America/New_York")

    new_start = local.replace(tzinfo=ZoneInfo("America/New_York"))
    assert stored_first_session_at(course) == new_start == week(course, 1).starts_at


def test_the_catalog_order_follows_a_moved_first_session(client, instructor, other_instructor):
    sooner = published_course(instructor, days_ahead=5, title="Sooner")
    published_course(other_instructor, days_ahead=8, title="Later")

    move_session(week(sooner, 1), actor=instructor, starts_at=week(sooner, 1).starts_at + timedelta(days=5))

    titles = [course.title for course in client.get(reverse("classes:catalog")).context["courses"]]
    assert titles == ["Later", "Sooner"]


def test_the_migration_fills_in_the_first_scheduled_session_of_every_course():
    course = CourseFactory()
    first, second = SessionFactory(course=course), SessionFactory(course=course)
    Session.objects.filter(pk=first.pk).update(status=Session.Status.CANCELLED)
    without_sessions = CourseFactory()
    Course.objects.update(first_session_at=timezone.now())
    migration = importlib.import_module("classes.migrations.0006_course_first_session_at")

    migration.fill_first_session_at(apps, schema_editor=None)

    assert stored_first_session_at(course) == second.starts_at
    assert stored_first_session_at(without_sessions) is None
