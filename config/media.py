"""Public media (instructor photos) served from the local disk, in every deployment.

Only folders on PUBLIC_PREFIXES are served: anything else that ends up under MEDIA_ROOT (files an older
version kept there, such as outbox attachments and certificate PDFs) answers 404 like a missing file.
On S3 the bucket's own URLs are used and no route is added.
"""

from __future__ import annotations

import mimetypes
import os
import stat

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, Http404
from django.urls import URLPattern, path
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date
from django.views.decorators.http import require_safe

# Folders whose files anyone may fetch; everything else in the default storage stays unserved.
PUBLIC_PREFIXES = ("instructors/photos/",)

# A new photo gets a new file name, so a cached copy is never stale; a day bounds how long browsers and
# proxies keep a photo its instructor has removed.
MAX_AGE = 24 * 60 * 60


def public_name(requested: str) -> str | None:
    """The storage name for a requested path, or None unless it is a plain relative path in a public folder.

    Refuses "..", ".", empty segments, absolute paths and backslashes rather than normalising them, so
    one file has exactly one address.
    """
    if "\\" in requested or "\x00" in requested:
        return None
    # An absolute path, a doubled or trailing slash all show up as an empty segment.
    if any(part in ("", ".", "..") for part in requested.split("/")):
        return None
    if not requested.startswith(PUBLIC_PREFIXES):
        return None
    return requested


def _stat_on_disk(name: str) -> os.stat_result:
    """The file's stat; it must be a regular file at exactly that name under MEDIA_ROOT.

    A symbolic link on the way is refused even when it points inside MEDIA_ROOT: it could lead from a
    public folder into a private one.
    """
    try:
        full_path = default_storage.path(name)
    except SuspiciousFileOperation:
        raise Http404 from None
    root = os.path.realpath(default_storage.location)
    if os.path.realpath(full_path) != os.path.join(root, *name.split("/")):
        raise Http404
    try:
        file_stat = os.stat(full_path)
    except OSError:
        raise Http404 from None
    if not stat.S_ISREG(file_stat.st_mode):
        raise Http404
    return file_stat


@require_safe
def serve_public_media(request, path: str):
    """A public file, cacheable by anyone; 304 when the browser's copy is still the one on disk."""
    name = public_name(path)
    if name is None:
        raise Http404
    file_stat = _stat_on_disk(name)
    etag = f'"{file_stat.st_mtime_ns:x}-{file_stat.st_size:x}"'
    last_modified = int(file_stat.st_mtime)
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


def media_urlpatterns() -> list[URLPattern]:
    """The /media/ route when the default storage is the local disk and MEDIA_URL a path on this site."""
    if not isinstance(default_storage, FileSystemStorage) or not settings.MEDIA_URL.startswith("/"):
        return []
    return [path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", serve_public_media, name="media")]
