from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.tests.redis_cache import RedisCacheUnderTest, using_redis_cache

# The fake Stripe server the payments tests run (localstripe), for places paid and refunded online.
from payments.tests.conftest import _stripe_process, stripe_server  # noqa: F401


@pytest.fixture
def redis_cache() -> Iterator[RedisCacheUnderTest]:
    with using_redis_cache() as cache:
        yield cache
