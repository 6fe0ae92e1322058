"""Django's Redis cache, made to degrade instead of raise when Redis cannot be reached.

Django's built-in RedisCache lets redis-py's ConnectionError escape, so a Redis restart
would turn every page into a 500. Nothing Lectern keeps in the cache is the only copy:
sessions are cached_db (the database has them), page data is recomputed, and rate-limit
counters simply start again. So while Redis is away every read is a miss, every write is
dropped, `incr` counts from `delta`, and `add` reports success: a lock taken with `add`
(allauth's rate limiter takes one around each sign-in) cannot exist without Redis, and
reporting failure would make every sign-in wait for it and end in a 429. Rate limits
therefore fail open while Redis is down; sign-in keeps working.

After a failure the process leaves Redis alone for RETRY_SECONDS (an OPTIONS key, 5 by
default) instead of paying a connection attempt on every cache call of every request."""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a new `redis.Redis` for every cache call, and redis-py sets up
    its table of ~170 response callbacks in each: 0.4 ms of CPU per call in the signed-in
    profile (bench/README.md "The signed-in baseline"). A `redis.Redis` is safe to share
    between threads (its connection pool hands each command a connection; a forked process
    gets a fresh pool), so one is kept per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class FailSoftRedisCache(RedisCache):
    """RedisCache whose reads miss and writes are skipped while Redis is unreachable."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._unavailable_until = 0.0

    @property
    def is_skipping(self) -> bool:
        """True while the process is leaving Redis alone after a failure."""
        return time.monotonic() < self._unavailable_until

    def _soft(self, fallback, operation, *args, **kwargs):
        if self.is_skipping:
            return fallback
        try:
            return operation(*args, **kwargs)
        except UNAVAILABLE as exc:
            self._unavailable_until = time.monotonic() + self.retry_seconds
            logger.warning("Redis cache unavailable (%s); serving without it for %.0f s", exc, self.retry_seconds)
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._soft(default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._soft(False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._soft(False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._soft({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._soft(False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        return self._soft(delta, super().incr, key, delta, version)

    def count_in_window(self, key, timeout: int, version=None) -> int:
        """Add one to the counter `key`, made with this `timeout` when missing, and return it:
        `add(key, 0, timeout)` then `incr(key)` in one round trip (a pipeline of SET NX EX
        and INCR, which keeps the TTL) instead of Django's three (SET NX, EXISTS, INCR).
        While Redis is away it counts from 1, as `incr` does."""
        return self._soft(1, self._count_in_window, key, timeout, version)

    def _count_in_window(self, key, timeout, version):
        key = self.make_and_validate_key(key, version=version)
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, 0, ex=int(timeout), nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # The contract: return the keys that could not be stored.
        return self._soft(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._soft(None, super().delete_many, keys, version)

    def clear(self):
        return self._soft(False, super().clear)
