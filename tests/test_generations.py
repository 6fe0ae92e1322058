"""core/generations.py: values cached until their generation changes, kept in the process
for local=True, read once per request; another process's bump is seen at once."""

import pytest
from django.core.cache import cache

from accounts.models import User
from core.generations import GenerationSnapshotMiddleware, generation_bump, generation_cached, generation_cached_many

pytestmark = pytest.mark.django_db  # a bump is repeated on commit

GEN = "test:generation"


class Builder:
    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return {"built": self.calls}


def in_request(function):
    """Run `function` as a request would, inside the snapshot middleware."""
    result = {}
    GenerationSnapshotMiddleware(lambda request: result.setdefault("value", function()))(object())
    return result["value"]


@pytest.mark.parametrize("local", [False, True])
def test_built_once_then_cached_until_bumped(local):
    build = Builder()
    assert generation_cached("test:value", build, generation_key=GEN, local=local) == {"built": 1}
    assert generation_cached("test:value", build, generation_key=GEN, local=local) == {"built": 1}
    generation_bump(GEN)
    assert generation_cached("test:value", build, generation_key=GEN, local=local) == {"built": 2}
    # Another process starts a new generation (it only writes the shared cache).
    cache.set(GEN, "from-another-process")
    assert generation_cached("test:value", build, generation_key=GEN, local=local) == {"built": 3}
    assert build.calls == 3


def test_local_values_are_served_from_the_process_and_still_checked_against_the_cache():
    build = Builder()
    generation_cached("test:local", build, generation_key=GEN, local=True)
    cache.delete("test:local")  # only the process's copy is left
    assert generation_cached("test:local", build, generation_key=GEN, local=True) == {"built": 1}
    cache.delete(GEN)  # the cache lost the generation: nothing may be vouched for
    assert generation_cached("test:local", build, generation_key=GEN, local=True) == {"built": 2}


def test_model_instances_kept_in_the_process_are_copied_for_each_use():
    User.objects.create_user(email="copy@example.test", password=None, first_name="Original")
    load = lambda: User.objects.get(email="copy@example.test")  # noqa: E731
    first = generation_cached("test:user", load, generation_key=GEN, local=True)
    first.first_name = "Changed by one request"
    first._state.fields_cache["set_by_one_request"] = first
    again = generation_cached("test:user", load, generation_key=GEN, local=True)
    assert again.first_name == "Original" and again is not first
    # Its own state and related objects cache, as copy.copy gives a model instance.
    assert again._state is not first._state and "set_by_one_request" not in again._state.fields_cache
    assert (again._state.db, again._state.adding, again.pk) == ("default", False, first.pk)
    assert type(again) is User and again.email == "copy@example.test"


def test_a_request_reads_the_generation_once_and_sees_its_own_bump():
    build = Builder()

    def request():
        generation_cached("test:req", build, generation_key=GEN, local=True)
        cache.set(GEN, "bumped-elsewhere-during-this-request")  # not seen: the request keeps its snapshot
        same = generation_cached("test:req", build, generation_key=GEN, local=True)
        generation_bump(GEN)  # this request's own change is seen at once
        fresh = generation_cached("test:req", build, generation_key=GEN, local=True)
        return same, fresh

    same, fresh = in_request(request)
    assert same == {"built": 1} and fresh == {"built": 2}


def test_nothing_is_not_stored():
    calls = []

    def build():
        calls.append(1)

    assert generation_cached("test:none", build, generation_key=GEN, local=True) is None
    assert generation_cached("test:none", build, generation_key=GEN, local=True) is None
    assert len(calls) == 2 and cache.get("test:none") is None


def test_a_process_keeps_a_value_only_for_a_while(monkeypatch):
    """A bump that never reached the cache (Redis away for that one write) must not leave a
    process serving the old value for ever: its copy is dropped after LOCAL_SECONDS."""
    from core import generations

    build = Builder()
    generation_cached("test:aging", build, generation_key=GEN, local=True)
    cache.delete("test:aging")
    assert generation_cached("test:aging", build, generation_key=GEN, local=True) == {"built": 1}
    monkeypatch.setattr(generations, "LOCAL_SECONDS", -1)
    assert generation_cached("test:aging", build, generation_key=GEN, local=True) == {"built": 2}


class ManyBuilder:
    def __init__(self):
        self.calls: list[list[str]] = []

    def __call__(self, items):
        self.calls.append(sorted(items))
        return {f"test:many:{item}": f"{item}@{len(self.calls)}" for item in items}


