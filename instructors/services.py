"""Writes for instructors: profiles, and publishing — the one door through which a course goes public."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterable
from datetime import date, datetime
from io import BytesIO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import User
from certification.selectors import has_active_certificate, practicum_enrollment
from classes.catalog_cache import bump_catalog_version
from classes.models import Booking, BookingNotice, Course, Venue
from classes.places import find_place
from classes.selectors import may_manage_course
from classes.services import (
    MAX_WEEKS,
    CourseError,
    SessionPlan,
    create_course,
    create_venue,
    edit_session_topics,
    mark_course_published,
    update_course,
)
from config.locking import busy_as
from instructors.models import InstructorBackground, InstructorLanguage, InstructorProfile
from notifications.services import queue_email

DIGEST = InstructorProfile.NoticePreference.DAILY_DIGEST
PHOTO_MAX_SIDE = 800


class PublishingError(Exception):
    """A course that may not be published; the message is shown to the instructor."""


class ProfileError(Exception):
    """A profile change that cannot be made (a photo that cannot be read); shown to the instructor."""


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "instructor"
    slug, suffix = base, 2
    while InstructorProfile.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


@busy_as(ProfileError)
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
    photo: File | None = None,
    remove_photo: bool = False,
) -> InstructorProfile:
    """Create or update an instructor's profile with its backgrounds and teaching languages.

    A new photo is resized to at most 800 pixels a side and re-encoded as JPEG (which also drops its
    metadata, such as where it was taken); the replaced file is deleted once the change commits.
    Raises ProfileError for a photo that cannot be read, or a profile locked by others for longer than
    the database waits. Queues nothing.
    """
    storage = InstructorProfile._meta.get_field("photo").storage
    # Stored before the transaction, so that no lock is held while shared storage (S3) is written to.
    stored = (
        storage.save(f"instructors/photos/{uuid.uuid4().hex}.jpg", _resized_photo(photo)) if photo else ""
    )
    try:
        profile = _save_profile(
            user,
            display_name=display_name,
            bio=bio,
            city=city,
            country=country,
            backgrounds=backgrounds,
            languages=languages,
            offers_private_sessions=offers_private_sessions,
            notice_preference=notice_preference,
            is_public=is_public,
            photo_name=stored,
            remove_photo=remove_photo,
        )
    except BaseException:
        if stored:
            storage.delete(stored)
        raise
    return profile


def _save_profile(user: User, *, photo_name: str, remove_photo: bool, backgrounds, languages, **fields):
    storage = InstructorProfile._meta.get_field("photo").storage
    with transaction.atomic():
        # Course cards show the instructor's name: cached catalog pages must not keep the old one.
        transaction.on_commit(bump_catalog_version)
        profile = InstructorProfile.objects.select_for_update().filter(user=user).first()
        if profile is None:
            profile = InstructorProfile(user=user, slug=_unique_slug(fields["display_name"]))
        for name, value in fields.items():
            setattr(profile, name, value)
        place = find_place(profile.city, country=str(profile.country)) if profile.city else None
        profile.latitude, profile.longitude = (place.latitude, place.longitude) if place else (None, None)
        replaced = profile.photo.name if (photo_name or remove_photo) and profile.photo else ""
        if photo_name or remove_photo:
            profile.photo = photo_name
        profile.full_clean()
        profile.save()
        if replaced:
            transaction.on_commit(lambda: storage.delete(replaced))
        profile.backgrounds.all().delete()
        InstructorBackground.objects.bulk_create(
            InstructorBackground(profile=profile, background=code) for code in dict.fromkeys(backgrounds)
        )
        profile.languages.all().delete()
        InstructorLanguage.objects.bulk_create(
            InstructorLanguage(profile=profile, language=code) for code in dict.fromkeys(languages)
        )
    return profile


def _resized_photo(photo: File) -> ContentFile:
    """The photo upright, at most PHOTO_MAX_SIDE pixels a side, as a JPEG on a white background."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            photo.seek(0)
            with Image.open(photo) as opened:
                image = ImageOps.exif_transpose(opened)
                image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
                if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
                    rgba = image.convert("RGBA")
                    image = Image.new("RGB", rgba.size, (255, 255, 255))
                    image.paste(rgba, mask=rgba.getchannel("A"))
                else:
                    image = image.convert("RGB")
                output = BytesIO()
                image.save(output, format="JPEG", quality=85, optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ProfileError(_("This image has too many pixels to process safely.")) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ProfileError(_("This file is not a photo we can read.")) from None
    return ContentFile(output.getvalue())


def _course_error(error: ValidationError) -> CourseError:
    return CourseError(" ".join(error.messages))


@busy_as(CourseError)
def build_course(
    instructor: User,
    *,
    plan: SessionPlan,
    new_venue: dict | None = None,
    **course_fields,
) -> Course:
    """Create a draft course from the course builder, with a new venue of the instructor's first when
    they added one: both or neither.

    Raises CourseError for anything classes.services.create_venue or create_course refuses (invalid
    venue details, someone else's venue, sessions in the past or overlapping). Queues nothing.
    """
    with transaction.atomic():
        if new_venue is not None:
            try:
                course_fields["venue"] = create_venue(instructor, **new_venue)
            except ValidationError as error:
                raise _course_error(error) from None
        venue: Venue | None = course_fields.get("venue")
        if venue is not None:
            course_fields["time_zone"] = venue.time_zone
        try:
            return create_course(instructor, plan=plan, **course_fields)
        except ValidationError as error:
            raise _course_error(error) from None


@busy_as(CourseError)
def edit_course(course: Course, *, actor: User, new_venue: dict | None = None, **changes) -> Course:
    """Save the course form: a new venue of the course's instructor first, when one was added, then
    classes.services.update_course, in one transaction.

    Raises CourseError for what update_course refuses or invalid venue details. Queues what
    update_course queues (offers to waiting families when places free up).
    """
    with transaction.atomic():
        if new_venue is not None:
            try:
                changes["venue"] = create_venue(course.instructor, **new_venue)
            except ValidationError as error:
                raise _course_error(error) from None
        return update_course(course, actor=actor, **changes)


@busy_as(CourseError)
def repeat_course(course: Course, *, actor: User, first_date: date) -> Course:
    """Run a course again: a new draft of the same instructor with the same title, description, place,
    capacity, price, ages and week topics, its sessions weekly from `first_date` at the first session's
    local time in the course's zone (so the same wall-clock time across daylight-saving changes).

    A practicum course stays one only while its instructor has no active certificate. Raises
    CourseError when the actor is not the course's instructor, the course has no sessions, or what
    create_course refuses (a session in the past, overlapping another, a venue no longer theirs).
    Queues nothing.
    """
    if actor.pk != course.instructor_id:
        raise CourseError(_("Only the course's instructor can run it again."))
    sessions = list(course.sessions.order_by("week_number"))
    if not sessions:
        raise CourseError(_("This course has no sessions to repeat."))
    first = sessions[0]
    plan = SessionPlan(
        first_local=datetime.combine(first_date, first.starts_at.astimezone(course.zone).time()),
        weeks=min(len(sessions), MAX_WEEKS),
        duration_minutes=first.duration_minutes,
    )
    with transaction.atomic():
        try:
            repeated = create_course(
                course.instructor,
                plan=plan,
                title=course.title,
                description=course.description,
                format=course.format,
                venue=course.venue,
                online_link=course.online_link,
                time_zone=course.time_zone,
                language=course.language,
                capacity=course.capacity,
                price=course.price,
                currency=course.currency,
                payment_notes=course.payment_notes,
                payment_mode=course.payment_mode,
                min_age_weeks=course.min_age_weeks,
                max_age_weeks=course.max_age_weeks,
                cancellation_cutoff_hours=course.cancellation_cutoff_hours,
                refund_percent=course.refund_percent,
                late_refund_percent=course.late_refund_percent,
                is_practicum=course.is_practicum and not has_active_certificate(course.instructor),
            )
        except ValidationError as error:
            raise _course_error(error) from None
        # The instructor's own week topics come along; the curriculum's stay the curriculum's.
        topics = {
            new.pk: old.topic
            for new, old in zip(repeated.sessions.order_by("week_number"), sessions, strict=False)
            if old.topic and old.topic != new.week_topic
        }
        if topics:
            edit_session_topics(repeated, actor=actor, topics=topics)
    return repeated


@busy_as(PublishingError)
def publish_course(course: Course, *, actor: User) -> Course:
    """Publish a draft course: certified instructors publish any course; a trainee in the practicum
    stage publishes practicum courses only. A course coordinator may publish on the instructor's behalf
    (recorded), under the instructor's certificate.

    Raises PublishingError when the instructor may not publish it, the course is not ready, or the course
    is locked by others for longer than the database waits.
    """
    instructor = course.instructor
    if not may_manage_course(actor, course):
        raise PublishingError(_("Only the course's instructor can publish it."))
    if not has_active_certificate(instructor):
        if practicum_enrollment(instructor) is None:
            raise PublishingError(_("An active instructor certificate is needed to publish a course."))
        if not course.is_practicum:
            raise PublishingError(
                _("While you are completing your practicum you can publish practicum courses only.")
            )
    try:
        return mark_course_published(course, actor=actor)
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


def queue_booking_notices() -> int:
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


def queue_booking_digests() -> int:
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
