"""Money on the /teach/ pages: the roster's paid mark recorded as a cash or transfer payment, refunds for a
cancelled session from the roster, a course's totals and the monthly statements."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from classes.models import Booking, SessionRefund
from classes.services import cancel_session, set_paid
from instructors.forms import CourseForm
from payments.models import Payment, Refund
from payments.services import refundable_amount, send_due_refunds
from payments.tests.conftest import paid_booking as paid_place

pytestmark = pytest.mark.django_db


def roster_url(course) -> str:
    return reverse("instructors:roster", kwargs={"pk": course.pk})


def paid_url(booking) -> str:
    return reverse("instructors:booking_paid", kwargs={"pk": booking.pk})


def refund_url(session, booking) -> str:
    return reverse("instructors:session_refund", kwargs={"pk": session.pk, "booking": booking.pk})


def refund_all_url(session) -> str:
    return reverse("instructors:session_refund_all", kwargs={"pk": session.pk})


def statement_url(moment) -> str:
    return reverse("instructors:payments_statement", kwargs={"year": f"{moment:%Y}", "month": f"{moment:%m}"})


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def cash_course(certified, make_course, book, parent):
    """Carol's €90 course paid at the course, with Alice's Oliver booked."""
    course = make_course(certified, price=Decimal("90"))
    return {"course": course, "oliver": book(course, "Oliver", parent=parent)}


class TestPaidMark:
    def test_paid_in_cash_records_a_cash_payment_of_the_courses_price(self, client, certified, cash_course):
        oliver = cash_course["oliver"]
        client.force_login(certified)

        response = client.post(paid_url(oliver), {"paid": "1", "method": "cash"})

        assert response["Location"] == roster_url(cash_course["course"])
        booking = Booking.objects.select_related("payment").get(pk=oliver.pk)
        assert booking.is_paid
        payment = booking.payment
        assert (payment.method, payment.status, payment.amount, payment.currency) == (
            "cash",
            "succeeded",
            9000,
            "EUR",
        )
        assert (payment.purpose, payment.payer, payment.recorded_by) == ("booking", oliver.parent, certified)
        page = client.get(roster_url(cash_course["course"])).content.decode()
        assert "Paid in cash" in page
        assert "Undo" in page

    def test_paid_by_transfer_records_a_transfer(self, client, certified, cash_course):
        client.force_login(certified)

        client.post(paid_url(cash_course["oliver"]), {"paid": "1", "method": "transfer"})

        assert Booking.objects.get(pk=cash_course["oliver"].pk).payment.method == Payment.Method.TRANSFER
        assert "Paid by transfer" in client.get(roster_url(cash_course["course"])).content.decode()

    def test_undo_voids_the_payment_and_clears_the_mark(self, client, certified, cash_course):
        oliver = cash_course["oliver"]
        client.force_login(certified)
        client.post(paid_url(oliver), {"paid": "1", "method": "cash"})
        payment = Booking.objects.get(pk=oliver.pk).payment

        client.post(paid_url(oliver), {"paid": "0"})

        booking = Booking.objects.get(pk=oliver.pk)
        assert (booking.is_paid, booking.payment) == (False, None)
        payment.refresh_from_db()
        assert payment.status == Payment.Status.VOIDED

    def test_pressing_paid_twice_records_one_payment(self, client, certified, cash_course):
        client.force_login(certified)

        for method in ("cash", "transfer"):
            client.post(paid_url(cash_course["oliver"]), {"paid": "1", "method": method})

        assert Payment.objects.filter(method__in=["cash", "transfer"]).count() == 1

    def test_a_place_paid_by_card_shows_paid_online_and_cannot_be_undone(
        self, client, certified, make_course, parent, stripe_server
    ):
        course = make_course(certified, price=Decimal("90"))
        Booking.objects.filter(course=course).delete()
        course.payment_mode = course.PaymentMode.ONLINE
        course.save(update_fields=["payment_mode"])
        booking = paid_booking(course, parent, client, stripe_server)
        client.force_login(certified)

        page = client.get(roster_url(course)).content.decode()
        client.post(paid_url(booking), {"paid": "0"})

        assert "Paid online" in page
        assert paid_url(booking) not in page
        booking.refresh_from_db()
        assert booking.is_paid
        assert booking.payment.status == Payment.Status.SUCCEEDED

    def test_the_spreadsheet_says_how_each_family_paid(self, client, certified, cash_course):
        set_paid(cash_course["oliver"], actor=certified, paid=True, method="transfer")
        client.force_login(certified)

        rows = csv_rows(
            client.get(reverse("instructors:roster_csv", kwargs={"pk": cash_course["course"].pk}))
        )

        assert rows[0][7] == "Paid"
        assert rows[1][7] == "Bank transfer"

    def test_another_instructor_gets_404_and_nothing_is_recorded(self, client, other_certified, cash_course):
        client.force_login(other_certified)

        assert (
            client.post(paid_url(cash_course["oliver"]), {"paid": "1", "method": "cash"}).status_code == 404
        )
        assert not Payment.objects.exists()

    def test_get_is_refused(self, client, certified, cash_course):
        client.force_login(certified)

        assert client.get(paid_url(cash_course["oliver"])).status_code == 405
        assert not Payment.objects.exists()


def paid_booking(course, parent, client, server) -> Booking:
    """A place paid by card at localstripe; the client is signed out again for the instructor's turn."""
    booking = paid_place(course, parent, client, server)
    client.logout()
    return booking


