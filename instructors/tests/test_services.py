"""Instructors' services: publishing under the certificate rules (docs/domain.md), building a course with a
new venue, and the profile photo."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from certification.tests.factories import CertificateFactory
from classes.models import Course, Venue
from classes.services import CourseError, SessionPlan
from instructors.models import InstructorProfile
from instructors.services import ProfileError, PublishingError, build_course, publish_course, save_profile

pytestmark = pytest.mark.django_db


def photo_upload(size=(1600, 1200), image_format="PNG", mode="RGB", name="me.png") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new(mode, size, (200, 120, 90) if mode == "RGB" else None).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


class TestPublishing:
    def test_publishing_is_refused_without_an_active_certificate(self, instructor, make_course):
        draft = make_course(instructor, publish=False)

        with pytest.raises(PublishingError, match="An active instructor certificate is needed"):
            publish_course(draft, actor=instructor)

        draft.refresh_from_db()
        assert draft.status == Course.Status.DRAFT

    @pytest.mark.parametrize(
        "certificate",
        [
            {
                "issued_at": timezone.now() - timedelta(days=400),
                "valid_until": timezone.now() - timedelta(days=35),
            },
            {
                "revoked_at": timezone.now() - timedelta(days=1),
                "revocation_reason": "Breach of the code of ethics.",
                "public_statement": "Revoked by the association.",
            },
        ],
        ids=["expired", "revoked"],
    )
    def test_an_expired_or_revoked_certificate_does_not_publish(self, instructor, make_course, certificate):
        CertificateFactory(holder=instructor, **certificate)
        draft = make_course(instructor, publish=False)

        with pytest.raises(PublishingError, match="An active instructor certificate is needed"):
            publish_course(draft, actor=instructor)

    def test_a_certified_instructor_publishes(self, certified, make_course):
        draft = make_course(certified, publish=False)

        course = publish_course(draft, actor=certified)

        assert course.status == Course.Status.PUBLISHED
        assert course.published_at is not None

    def test_a_trainee_in_the_practicum_stage_publishes_a_practicum_course(
        self, practicum_trainee, make_course
    ):
        draft = make_course(practicum_trainee, publish=False, is_practicum=True)

        assert publish_course(draft, actor=practicum_trainee).status == Course.Status.PUBLISHED

    def test_a_trainee_may_not_publish_a_course_that_is_not_a_practicum(self, practicum_trainee, make_course):
        draft = make_course(practicum_trainee, publish=False)

        with pytest.raises(PublishingError, match="practicum courses only"):
            publish_course(draft, actor=practicum_trainee)

    def test_someone_else_cannot_publish_my_course(self, certified, other_certified, make_course):
        draft = make_course(certified, publish=False)

        with pytest.raises(PublishingError, match="Only the course's instructor"):
            publish_course(draft, actor=other_certified)


class TestBuildCourse:
    def test_a_new_venue_and_the_course_are_made_together(self, instructor):
        course = build_course(
            instructor,
            plan=SessionPlan(first_local=datetime(2027, 3, 16, 18, 0), weeks=5, duration_minutes=75),
            new_venue={
                "name": "Casa Nido",
                "address": "Calle Mayor 3",
                "city": "Madrid",
                "country": "ES",
                "time_zone": "Europe/Madrid",
                "accessibility_notes": "",
            },
            title="Spring course",
            format=Course.Format.VENUE,
            venue=None,
        )

        assert course.venue.owner == instructor
        assert course.time_zone == "Europe/Madrid"
        assert course.sessions.count() == 5

    def test_nothing_is_made_when_the_sessions_are_refused(self, instructor):
        with pytest.raises(CourseError, match="past"):
            build_course(
                instructor,
                plan=SessionPlan(first_local=datetime(2020, 1, 7, 18, 0)),
                new_venue={
                    "name": "Casa Nido",
                    "address": "Calle Mayor 3",
                    "city": "Madrid",
                    "country": "ES",
                    "time_zone": "Europe/Madrid",
                    "accessibility_notes": "",
                },
                title="Too late",
                format=Course.Format.VENUE,
                venue=None,
            )

        assert not Venue.objects.exists()
        assert not Course.objects.exists()


class TestProfilePhoto:
    @pytest.fixture(autouse=True)
    def _media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path

    def test_a_photo_is_resized_to_800_pixels_and_stored_as_jpeg(self, instructor):
        profile = save_profile(instructor, display_name="Carol Castro", photo=photo_upload(size=(2400, 1200)))

        with profile.photo.open("rb") as stored, Image.open(stored) as image:
            assert image.format == "JPEG"
            assert image.size == (800, 400)

    def test_a_transparent_photo_gets_a_white_background(self, instructor):
        profile = save_profile(
            instructor, display_name="Carol Castro", photo=photo_upload(size=(50, 50), mode="RGBA")
        )

        with profile.photo.open("rb") as stored, Image.open(stored) as image:
            assert image.getpixel((10, 10)) == (255, 255, 255)

    def test_a_replaced_photo_is_deleted_after_commit(self, instructor, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            first = save_profile(instructor, display_name="Carol", photo=photo_upload()).photo.name
        with django_capture_on_commit_callbacks(execute=True):
            second = save_profile(instructor, display_name="Carol", photo=photo_upload()).photo.name

        storage = InstructorProfile._meta.get_field("photo").storage
        assert first != second
        assert not storage.exists(first)
        assert storage.exists(second)

    def test_a_file_that_is_not_an_image_is_refused_and_nothing_stored(self, instructor, tmp_path):
        with pytest.raises(ProfileError, match="not a photo we can read"):
            save_profile(
                instructor,
                display_name="Carol",
                photo=SimpleUploadedFile("me.png", b"%PDF-1.4 not an image", content_type="image/png"),
            )

        assert not InstructorProfile.objects.exists()
        assert not list(tmp_path.rglob("*.jpg"))

    def test_the_photo_can_be_removed(self, instructor):
        save_profile(instructor, display_name="Carol", photo=photo_upload())

        profile = save_profile(instructor, display_name="Carol", remove_photo=True)

        assert not profile.photo
