"""A person's own data: download it, or delete the account (docs/domain.md, Privacy). Each app says what it
holds; this top-floor app puts it together, because it may read every floor below."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import anonymise_user
from certification.models import Certificate, CertificateEvent, Enrollment
from certification.selectors import practicum_courses, practicum_families_count, practicum_stage_enrollments
from classes.models import Booking, Course, CourseMessage, Session
from classes.services.privacy import forget_parent, parent_data, teaches_courses
from instructors.models import InstructorProfile
from instructors.selectors import own_venues
from notifications.services import emails_sent_to, forget_recipient
from payments.selectors import payment_data

# Who acted on a certificate is staff's own personal data, not the holder's: the export names the role only.
STAFF_ACTOR = "association staff"
# Emails to an instructor that name the parents and babies on their courses: those details belong to the
# families, so the instructor's copy keeps everything but the text.
FAMILY_REPORT_TEMPLATES = ("instructor_booking_notice", "instructor_booking_digest")


class PrivacyError(Exception):
    """A request about personal data that cannot be carried out; the message is shown to the person."""


def export_data(user: User) -> dict:
    """Everything we hold about a person, as JSON-ready data: account, babies, bookings, payments (with
    their refunds and receipt numbers) and emails; their training enrollments, certificates, instructor
    profile, venues, courses taught, practicum and the messages they sent to families. Other people appear
    as counts only (families) or by role (staff)."""
    enrollments = list(Enrollment.objects.filter(trainee=user).select_related("training").order_by("pk"))
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined.isoformat(),
        },
        **parent_data(user),
        "payments": payment_data(user),
        "emails": _emails(user),
        "enrollments": _enrollments(enrollments),
        "certificates": _certificates(user),
        "instructor_profile": _instructor_profile(user),
        "venues": _venues(user),
        "courses_taught": _courses_taught(user),
        "practicum": _practicum(user, [enrollment for enrollment in enrollments if enrollment.deadline]),
        "course_messages": _course_messages(user),
    }


def _iso(moment: date | datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _emails(user: User) -> list[dict]:
    """The outbox's export of the person's emails, with the text of reports about families withheld:
    those name other people's babies, whose details are theirs."""
    return emails_sent_to(
        user,
        withhold_text_of=FAMILY_REPORT_TEMPLATES,
        withheld_note=_("It names families on your courses; their details are theirs."),
    )


def _enrollments(enrollments: list[Enrollment]) -> list[dict]:
    return [
        {
            "training": {
                "title": enrollment.training.title,
                "starts_on": enrollment.training.starts_on.isoformat(),
                "ends_on": enrollment.training.ends_on.isoformat(),
                "format": enrollment.training.format,
            },
            "application": {
                "background": enrollment.background,
                "experience": enrollment.experience,
                "motivation": enrollment.motivation,
            },
            "status": enrollment.status,
            "applied_at": enrollment.applied_at.isoformat(),
            "decided_at": _iso(enrollment.decided_at),
            "training_attended": enrollment.training_attended,
            "exam_score": enrollment.exam_score,
            "fee_paid": enrollment.fee_paid,
            "deadline": _iso(enrollment.deadline),
        }
        for enrollment in enrollments
    ]


def _certificates(user: User) -> list[dict]:
    certificates = (
        Certificate.objects.filter(holder=user)
        .select_related("enrollment__training")
        .prefetch_related(Prefetch("events", queryset=CertificateEvent.objects.order_by("at", "pk")))
        .order_by("issued_at", "pk")
    )
    return [
        {
            "number": certificate.number,
            "name_on_certificate": certificate.name_on_certificate,
            "language": certificate.language,
            "training": certificate.enrollment.training.title,
            "issued_at": certificate.issued_at.isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
            "status": certificate.status.value,
            "revoked_at": _iso(certificate.revoked_at),
            "public_statement": certificate.public_statement,
            # The reason staff recorded is about the holder, so it is theirs to see, marked as internal.
            "revocation_reason_internal": certificate.revocation_reason,
            "events": [
                {
                    "kind": event.kind,
                    "at": event.at.isoformat(),
                    "by": STAFF_ACTOR if event.actor_id else None,
                    "details": event.details,
                }
                for event in certificate.events.all()
            ],
        }
        for certificate in certificates
    ]


def _instructor_profile(user: User) -> dict | None:
    profile = InstructorProfile.objects.filter(user=user).prefetch_related("backgrounds", "languages").first()
    if profile is None:
        return None
    return {
        "display_name": profile.display_name,
        "slug": profile.slug,
        "bio": profile.bio,
        "city": profile.city,
        "country": profile.country.code,
        "backgrounds": sorted(row.background for row in profile.backgrounds.all()),
        "languages": sorted(row.language for row in profile.languages.all()),
        "offers_private_sessions": profile.offers_private_sessions,
        "notice_preference": profile.notice_preference,
        "is_public": profile.is_public,
        "has_photo": bool(profile.photo),
        "created_at": profile.created_at.isoformat(),
        "updated_at": profile.updated_at.isoformat(),
    }