@pytest.fixture
def cancelled_week(certified, make_course, parent, other_parent, client, stripe_server):
    """Carol's €90 pay-online course of five weeks: Alice and Bob paid by card; week 2 is cancelled."""
    course = make_course(certified, price=Decimal("90"), capacity=4)
    course.payment_mode = course.PaymentMode.ONLINE
    course.save(update_fields=["payment_mode"])
    alice = paid_booking(course, parent, client, stripe_server)
    bob = paid_booking(course, other_parent, client, stripe_server)
    session = cancel_session(course.sessions.order_by("starts_at")[1], actor=certified)
    return {"course": course, "alice": alice, "bob": bob, "session": session}


class TestSessionRefunds:
    def test_the_roster_offers_each_paying_family_the_price_of_one_session(
        self, client, certified, cancelled_week
    ):
        client.force_login(certified)

        page = client.get(roster_url(cancelled_week["course"])).content.decode()

        assert "Refunds for week 2, cancelled" in page
        session, alice = cancelled_week["session"], cancelled_week["alice"]
        assert refund_url(session, alice) in page
        assert refund_url(session, cancelled_week["bob"]) in page
        assert f'id="id_refund_{session.pk}_{alice.pk}_amount"' in page
        assert 'value="18.00"' in page
        assert "Refund every paying family this amount" in page

    def test_a_refund_goes_to_stripe_and_the_roster_shows_it_made(
        self, client, certified, cancelled_week, stripe_server
    ):
        session, alice = cancelled_week["session"], cancelled_week["alice"]
        client.force_login(certified)

        response = client.post(refund_url(session, alice), {"amount": "18.00"})
        send_due_refunds()

        assert response.status_code == 302
        refund = SessionRefund.objects.get(booking=alice, session=session).refund
        assert (refund.amount, refund.reason) == (1800, Refund.Reason.SESSION_CANCELLED)
        assert [r["amount"] for r in stripe_server.refunds_for(alice.payment.intent_id)] == [1800]
        page = client.get(roster_url(cancelled_week["course"])).content.decode()
        assert "€18.00 refunded" in page
        assert refund_url(session, alice) not in page

    @pytest.mark.parametrize(
        ("amount", "message"),
        [
            ("0", "Enter an amount of more than nothing."),
            ("-5", "Enter an amount of more than nothing."),
            ("many", "Enter an amount, such as 18.50."),
            ("18.005", "EUR amounts have at most 2 decimal places."),
            ("90.01", "Only €90.00 is left to refund to Oliver’s family."),
        ],
    )
    def test_a_bad_amount_is_refused_next_to_the_field(
        self, client, certified, cancelled_week, amount, message
    ):
        session, alice = cancelled_week["session"], cancelled_week["alice"]
        alice.baby.first_name = "Oliver"
        alice.baby.save()
        client.force_login(certified)

        response = client.post(refund_url(session, alice), {"amount": amount})

        assert response.status_code == 200
        page = response.content.decode()
        field = page.index(f'id="id_refund_{session.pk}_{alice.pk}_amount"')
        error = page.index(message)
        assert abs(field - error) < 1500
        assert not Refund.objects.exists()

    def test_a_second_refund_for_the_same_session_is_refused(self, client, certified, cancelled_week):
        session, alice = cancelled_week["session"], cancelled_week["alice"]
        client.force_login(certified)
        client.post(refund_url(session, alice), {"amount": "18.00"})

        response = client.post(refund_url(session, alice), {"amount": "5.00"}, follow=True)

        assert "has had a refund for week 2 already" in response.content.decode()
        assert Refund.objects.filter(payment=alice.payment).count() == 1
        assert refundable_amount(alice.payment) == 7200

    def test_every_paying_family_is_refunded_the_same_amount(self, client, certified, cancelled_week):
        client.force_login(certified)

        response = client.post(refund_all_url(cancelled_week["session"]), {"amount": "20.00"}, follow=True)

        assert sorted(Refund.objects.values_list("amount", flat=True)) == [2000, 2000]
        assert "€20.00 goes back to each of 2 families for week 2" in response.content.decode()

    def test_another_instructor_gets_404(self, client, other_certified, cancelled_week):
        session = cancelled_week["session"]
        client.force_login(other_certified)

        assert (
            client.post(refund_url(session, cancelled_week["alice"]), {"amount": "18.00"}).status_code == 404
        )
        assert client.post(refund_all_url(session), {"amount": "18.00"}).status_code == 404
        assert not Refund.objects.exists()

    def test_get_is_refused(self, client, certified, cancelled_week):
        session = cancelled_week["session"]
        client.force_login(certified)

        assert client.get(refund_url(session, cancelled_week["alice"])).status_code == 405
        assert client.get(refund_all_url(session)).status_code == 405
        assert not Refund.objects.exists()


