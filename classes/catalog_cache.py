"""The shared cache behind the catalog and course pages: the catalog version every change bumps after it
commits, values kept for a version, fragments (cards, the filter form), and the filters' choices kept until
the listing changes (docs/architecture.md, Caching)."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache

from classes.models import Course

logger = logging.getLogger(__name__)

CATALOG_VERSION_KEY = "classes:catalog-version"


def cache_is_shared() -> bool:
    """Whether every process reads and writes the same cache (Redis). A per-process memory cache (`make run`
    without REDIS_URL, the test suite) would keep pages that a bump in another process, a worker expiring
    an offer or another web worker taking a booking, has made stale: there nothing is cached."""
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def catalog_version() -> int | None:
    """The generation of what the catalog and course pages show, read from the shared cache; None when
    there is no shared cache or it cannot be reached, and then nothing is cached.

    A cached page is stored under the generation read *before* its rows were read, and every change to
    what these pages show bumps the generation after it commits, so no visitor is served a page older
    than the last committed change (places left stay exact).
    """
    if not cache_is_shared():
        return None
    try:
        version = cache.get(CATALOG_VERSION_KEY)
        if version is None:
            # A lost generation (evicted, or the first read) restarts from a number no earlier generation
            # used, so pages cached before it can never be taken as current.
            cache.add(CATALOG_VERSION_KEY, time.time_ns(), timeout=None)
            version = cache.get(CATALOG_VERSION_KEY)
    except Exception:
        logger.warning("Catalog cache unreachable; pages are read from the database.", exc_info=True)
        return None
    return version


def cached_for_catalog_version(key: str, *also: str) -> tuple[int | None, Any, dict[str, Any]]:
    """The catalog version and the value cached under `key` if it was stored for that version (else None),
    with whatever is kept under the keys `also` (as cached_fragments reads them), in one round trip; the
    version is None when nothing may be cached."""
    if not cache_is_shared():
        return None, None, {}
    try:
        found = cache.get_many([CATALOG_VERSION_KEY, key, *also])
    except Exception:
        logger.warning("Catalog cache unreachable; pages are read from the database.", exc_info=True)
        return None, None, {}
    extras = {name: found[name] for name in also if name in found}
    version = found.get(CATALOG_VERSION_KEY)
    if version is None:
        return catalog_version(), None, extras
    stored_version, value = found.get(key, (None, None))
    return version, value if stored_version == version else None, extras


def cache_for_catalog_version(key: str, value: Any, *, version: int, seconds: int) -> None:
    """Keep `value` under `key` for this catalog version (read it with cached_for_catalog_version)."""
    try:
        cache.set(key, (version, value), timeout=seconds)
    except Exception:
        logger.warning("Catalog cache unreachable; nothing kept.", exc_info=True)


def cached_fragments(keys: Sequence[str]) -> dict[str, Any]:
    """The values the shared cache keeps under these keys, read in one round trip ({} when it cannot be
    reached). Callers name the catalog version in each key, so a bump leaves every fragment behind."""
    try:
        return cache.get_many(keys)
    except Exception:
        logger.warning("Catalog cache unreachable; fragments are rendered again.", exc_info=True)
        return {}


def cache_fragments(fragments: dict[str, Any], *, seconds: int) -> None:
    """Keep these values under their keys for `seconds` (read them with cached_fragments)."""
    try:
        cache.set_many(fragments, timeout=seconds)
    except Exception:
        logger.warning("Catalog cache unreachable; nothing kept.", exc_info=True)


def bump_catalog_version() -> None:
    """Make every cached catalog and course page stale. Services that change availability, a course or
    its sessions call it on commit: ``transaction.on_commit(bump_catalog_version)``. Never raises, so that
    a cache outage cannot turn a committed booking into an error page."""
    if not cache_is_shared():
        return
    try:
        try:
            cache.incr(CATALOG_VERSION_KEY)
        except ValueError:
            cache.add(CATALOG_VERSION_KEY, time.time_ns(), timeout=None)
    except Exception:
        logger.error("Could not bump the catalog version; cached pages may lag.", exc_info=True)


def bump_catalog_listing() -> None:
    """As bump_catalog_version, for a change to which courses are listed and how (a course published,
    cancelled or edited): the filters' choices (catalog_facets) are read again too."""
    bump_catalog_version()
    if not cache_is_shared():
        return
    try:
        cache.delete(CATALOG_FACETS_KEY)
    except Exception:
        logger.error("Could not forget the catalog's filter choices; they may lag.", exc_info=True)


CATALOG_FACETS_KEY = "classes:catalog-facets"


def catalog_facets(*, kept: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """What the catalog's filters are checked against: the language codes published courses are taught
    in (the language filter's choices) and the countries of their venues (where a place name shared by
    several towns most likely means). Every catalog request, even one served from the cache, checks its
    filters against them first, and reading them costs a pass over the published courses: they are kept
    in the shared cache until a course is published, cancelled or edited (bump_catalog_listing), not
    merely until the next booking, and for an hour at most. `kept` is the value already read from the
    cache under CATALOG_FACETS_KEY, if the caller read it along with something else."""
    if kept is not None:
        return kept
    if cache_is_shared():
        try:
            facets = cache.get(CATALOG_FACETS_KEY)
        except Exception:
            logger.warning(
                "Catalog cache unreachable; filter choices are read from the database.", exc_info=True
            )
            facets = None
        if facets is not None:
            return facets
    published = Course.objects.published().order_by()
    facets = {
        "languages": sorted(set(published.values_list("language", flat=True).distinct())),
        "countries": sorted(
            set(published.exclude(venue=None).values_list("venue__country", flat=True).distinct())
        ),
    }
    if cache_is_shared():
        cache_fragments({CATALOG_FACETS_KEY: facets}, seconds=3600)
    return facets
