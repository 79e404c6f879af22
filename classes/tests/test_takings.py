"""What instructors took on their courses (classes.takings): totals by method, the months with money and
each month's statement, on the date of each course's own time zone, in a number of queries that does not
grow with the courses, families or refunds."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from classes.models import Session
from classes.takings import cancelled_session_refunds, course_takings, monthly_statement, months_with_payments
from classes.tests.factories import BookingFactory, CourseFactory, SessionFactory
from payments.models import Payment, Refund
from payments.tests.factories import PaymentFactory, RefundFactory

pytestmark = pytest.mark.django_db

JANUARY_NIGHT = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)  # already 1 February in Madrid


def paid_courses(instructor, *, courses: int, families: int, when=JANUARY_NIGHT):
    """Courses of the instructor, each with families paid by card at ``when`` and €10 refunded to each."""
    made = []
    for _ in range(courses):
        course = CourseFactory(instructor=instructor)
        for week in range(1, 4):
            SessionFactory(course=course, week_number=week)
        for _ in range(families):
            payment = PaymentFactory(amount=9000, succeeded_at=when)
            BookingFactory(course=course, payment=payment, is_paid=True)
            RefundFactory(
                payment=payment, amount=1000, reason=Refund.Reason.SESSION_CANCELLED, succeeded_at=when
            )
        made.append(course)
    return made


def test_a_payment_counts_in_the_month_of_its_courses_time_zone(instructor):
    paid_courses(instructor, courses=1, families=1)

    assert months_with_payments(instructor) == [date(2026, 2, 1)]
    assert monthly_statement(instructor, date(2026, 1, 1)).lines == []
    february = monthly_statement(instructor, date(2026, 2, 1))
    assert [(line.day, line.amount) for line in february.lines] == [
        (date(2026, 2, 1), 9000),
        (date(2026, 2, 1), -1000),
    ]
    assert february.totals() == {"EUR": {"collected": 9000, "refunded": 1000, "net": 8000}}


def test_a_payment_recorded_in_error_counts_nowhere(instructor):
    course = CourseFactory(instructor=instructor)
    BookingFactory(
        course=course, payment=PaymentFactory(method=Payment.Method.CASH, status=Payment.Status.VOIDED)
    )

    assert course_takings(course).collected == 0
    assert months_with_payments(instructor) == []


def test_another_instructors_payments_are_not_in_the_statement(instructor, other_instructor):
    paid_courses(other_instructor, courses=1, families=2)

    assert monthly_statement(instructor, date(2026, 2, 1)).lines == []


@pytest.mark.parametrize("size", [1, 3])
def test_the_statement_costs_the_same_queries_at_any_size(instructor, django_assert_num_queries, size):
    paid_courses(instructor, courses=size, families=size)

    with django_assert_num_queries(2):
        months = months_with_payments(instructor)
    with django_assert_num_queries(4):
        statement = monthly_statement(instructor, months[0])

    assert len(statement.lines) == 2 * size * size


@pytest.mark.parametrize("size", [1, 3])
def test_a_courses_totals_and_its_session_refunds_cost_the_same_queries_at_any_size(
    instructor, django_assert_num_queries, size
):
    (course,) = paid_courses(instructor, courses=1, families=size)
    sessions = list(course.sessions.order_by("starts_at"))
    Session.objects.filter(pk__in=[s.pk for s in sessions[:size]]).update(status=Session.Status.CANCELLED)
    sessions = list(course.sessions.order_by("starts_at"))

    with django_assert_num_queries(2):
        takings = course_takings(course)
    with django_assert_num_queries(3):
        blocks = cancelled_session_refunds(course, sessions)

    assert (takings.card, takings.refunded, takings.net) == (9000 * size, 1000 * size, 8000 * size)
    assert len(blocks) == size
    assert blocks[0].share == 3000
    assert [line.left for line in blocks[0].lines] == [8000] * size
