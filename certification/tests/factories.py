from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.conf import settings
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.tests.factories import UserFactory
from certification.models import Certificate, CertificateEvent, Enrollment, TrainingCourse
from classes.tests.factories import (
    AttendanceFactory,
    BookingFactory,
    CourseFactory,
    EvaluationFactory,
    SessionFactory,
    VenueFactory,
)


class TrainingCourseFactory(DjangoModelFactory):
    """A four-day in-person training a month from now, at a venue of its trainer."""

    class Meta:
        model = TrainingCourse

    trainer = factory.SubFactory(UserFactory)
    title = factory.Sequence(lambda n: f"Instructor training {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))
    ends_on = factory.LazyAttribute(lambda training: training.starts_on + timedelta(days=3))
    format = TrainingCourse.Format.IN_PERSON
    venue = factory.SubFactory(VenueFactory, owner=factory.SelfAttribute("..trainer"))
    time_zone = "Europe/Madrid"
    language = "en"
    capacity = 16
    fee = Decimal("450.00")
    currency = "EUR"
    is_published = True


class EnrollmentFactory(DjangoModelFactory):
    class Meta:
        model = Enrollment

    class Params:
        accepted = factory.Trait(
            status=Enrollment.Status.ACCEPTED, decided_at=factory.LazyFunction(timezone.now)
        )

    trainee = factory.SubFactory(UserFactory)
    training = factory.SubFactory(TrainingCourseFactory)
    background = "Midwife"
    experience = "Ten years on a maternity ward."
    motivation = "To help parents read their babies' cues."
    status = Enrollment.Status.APPLIED


class CertificateFactory(DjangoModelFactory):
    """A certificate valid for a year from now, on a completed enrollment of its holder.

    `CertificateFactory(holder=instructor)` certifies an existing person.
    """

    class Meta:
        model = Certificate

    holder = factory.SubFactory(UserFactory)
    enrollment = factory.SubFactory(
        EnrollmentFactory,
        trainee=factory.SelfAttribute("..holder"),
        status=Enrollment.Status.CERTIFIED,
        training_attended=True,
        exam_score=92,
        fee_paid=True,
    )
    number = factory.Sequence(lambda n: f"IMC-{timezone.now().year}-{n + 1:05d}")
    name_on_certificate = factory.LazyAttribute(lambda certificate: certificate.holder.get_full_name())
    language = "en"
    issued_at = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0))
    valid_until = factory.LazyAttribute(lambda certificate: certificate.issued_at + timedelta(days=365))


class CertificateEventFactory(DjangoModelFactory):
    class Meta:
        model = CertificateEvent

    certificate = factory.SubFactory(CertificateFactory)
    kind = CertificateEvent.Kind.ISSUED
    actor = None
    at = factory.LazyFunction(timezone.now)
    details = factory.LazyFunction(dict)


def practicum_course(
    trainee,
    *,
    families: int,
    first_session_at,
    sessions: int = 5,
    attended: int | None = None,
    evaluated: int | None = None,
):
    """A practicum course taught by `trainee`: `sessions` weekly sessions from `first_session_at`, and
    `families` confirmed families each present at `attended` of them (all by default), the first
    `evaluated` of which (all by default) sent their evaluation of the course."""
    course = CourseFactory(instructor=trainee, is_practicum=True)
    held = [
        SessionFactory(
            course=course, week_number=week + 1, starts_at=first_session_at + timedelta(weeks=week)
        )
        for week in range(sessions)
    ]
    for family in range(families):
        booking = BookingFactory(course=course)
        for session in held[: sessions if attended is None else attended]:
            AttendanceFactory(booking=booking, session=session)
        if evaluated is None or family < evaluated:
            EvaluationFactory(booking=booking)
    return course


def past_training(**fields) -> TrainingCourse:
    """A training that ended eight weeks ago."""
    today = timezone.localdate()
    return TrainingCourseFactory(
        starts_on=today - timedelta(days=60), ends_on=today - timedelta(days=57), **fields
    )


def eligible_enrollment(*, families: int | None = None, **fields) -> Enrollment:
    """An accepted enrollment that meets every requirement: training attended, exam passed, fee paid and
    a practicum course with the required number of families (CERTIFICATION_PRACTICUM_FAMILIES)."""
    fields = {
        "accepted": True,
        "deadline": timezone.localdate() + timedelta(days=120),
        "training_attended": True,
        "exam_score": 90,
        "fee_paid": True,
        **fields,
    }
    fields.setdefault("training", past_training())
    enrollment = EnrollmentFactory(**fields)
    practicum_course(
        enrollment.trainee,
        families=settings.CERTIFICATION_PRACTICUM_FAMILIES if families is None else families,
        first_session_at=timezone.now() - timedelta(days=45),
    )
    return enrollment