def _venues(user: User) -> list[dict]:
    return [
        {
            "name": venue.name,
            "address": venue.address,
            "city": venue.city,
            "country": venue.country.code,
            "time_zone": venue.time_zone,
            "accessibility_notes": venue.accessibility_notes,
            "created_at": venue.created_at.isoformat(),
        }
        for venue in own_venues(user)
    ]


def _family_count(status: str) -> Count:
    return Count("bookings", filter=Q(bookings__status=status), distinct=True)


def _courses_taught(user: User) -> list[dict]:
    """The person's courses with families as counts only: a baby's name or a parent's address belongs
    to that family's own export, never to the instructor's."""
    scheduled = Q(sessions__status=Session.Status.SCHEDULED)
    courses = (
        Course.objects.filter(instructor=user)
        .select_related("venue")
        .annotate(
            last_session_at=Max("sessions__starts_at", filter=scheduled),
            sessions_scheduled=Count("sessions", filter=scheduled, distinct=True),
            families_confirmed=_family_count(Booking.Status.CONFIRMED),
            families_offered=_family_count(Booking.Status.OFFERED),
            families_waitlisted=_family_count(Booking.Status.WAITLISTED),
            families_cancelled=_family_count(Booking.Status.CANCELLED),
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "title": course.title,
            "status": course.status,
            "is_practicum": course.is_practicum,
            "format": course.format,
            "venue": course.venue.name if course.venue_id else None,
            "language": course.language,
            "capacity": course.capacity,
            "created_at": course.created_at.isoformat(),
            "published_at": _iso(course.published_at),
            "cancelled_at": _iso(course.cancelled_at),
            "first_session_at": _iso(course.first_session_at),
            "last_session_at": _iso(course.last_session_at),
            "sessions_scheduled": course.sessions_scheduled,
            "families": {
                "confirmed": course.families_confirmed,
                "offered": course.families_offered,
                "waitlisted": course.families_waitlisted,
                "cancelled": course.families_cancelled,
            },
        }
        for course in courses
    ]


def _practicum(user: User, enrollments: list[Enrollment]) -> list[dict]:
    """For each enrollment with a practicum window (a deadline), the practicum courses taught in it and
    the families counted, by certification's own rule; two or three queries per enrollment, and a
    person has only a few."""
    if not enrollments:
        return []
    in_stage = set(practicum_stage_enrollments().filter(trainee=user).values_list("pk", flat=True))
    return [
        {
            "training": enrollment.training.title,
            "deadline": enrollment.deadline.isoformat(),
            "in_practicum_stage": enrollment.pk in in_stage,
            "families_required": settings.CERTIFICATION_PRACTICUM_FAMILIES,
            "families_counted": practicum_families_count(enrollment),
            "courses": [
                {
                    "title": counted.course.title,
                    "status": counted.course.status,
                    "first_session_at": counted.course.first_at.isoformat(),
                    "families_counted": counted.families,
                    "evaluations_received": counted.tally.evaluated,
                }
                for counted in practicum_courses(enrollment)
            ],
        }
        for enrollment in enrollments
    ]


def _course_messages(user: User) -> list[dict]:
    return [
        {
            "course": message.course.title,
            "subject": message.subject,
            "body": message.body,
            "sent_at": message.sent_at.isoformat(),
            "recipients": message.recipients,
        }
        for message in CourseMessage.objects.filter(sender=user)
        .select_related("course")
        .order_by("sent_at", "pk")
    ]


def delete_account(user: User) -> None:
    """Delete a parent's account: places ahead are cancelled, babies deleted, registers keep a
    "deleted family", emails keep their metadata only, and the account becomes an anonymous shell.

    Raises PrivacyError for staff and for instructors or trainees, whose courses and certificates are
    professional records the association must keep: they write to the association instead.
    """
    if user.is_staff:
        raise PrivacyError(_("Staff accounts are closed by an administrator."))
    if (
        teaches_courses(user)
        or Certificate.objects.filter(holder=user).exists()
        or Enrollment.objects.filter(trainee=user).exists()
    ):
        raise PrivacyError(
            _(
                "Your account holds teaching or certification records the association must keep. "
                "Please write to the association to close it."
            )
        )
    forget_parent(user)
    with transaction.atomic():
        forget_recipient(user)
        anonymise_user(user)