@pytest.mark.parametrize("local", [False, True])
def test_many_values_are_built_together_once_then_cached_until_bumped(local):
    build = ManyBuilder()
    items = {f"test:many:{name}": name for name in ("a", "b")}
    assert generation_cached_many(items, build, generation_key=GEN, local=local) == {
        "test:many:a": "a@1",
        "test:many:b": "b@1",
    }
    more = {**items, "test:many:c": "c"}
    # only the missing one is built; the others are read from the cache
    assert generation_cached_many(more, build, generation_key=GEN, local=local) == {
        "test:many:a": "a@1",
        "test:many:b": "b@1",
        "test:many:c": "c@2",
    }
    assert build.calls == [["a", "b"], ["c"]]
    # the single-key reader sees the same entries
    assert generation_cached("test:many:c", lambda: "rebuilt", generation_key=GEN, local=local) == "c@2"
    generation_bump(GEN)
    assert generation_cached_many(more, build, generation_key=GEN, local=local) == {
        "test:many:a": "a@3",
        "test:many:b": "b@3",
        "test:many:c": "c@3",
    }
    assert generation_cached_many({}, build, generation_key=GEN, local=local) == {}
    assert len(build.calls) == 3


def test_many_values_kept_in_the_process_are_checked_against_the_cache():
    build = ManyBuilder()
    items = {"test:many:x": "x"}
    generation_cached_many(items, build, generation_key=GEN, local=True)
    cache.delete("test:many:x")  # only the process's copy is left
    assert generation_cached_many(items, build, generation_key=GEN, local=True) == {"test:many:x": "x@1"}
    cache.delete(GEN)  # the cache lost the generation: nothing may be vouched for
    assert generation_cached_many(items, build, generation_key=GEN, local=True) == {"test:many:x": "x@2"}


class CacheReads:
    """The default cache's reads (get and get_many), each a round trip to Redis in production."""

    def __init__(self, monkeypatch):
        from django.core.cache import caches

        self.calls: list[list[str]] = []
        self.depth = 0  # the local-memory cache's get_many calls its get: one read, not many
        backend = caches["default"]
        for name in ("get", "get_many"):
            original = getattr(backend, name)

            def spy(keys, *args, _original=original, _name=name, **kwargs):
                if not self.depth:
                    self.calls.append([keys] if _name == "get" else list(keys))
                self.depth += 1
                try:
                    return _original(keys, *args, **kwargs)
                finally:
                    self.depth -= 1

            monkeypatch.setattr(backend, name, spy)


def test_a_hinted_value_comes_with_the_next_round_trip(monkeypatch):
    from core.generations import generation_hint

    monkeypatch.setattr("core.generations.READ_WITH_SESSION", [])
    hinted_build, other_build = Builder(), Builder()
    generation_cached("test:hinted", hinted_build, generation_key="test:hinted-generation")  # stored
    generation_cached("test:value", other_build, generation_key=GEN)
    reads = CacheReads(monkeypatch)

    def request():
        generation_hint("test:hinted", "test:hinted-generation")
        generation_cached("test:value", other_build, generation_key=GEN)
        return generation_cached("test:hinted", hinted_build, generation_key="test:hinted-generation")

    assert in_request(request) == {"built": 1}  # the stored value, not built again
    assert other_build.calls == 1
    assert reads.calls == [[GEN, "test:value", "test:hinted-generation", "test:hinted"]]  # one round trip
    assert hinted_build.calls == 1


def test_a_hinted_value_that_is_not_stored_is_built_without_another_read(monkeypatch):
    from core.generations import generation_hint

    monkeypatch.setattr("core.generations.READ_WITH_SESSION", [])
    build = Builder()
    generation_cached("test:other", Builder(), generation_key=GEN)
    generation_cached("test:warm", Builder(), generation_key="test:hinted-generation")  # the generation exists
    reads = CacheReads(monkeypatch)

    def request():
        generation_hint("test:hinted", "test:hinted-generation")
        generation_cached("test:other", Builder(), generation_key=GEN)
        return generation_cached("test:hinted", build, generation_key="test:hinted-generation")

    assert in_request(request) == {"built": 1}
    assert len(reads.calls) == 1 and build.calls == 1
    assert generation_cached("test:hinted", build, generation_key="test:hinted-generation") == {"built": 1}  # stored


def test_a_signed_in_lesson_page_reads_the_cache_twice(client, monkeypatch):
    """The session with the pages' generation; the lesson's discussion flag with the header's
    unread counts. Nothing else: the course structure, site, body and fragments are kept in the
    process under the generation read with the session."""
    from learners.enrollment.services import enrollment_create
    from tests.factories import lessons_of, make_course, make_user

    course = make_course(lessons=3)
    lesson = lessons_of(course)[1]
    student = make_user()
    enrollment_create(user=student, course=course)
    client.force_login(student)
    assert client.get(lesson.url).status_code == 200  # warms the process's copies
    reads = CacheReads(monkeypatch)
    assert client.get(lesson.url).status_code == 200
    session = [key for key in reads.calls[0] if key.startswith("django.contrib.sessions.cached_db")]
    assert len(session) == 1
    assert [sorted(key.split(":")[0] for key in keys if key not in session) for keys in reads.calls] == [
        ["page-cache"],
        ["discussions", "discussions", "messaging", "messaging"],
    ], reads.calls
