"""Cached values that stay valid until what they are derived from changes.

A *generation* is a random token under its own cache key. Every entry is stored as
(generation, value) and is served only while the generation is still the current one, so
invalidating is one write (`generation_bump`) and stale entries are never enumerated: they
stop matching and expire. The generation and the entry are read in one round trip, and a
request reads each generation once.

A bump happens at once and again after the current transaction commits: a reader that read
the old rows before the commit stores its value under the generation of the first bump,
which the second makes stale. A cache outage degrades to building the value every time.

Round trips are shared: the generations registered in READ_WITH_SESSION (the pages') come with
the session's own read (core.sessions), and a value a request is known to need later (the
header's unread counts, `generation_hint`) comes with the next round trip any generation read
makes, so a signed-in lesson page reads Redis twice, not four times.

Used by the anonymous page cache and the course structure (coursepages.page_cache), and the
header's unread counts (messaging.selectors)."""

import logging
import threading
import time
import uuid
from collections import OrderedDict
from contextvars import ContextVar

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.base import ModelState

logger = logging.getLogger(__name__)

# Within one request each generation is read from the cache once (GenerationSnapshotMiddleware);
# outside a request (tasks, commands, tests calling services) it is read on every use.
_snapshot: ContextVar[dict | None] = ContextVar("lectern_generations", default=None)

# Values asked for with local=True are also kept in this process, by key and generation: a
# course's structure is read on every lesson page, and fetching and unpickling it from Redis
# cost more than the rest of the lookups together. Still only valid while its generation is
# the current one in the shared cache, so no process can serve what another has invalidated.
LOCAL_ENTRIES = 512
# ...and for at most this long: a bump that never reached Redis (it was down for that one
# write) must not keep a process serving the old value until the next change.
LOCAL_SECONDS = 60
_local: OrderedDict = OrderedDict()
# Generations read with the session on every request (registered by the apps that need them
# on most pages, in AppConfig.ready()).
READ_WITH_SESSION: list[str] = []
# Snapshot entries that are not generations: what was hinted, and what was fetched ahead.
_HINTS = ("hints",)
_FETCHED = ("fetched",)
_local_lock = threading.Lock()
_MISSING = object()


def _local_get(key: str, generation: str):
    with _local_lock:
        entry = _local.get(key)
        if entry is None or entry[0] != generation or time.monotonic() - entry[2] > LOCAL_SECONDS:
            return _MISSING
        _local.move_to_end(key)
    return _own_copy(entry[1])


def _own_copy(value):
    """A model instance kept in the process is copied for each use, so what one request sets
    on it is not seen by another; other values kept there are never changed.

    The copy is what `copy.copy` makes of a model (its attributes, its own state and related
    objects cache), built directly: `copy.copy` goes through pickling's protocol (the model
    looked up in the app registry, the state dict copied twice), a tenth of a millisecond for
    the three instances a lesson page takes from here."""
    if not isinstance(value, models.Model):
        return value
    state = object.__new__(ModelState)
    state.__dict__.update(value._state.__dict__)
    state.fields_cache = dict(value._state.fields_cache)
    clone = object.__new__(type(value))
    clone.__dict__.update(value.__dict__)
    clone._state = state
    return clone


def _local_put(key: str, generation: str, value) -> None:
    with _local_lock:
        _local[key] = (generation, value, time.monotonic())
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


