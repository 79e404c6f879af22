"""Profile photos: whatever is uploaded, it is either a photo we re-encode or refused with a message next to
the field, leaving the profile and the media storage as they were."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from certification.tests.factories import CertificateFactory
from instructors.models import InstructorProfile

pytestmark = pytest.mark.django_db

EDIT = reverse("instructors:profile_edit")
UNREADABLE = "This file is not a photo we can read. Please choose a JPEG, PNG or WebP image."
BOMB = "This image has too many pixels to process safely. Please choose a smaller photo."
FORMAT = "Please choose a JPEG, PNG or WebP image."


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A few hundred bytes that declare an enormous image: what a decompression bomb looks like to Pillow
    before it unpacks anything (a real one unpacks a small zlib stream into gigabytes)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    pixels = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", pixels)
        + png_chunk(b"IEND", b"")
    )


def image_bytes(image_format: str, size=(400, 300), **save) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, (120, 160, 140)).save(buffer, format=image_format, **save)
    return buffer.getvalue()


BAD_UPLOADS = {
    # Twice Pillow's pixel limit and more: refused when the header is read.
    "decompression bomb": ("bomb.png", png_claiming(50_000, 50_000), BOMB),
    # Above the limit but under twice it: Pillow only warns, and we refuse all the same.
    "large decompression bomb warning": ("big.png", png_claiming(10_000, 10_000), BOMB),
    "a script as an SVG": (
        "me.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        UNREADABLE,
    ),
    "HTML named like a photo": ("me.jpg", b"<html><script>alert(1)</script></html>", UNREADABLE),
    "a PDF": ("me.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", UNREADABLE),
    "a GIF": ("me.gif", image_bytes("GIF"), FORMAT),
    "a truncated JPEG": ("me.jpg", image_bytes("JPEG")[:200], UNREADABLE),
    "over 5 MB": ("big.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "Please choose one under 5 MB."),
}


@pytest.fixture
def instructor(instructor):
    """Carol, certified: the profile page is hers to edit."""
    CertificateFactory(holder=instructor)
    return instructor


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()]


def profile_fields(**overrides) -> dict:
    return {
        "display_name": "Carol Castro",
        "bio": "Midwife for twelve years.",
        "city": "Madrid",
        "country": "ES",
        "notice_preference": "each",
        "is_public": "on",
        **overrides,
    }


@pytest.mark.parametrize("upload", sorted(BAD_UPLOADS))
def test_a_bad_upload_is_refused_next_to_the_field_and_stores_nothing(upload, client, instructor, media):
    filename, content, message = BAD_UPLOADS[upload]
    client.force_login(instructor)

    response = client.post(EDIT, profile_fields(photo=SimpleUploadedFile(filename, content)))

    assert response.status_code == 200
    errors = response.context["form"].errors["photo"]
    assert any(message in error for error in errors), errors
    page = response.content.decode()
    assert 'aria-describedby="id_photo_helptext id_photo_error"' in page
    assert not InstructorProfile.objects.filter(user=instructor).exists()
    assert stored_files(media) == []


def test_a_bad_upload_leaves_the_current_photo_in_place(client, instructor, media):
    client.force_login(instructor)
    client.post(EDIT, profile_fields(photo=SimpleUploadedFile("me.png", image_bytes("PNG"))))
    photo = InstructorProfile.objects.get(user=instructor).photo.name

    client.post(EDIT, profile_fields(photo=SimpleUploadedFile("bomb.png", png_claiming(50_000, 50_000))))

    assert InstructorProfile.objects.get(user=instructor).photo.name == photo
    assert [path.name for path in stored_files(media)] == [photo.rsplit("/", 1)[-1]]


def test_where_a_photo_was_taken_is_not_kept(client, instructor, media):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (40.0, 25.0, 0.0), 3: "W", 4: (3.0, 42.0, 0.0)}  # GPSInfo: Madrid
    exif[0x010F] = "PhoneMaker"
    client.force_login(instructor)

    client.post(EDIT, profile_fields(photo=SimpleUploadedFile("me.jpg", image_bytes("JPEG", exif=exif))))

    profile = InstructorProfile.objects.get(user=instructor)
    with profile.photo.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
