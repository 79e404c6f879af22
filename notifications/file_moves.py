"""Moving files that earlier versions kept in public media into the private storage (used by migrations)."""

from __future__ import annotations

from django.core.files.storage import storages


def move_to_private(names) -> int:
    """Copy each named file from the public media storage to the private one, then delete the public copy.

    Files already moved, or missing, are left alone; the same name is kept, so rows need no update.
    """
    public, private = storages["default"], storages["private"]
    moved = 0
    for name in names:
        if not name or not public.exists(name):
            continue
        if not private.exists(name):
            with public.open(name, "rb") as handle:
                private.save(name, handle)
        public.delete(name)
        moved += 1
    return moved
