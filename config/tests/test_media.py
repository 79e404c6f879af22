"""Public media in every deployment: instructor photos are served at MEDIA_URL from the local disk with
DEBUG off, cacheable and revalidated; nothing outside the public folders is, whatever the path says."""

from __future__ import annotations

import os
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.http import http_date
from PIL import Image

from config.media import media_urlpatterns
from instructors.services import save_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_root(settings, tmp_path):
    """MEDIA_ROOT in a folder of its own, with files beside it that no address may reach."""
    settings.DEBUG = False
    root = tmp_path / "media"
    (root / "instructors" / "photos").mkdir(parents=True)
    settings.MEDIA_ROOT = root
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.py").write_text("SECRET_KEY = 'not for the web'\n")
    return root


def photo_upload() -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (400, 300), (120, 160, 140)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def photo_url(media_root, instructor) -> str:
    profile = save_profile(instructor, display_name="Carol Castro", photo=photo_upload())
    return profile.photo.url


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_an_instructor_photo_is_served_with_debug_off(client, media_root, photo_url):
    response = client.get(photo_url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert body(response) == (media_root / photo_url.removeprefix("/media/")).read_bytes()
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert response["ETag"] and response["Last-Modified"]


def test_a_photo_the_browser_has_is_not_sent_again(client, photo_url):
    first = client.get(photo_url)

    by_etag = client.get(photo_url, headers={"If-None-Match": first["ETag"]})
    by_date = client.get(photo_url, headers={"If-Modified-Since": first["Last-Modified"]})

    assert by_etag.status_code == 304 and by_date.status_code == 304
    assert not by_etag.content and not by_date.content
    assert "max-age=" in by_etag["Cache-Control"] and by_etag["ETag"] == first["ETag"]


def test_a_changed_photo_is_sent_again(client, media_root, photo_url):
    first = client.get(photo_url)
    stored = media_root / photo_url.removeprefix("/media/")
    later = os.stat(stored).st_mtime + 3600
    os.utime(stored, (later, later))

    by_etag = client.get(photo_url, headers={"If-None-Match": first["ETag"]})
    by_date = client.get(photo_url, headers={"If-Modified-Since": first["Last-Modified"]})

    assert by_etag.status_code == 200 and by_date.status_code == 200
    assert by_date["Last-Modified"] == http_date(int(later))


def test_a_head_request_gets_the_headers(client, photo_url):
    response = client.head(photo_url)

    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"


def test_a_photo_cannot_be_posted_to(client, photo_url):
    assert client.post(photo_url).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/media/../config/settings.py",
        "/media/%2e%2e/config/settings.py",
        "/media/instructors/photos/../../../config/settings.py",
        "/media/instructors/photos/%2e%2e/%2e%2e/%2e%2e/config/settings.py",
        "/media/instructors/photos/..%2f..%2f..%2fconfig/settings.py",
        "/media/instructors/photos/..%5c..%5c..%5cconfig%5csettings.py",
    ],
)
def test_a_path_out_of_media_root_is_404(client, media_root, path):
    response = client.get(path)

    assert response.status_code == 404
    assert b"not for the web" not in body(response)


@pytest.mark.parametrize(
    "name",
    [
        "outbox/1/x.ics",
        "certificates/0123abcd/IMC-2026-00001-r1.pdf",
        "private-notes.txt",
        "instructors/secret.txt",
    ],
)
def test_a_file_outside_the_public_folders_is_404_even_though_it_exists(client, media_root, name):
    stored = media_root / name
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"left over from an earlier version")

    response = client.get(f"/media/{name}")

    assert response.status_code == 404
    assert b"left over" not in body(response)


def test_a_public_file_reached_by_a_roundabout_path_is_404(client, photo_url):
    name = photo_url.removeprefix("/media/instructors/photos/")

    assert client.get(f"/media/instructors/photos/./{name}").status_code == 404
    assert client.get(f"/media/instructors//photos/{name}").status_code == 404
    assert client.get(f"/media/instructors/x/../photos/{name}").status_code == 404


def test_an_absolute_path_is_404(client, media_root):
    assert client.get(f"/media/{media_root}/instructors/photos/x.jpg").status_code == 404
    assert client.get("/media//etc/passwd").status_code == 404


def test_a_link_in_the_photo_folder_to_a_file_elsewhere_is_404(client, media_root, tmp_path):
    (media_root / "instructors" / "photos" / "link.jpg").symlink_to(tmp_path / "config" / "settings.py")

    response = client.get("/media/instructors/photos/link.jpg")

    assert response.status_code == 404
    assert b"not for the web" not in body(response)


def test_a_link_in_the_photo_folder_to_a_private_file_in_media_root_is_404(client, media_root):
    leftover = media_root / "outbox" / "1" / "x.ics"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"BEGIN:VCALENDAR")
    (media_root / "instructors" / "photos" / "invite.jpg").symlink_to(leftover)

    assert client.get("/media/instructors/photos/invite.jpg").status_code == 404


def test_a_missing_photo_is_404(client, media_root):
    assert client.get("/media/instructors/photos/gone.jpg").status_code == 404
    assert client.get("/media/instructors/photos/").status_code == 404


def test_media_is_routed_only_when_it_is_on_the_local_disk(settings):
    assert [pattern.name for pattern in media_urlpatterns()] == ["media"]

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }

    assert media_urlpatterns() == []
