"""The database's own rules for certification, and the certificate status computed at read time."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction

from certification.models import Certificate, CertificateStatus
from certification.tests.factories import CertificateFactory, EnrollmentFactory, TrainingCourseFactory

pytestmark = pytest.mark.django_db


def test_training_needs_at_least_one_place():
    with pytest.raises(IntegrityError, match="training_capacity_positive"), transaction.atomic():
        TrainingCourseFactory(capacity=0)


def test_training_cannot_end_before_it_starts():
    training = TrainingCourseFactory.build()

    with pytest.raises(IntegrityError, match="training_ends_after_start"), transaction.atomic():
        TrainingCourseFactory(starts_on=training.starts_on, ends_on=training.starts_on - timedelta(days=1))


def test_one_day_training_may_end_the_day_it_starts():
    training = TrainingCourseFactory.build()

    one_day = TrainingCourseFactory(starts_on=training.starts_on, ends_on=training.starts_on)

    assert one_day.pk


def test_training_fee_cannot_be_negative():
    with pytest.raises(IntegrityError, match="training_fee_non_negative"), transaction.atomic():
        TrainingCourseFactory(fee=Decimal("-0.01"))


def test_trainee_enrolls_once_per_training():
    enrollment = EnrollmentFactory()

    with pytest.raises(IntegrityError, match="enrollment_once_per_training"), transaction.atomic():
        EnrollmentFactory(trainee=enrollment.trainee, training=enrollment.training)


def test_exam_score_cannot_exceed_one_hundred():
    with pytest.raises(IntegrityError, match="enrollment_exam_score_range"), transaction.atomic():
        EnrollmentFactory(exam_score=101)


def test_certificate_numbers_are_unique():
    certificate = CertificateFactory()

    with pytest.raises(IntegrityError, match=r"Key \(number\)"), transaction.atomic():
        CertificateFactory(number=certificate.number)


def test_certificate_tokens_are_unique():
    certificate = CertificateFactory()

    with pytest.raises(IntegrityError, match=r"Key \(token\)"), transaction.atomic():
        CertificateFactory(token=certificate.token)


def test_certificate_must_end_after_it_is_issued():
    certificate = CertificateFactory.build()

    with pytest.raises(IntegrityError, match="certificate_valid_after_issue"), transaction.atomic():
        CertificateFactory(issued_at=certificate.issued_at, valid_until=certificate.issued_at)


def test_revocation_needs_an_internal_reason():
    certificate = CertificateFactory()

    with pytest.raises(IntegrityError, match="certificate_revocation_explained"), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(
            revoked_at=certificate.issued_at, revocation_reason="", public_statement="No longer certified."
        )


def test_revocation_needs_a_public_statement():
    certificate = CertificateFactory()

    with pytest.raises(IntegrityError, match="certificate_revocation_explained"), transaction.atomic():
        Certificate.objects.filter(pk=certificate.pk).update(
            revoked_at=certificate.issued_at,
            revocation_reason="Breach of the code of ethics.",
            public_statement="",
        )


def test_one_enrollment_earns_one_certificate():
    certificate = CertificateFactory()

    with pytest.raises(IntegrityError, match=r"Key \(enrollment_id\)"), transaction.atomic():
        CertificateFactory(holder=certificate.holder, enrollment=certificate.enrollment)


def test_certificate_is_valid_until_its_end():
    certificate = CertificateFactory()

    with time_machine.travel(certificate.valid_until - timedelta(seconds=1), tick=False):
        assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID


def test_certificate_expires_exactly_at_valid_until():
    certificate = CertificateFactory()

    with time_machine.travel(certificate.valid_until, tick=False):
        assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.EXPIRED


def test_certificate_reads_as_expired_after_valid_until_without_any_job_running():
    certificate = CertificateFactory()

    with time_machine.travel(certificate.valid_until + timedelta(seconds=1), tick=False):
        assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.EXPIRED


def test_revoked_certificate_reads_as_revoked_before_its_end():
    certificate = CertificateFactory()
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=certificate.issued_at + timedelta(days=10),
        revocation_reason="Breach of the code of ethics.",
        public_statement="This certificate was revoked.",
    )

    with time_machine.travel(certificate.issued_at + timedelta(days=11), tick=False):
        assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.REVOKED


def test_certificate_revoked_in_the_future_is_still_valid_today():
    certificate = CertificateFactory()
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=certificate.issued_at + timedelta(days=10),
        revocation_reason="Breach of the code of ethics.",
        public_statement="This certificate was revoked.",
    )

    with time_machine.travel(certificate.issued_at + timedelta(days=9), tick=False):
        assert Certificate.objects.get(pk=certificate.pk).status == CertificateStatus.VALID
