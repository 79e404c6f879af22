"""The cache production runs, for tests whose subject lives in it: rate limits and the visitors' pages.

The test settings use a per-process memory cache, which no replica shares and nothing can fill up; a rate
limit or a key count measured there says nothing about Redis. These tests run on the local Redis instead,
database 12 (9 and 11 belong to other suites), under a key prefix of the test's own, and delete only that
prefix's keys afterwards: the server is shared, so nothing is ever flushed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis
from django.test import override_settings

from tests.support import delete_keys, redis_cache_settings

REDIS_CACHE_URL = "redis://127.0.0.1:6379/12"


@dataclass(frozen=True)
class RedisCacheUnderTest:
    url: str
    prefix: str

    def stored_keys(self) -> set[str]:
        """Every key this test's cache holds (SCAN, never KEYS: the server is shared)."""
        client = redis.Redis.from_url(self.url)
        try:
            return {key.decode() for key in client.scan_iter(match=f"{self.prefix}:*", count=1000)}
        finally:
            client.close()


@contextmanager
def using_redis_cache() -> Iterator[RedisCacheUnderTest]:
    """Point the default cache at Redis under a fresh prefix for the duration.

    override_settings sends setting_changed, on which Django's test signals close the open cache
    connections and forget the cache handlers, so `django.core.cache.cache` (allauth's rate limits, ours,
    the page cache) reaches Redis inside the block and the memory cache again after it.
    """
    prefix = f"nt-test-{uuid.uuid4().hex[:12]}"
    try:
        with override_settings(CACHES=redis_cache_settings(REDIS_CACHE_URL, prefix)):
            yield RedisCacheUnderTest(url=REDIS_CACHE_URL, prefix=prefix)
    finally:
        delete_keys(REDIS_CACHE_URL, f"{prefix}:")
