"""Every admin list reads the same number of queries for 100 rows as for 10.

Each ModelAdmin in admin.site has a builder here that makes rows together with the related rows its
columns follow: a booking's baby, parent and course, an enrollment's trainee, training and practicum
course with families, an email's attachments, a certificate's holder and events. The test builds 10 rows,
requests the list once to warm per-process caches, counts the queries of a second request, builds 90
more and counts again: a column that reads something row by row shows as a difference. A ModelAdmin
without a builder fails, so a new one cannot escape.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from itertools import count

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.sites.models import Site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import TRAINERS_GROUP
from accounts.tests.factories import UserFactory
from certification.models import Enrollment
from certification.tests.factories import (
    CertificateEventFactory,
    CertificateFactory,
    EnrollmentFactory,
    TrainingCourseFactory,
    past_training,
    practicum_course,
)
from classes.models import BookingNotice, CourseAction
from classes.tests.factories import (
    AttendanceFactory,
    BabyFactory,
    BookingFactory,
    CourseFactory,
    EvaluationFactory,
    SessionFactory,
    VenueFactory,
)
from instructors.tests.factories import (
    InstructorBackgroundFactory,
    InstructorLanguageFactory,
    InstructorProfileFactory,
)
from notifications.models import OutgoingEmail
from notifications.tests.factories import EmailAttachmentFactory, HeartbeatFactory, OutgoingEmailFactory
from payments.models import Refund
from payments.services.receipts import issue_credit_note, issue_receipt
from payments.tests.factories import PaymentFactory, RefundFactory, StripeEventFactory

pytestmark = pytest.mark.django_db

FEW, MANY = 10, 100
# Names for rows whose names are unique (groups, sites, heartbeats), across both builds of a test.
serial = count(1)


def build_groups(rows: int) -> None:
    permissions = list(Permission.objects.order_by("pk")[:3])
    for _ in range(rows):
        Group.objects.create(name=f"Volunteers {next(serial)}").permissions.set(permissions)


def build_sites(rows: int) -> None:
    for _ in range(rows):
        number = next(serial)
        # The migrations made site 1 with its id given, so the id sequence has not moved past it.
        Site.objects.create(
            pk=settings.SITE_ID + number, domain=f"branch{number}.example.org", name=f"Branch {number}"
        )


def build_email_addresses(rows: int) -> None:
    for row in range(rows):
        user = UserFactory()
        EmailAddress.objects.create(user=user, email=user.email, verified=row % 2 == 0, primary=True)


def build_users(rows: int) -> None:
    trainers = Group.objects.get(name=TRAINERS_GROUP)
    for row in range(rows):
        user = UserFactory(is_staff=row % 3 == 0)
        if row % 2:
            user.groups.add(trainers)


def build_outgoing_emails(rows: int) -> None:
    for row in range(rows):
        email = OutgoingEmailFactory(
            user=UserFactory(),
            **({"sent": True} if row % 2 else {"status": OutgoingEmail.Status.FAILED, "attempts": 5}),
        )
        EmailAttachmentFactory(email=email)


def build_heartbeats(rows: int) -> None:
    for _ in range(rows):
        HeartbeatFactory(name=f"beat-{next(serial)}")


def build_payments(rows: int) -> None:
    for row in range(rows):
        PaymentFactory(pending=row % 2 == 1)


def build_refunds(rows: int) -> None:
    for row in range(rows):
        RefundFactory(status=Refund.Status.FAILED if row % 2 else Refund.Status.SUCCEEDED)


def build_receipts(rows: int) -> None:
    """Receipts, and credit notes for refunds, issued by the service that numbers them."""
    for row in range(rows):
        if row % 2:
            refund = RefundFactory()
            issue_credit_note(refund.payment, refund=refund)
        else:
            issue_receipt(PaymentFactory())


def build_stripe_events(rows: int) -> None:
    for _ in range(rows):
        StripeEventFactory()


def build_venues(rows: int) -> None:
    for _ in range(rows):
        VenueFactory()


def build_courses(rows: int) -> None:
    for row in range(rows):
        course = CourseFactory(online=True) if row % 2 else CourseFactory(is_practicum=row % 3 == 0)
        for _ in range(2):
            SessionFactory(course=course)
            BookingFactory(course=course)


def build_sessions(rows: int) -> None:
    for _ in range(rows):
        SessionFactory()


def build_babies(rows: int) -> None:
    for _ in range(rows):
        BookingFactory(baby=BabyFactory())


def build_bookings(rows: int) -> None:
    for row in range(rows):
        if row % 5 == 0:
            # A family that deleted its account: no baby, no parent.
            BookingFactory(baby=None, parent=None)
        else:
            BookingFactory(waitlisted=row % 5 == 1)


def build_attendance(rows: int) -> None:
    for _ in range(rows):
        AttendanceFactory()


def build_evaluations(rows: int) -> None:
    for _ in range(rows):
        EvaluationFactory()


def build_booking_notices(rows: int) -> None:
    for row in range(rows):
        booking = BookingFactory()
        BookingNotice.objects.create(
            course=booking.course,
            booking=booking,
            kind=BookingNotice.Kind.NEW_BOOKING,
            notified_at=timezone.now() if row % 2 else None,
        )


def build_course_actions(rows: int) -> None:
    for _ in range(rows):
        CourseAction.objects.create(
            course=CourseFactory(),
            actor=UserFactory(),
            kind=CourseAction.Kind.EDITED,
            details="Capacity 8 → 10",
        )


def build_trainings(rows: int) -> None:
    for _ in range(rows):
        training = TrainingCourseFactory()
        EnrollmentFactory(training=training)
        EnrollmentFactory(training=training, accepted=True)


def build_enrollments(rows: int) -> None:
    """Applications, and accepted trainees past their training teaching a practicum course with families
    (with a certificate for some), so the Families and Eligible columns have courses to count."""
    for row in range(rows):
        if row % 4 == 0:
            EnrollmentFactory()
            continue
        enrollment = EnrollmentFactory(
            training=past_training(),
            accepted=True,
            deadline=timezone.localdate() + timedelta(days=120),
            training_attended=True,
            exam_score=90,
            fee_paid=True,
        )
        practicum_course(
            enrollment.trainee, families=2, sessions=2, first_session_at=timezone.now() - timedelta(days=45)
        )
        if row % 4 == 3:
            enrollment.status = Enrollment.Status.CERTIFIED
            enrollment.save(update_fields=["status"])
            CertificateFactory(holder=enrollment.trainee, enrollment=enrollment)


def build_certificates(rows: int) -> None:
    """Valid, expired and revoked certificates, each with its events."""
    now = timezone.now().replace(microsecond=0)
    for row in range(rows):
        fields = {}
        if row % 3 == 1:
            fields = {"issued_at": now - timedelta(days=800), "valid_until": now - timedelta(days=70)}
        elif row % 3 == 2:
            fields = {
                "revoked_at": now,
                "revocation_reason": "Complaint upheld.",
                "public_statement": "Revoked by the association.",
            }
        certificate = CertificateFactory(**fields)
        CertificateEventFactory(certificate=certificate, actor=UserFactory())


def build_certificate_events(rows: int) -> None:
    for row in range(rows):
        CertificateEventFactory(actor=UserFactory() if row % 2 else None)


def build_instructor_profiles(rows: int) -> None:
    for _ in range(rows):
        profile = InstructorProfileFactory()
        InstructorBackgroundFactory(profile=profile)
        InstructorLanguageFactory(profile=profile)


BUILDERS: dict[str, Callable[[int], None]] = {
    "auth.Group": build_groups,
    "sites.Site": build_sites,
    "account.EmailAddress": build_email_addresses,
    "accounts.User": build_users,
    "notifications.OutgoingEmail": build_outgoing_emails,
    "notifications.Heartbeat": build_heartbeats,
    "payments.Payment": build_payments,
    "payments.Refund": build_refunds,
    "payments.Receipt": build_receipts,
    "payments.StripeEvent": build_stripe_events,
    "classes.Venue": build_venues,
    "classes.Course": build_courses,
    "classes.Session": build_sessions,
    "classes.Baby": build_babies,
    "classes.Booking": build_bookings,
    "classes.Attendance": build_attendance,
    "classes.BookingNotice": build_booking_notices,
    "classes.CourseAction": build_course_actions,
    "classes.Evaluation": build_evaluations,
    "certification.TrainingCourse": build_trainings,
    "certification.Enrollment": build_enrollments,
    "certification.Certificate": build_certificates,
    "certification.CertificateEvent": build_certificate_events,
    "instructors.InstructorProfile": build_instructor_profiles,
}

ADMINS = {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()}


def list_queries(client, url: str) -> tuple[list[str], int]:
    """The SQL of one request of the list, and the number of rows it shows."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    changelist = response.context["cl"]
    return [query["sql"] for query in queries], len(changelist.result_list)