@pytest.fixture
def takings(certified, cancelled_week, make_course, book, client):
    """Carol's card-paid course (€180 by card, €18 refunded for the cancelled week) and a course paid at
    the course (€90 in cash, €90 by transfer)."""
    cancelled_week["alice"].refresh_from_db()
    client.force_login(certified)
    client.post(refund_url(cancelled_week["session"], cancelled_week["alice"]), {"amount": "18.00"})
    send_due_refunds()
    cash = make_course(certified, title="Baby massage on Saturdays", price=Decimal("90"), days_ahead=20)
    set_paid(book(cash, "Mia"), actor=certified, paid=True, method="cash")
    set_paid(book(cash, "Leo"), actor=certified, paid=True, method="transfer")
    client.logout()
    return {"card": cancelled_week["course"], "cash": cash}


class TestTotals:
    def test_the_course_page_shows_what_was_collected_by_method_refunded_and_net(
        self, client, certified, takings
    ):
        client.force_login(certified)

        card = client.get(
            reverse("instructors:course_manage", kwargs={"pk": takings["card"].pk})
        ).content.decode()
        cash = client.get(
            reverse("instructors:course_manage", kwargs={"pk": takings["cash"].pk})
        ).content.decode()

        assert "What families paid" in card
        assert "<dd>€180.00</dd>" in card
        assert "<dd>€18.00</dd>" in card
        assert "<dd>€162.00</dd>" in card
        assert cash.count("<dd>€90.00</dd>") == 2
        assert "<dd>€180.00</dd>" in cash

    def test_a_course_coordinator_sees_any_courses_totals(self, client, takings):
        coordinator = UserFactory()
        coordinator.user_permissions.add(Permission.objects.get(codename="manage_any_course"))
        client.force_login(coordinator)

        page = client.get(reverse("instructors:course_manage", kwargs={"pk": takings["card"].pk}))

        assert page.status_code == 200
        assert "<dd>€162.00</dd>" in page.content.decode()

    def test_another_instructor_never_sees_them(self, client, other_certified, takings):
        client.force_login(other_certified)

        assert (
            client.get(reverse("instructors:course_manage", kwargs={"pk": takings["card"].pk})).status_code
            == 404
        )
        assert "€162.00" not in client.get(reverse("instructors:payments")).content.decode()

    def test_the_payments_page_lists_the_months_with_payments(self, client, certified, takings):
        client.force_login(certified)

        page = client.get(reverse("instructors:payments")).content.decode()

        assert statement_url(timezone.localtime(timezone.now(), takings["cash"].zone)) in page
        assert (
            reverse("instructors:payments") in client.get(reverse("instructors:dashboard")).content.decode()
        )


