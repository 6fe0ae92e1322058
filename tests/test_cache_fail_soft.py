"""The Redis cache degrades when Redis is down (core/cache.py): reads miss, writes are
dropped, counters restart, and pages, sign-in sessions (cached_db) and rate limits keep
working from the database. Redis "down" here is a port nothing listens on."""

import socket

import pytest

from core.cache import FailSoftRedisCache
from learners.enrollment.services import enrollment_create
from learners.models import LessonProgress
from tests.factories import lessons_of, make_course


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def unreachable_cache(**options) -> FailSoftRedisCache:
    return FailSoftRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {"OPTIONS": options})


def test_every_operation_falls_back_instead_of_raising():
    cache = unreachable_cache()
    assert cache.get("k") is None
    assert cache.get("k", "fallback") == "fallback"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is True  # a lock taken with add() must not block (allauth's rate limiter)
    assert cache.get_or_set("k", 7) == 7
    assert cache.incr("hits") == 1 and cache.incr("hits", 5) == 5  # counters restart: rate limits fail open
    assert cache.decr("hits") == -1
    assert cache.touch("k") is False and cache.delete("k") is False and cache.has_key("k") is False
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set_many({"a": 1, "b": 2}) == ["a", "b"]  # the keys that were not stored
    assert cache.delete_many(["a"]) is None
    assert cache.clear() is False


def test_after_a_failure_redis_is_left_alone_for_the_retry_window(monkeypatch):
    cache = unreachable_cache(RETRY_SECONDS=30)
    attempts = []
    real_get_client = cache._cache.get_client

    def counting_get_client(*args, **kwargs):
        attempts.append(args)
        return real_get_client(*args, **kwargs)

    monkeypatch.setattr(cache._cache, "get_client", counting_get_client)
    cache.get("a")
    assert len(attempts) == 1 and cache.is_skipping
    for _ in range(10):
        cache.get("a")
        cache.set("a", 1)
    assert len(attempts) == 1  # no connection attempt per call while Redis is known to be down
    cache._unavailable_until = 0  # the window is over: the next call tries Redis again
    cache.get("a")
    assert len(attempts) == 2


def test_a_genuine_redis_error_is_not_swallowed(monkeypatch):
    """Only "cannot reach Redis" degrades; a wrong command is a bug and still raises."""
    from redis.exceptions import ResponseError

    cache = unreachable_cache()

    def wrong_type(*args, **kwargs):
        raise ResponseError("WRONGTYPE Operation against a key holding the wrong kind of value")

    monkeypatch.setattr(cache._cache, "get", wrong_type)
    with pytest.raises(ResponseError):
        cache.get("k")


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.FailSoftRedisCache", "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}
    }


@pytest.mark.django_db
def test_pages_sign_in_and_learning_work_while_the_cache_is_down(client, student, redis_down):
    course = make_course(title="Degraded mode", lessons=2)
    first, _second = lessons_of(course)
    enrollment_create(user=student, course=course)
    assert client.get("/courses/").status_code == 200
    assert client.get(course.url).status_code == 200
    signed_in = client.post("/accounts/login/", {"login": student.email, "password": "pw-for-tests-1"})
    assert signed_in.status_code == 302, signed_in.content[:500]
    # The session was written to the database (cached_db), so the next request knows the student.
    lesson = client.get(first.url)
    assert lesson.status_code == 200 and lesson.context["request"].user == student
    assert client.post(f"/learn/lessons/{first.pk}/complete/").status_code == 302
    assert LessonProgress.objects.get(lesson=first).status == LessonProgress.Status.COMPLETED
    # The verification rate limit counts in the cache: without it, lookups are allowed (fail open).
    assert client.get("/certificates/verify/ABCDE-FGHJK-LMNPQ/").status_code == 200


def test_one_redis_client_is_kept_per_pool_not_built_per_call():
    cache = unreachable_cache()
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    assert cache._cache.get_client().connection_pool is cache._cache._get_connection_pool(False)


def test_the_kept_client_serves_many_threads(tmp_path):
    """Against a real Redis (REDIS_URL): eight threads share the one client, each reads back
    its own keys."""
    import os
    import threading
    import uuid

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: run with REDIS_URL=redis://…")
    cache = FailSoftRedisCache(url, {"KEY_PREFIX": f"test-client-{uuid.uuid4().hex[:8]}"})
    failures = []

    def work(n):
        for i in range(50):
            cache.set(f"k{n}-{i}", (n, i), 30)
            if cache.get(f"k{n}-{i}") != (n, i):
                failures.append((n, i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len({id(cache._cache.get_client())}) == 1
    cache.delete_many([f"k{n}-{i}" for n in range(8) for i in range(50)])


def test_a_window_counter_counts_in_one_round_trip_and_expires_with_its_window(monkeypatch):
    """count_in_window: add(key, 0, timeout) then incr(key), in one pipeline; counts from 1
    while Redis is away."""
    import os
    import uuid

    assert unreachable_cache().count_in_window("hits", timeout=60) == 1
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: run with REDIS_URL=redis://…")
    cache = FailSoftRedisCache(url, {"KEY_PREFIX": f"test-window-{uuid.uuid4().hex}"})
    round_trips = []
    real_get_client = cache._cache.get_client
    monkeypatch.setattr(
        cache._cache, "get_client", lambda *args, **kwargs: round_trips.append(args) or real_get_client(*args, **kwargs)
    )
    try:
        assert [cache.count_in_window("hits", timeout=60) for _ in range(3)] == [1, 2, 3]
        assert len(round_trips) == 3
        assert cache.get("hits") == 3
        key = cache.make_and_validate_key("hits")
        assert 0 < real_get_client(key).ttl(key) <= 60
    finally:
        cache.delete("hits")
