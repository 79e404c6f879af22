"""The association dashboard in Django admin: who may open it, what it shows, its CSVs, its queries."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import CERTIFICATION_ADMINS_GROUP, COURSE_COORDINATORS_GROUP, TRAINERS_GROUP
from accounts.tests.factories import UserFactory
from certification.tests.factories import CertificateFactory, eligible_enrollment
from classes.models import Booking
from classes.tests.factories import BookingFactory, CourseFactory, SessionFactory, VenueFactory
from notifications.models import OutgoingEmail
from notifications.tests.factories import OutgoingEmailFactory

pytestmark = pytest.mark.django_db

DASHBOARD = "/admin/dashboard/"


def staff_in(group: str | None, email: str = "amara@example.org"):
    person = UserFactory(email=email, full_name="Amara Okafor", is_staff=True)
    if group:
        person.groups.add(Group.objects.get(name=group))
    return person


def course_in(city: str, *, capacity: int = 4, waiting: int = 0, taken: int = 0, weeks_ahead: int = 2):
    venue = VenueFactory(city=city, country="ES")
    course = CourseFactory(venue=venue, instructor=venue.owner, capacity=capacity)
    start = timezone.now() + timedelta(weeks=weeks_ahead)
    for week in range(2):
        SessionFactory(course=course, week_number=week + 1, starts_at=start + timedelta(weeks=week))
    for _ in range(taken):
        BookingFactory(course=course)
    for _ in range(waiting):
        BookingFactory(course=course, waitlisted=True)
    return course


def association_world(scale: int = 1) -> None:
    """Every figure with something in it; `scale` multiplies the rows of each."""
    for index in range(scale):
        course_in("Valencia", capacity=4, taken=4, waiting=3)
        course_in("Sevilla", capacity=6, taken=2)
        CertificateFactory(valid_until=timezone.now() + timedelta(days=40 + index))
        eligible_enrollment(families=2)
        OutgoingEmailFactory(status=OutgoingEmail.Status.FAILED, last_error="550 no such user")


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


class TestWhoMayOpenIt:
    @pytest.mark.parametrize("group", [CERTIFICATION_ADMINS_GROUP, COURSE_COORDINATORS_GROUP])
    def test_certification_admins_and_course_coordinators_open_the_dashboard(self, client, group):
        client.force_login(staff_in(group))

        response = client.get(DASHBOARD)

        assert response.status_code == 200
        assert "Association dashboard" in response.content.decode()

    @pytest.mark.parametrize("group", [None, TRAINERS_GROUP])
    def test_staff_without_the_permission_are_refused(self, client, group):
        client.force_login(staff_in(group))

        assert client.get(DASHBOARD).status_code == 403
        assert client.get(reverse("association:figure_csv", args=["demand"])).status_code == 403

    def test_a_parent_is_refused_and_a_visitor_is_sent_to_sign_in(self, client, parent):
        response = client.get(DASHBOARD)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))

        client.force_login(parent)
        assert client.get(DASHBOARD).status_code == 403

    def test_the_admin_index_links_to_the_dashboard_only_for_those_who_may_open_it(self, client):
        coordinator = staff_in(COURSE_COORDINATORS_GROUP)
        trainer = staff_in(TRAINERS_GROUP, email="tom@example.org")

        client.force_login(coordinator)
        assert DASHBOARD in client.get(reverse("admin:index")).content.decode()
        client.force_login(trainer)
        assert DASHBOARD not in client.get(reverse("admin:index")).content.decode()


class TestWhatItShows:
    def test_each_figure_is_an_accessible_svg_with_a_title_a_summary_and_a_table(self, client):
        association_world()
        client.force_login(staff_in(CERTIFICATION_ADMINS_GROUP))

        page = client.get(DASHBOARD).content.decode()

        for slug in ("bookings", "demand", "expiries", "practicum", "failed-emails"):
            assert f'aria-labelledby="{slug}-title {slug}-desc"' in page
            assert f'<title id="{slug}-title">' in page
            assert f'<desc id="{slug}-desc">' in page
            assert f'<caption id="{slug}-caption">' in page
            assert reverse("association:figure_csv", args=[slug]) in page
        assert page.count('role="img"') == 5
        assert "<script" not in page.split('id="content-main"')[1]
        assert "The most families waiting: 3 in Valencia (ES), for 4 places." in page

    def test_demand_by_town_puts_the_town_with_families_waiting_first(self, client):
        course_in("Sevilla", capacity=6, taken=2)
        course_in("Valencia", capacity=4, taken=4, waiting=3)
        # A family that left the waitlist waits no more.
        left = Booking.objects.filter(status=Booking.Status.WAITLISTED).first()
        Booking.objects.filter(pk=left.pk).update(
            status=Booking.Status.CANCELLED, cancel_reason=Booking.CancelReason.LEFT_WAITLIST
        )
        course_in("Bilbao", capacity=8, waiting=0, weeks_ahead=60)  # beyond the window: not counted
        client.force_login(staff_in(COURSE_COORDINATORS_GROUP))

        rows = csv_rows(client.get(reverse("association:figure_csv", args=["demand"])))

        assert rows == [
            ["Town", "Country", "Courses", "Places offered", "Places taken", "Families waiting"],
            ["Valencia", "ES", "1", "4", "4", "2"],
            ["Sevilla", "ES", "1", "6", "2", "0"],
        ]

    def test_the_bookings_csv_has_places_offered_taken_and_the_fill_rate_per_week(self, client):
        course = course_in("Valencia", capacity=4, taken=3, weeks_ahead=2)
        client.force_login(staff_in(CERTIFICATION_ADMINS_GROUP))

        response = client.get(reverse("association:figure_csv", args=["bookings"]))

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert "attachment" in response["Content-Disposition"]
        rows = csv_rows(response)
        week = timezone.localdate(course.first_session_at)
        monday = (week - timedelta(days=week.weekday())).isoformat()
        assert rows[0][:5] == [
            "Week starting",
            "Courses starting",
            "Places offered",
            "Places taken",
            "Fill rate (%)",
        ]
        assert [monday, "1", "4", "3", "75"] == next(row[:5] for row in rows if row[0] == monday)
        this_monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
        assert next(row for row in rows if row[0] == this_monday.isoformat())[5] == "3"

    def test_certificates_expiring_are_counted_in_their_month_and_revoked_ones_are_not(self, client):
        soon = timezone.now() + timedelta(days=70)
        CertificateFactory(valid_until=soon)
        CertificateFactory(
            valid_until=soon,
            revoked_at=timezone.now(),
            revocation_reason="Breach of the code of ethics",
            public_statement="Revoked by the association.",
        )
        CertificateFactory(valid_until=timezone.now() + timedelta(days=500))
        client.force_login(staff_in(CERTIFICATION_ADMINS_GROUP))

        rows = csv_rows(client.get(reverse("association:figure_csv", args=["expiries"])))

        assert len(rows) == 13
        counts = dict(rows[1:])
        assert counts[timezone.localdate(soon).strftime("%Y-%m")] == "1"
        assert sum(int(count) for count in counts.values()) == 1

    def test_practicum_progress_lists_each_trainee_with_the_families_counted(self, client):
        enrollment = eligible_enrollment(families=2)
        enrollment.trainee.full_name = "=HYPERLINK(evil)"
        enrollment.trainee.save()
        client.force_login(staff_in(CERTIFICATION_ADMINS_GROUP))

        rows = csv_rows(client.get(reverse("association:figure_csv", args=["practicum"])))

        assert rows[1] == [
            "'=HYPERLINK(evil)",
            enrollment.training.title,
            enrollment.deadline.isoformat(),
            "2",
            "5",
        ]

    def test_failed_emails_are_counted_per_week_and_sent_ones_are_not(self, client):
        OutgoingEmailFactory(status=OutgoingEmail.Status.FAILED)
        OutgoingEmailFactory(sent=True)
        client.force_login(staff_in(CERTIFICATION_ADMINS_GROUP))

        rows = csv_rows(client.get(reverse("association:figure_csv", args=["failed-emails"])))

        assert rows[-1][1] == "1"
        assert sum(int(row[1]) for row in rows[1:]) == 1

    def test_an_unknown_figure_is_not_found(self, client):
        client.force_login(staff_in(CERTIFICATION_ADMINS_GROUP))

        assert client.get(reverse("association:figure_csv", args=["salaries"])).status_code == 404


def test_the_dashboard_costs_the_same_queries_with_more_courses_bookings_and_trainees(client):
    client.force_login(staff_in(CERTIFICATION_ADMINS_GROUP))
    association_world(scale=1)
    with CaptureQueriesContext(connection) as small:
        assert client.get(DASHBOARD).status_code == 200

    association_world(scale=4)
    with CaptureQueriesContext(connection) as large:
        assert client.get(DASHBOARD).status_code == 200

    assert len(large) == len(small)
