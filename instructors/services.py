"""Writes for instructors: profiles, and publishing — the one door through which a course goes public."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from certification.selectors import has_active_certificate, practicum_enrollment
from classes.models import Booking, BookingNotice, Course
from classes.services import CourseError, mark_course_published
from instructors.models import InstructorBackground, InstructorLanguage, InstructorProfile
from notifications.services import queue_email

DIGEST = InstructorProfile.NoticePreference.DAILY_DIGEST


class PublishingError(Exception):
    """A course that may not be published; the message is shown to the instructor."""


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "instructor"
    slug, suffix = base, 2
    while InstructorProfile.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


def save_profile(
    user: User,
    *,
    display_name: str,
    bio: str = "",
    city: str = "",
    country: str = "",
    backgrounds: Iterable[str] = (),
    languages: Iterable[str] = (),
    offers_private_sessions: bool = False,
    notice_preference: str = InstructorProfile.NoticePreference.EACH,
    is_public: bool = True,
) -> InstructorProfile:
    """Create or update an instructor's profile with its backgrounds and teaching languages."""
    with transaction.atomic():
        profile = InstructorProfile.objects.select_for_update().filter(user=user).first()
        if profile is None:
            profile = InstructorProfile(user=user, slug=_unique_slug(display_name))
        profile.display_name = display_name
        profile.bio = bio
        profile.city = city
        profile.country = country
        profile.offers_private_sessions = offers_private_sessions
        profile.notice_preference = notice_preference
        profile.is_public = is_public
        profile.full_clean()
        profile.save()
        profile.backgrounds.all().delete()
        InstructorBackground.objects.bulk_create(
            InstructorBackground(profile=profile, background=code) for code in dict.fromkeys(backgrounds)
        )
        profile.languages.all().delete()
        InstructorLanguage.objects.bulk_create(
            InstructorLanguage(profile=profile, language=code) for code in dict.fromkeys(languages)
        )
    return profile


def publish_course(course: Course, *, actor: User) -> Course:
    """Publish a draft course (PRODUCT.md §7): certified instructors publish any course; a trainee in
    the practicum stage publishes practicum courses only.

    Raises PublishingError when the instructor may not publish it, or the course is not ready.
    """
    instructor = course.instructor
    if actor.pk != instructor.pk and not actor.is_staff:
        raise PublishingError(_("Only the course's instructor can publish it."))
    if not has_active_certificate(instructor):
        if practicum_enrollment(instructor) is None:
            raise PublishingError(_("An active instructor certificate is needed to publish a course."))
        if not course.is_practicum:
            raise PublishingError(
                _("While you are completing your practicum you can publish practicum courses only.")
            )
    try:
        return mark_course_published(course)
    except CourseError as error:
        raise PublishingError(str(error)) from None


def _pending_notices(*, digest: bool):
    wants_digest = Q(course__instructor__instructor_profile__notice_preference=DIGEST)
    return (
        BookingNotice.objects.filter(notified_at__isnull=True)
        .filter(wants_digest if digest else ~wants_digest)
        .select_related("course", "course__instructor", "booking", "booking__parent", "booking__baby")
        .order_by("at", "pk")
    )


def send_booking_notices() -> int:
    """Mail each pending booking notice to instructors who want one email per change.

    Each notice is claimed by a conditional update in the transaction that queues its email, so two
    sweeps never mail it twice. Returns the emails queued.
    """
    sent = 0
    for notice in _pending_notices(digest=False)[:500]:
        with transaction.atomic():
            if not BookingNotice.objects.filter(pk=notice.pk, notified_at__isnull=True).update(
                notified_at=timezone.now()
            ):
                continue
            instructor = notice.course.instructor
            taken = Booking.objects.filter(course=notice.course).holding_a_place().count()
            queue_email(
                to_email=instructor.email,
                user=instructor,
                template="instructor_booking_notice",
                key=f"booking-notice:{notice.pk}",
                context={"notice": notice, "course": notice.course, "places_taken": taken},
            )
            sent += 1
    return sent


def send_booking_digests() -> int:
    """Mail one digest of pending booking notices to each instructor who chose a daily digest.

    Run daily by beat. The notices an email covers are claimed in its transaction; the key names the
    last notice, so a repeat run mails nothing twice. Returns the digests queued.
    """
    by_instructor: dict[int, list[BookingNotice]] = {}
    for notice in _pending_notices(digest=True):
        by_instructor.setdefault(notice.course.instructor_id, []).append(notice)
    sent = 0
    for notices in by_instructor.values():
        with transaction.atomic():
            ids = [notice.pk for notice in notices]
            if BookingNotice.objects.filter(pk__in=ids, notified_at__isnull=True).update(
                notified_at=timezone.now()
            ) != len(ids):
                transaction.set_rollback(True)
                continue
            instructor = notices[0].course.instructor
            queue_email(
                to_email=instructor.email,
                user=instructor,
                template="instructor_booking_digest",
                key=f"booking-digest:{instructor.pk}:{ids[-1]}",
                context={"notices": notices},
            )
            sent += 1
    return sent
