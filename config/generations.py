"""Cached values that stay valid until what they are derived from changes.

A *generation* is a random token under its own cache key. Every entry is stored as
(generation, value) and is served only while the generation is still the current one, so
invalidating is one write (`generation_bump`) and stale entries are never enumerated: they
stop matching and expire. The generation and the entry are read in one round trip.

A bump happens at once and again after the current transaction commits: a reader that read
the old rows before the commit stores its value under the generation of the first bump,
which the second makes stale. A cache outage degrades to building the value every time.

Used by the anonymous page cache and the course structure (coursepages.page_cache), and the
header's unread counts (messaging.selectors)."""

import logging
import uuid

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


def _set_new(generation_key: str, timeout: int | None) -> None:
    try:
        cache.set(generation_key, uuid.uuid4().hex, timeout=timeout)
    except Exception:  # a cache outage must not fail the write; entries still expire
        logger.exception("could not start a new generation for %s", generation_key)


def generation_bump(generation_key: str, *, timeout: int | None = None) -> None:
    """Make every entry of this generation stale: now, and again once the transaction commits."""
    _set_new(generation_key, timeout)
    transaction.on_commit(lambda: _set_new(generation_key, timeout))


def generation_current(found: dict, generation_key: str, *, timeout: int | None = None) -> str | None:
    """The current generation from a get_many result that asked for `generation_key`; a new one
    if there is none yet (first use, or the cache lost it); None if the cache keeps nothing."""
    generation = found.get(generation_key)
    if generation is None:
        cache.add(generation_key, uuid.uuid4().hex, timeout=timeout)
        generation = cache.get(generation_key)
    return generation


def generation_cached(key: str, build, *, generation_key: str, timeout: int = 3600,
                      generation_timeout: int | None = None):
    """The value stored under `key` in the current generation, else `build()`, stored."""
    try:
        found = cache.get_many([generation_key, key])
        generation = generation_current(found, generation_key, timeout=generation_timeout)
    except Exception:
        logger.exception("cache lookup failed for %s", key)
        return build()
    entry = found.get(key)
    if generation is not None and entry is not None and entry[0] == generation:
        return entry[1]
    value = build()
    if generation is not None:
        try:
            cache.set(key, (generation, value), timeout)
        except Exception:
            logger.exception("could not store %s", key)
    return value
