"""The course builder and the course's Sessions page as an instructor uses them: build, review topics,
publish, edit, move or cancel a session, cancel the course."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from classes.models import Booking, Course, Session, Venue
from classes.tests.factories import VenueFactory
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")
NEW = reverse("instructors:course_create")


def builder_fields(**overrides) -> dict:
    fields = {
        "title": "Baby massage in Chamberí",
        "description": "Five gentle weeks.",
        "language": "en",
        "format": "venue",
        "venue": "new",
        "new_venue_name": "Casa Nido",
        "new_venue_address": "Calle Mayor 3",
        "new_venue_city": "Madrid",
        "new_venue_country": "ES",
        "new_venue_time_zone": "Europe/Madrid",
        "new_venue_accessibility_notes": "Step-free entrance.",
        "online_link": "",
        "time_zone": "Europe/Madrid",
        "capacity": "6",
        "price": "90",
        "currency": "eur",
        "payment_notes": "Bizum or cash at the first session.",
        "min_age_weeks": "4",
        "max_age_weeks": "30",
        "cancellation_cutoff_hours": "48",
        "first_date": (timezone.localdate() + timedelta(days=14)).isoformat(),
        "first_time": "18:00",
        "weeks": "5",
        "duration_minutes": "75",
    }
    fields.update(overrides)
    return fields


def manage_url(course) -> str:
    return reverse("instructors:course_manage", kwargs={"pk": course.pk})


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


class TestBuilder:
    def test_the_builder_offers_five_weeks_and_a_new_venue_to_a_first_timer(self, client, certified):
        client.force_login(certified)

        form = client.get(NEW).context["form"]

        assert form["weeks"].value() == 5
        assert form["venue"].value() == "new"

    def test_building_a_course_makes_a_draft_with_weekly_sessions_and_topics(self, client, certified):
        client.force_login(certified)

        response = client.post(NEW, builder_fields())

        course = Course.objects.get()
        assert response.status_code == 302
        assert response["Location"] == manage_url(course)
        assert course.status == Course.Status.DRAFT
        assert course.venue.owner == certified
        assert course.currency == "EUR"
        sessions = list(course.sessions.order_by("starts_at"))
        assert len(sessions) == 5
        assert {s.starts_at.astimezone(MADRID).strftime("%H:%M %A") for s in sessions} == {
            sessions[0].starts_at.astimezone(MADRID).strftime("18:00 %A")
        }
        page = client.get(manage_url(course)).content.decode()
        assert "Asking permission; legs and feet" in page
        assert "Gentle movements and the whole-body routine" in page

    def test_sessions_keep_their_local_time_across_a_daylight_saving_change(self, client, certified):
        client.force_login(certified)

        client.post(NEW, builder_fields(first_date="2027-03-16", first_time="18:00"))

        local = [s.starts_at.astimezone(MADRID) for s in Session.objects.order_by("starts_at")]
        assert [f"{moment:%m-%d %H:%M}" for moment in local] == [
            "03-16 18:00",
            "03-23 18:00",
            "03-30 18:00",
            "04-06 18:00",
            "04-13 18:00",
        ]

    def test_an_online_course_uses_the_zone_the_instructor_chose(self, client, certified):
        client.force_login(certified)

        client.post(
            NEW, builder_fields(format="online", venue="", time_zone="America/Mexico_City", weeks="4")
        )

        course = Course.objects.get()
        assert (course.venue, course.time_zone) == (None, "America/Mexico_City")
        first = course.sessions.order_by("starts_at").first()
        assert first.starts_at.astimezone(ZoneInfo("America/Mexico_City")).strftime("%H:%M") == "18:00"
        assert first.week_topic == "Asking permission; legs and feet"
        assert course.sessions.order_by("-starts_at").first().week_topic == "Face, back and gentle movements"

    def test_someone_elses_venue_cannot_be_picked(self, client, certified, other_certified):
        theirs = VenueFactory(owner=other_certified)
        client.force_login(certified)

        response = client.post(NEW, builder_fields(venue=str(theirs.pk)))

        assert response.status_code == 200
        assert response.context["form"].errors["venue"] == ["Choose one of your venues, or add a new one."]
        assert not Course.objects.exists()

    def test_a_first_session_in_the_past_is_refused_with_a_message(self, client, certified):
        client.force_login(certified)

        response = client.post(
            NEW, builder_fields(first_date=(timezone.localdate() - timedelta(days=1)).isoformat())
        )

        assert response.status_code == 200
        assert "Sessions cannot start in the past." in response.content.decode()
        assert not Course.objects.exists()
        assert not Venue.objects.filter(owner=certified).exists()

    @pytest.mark.parametrize("first_date", ["9999-12-25", "2040-01-07"])
    def test_a_first_session_years_ahead_is_refused_with_a_message(self, client, certified, first_date):
        client.force_login(certified)

        response = client.post(NEW, builder_fields(first_date=first_date))

        assert response.status_code == 200
        assert "Sessions can be planned at most three years ahead." in response.content.decode()
        assert not Course.objects.exists()

    def test_sessions_overlapping_another_course_are_refused_with_a_message(
        self, client, certified, make_course
    ):
        existing = make_course(certified, days_ahead=14, hour=18)
        client.force_login(certified)

        response = client.post(NEW, builder_fields(venue=str(existing.venue_id), first_time="18:30"))

        assert "A session would overlap with “Baby massage in Chamberí”" in response.content.decode()
        assert Course.objects.count() == 1

    def test_missing_new_venue_details_are_shown_next_to_the_fields(self, client, certified):
        client.force_login(certified)

        response = client.post(NEW, builder_fields(new_venue_name="", new_venue_address=""))

        errors = response.context["form"].errors
        assert errors["new_venue_name"] == ["Fill this in for the new venue."]
        assert 'aria-invalid="true"' in response.content.decode()


class TestPublish:
    def test_publishing_without_a_certificate_explains_why(self, client, instructor, make_course):
        draft = make_course(instructor, publish=False)
        client.force_login(instructor)

        response = client.post(reverse("instructors:course_publish", kwargs={"pk": draft.pk}), follow=True)

        assert "An active instructor certificate is needed to publish a course." in messages_of(response)
        draft.refresh_from_db()
        assert draft.status == Course.Status.DRAFT

    def test_a_certified_instructor_publishes_from_the_sessions_page(self, client, certified, make_course):
        draft = make_course(certified, publish=False)
        client.force_login(certified)

        response = client.post(reverse("instructors:course_publish", kwargs={"pk": draft.pk}), follow=True)

        draft.refresh_from_db()
        assert draft.status == Course.Status.PUBLISHED
        assert "“Baby massage in Chamberí” is published: families can book it now." in messages_of(response)

    def test_a_trainee_builds_a_practicum_course_labelled_so_and_publishes_it(
        self, client, practicum_trainee
    ):
        client.force_login(practicum_trainee)

        form = client.get(NEW).context["form"]
        assert form["is_practicum"].value() is True
        client.post(NEW, builder_fields(is_practicum="on"))
        course = Course.objects.get()
        client.post(reverse("instructors:course_publish", kwargs={"pk": course.pk}))

        course.refresh_from_db()
        assert course.is_practicum and course.status == Course.Status.PUBLISHED
        assert "Practicum course" in client.get(manage_url(course)).content.decode()
        assert "Practicum course" in client.get(reverse("instructors:dashboard")).content.decode()
        assert "Practicum course" in client.get(course.get_absolute_url()).content.decode()

    def test_a_trainees_ordinary_course_is_refused(self, client, practicum_trainee):
        client.force_login(practicum_trainee)
        client.post(NEW, builder_fields())
        course = Course.objects.get()

        response = client.post(reverse("instructors:course_publish", kwargs={"pk": course.pk}), follow=True)

        assert any("practicum courses only" in message for message in messages_of(response))
        course.refresh_from_db()
        assert course.status == Course.Status.DRAFT


class TestTopicsAndEdits:
    def test_week_topics_are_edited_in_one_form(self, client, certified, make_course):
        course = make_course(certified, publish=False)
        first, second = course.sessions.order_by("starts_at")[:2]
        client.force_login(certified)

        client.post(
            reverse("instructors:session_topics", kwargs={"pk": course.pk}),
            {f"topic_{first.pk}": "Welcome, legs and feet", f"topic_{second.pk}": ""},
        )

        assert Session.objects.get(pk=first.pk).week_topic == "Welcome, legs and feet"
        assert Session.objects.get(pk=second.pk).week_topic == "Tummy"

    def test_capacity_below_the_places_taken_is_refused_with_a_message(
        self, client, certified, make_course, book
    ):
        course = make_course(certified, capacity=4)
        book(course, "Oliver")
        book(course, "Mia")
        client.force_login(certified)
        url = reverse("instructors:course_edit", kwargs={"pk": course.pk})
        saved = {
            name: value
            for name, value in client.get(url).context["form"].initial.items()
            if value is not None
        }

        response = client.post(url, {**saved, "capacity": "1", "title": "Renamed"})

        assert (
            "2 places are taken, so the course cannot have fewer places than that."
            in response.content.decode()
        )
        course.refresh_from_db()
        assert (course.capacity, course.title) == (4, "Baby massage in Chamberí")

    def test_once_booked_the_price_is_shown_but_cannot_change(self, client, certified, make_course, book):
        course = make_course(certified)
        book(course)
        client.force_login(certified)
        url = reverse("instructors:course_edit", kwargs={"pk": course.pk})
        form = client.get(url).context["form"]
        assert form.fields["price"].disabled
        saved = {name: value for name, value in form.initial.items() if value is not None}

        response = client.post(url, {**saved, "price": "1", "title": "New title"})

        assert response.status_code == 302
        course.refresh_from_db()
        assert (course.title, course.price) == ("New title", 0)


class TestSessionChanges:
    def test_moving_a_session_emails_the_families(self, client, certified, make_course, book):
        course = make_course(certified)
        booking = book(course)
        session = course.sessions.order_by("starts_at").first()
        new_day = session.starts_at.astimezone(MADRID).date() + timedelta(days=1)
        client.force_login(certified)

        response = client.post(
            reverse("instructors:session_move", kwargs={"pk": session.pk}),
            {"date": new_day.isoformat(), "time": "10:30"},
        )

        assert response.status_code == 302
        session.refresh_from_db()
        assert (
            session.starts_at.astimezone(MADRID).strftime("%Y-%m-%d %H:%M") == f"{new_day.isoformat()} 10:30"
        )
        assert (
            OutgoingEmail.objects.filter(template="session_moved", to_email=booking.parent.email).count() == 1
        )

    def test_a_move_onto_another_session_is_refused_with_a_message(self, client, certified, make_course):
        course = make_course(certified)
        first, second = course.sessions.order_by("starts_at")[:2]
        local = second.starts_at.astimezone(MADRID)
        client.force_login(certified)

        response = client.post(
            reverse("instructors:session_move", kwargs={"pk": first.pk}),
            {"date": local.date().isoformat(), "time": local.strftime("%H:%M")},
        )

        assert response.status_code == 200
        assert "That time overlaps week 2 of this course." in response.content.decode()
        assert Session.objects.get(pk=first.pk).starts_at == first.starts_at

    @pytest.mark.parametrize("day", ["9999-12-31", "2040-01-07"])
    def test_a_move_years_ahead_is_refused_with_a_message(self, client, certified, make_course, book, day):
        course = make_course(certified)
        book(course)
        session = course.sessions.order_by("starts_at").first()
        client.force_login(certified)

        response = client.post(
            reverse("instructors:session_move", kwargs={"pk": session.pk}), {"date": day, "time": "19:30"}
        )

        assert response.status_code == 200
        assert "Sessions can be planned at most three years ahead." in response.content.decode()
        assert Session.objects.get(pk=session.pk).starts_at == session.starts_at
        assert not OutgoingEmail.objects.filter(template="session_moved").exists()

    def test_cancelling_a_session_after_the_confirmation_page(self, client, certified, make_course, book):
        course = make_course(certified)
        book(course)
        session = course.sessions.order_by("starts_at").last()
        client.force_login(certified)
        url = reverse("instructors:session_cancel", kwargs={"pk": session.pk})

        assert "1 family with a place will be emailed" in client.get(url).content.decode()
        client.post(url)

        assert Session.objects.get(pk=session.pk).status == Session.Status.CANCELLED
        assert OutgoingEmail.objects.filter(template="session_cancelled").count() == 1

    def test_cancelling_the_course_after_the_confirmation_page(self, client, certified, make_course, book):
        course = make_course(certified, capacity=1)
        book(course, "Oliver")
        book(course, "Mia")
        client.force_login(certified)
        url = reverse("instructors:course_cancel", kwargs={"pk": course.pk})

        page = client.get(url).content.decode()
        assert "1 family with a place will be emailed." in page
        assert "1 family offered a place or on the waitlist will be emailed." in page
        response = client.post(url, follow=True)

        course.refresh_from_db()
        assert course.status == Course.Status.CANCELLED
        assert not Booking.objects.live().exists()
        assert OutgoingEmail.objects.filter(template="course_cancelled").count() == 2
        assert "“Baby massage in Chamberí” is cancelled. Every family on it has been emailed." in messages_of(
            response
        )
