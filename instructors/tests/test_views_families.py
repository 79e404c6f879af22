"""Who is coming, as the instructor sees it: the roster with each baby's age in weeks, the waitlist in
order, the CSV export, the register per session and printable, the paid mark, and messages."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from classes.models import Attendance, Booking, CourseMessage
from classes.services import take_register
from notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db

MADRID = ZoneInfo("Europe/Madrid")


def roster_url(course) -> str:
    return reverse("instructors:roster", kwargs={"pk": course.pk})


@pytest.fixture
def full_course(certified, make_course, book, parent):
    """Carol's course of two places: Alice's Oliver (born 6 weeks ago, notes shared), Mia with notes
    she chose not to share... and two families waiting, Leo before Ava."""
    course = make_course(certified, capacity=2, price=Decimal("90"))
    oliver = book(course, "Oliver", parent=parent, weeks_old=6)
    oliver.baby.notes, oliver.baby.notes_consent = "Born at 35 weeks.", True
    oliver.baby.save()
    mia = book(course, "Mia", weeks_old=10)
    leo = book(course, "Leo")
    ava = book(course, "Ava")
    return {"course": course, "oliver": oliver, "mia": mia, "leo": leo, "ava": ava}


class TestRoster:
    def test_the_roster_shows_each_family_with_the_babys_age_in_weeks_that_day(
        self, client, certified, full_course
    ):
        course, oliver = full_course["course"], full_course["oliver"]
        first = course.sessions.order_by("starts_at").first()
        age = (first.starts_at.astimezone(MADRID).date() - oliver.baby.date_of_birth).days // 7
        client.force_login(certified)

        page = client.get(roster_url(course)).content.decode()

        assert "Alice Alvarez" in page and "alice@example.org" in page
        assert f"{age} weeks" in page
        assert "Born at 35 weeks." in page

    def test_notes_are_shown_only_with_the_parents_consent(self, client, certified, full_course):
        mia = full_course["mia"].baby
        mia.notes, mia.notes_consent = "", False
        mia.save()
        client.force_login(certified)

        roster = client.get(roster_url(full_course["course"])).context["roster"]

        notes = {row.booking.baby.first_name: row.notes for row in roster.families}
        assert notes == {"Oliver": "Born at 35 weeks.", "Mia": ""}

    def test_the_waitlist_is_in_order(self, client, certified, full_course):
        client.force_login(certified)

        roster = client.get(roster_url(full_course["course"])).context["roster"]

        assert [row.booking.baby.first_name for row in roster.waitlist] == ["Leo", "Ava"]
        assert [row.booking.position_on_waitlist for row in roster.waitlist] == [1, 2]

    def test_a_deleted_family_stays_on_the_roster(self, client, certified, full_course):
        Booking.objects.filter(pk=full_course["mia"].pk).update(baby=None, parent=None)
        client.force_login(certified)

        page = client.get(roster_url(full_course["course"])).content.decode()

        assert "Deleted family" in page

    def test_the_csv_export_is_a_spreadsheet_of_every_family(self, client, certified, full_course):
        course = full_course["course"]
        first = course.sessions.order_by("starts_at").first()
        with time_machine.travel(first.starts_at):
            take_register(first, actor=certified, marks={full_course["oliver"].pk: "present"})
        client.force_login(certified)

        response = client.get(reverse("instructors:roster_csv", kwargs={"pk": course.pk}))

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert (
            response["Content-Disposition"] == f'attachment; filename="roster-{course.slug}-{course.pk}.csv"'
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["Status", "Waitlist position", "Baby"]
        assert [row[2] for row in rows[1:]] == ["Oliver", "Mia", "Leo", "Ava"]
        assert rows[1][4:8] == ["Alice Alvarez", "alice@example.org", "Born at 35 weeks.", "no"]
        assert rows[1][8] == "Present"
        assert [row[1] for row in rows[1:]] == ["", "", "1", "2"]

    def test_the_csv_export_defuses_spreadsheet_formulas(self, client, certified, full_course):
        parent = full_course["mia"].parent
        parent.full_name = "=HYPERLINK(1)"
        parent.save()
        client.force_login(certified)

        response = client.get(reverse("instructors:roster_csv", kwargs={"pk": full_course["course"].pk}))

        assert "'=HYPERLINK(1)" in response.content.decode("utf-8-sig")


class TestRegister:
    def test_the_register_is_taken_in_one_post_without_javascript(self, client, certified, full_course):
        session = full_course["course"].sessions.order_by("starts_at")[1]
        oliver, mia = full_course["oliver"], full_course["mia"]
        url = reverse("instructors:session_register", kwargs={"pk": session.pk})

        with time_machine.travel(session.starts_at + timedelta(minutes=10)):
            client.force_login(certified)
            page = client.get(url).content.decode()
            response = client.post(url, {f"booking_{oliver.pk}": "present", f"booking_{mia.pk}": "absent"})
            again = client.get(url)

        assert page.count('type="radio"') == 4
        assert response.status_code == 302
        marks = dict(
            Attendance.objects.filter(session=session).values_list("booking__baby__first_name", "status")
        )
        assert marks == {"Oliver": "present", "Mia": "absent"}
        assert again.context["form"][f"booking_{oliver.pk}"].value() == "present"
        assert re.search(rf'name="booking_{oliver.pk}" value="present"[^>]* checked', again.content.decode())

    def test_a_session_ahead_shows_when_its_register_opens_and_no_form(self, client, certified, full_course):
        session = full_course["course"].sessions.order_by("starts_at")[1]
        client.force_login(certified)

        response = client.get(reverse("instructors:session_register", kwargs={"pk": session.pk}))

        assert response.status_code == 200
        page = response.content.decode()
        assert "The register opens when the session starts, on" in page
        assert "(Europe/Madrid time)." in page
        assert 'type="radio"' not in page
        assert "Save the register" not in page

    def test_posting_the_register_of_a_session_ahead_is_refused_and_saves_nothing(
        self, client, certified, full_course
    ):
        session = full_course["course"].sessions.order_by("starts_at")[1]
        client.force_login(certified)

        response = client.post(
            reverse("instructors:session_register", kwargs={"pk": session.pk}),
            {f"booking_{full_course['oliver'].pk}": "present", f"booking_{full_course['mia'].pk}": "absent"},
        )

        assert response.status_code == 200
        assert "The register opens when the session starts, on" in response.content.decode()
        assert not Attendance.objects.exists()

    def test_the_register_opens_at_the_sessions_start(self, client, certified, full_course):
        session = full_course["course"].sessions.order_by("starts_at")[1]
        url = reverse("instructors:session_register", kwargs={"pk": session.pk})

        with time_machine.travel(session.starts_at):
            client.force_login(certified)
            page = client.get(url).content.decode()

        assert "Save the register" in page
        assert "The register opens" not in page

    def test_the_register_shows_the_babys_age_on_that_sessions_date(self, client, certified, full_course):
        session = full_course["course"].sessions.order_by("starts_at")[3]
        baby = full_course["oliver"].baby
        age = (session.starts_at.astimezone(MADRID).date() - baby.date_of_birth).days // 7

        with time_machine.travel(session.starts_at):
            client.force_login(certified)
            page = client.get(
                reverse("instructors:session_register", kwargs={"pk": session.pk})
            ).content.decode()

        assert f"{age} weeks old that day" in page

    def test_the_printable_register_shows_every_mark(self, client, certified, full_course):
        course = full_course["course"]
        first, second = course.sessions.order_by("starts_at")[:2]
        with time_machine.travel(second.starts_at):
            take_register(first, actor=certified, marks={full_course["oliver"].pk: "present"})
            take_register(second, actor=certified, marks={full_course["oliver"].pk: "absent"})
        client.force_login(certified)

        response = client.get(reverse("instructors:register_print", kwargs={"pk": course.pk}))

        assert response.context["rows"][0][1] == ["present", "absent", "", "", ""]
        page = response.content.decode()
        assert "✓" in page and "✗" in page
        assert "no-print" in page


class TestPaidAndMessages:
    def test_the_paid_mark_toggles(self, client, certified, full_course):
        oliver = full_course["oliver"]
        url = reverse("instructors:booking_paid", kwargs={"pk": oliver.pk})
        client.force_login(certified)

        client.post(url, {"paid": "1", "method": "cash"})
        assert Booking.objects.get(pk=oliver.pk).is_paid
        response = client.post(url, {"paid": "0"})
        assert not Booking.objects.get(pk=oliver.pk).is_paid
        assert response["Location"] == roster_url(full_course["course"])

    def test_a_message_goes_to_every_confirmed_family_and_is_listed(self, client, certified, full_course):
        course = full_course["course"]
        url = reverse("instructors:course_messages", kwargs={"pk": course.pk})
        client.force_login(certified)

        response = client.post(url, {"subject": "Parking", "body": "Use the back entrance, it's step-free."})

        assert response.status_code == 302
        sent = OutgoingEmail.objects.filter(template="instructor_message")
        assert sorted(sent.values_list("to_email", flat=True)) == sorted(
            [full_course["oliver"].parent.email, full_course["mia"].parent.email]
        )
        assert CourseMessage.objects.get().recipients == 2
        assert "Parking" in client.get(url).content.decode()
        assert "Parking" in client.get(reverse("instructors:dashboard")).content.decode()

    def test_an_empty_message_is_refused_next_to_the_field(self, client, certified, full_course):
        client.force_login(certified)

        response = client.post(
            reverse("instructors:course_messages", kwargs={"pk": full_course["course"].pk}),
            {"subject": "", "body": "Hello"},
        )

        assert response.status_code == 200
        assert response.context["form"].errors["subject"]
        assert not CourseMessage.objects.exists()


def test_a_booking_made_now_shows_on_the_roster_at_once(client, certified, make_course, book):
    course = make_course(certified, days_ahead=2)
    book(course, "Noa", weeks_old=9)
    client.force_login(certified)

    roster = client.get(roster_url(course)).context["roster"]

    first_day = course.sessions.order_by("starts_at").first().starts_at.astimezone(MADRID).date()
    expected = (first_day - (timezone.localdate() - timedelta(weeks=9))).days // 7
    assert [(row.booking.baby.first_name, row.age_weeks) for row in roster.families] == [("Noa", expected)]
