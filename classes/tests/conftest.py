from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.tests.redis_cache import RedisCacheUnderTest, using_redis_cache


@pytest.fixture
def redis_cache() -> Iterator[RedisCacheUnderTest]:
    with using_redis_cache() as cache:
        yield cache
