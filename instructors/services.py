"""Writes for instructors: profiles, and publishing — the one door through which a course goes public."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from certification.selectors import has_active_certificate, practicum_enrollment
from classes.models import Course
from classes.services import CourseError, mark_course_published
from instructors.models import InstructorBackground, InstructorLanguage, InstructorProfile


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
