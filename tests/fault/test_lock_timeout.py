"""Rows locked longer than the database waits (lock_timeout): every service that takes a lock refuses with
its own domain error asking to try again, changes nothing, and no page or admin action shows an error page.
Another connection holds the lock, as a slow change of the same row would."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from certification.models import (
    Certificate,
    CertificateEvent,
    CertificateNumberSequence,
    Enrollment,
    TrainingCourse,
)
from certification.services import (
    CertificationError,
    accept_enrollment,
    apply_for_training,
    correct_certificate_name,
    decline_enrollment,
    issue_certificate,
    record_training_outcome,
    reinstate_certificate,
    renew_certificate,
    resend_certificate,
    revoke_certificate,
)
from certification.tests.factories import (
    CertificateFactory,
    EnrollmentFactory,
    TrainingCourseFactory,
    eligible_enrollment,
)
from classes.emails import offer_version
from classes.models import (
    Attendance,
    Booking,
    BookingNotice,
    Course,
    CourseAction,
    CourseMessage,
    Session,
)
from classes.services import (
    BookingError,
    CourseError,
    book_course,
    cancel_booking,
    cancel_course,
    cancel_session,
    edit_session_topic,
    edit_session_topics,
    expire_offers,
    mark_attendance,
    mark_course_published,
    message_families,
    move_session,
    respond_to_offer,
    set_paid,
    take_register,
    update_course,
)
from classes.tests.factories import (
    AttendanceFactory,
    BabyFactory,
    BookingFactory,
    CourseFactory,
    SessionFactory,
)
from instructors.models import InstructorProfile
from instructors.services import ProfileError, PublishingError, edit_course, publish_course, save_profile
from instructors.tests.factories import InstructorProfileFactory
from notifications.models import OutgoingEmail

pytestmark = [pytest.mark.fault, pytest.mark.django_db(transaction=True)]

BUSY = "Many people are changing this right now — please try again."

# Every table a refused service could have written to: none of them may change.
WATCHED = (
    Course,
    Session,
    Booking,
    Attendance,
    BookingNotice,
    CourseAction,
    CourseMessage,
    OutgoingEmail,
    InstructorProfile,
    TrainingCourse,
    Enrollment,
    Certificate,
    CertificateEvent,
    CertificateNumberSequence,
)


def database_state() -> dict[str, list[dict]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WATCHED}


@pytest.fixture
def short_lock_timeout() -> Iterator[None]:
    """This test's connection (the one services and the test client's requests use) waits 300 ms for a
    lock, not the configured DB_LOCK_TIMEOUT_MS."""
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '300ms'")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


@pytest.fixture
def lock_row() -> Iterator[Callable[[models.Model], Callable[[], None]]]:
    """Lock a row (SELECT … FOR UPDATE) from another connection, a thread with a transaction open; returns
    the function that lets go. Whatever is still locked is let go when the test ends."""
    release = threading.Event()
    threads: list[threading.Thread] = []

    def unlock() -> None:
        release.set()
        for thread in threads:
            thread.join(timeout=30)

    def lock(row: models.Model) -> Callable[[], None]:
        locked = threading.Event()

        def hold() -> None:
            try:
                with transaction.atomic():
                    type(row)._default_manager.select_for_update().get(pk=row.pk)
                    locked.set()
                    release.wait(timeout=30)
            finally:
                connection.close()

        thread = threading.Thread(target=hold)
        thread.start()
        threads.append(thread)
        assert locked.wait(timeout=10), f"the other connection could not lock {row!r}"
        return unlock

    yield lock
    unlock()


def course_with_sessions(**extra) -> Course:
    course = CourseFactory(capacity=4, **extra)
    for _ in range(3):
        SessionFactory(course=course)
    return course


def course_under_way() -> tuple[Course, Session, Booking]:
    """A course whose first session started an hour ago, with one confirmed family."""
    course = CourseFactory()
    held = SessionFactory(course=course, week_number=1, starts_at=timezone.now() - timedelta(hours=1))
    SessionFactory(course=course, week_number=2)
    return course, held, BookingFactory(course=course)


@dataclass(frozen=True)
class Busy:
    """A service call waiting on `row`, which another connection keeps locked."""

    row: models.Model
    call: Callable[[], object]


def booking_a_course() -> Busy:
    course = course_with_sessions()
    baby = BabyFactory()
    return Busy(course, lambda: book_course(course, parent=baby.parent, baby=baby))


def cancelling_a_booking() -> Busy:
    booking = BookingFactory(course=course_with_sessions())
    return Busy(booking, lambda: cancel_booking(booking, by=booking.parent))


def answering_an_offer() -> Busy:
    offered = BookingFactory(course=course_with_sessions(), offered=True)
    return Busy(
        offered.course,
        lambda: respond_to_offer(offered, accept=True, offer_version=offer_version(offered)),
    )


def editing_a_course() -> Busy:
    course = course_with_sessions()
    return Busy(course, lambda: update_course(course, actor=course.instructor, title="A new title"))


def editing_a_course_from_the_course_form() -> Busy:
    course = course_with_sessions()
    return Busy(course, lambda: edit_course(course, actor=course.instructor, title="A new title"))


def editing_a_session_topic() -> Busy:
    session = course_with_sessions().sessions.first()
    return Busy(
        session.course, lambda: edit_session_topic(session, actor=session.course.instructor, topic="Feet")
    )


def editing_the_session_topics() -> Busy:
    course = course_with_sessions()
    session = course.sessions.first()
    return Busy(
        session, lambda: edit_session_topics(course, actor=course.instructor, topics={session.pk: "Feet"})
    )


def moving_a_session() -> Busy:
    session = course_with_sessions().sessions.first()
    return Busy(
        session.course,
        lambda: move_session(
            session, actor=session.course.instructor, starts_at=session.starts_at + timedelta(hours=2)
        ),
    )


def cancelling_a_session() -> Busy:
    session = course_with_sessions().sessions.first()
    return Busy(session, lambda: cancel_session(session, actor=session.course.instructor))


def cancelling_a_course() -> Busy:
    booking = BookingFactory(course=course_with_sessions())
    return Busy(booking, lambda: cancel_course(booking.course, actor=booking.course.instructor))


def marking_attendance() -> Busy:
    course, held, booking = course_under_way()
    mark = AttendanceFactory(booking=booking, session=held, status=Attendance.Status.ABSENT)
    return Busy(
        mark,
        lambda: mark_attendance(booking, held, actor=course.instructor, status=Attendance.Status.PRESENT),
    )


def taking_the_register() -> Busy:
    course, held, booking = course_under_way()
    return Busy(booking, lambda: take_register(held, actor=course.instructor, marks={booking.pk: "present"}))


def setting_the_paid_mark() -> Busy:
    booking = BookingFactory(course=course_with_sessions())
    return Busy(booking, lambda: set_paid(booking, actor=booking.course.instructor, paid=True))


def messaging_families() -> Busy:
    booking = BookingFactory(course=course_with_sessions())
    course = booking.course
    return Busy(
        course, lambda: message_families(course, actor=course.instructor, subject="Parking", body="Closed.")
    )


def marking_a_course_published() -> Busy:
    course = course_with_sessions(draft=True)
    return Busy(course, lambda: mark_course_published(course, actor=course.instructor))


def publishing_a_course() -> Busy:
    course = course_with_sessions(draft=True)
    CertificateFactory(holder=course.instructor)
    return Busy(course, lambda: publish_course(course, actor=course.instructor))


def saving_a_profile() -> Busy:
    profile = InstructorProfileFactory()
    return Busy(profile, lambda: save_profile(profile.user, display_name="Carol C."))


def applying_for_a_training() -> Busy:
    training = TrainingCourseFactory()
    trainee = UserFactory()
    return Busy(
        training,
        lambda: apply_for_training(
            training, trainee=trainee, background="Midwife", experience="Years.", motivation="Parents."
        ),
    )


def accepting_an_application() -> Busy:
    enrollment = EnrollmentFactory()
    return Busy(enrollment, lambda: accept_enrollment(enrollment, actor=enrollment.training.trainer))


def declining_an_application() -> Busy:
    enrollment = EnrollmentFactory()
    return Busy(enrollment, lambda: decline_enrollment(enrollment, actor=enrollment.training.trainer))


def recording_a_training_outcome() -> Busy:
    enrollment = EnrollmentFactory(accepted=True)
    return Busy(
        enrollment,
        lambda: record_training_outcome(enrollment, actor=enrollment.training.trainer, exam_score=91),
    )


def issuing_a_certificate() -> Busy:
    # The year's number sequence, locked by another certificate being issued right now.
    enrollment = eligible_enrollment()
    sequence = CertificateNumberSequence.objects.create(year=timezone.now().year, last=7)
    return Busy(sequence, lambda: issue_certificate(enrollment, actor=None))


def resending_a_certificate() -> Busy:
    certificate = CertificateFactory()
    return Busy(certificate, lambda: resend_certificate(certificate, actor=certificate.holder))


def renewing_a_certificate() -> Busy:
    certificate = CertificateFactory()
    return Busy(certificate, lambda: renew_certificate(certificate, actor=certificate.holder, reason="Paid."))


def correcting_a_certificate_name() -> Busy:
    certificate = CertificateFactory()
    return Busy(
        certificate, lambda: correct_certificate_name(certificate, actor=certificate.holder, name="Ana Ruiz")
    )


def revoking_a_certificate() -> Busy:
    certificate = CertificateFactory()
    return Busy(
        certificate,
        lambda: revoke_certificate(
            certificate, actor=certificate.holder, reason="Complaint.", public_statement="Revoked."
        ),
    )


def reinstating_a_certificate() -> Busy:
    certificate = CertificateFactory(
        revoked_at=timezone.now() - timedelta(days=1),
        revocation_reason="Complaint.",
        public_statement="Revoked.",
    )
    return Busy(
        certificate, lambda: reinstate_certificate(certificate, actor=certificate.holder, reason="Cleared.")
    )


SERVICES = [
    (booking_a_course, BookingError),
    (cancelling_a_booking, BookingError),
    (answering_an_offer, BookingError),
    (editing_a_course, CourseError),
    (editing_a_course_from_the_course_form, CourseError),
    (editing_a_session_topic, CourseError),
    (editing_the_session_topics, CourseError),
    (moving_a_session, CourseError),
    (cancelling_a_session, CourseError),
    (cancelling_a_course, CourseError),
    (marking_attendance, CourseError),
    (taking_the_register, CourseError),
    (setting_the_paid_mark, CourseError),
    (messaging_families, CourseError),
    (marking_a_course_published, CourseError),
    (publishing_a_course, PublishingError),
    (saving_a_profile, ProfileError),
    (applying_for_a_training, CertificationError),
    (accepting_an_application, CertificationError),
    (declining_an_application, CertificationError),
    (recording_a_training_outcome, CertificationError),
    (issuing_a_certificate, CertificationError),
    (resending_a_certificate, CertificationError),
    (renewing_a_certificate, CertificationError),
    (correcting_a_certificate_name, CertificationError),
    (revoking_a_certificate, CertificationError),
    (reinstating_a_certificate, CertificationError),
]


@pytest.mark.parametrize(
    ("arrange", "error"), [pytest.param(arrange, error, id=arrange.__name__) for arrange, error in SERVICES]
)
def test_a_service_waiting_too_long_for_a_lock_refuses_with_its_own_error_and_changes_nothing(
    arrange, error, short_lock_timeout, lock_row
):
    busy = arrange()
    before = database_state()
    unlock = lock_row(busy.row)

    with pytest.raises(error) as refused:
        busy.call()

    assert str(refused.value) == BUSY
    # The transaction was rolled back before the error was raised: this connection works as usual.
    assert database_state() == before
    unlock()
    busy.call()
    assert database_state() != before


def test_the_offer_sweep_leaves_a_locked_course_to_the_next_run_and_expires_the_others(
    short_lock_timeout, lock_row, caplog
):
    offers = [BookingFactory(course=course_with_sessions(), offered=True) for _ in range(2)]
    Booking.objects.update(offer_expires_at=timezone.now() - timedelta(minutes=1))
    locked, free = offers
    lock_row(locked.course)

    with caplog.at_level(logging.WARNING, logger="classes.services.bookings"):
        assert expire_offers() == 1

    assert Booking.objects.get(pk=locked.pk).status == Booking.Status.OFFERED
    assert Booking.objects.get(pk=free.pk).cancel_reason == Booking.CancelReason.OFFER_EXPIRED
    assert f"Course {locked.course_id} stayed locked" in caplog.text


def test_booking_a_course_locked_by_another_booking_asks_the_parent_to_try_again_and_trying_again_works(
    client, parent, short_lock_timeout, lock_row
):
    course = course_with_sessions()
    baby = BabyFactory(parent=parent)
    client.force_login(parent)
    book = reverse("classes:book", kwargs={"pk": course.pk})
    unlock = lock_row(course)

    response = client.post(book, {"baby": baby.pk, "expected": "book"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(course.get_absolute_url(), 302)]
    assert BUSY in response.content.decode()
    assert not Booking.objects.filter(course=course).exists()
    unlock()
    again = client.post(book, {"baby": baby.pk, "expected": "book"})
    assert again["Location"] == reverse("classes:my_bookings")
    assert Booking.objects.get(course=course, baby=baby).status == Booking.Status.CONFIRMED


def test_cancelling_while_the_course_is_locked_asks_to_try_again_and_keeps_the_place(
    client, parent, short_lock_timeout, lock_row
):
    course = course_with_sessions()
    booking = BookingFactory(course=course, parent=parent)
    client.force_login(parent)
    lock_row(course)

    response = client.post(reverse("classes:booking_cancel", kwargs={"pk": booking.pk}), follow=True)

    assert response.status_code == 200
    assert BUSY in response.content.decode()
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_the_register_page_says_to_try_again_when_a_mark_is_locked(client, short_lock_timeout, lock_row):
    course, held, booking = course_under_way()
    client.force_login(course.instructor)
    lock_row(booking)

    response = client.post(
        reverse("instructors:session_register", kwargs={"pk": held.pk}), {f"booking_{booking.pk}": "present"}
    )

    assert response.status_code == 200
    assert BUSY in response.content.decode()
    assert not Attendance.objects.exists()


def test_the_admin_cancel_courses_action_reports_a_locked_course_and_cancels_the_others(
    client, staff, short_lock_timeout, lock_row
):
    locked, free = course_with_sessions(), course_with_sessions()
    client.force_login(staff)
    lock_row(locked)

    response = client.post(
        reverse("admin:classes_course_changelist"),
        {"action": "cancel_selected", "post": "yes", ACTION_CHECKBOX_NAME: [locked.pk, free.pk]},
        follow=True,
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert f"“{locked.title}” was not cancelled: {BUSY}" in page
    assert "1 course(s) cancelled" in page
    assert Course.objects.get(pk=locked.pk).status == Course.Status.PUBLISHED
    assert Course.objects.get(pk=free.pk).status == Course.Status.CANCELLED


def test_revoking_a_locked_certificate_in_admin_says_to_try_again_and_keeps_it_valid(
    client, staff, short_lock_timeout, lock_row
):
    certificate = CertificateFactory()
    client.force_login(staff)
    lock_row(certificate)

    response = client.post(
        reverse("admin:certification_certificate_revoke", kwargs={"pk": certificate.pk}),
        {"reason": "Complaint upheld.", "public_statement": "No longer certified."},
    )

    assert response.status_code == 200
    assert BUSY in response.content.decode()
    assert Certificate.objects.get(pk=certificate.pk).revoked_at is None
