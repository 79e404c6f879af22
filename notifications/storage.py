"""Where files generated for one person are kept: a storage that no public URL maps to."""

from __future__ import annotations

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    """STORAGES["private"]: a folder outside MEDIA_ROOT, or a private prefix of the bucket on S3.

    Files there reach people only through views that check who is asking (the recipient, the holder,
    staff with the permission), never at a guessable address.
    """
    return storages["private"]