def shape(sql: str) -> str:
    return re.sub(r"\b\d+\b", "N", sql)


def grown(few: list[str], many: list[str]) -> list[str]:
    """The statements (numbers blanked) the longer list ran more often, with how many more times."""
    extra = Counter(map(shape, many)) - Counter(map(shape, few))
    return [f"{times}× {sql[:300]}" for sql, times in extra.most_common(5)]


def test_every_registered_model_admin_has_a_builder():
    assert sorted(set(ADMINS) - set(BUILDERS)) == [], "ModelAdmins without a builder here"
    assert sorted(set(BUILDERS) - set(ADMINS)) == [], "builders for ModelAdmins that are gone"


@pytest.mark.parametrize("label", sorted(ADMINS))
def test_the_list_reads_as_many_queries_for_100_rows_as_for_10(label, client, staff, monkeypatch):
    assert label in BUILDERS, f"{label}: no builder in tests/admin/test_changelist_queries.py"
    model_admin = ADMINS[label]
    # Both sizes on one page, whatever page size the admin picks.
    monkeypatch.setattr(model_admin, "list_per_page", max(model_admin.list_per_page, MANY))
    opts = model_admin.opts
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    client.force_login(staff)  # a superuser: every list, every column

    BUILDERS[label](FEW)
    client.get(url)
    few, shown = list_queries(client, url)
    assert shown >= FEW, f"{label}: the list shows {shown} rows of the {FEW} built"

    BUILDERS[label](MANY - FEW)
    many, shown = list_queries(client, url)
    assert shown >= MANY, f"{label}: the list shows {shown} rows of the {MANY} built"

    assert len(many) == len(few), "\n".join(
        [
            f"{label}: {len(few)} queries for {FEW} rows, {len(many)} for {MANY}; ran more often:",
            *grown(few, many),
        ]
    )
