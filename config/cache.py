"""Django's Redis cache backend, keeping one Redis client per connection pool.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and redis-py 8 fills a table of
some 170 response callbacks each time it does: measured on the catalog served from the cache, that was a
fifth of the request. The client is a thin, thread-safe wrapper around the pool (Django keeps a cache
object per thread anyway), so one per pool serves every call.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