class TestStatement:
    def test_the_statement_lists_every_payment_and_refund_of_the_month_with_totals(
        self, client, certified, takings
    ):
        month = timezone.now().astimezone(takings["cash"].zone)
        client.force_login(certified)

        response = client.get(statement_url(month))

        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert f'filename="payments-{month:%Y}-{month:%m}.csv"' in response["Content-Disposition"]
        rows = csv_rows(response)
        assert rows[0] == ["Date", "Course", "Family", "What for", "Method", "Amount", "Currency", "Receipt"]
        lines = rows[1 : rows.index([])]
        assert len(lines) == 5
        assert {row[0] for row in lines} == {month.date().isoformat()}
        assert sorted((row[4], row[5]) for row in lines) == [
            ("Bank transfer", "90.00"),
            ("Card, online", "-18.00"),
            ("Card, online", "90.00"),
            ("Card, online", "90.00"),
            ("Cash", "90.00"),
        ]
        refund = next(row for row in lines if row[5] == "-18.00")
        assert refund[1] == takings["card"].title
        assert refund[2] == "Alice Alvarez"
        assert refund[3].startswith("Session cancelled: ")
        assert all(row[6] == "EUR" for row in lines)
        cash = next(row for row in lines if row[4] == "Cash")
        assert cash[7] == Payment.objects.get(method="cash").receipts.get().number
        totals = rows[rows.index([]) + 1 :]
        assert totals == [
            ["Total collected", "", "", "", "", "360.00", "EUR", ""],
            ["Total refunded", "", "", "", "", "-18.00", "EUR", ""],
            ["Net", "", "", "", "", "342.00", "EUR", ""],
        ]

    def test_only_the_instructor_whose_courses_they_are_gets_the_statement(
        self, client, certified, other_certified, parent, takings
    ):
        url = statement_url(timezone.now().astimezone(takings["cash"].zone))

        client.force_login(certified)
        assert client.get(url).status_code == 200
        client.force_login(other_certified)
        assert client.get(url).status_code == 404
        client.force_login(parent)
        assert client.get(url).status_code == 404

    def test_a_month_without_payments_is_not_found(self, client, certified, takings):
        client.force_login(certified)

        assert client.get(statement_url(timezone.now().replace(year=2001))).status_code == 404


class TestRefundPolicyForm:
    def edit(self, client, course, **changes):
        data = {
            name: "" if value is None else value for name, value in CourseForm.initial_for(course).items()
        }
        data.pop("is_practicum")
        return client.post(reverse("instructors:course_edit", kwargs={"pk": course.pk}), {**data, **changes})

    def test_the_instructor_sets_the_policy_of_a_course(self, client, certified, make_course):
        course = make_course(certified, price=Decimal("90"), publish=False)
        client.force_login(certified)

        response = self.edit(client, course, refund_percent="80", late_refund_percent="25")

        assert response.status_code == 302
        course.refresh_from_db()
        assert (course.refund_percent, course.late_refund_percent) == (80, 25)

    def test_a_percentage_over_100_is_refused_next_to_its_field(self, client, certified, make_course):
        course = make_course(certified, price=Decimal("90"), publish=False)
        client.force_login(certified)

        response = self.edit(client, course, refund_percent="150", late_refund_percent="-1")

        page = response.content.decode()
        assert response.status_code == 200
        assert page.count("Enter a percentage from 0 to 100.") == 2
        assert (
            abs(page.index('id="id_refund_percent"') - page.index("Enter a percentage from 0 to 100.")) < 600
        )
        course.refresh_from_db()
        assert (course.refund_percent, course.late_refund_percent) == (100, None)

    def test_once_families_have_booked_the_policy_is_shown_but_cannot_change(
        self, client, certified, cash_course
    ):
        client.force_login(certified)

        page = client.get(
            reverse("instructors:course_edit", kwargs={"pk": cash_course["course"].pk})
        ).content.decode()
        self.edit(client, cash_course["course"], refund_percent="10")

        assert re.search(r'<input[^>]*name="refund_percent"[^>]*disabled', page)
        cash_course["course"].refresh_from_db()
        assert cash_course["course"].refund_percent == 100
