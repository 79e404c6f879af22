"""The instructor's profile: editing it at /teach/profile/ (with a photo that is checked, resized and
stored), and the public page with its live certificate badge and upcoming courses."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from certification.tests.factories import CertificateFactory
from instructors.models import InstructorProfile
from instructors.tests.factories import InstructorProfileFactory

pytestmark = pytest.mark.django_db

EDIT = reverse("instructors:profile_edit")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def image_file(size=(1200, 900), image_format="JPEG", name="me.jpg") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", size, (120, 160, 140)).save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{image_format.lower()}")


def profile_fields(**overrides) -> dict:
    fields = {
        "display_name": "Carol Castro",
        "bio": "Midwife for twelve years.",
        "backgrounds": ["midwife", "parent"],
        "languages": ["es", "en"],
        "city": "  Madrid ",
        "country": "ES",
        "offers_private_sessions": "on",
        "notice_preference": "daily_digest",
        "is_public": "on",
    }
    fields.update(overrides)
    return fields


class TestEditProfile:
    def test_an_instructor_creates_their_profile_with_a_resized_photo(self, client, certified):
        client.force_login(certified)

        response = client.post(EDIT, profile_fields(photo=image_file(size=(1600, 1200))))

        assert response.status_code == 302
        profile = InstructorProfile.objects.get(user=certified)
        assert profile.city == "Madrid"
        assert sorted(b.background for b in profile.backgrounds.all()) == ["midwife", "parent"]
        assert profile.notice_preference == "daily_digest"
        with profile.photo.open("rb") as stored, Image.open(stored) as image:
            assert image.size == (800, 600)

    def test_the_form_shows_what_is_saved(self, client, certified):
        client.force_login(certified)
        client.post(EDIT, profile_fields())

        form = client.get(EDIT).context["form"]

        assert form["display_name"].value() == "Carol Castro"
        assert sorted(form["languages"].value()) == ["en", "es"]

    def test_a_file_that_is_not_an_image_is_refused_with_a_clear_message(self, client, certified):
        client.force_login(certified)

        response = client.post(
            EDIT,
            profile_fields(
                photo=SimpleUploadedFile("me.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
            ),
        )

        assert response.status_code == 200
        assert response.context["form"].errors["photo"] == [
            "This file is not a photo we can read. Please choose a JPEG, PNG or WebP image."
        ]
        assert not InstructorProfile.objects.exists()

    def test_a_gif_is_refused(self, client, certified):
        client.force_login(certified)

        response = client.post(EDIT, profile_fields(photo=image_file(image_format="GIF", name="me.gif")))

        assert response.context["form"].errors["photo"] == ["Please choose a JPEG, PNG or WebP image."]

    def test_a_photo_over_5_mb_is_refused(self, client, certified):
        client.force_login(certified)
        huge = SimpleUploadedFile(
            "big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 1), content_type="image/jpeg"
        )

        response = client.post(EDIT, profile_fields(photo=huge))

        assert response.context["form"].errors["photo"] == [
            "This photo is 5.0 MB. Please choose one under 5 MB."
        ]

    def test_a_decompression_bomb_is_refused(self, client, certified, monkeypatch):
        # Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that; a small limit makes a
        # 200 × 200 image a "bomb" without building a real one in memory.
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
        client.force_login(certified)

        for size in ((120, 120), (200, 200)):  # the warning, then the error
            response = client.post(EDIT, profile_fields(photo=image_file(size=size, image_format="PNG")))

            assert response.context["form"].errors["photo"] == [
                "This image has too many pixels to process safely. Please choose a smaller photo."
            ]
        assert not InstructorProfile.objects.exists()

    def test_the_photo_can_be_removed(self, client, certified):
        client.force_login(certified)
        client.post(EDIT, profile_fields(photo=image_file()))

        client.post(EDIT, profile_fields(remove_photo="on"))

        assert not InstructorProfile.objects.get(user=certified).photo


class TestPublicProfile:
    def test_the_badge_is_live_valid(self, client, certified):
        certificate = certified.certificates.get()
        profile = InstructorProfileFactory(user=certified, slug="carol")

        page = client.get(profile.get_absolute_url()).content.decode()

        assert "Valid" in page
        assert f"Certificate {certificate.number}" in page

    def test_the_badge_says_expired_the_moment_the_certificate_lapses(self, client, instructor):
        CertificateFactory(
            holder=instructor,
            issued_at=timezone.now() - timedelta(days=365),
            valid_until=timezone.now() - timedelta(minutes=1),
        )
        profile = InstructorProfileFactory(user=instructor, slug="carol")

        response = client.get(profile.get_absolute_url())

        assert response.context["badge"].status == "expired"
        assert "Expired" in response.content.decode()

    def test_the_badge_says_revoked(self, client, instructor):
        CertificateFactory(
            holder=instructor,
            revoked_at=timezone.now(),
            revocation_reason="Breach of the code of ethics.",
            public_statement="Revoked.",
        )
        profile = InstructorProfileFactory(user=instructor, slug="carol")

        assert client.get(profile.get_absolute_url()).context["badge"].status == "revoked"

    def test_upcoming_published_courses_are_listed_and_drafts_are_not(self, client, certified, make_course):
        make_course(certified, title="Spring course")
        make_course(certified, title="Secret draft", days_ahead=30, publish=False)
        profile = InstructorProfileFactory(user=certified, slug="carol")

        page = client.get(profile.get_absolute_url()).content.decode()

        assert "Spring course" in page
        assert "Secret draft" not in page

    def test_an_unknown_slug_is_a_404(self, client):
        assert client.get(reverse("instructors:profile_detail", kwargs={"slug": "nobody"})).status_code == 404