class GenerationSnapshotMiddleware:
    """Reads each generation at most once per request (the first use records it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _snapshot.set({})
        try:
            return self.get_response(request)
        finally:
            _snapshot.reset(token)


def generation_hint(key: str, generation_key: str) -> None:
    """This request will ask for `key`, cached under `generation_key` (generation_cached): fetch
    both with the next round trip a generation read makes rather than in one of their own."""
    snapshot = _snapshot.get()
    if snapshot is not None:
        snapshot.setdefault(_HINTS, {})[key] = generation_key


def generation_fetch(keys: list[str]) -> dict:
    """`cache.get_many(keys)`, in one round trip with the generations of READ_WITH_SESSION and
    what this request has hinted (`generation_hint`) but not read yet: those are recorded for the
    request (a generation the cache does not have is left to its first use, which starts one)."""
    snapshot = _snapshot.get()
    if snapshot is None:
        return cache.get_many(keys)
    hints = snapshot.pop(_HINTS, None) or {}
    wanted = dict.fromkeys(keys)
    for generation_key in READ_WITH_SESSION:
        if generation_key not in snapshot:
            wanted[generation_key] = None
    for key, generation_key in hints.items():
        if generation_key not in snapshot:
            wanted[generation_key] = None
        wanted[key] = None
    found = cache.get_many(list(wanted))
    for generation_key in [*READ_WITH_SESSION, *hints.values()]:
        if generation_key not in snapshot and found.get(generation_key) is not None:
            snapshot[generation_key] = found[generation_key]
    if hints:
        fetched = snapshot.setdefault(_FETCHED, {})
        for key in hints:
            fetched[key] = found.get(key)
    return found


def _entry(snapshot, key: str):
    """The stored entry of `key`: fetched ahead for this request (hinted), else from the cache."""
    fetched = snapshot.get(_FETCHED) if snapshot is not None else None
    if fetched and key in fetched:
        return fetched.pop(key)
    return cache.get(key)


def _set_new(generation_key: str, timeout: int | None) -> None:
    snapshot = _snapshot.get()
    if snapshot is not None:  # this request changed it: read it afresh from now on
        snapshot.pop(generation_key, None)
    try:
        cache.set(generation_key, uuid.uuid4().hex, timeout=timeout)
    except Exception:  # a cache outage must not fail the write; entries still expire (LOCAL_SECONDS, timeouts)
        logger.exception("could not start a new generation for %s", generation_key)


def generation_bump(generation_key: str, *, timeout: int | None = None) -> None:
    """Make every entry of this generation stale: now, and again once the transaction commits."""
    _set_new(generation_key, timeout)
    transaction.on_commit(lambda: _set_new(generation_key, timeout))


def generation_read_in_request(generation_key: str) -> str | None:
    """The generation this request has already read (None outside a request, or before the
    first use in it): what a per-process value keyed on it may be served under without a round
    trip of its own."""
    snapshot = _snapshot.get()
    return snapshot.get(generation_key) if snapshot is not None else None


def generation_current(found: dict, generation_key: str, *, timeout: int | None = None) -> str | None:
    """The current generation from a get_many result that asked for `generation_key`; a new one
    if there is none yet (first use, or the cache lost it); None if the cache keeps nothing."""
    generation = found.get(generation_key)
    if generation is None:
        cache.add(generation_key, uuid.uuid4().hex, timeout=timeout)
        generation = cache.get(generation_key)
    snapshot = _snapshot.get()
    if snapshot is not None and generation is not None:
        snapshot[generation_key] = generation
    return generation


def generation_cached(
    key: str,
    build,
    *,
    generation_key: str,
    timeout: int = 3600,
    generation_timeout: int | None = None,
    local: bool = False,
):
    """The value stored under `key` in the current generation, else `build()`, stored (unless
    None). With `local`, also kept in this process (for values read on most requests)."""
    snapshot = _snapshot.get()
    value = _MISSING
    try:
        generation = snapshot.get(generation_key) if snapshot is not None else None
        if generation is None:
            found = generation_fetch([generation_key] if local else [generation_key, key])
            generation = generation_current(found, generation_key, timeout=generation_timeout)
            entry = found.get(key)
        else:
            entry = None if local else _entry(snapshot, key)
        if local and generation is not None:
            value = _local_get(key, generation)
            if value is _MISSING:
                entry = _entry(snapshot, key)
    except Exception:
        logger.exception("cache lookup failed for %s", key)
        generation = None
    if generation is None:  # the cache keeps nothing (or failed): it cannot vouch for any entry
        return build()
    if value is not _MISSING:
        return value
    if entry is not None and entry[0] == generation:
        value = entry[1]
    else:
        value = build()
        if value is None:  # "nothing there" is not stored: unbounded keys (any 404 URL) would fill the cache
            return None
        try:
            cache.set(key, (generation, value), timeout)
        except Exception:
            logger.exception("could not store %s", key)
    if local:
        _local_put(key, generation, value)
        return _own_copy(value)
    return value


def generation_cached_many(
    items: dict,
    build_many,
    *,
    generation_key: str,
    timeout: int = 3600,
    generation_timeout: int | None = None,
    local: bool = False,
) -> dict:
    """`generation_cached` for many keys at once: `items` maps each cache key to what
    `build_many` needs to build its value; the values stored in the current generation are
    read in one round trip (none for those kept in this process with `local`), and the rest
    are built together by `build_many([item, ...])` -> {cache key: value} and stored. Returns
    {cache key: value} (a key whose value was built as None is left out)."""
    if not items:
        return {}
    snapshot = _snapshot.get()
    values: dict = {}
    entries: dict = {}
    try:
        generation = snapshot.get(generation_key) if snapshot is not None else None
        fetched = False
        if generation is None:
            found = generation_fetch([generation_key] if local else [generation_key, *items])
            generation = generation_current(found, generation_key, timeout=generation_timeout)
            entries, fetched = found, not local
        if local and generation is not None:
            for key in items:
                value = _local_get(key, generation)
                if value is not _MISSING:
                    values[key] = value
        if generation is not None and not fetched:
            missing = [key for key in items if key not in values]
            entries = cache.get_many(missing) if missing else {}
    except Exception:
        logger.exception("cache lookup failed for %s keys under %s", len(items), generation_key)
        generation = None
    if generation is None:  # the cache keeps nothing (or failed): it cannot vouch for any entry
        return {key: value for key, value in build_many(list(items.values())).items() if value is not None}
    for key in items:
        entry = entries.get(key)
        if key not in values and entry is not None and entry[0] == generation:
            values[key] = entry[1]
            if local:
                _local_put(key, generation, entry[1])
    missing = {key: item for key, item in items.items() if key not in values}
    if missing:
        built = {
            key: value
            for key, value in build_many(list(missing.values())).items()
            if key in missing and value is not None
        }
        try:
            cache.set_many({key: (generation, value) for key, value in built.items()}, timeout)
        except Exception:
            logger.exception("could not store %s keys under %s", len(built), generation_key)
        if local:
            for key, value in built.items():
                _local_put(key, generation, value)
        values.update(built)
    return {key: _own_copy(value) for key, value in values.items()}
