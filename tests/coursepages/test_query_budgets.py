"""docs/architecture.md §9: the lesson page (enrolled student) and the catalog cost a constant number of
SQL queries, whatever the course or catalog size, within budget."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coursepages.models import Category
from coursepages.page_cache import page_cache_invalidate
from learners.access import learning_context_for
from learners.enrollment.selectors import live_lesson
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import Review
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db

LESSON_PAGE_BUDGET = 20
CATALOG_BUDGET = 15


def _lesson_page_queries(client, student, lessons: int) -> int:
    course = make_course(lessons=lessons)
    all_lessons = lessons_of(course)
    # Prerequisites and drip in the course, so the policy has real work on every lesson.
    all_lessons[-1].prerequisites.set([all_lessons[0]])
    all_lessons[-1].unlock_after_days = 3
    all_lessons[-1].save()
    enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=all_lessons[0]))
    client.force_login(student)
    target = all_lessons[len(all_lessons) // 2]
    # Measure the steady state of a student moving through the course: the progress row exists
    # (first visit) and the resume point is elsewhere, so the visit is written (the resume point).
    client.get(target.url)
    client.get(all_lessons[0].url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target.url)
    assert response.status_code == 200
    assert response.context["can_track"] is True
    assert len(response.context["outline"].lessons) == lessons
    QUERIES[:] = [query["sql"][:160] for query in captured.captured_queries]
    moving = len(captured.captured_queries)
    # A reload: the user, the enrollment, the student's progress rows (with the enrollment in one
    # query on PostgreSQL); nothing written, and no discussion query for a lesson without threads
    # (discussions.pages.lesson_has_threads).
    with CaptureQueriesContext(connection) as captured:
        assert client.get(target.url).status_code == 200
    assert len(captured.captured_queries) == RELOAD_QUERIES, "\n".join(
        query["sql"][:160] for query in captured.captured_queries
    )
    return moving


QUERIES: list[str] = []
RELOAD_QUERIES = 2 if connection.vendor == "postgresql" else 3


def test_lesson_page_queries_do_not_grow_with_the_course(client, student, django_assert_num_queries, settings):
    # As in production (REDIS_URL set): sessions are read from the cache, not the database.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    small = _lesson_page_queries(client, student, 10)
    large = _lesson_page_queries(client, student, 200)
    assert small == large
    assert large == RELOAD_QUERIES + 1, "\n".join(QUERIES)  # the reload's, and the resume point moved back (one UPDATE)
    assert large <= LESSON_PAGE_BUDGET
    course = make_course(lessons=40)
    enrollment_create(user=student, course=course)
    lesson = lessons_of(course)[5]
    client.get(lesson.url)
    client.get(lessons_of(course)[6].url)
    with django_assert_num_queries(small):
        client.get(lesson.url)


def _catalog_queries(client, courses: int) -> int:
    category = Category.add_root(name=f"Cat {courses}")
    for n in range(courses):
        course = make_course(lessons=2, category=category)
        student = make_user()
        enrollment_create(user=student, course=course)
        Review.objects.create(user=student, course=course, rating=1 + n % 5)
    url = f"/courses/?category={category.slug}"
    client.get(url)  # warm the per-process caches (site root paths), as a running server has
    # The budget is for rendering the catalog: make the measured request a page-cache miss
    # (a cache hit costs no query at all: tests/coursepages/test_page_cache.py).
    page_cache_invalidate()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    assert response["X-Page-Cache"] == "miss"
    assert len(response.context["courses"]) == min(courses, 12)
    return len(captured.captured_queries)


def test_catalog_queries_do_not_grow_with_the_catalog(client):
    small = _catalog_queries(client, 5)
    large = _catalog_queries(client, 40)
    assert small == large
    assert large <= CATALOG_BUDGET


def _heartbeat_queries(client, student, lessons: int) -> int:
    course = make_course(lessons=lessons)
    all_lessons = lessons_of(course)
    enrollment_create(user=student, course=course)
    for done in all_lessons[:5]:
        lesson_complete(context=learning_context_for(user=student, lesson=done))
    client.force_login(student)
    target = all_lessons[len(all_lessons) // 2]
    url = f"/api/v1/lessons/{target.pk}/progress/"
    client.get(target.url)  # the visit: the progress row exists
    client.put(url, {"time_spent_delta": 15}, content_type="application/json")  # warm: the lesson from the cache
    with CaptureQueriesContext(connection) as captured:
        response = client.put(url, {"time_spent_delta": 15}, content_type="application/json")
    assert response.status_code == 200
    QUERIES[:] = [query["sql"][:160] for query in captured.captured_queries]
    return len(captured.captured_queries)


def test_heartbeat_costs_two_queries_whatever_the_course(client, student, settings):
    """The user, and one UPDATE of the lesson's progress row that checks the enrollment, the
    prerequisites (none here) and the clock as it writes (learners.enrollment.services
    lesson_heartbeat): the lesson and the course's structure come from the cache, nothing is
    read first."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    assert _heartbeat_queries(client, student, 10) == 2, "\n".join(QUERIES)
    assert _heartbeat_queries(client, student, 200) == 2, "\n".join(QUERIES)


def test_a_first_beat_of_a_lesson_costs_two_queries(client, student, settings):
    """The first beat of a lesson (no progress row yet, as when the player beats before or
    without the visit) is the same statement: an INSERT … SELECT … ON CONFLICT DO UPDATE that
    checks the policy's terms and starts the clock (it was 11 on the full path: the UPDATE that found no row, the
    one-lesson context's two reads, a get-or-create in savepoints, the UPDATE, the enrollment's
    last access)."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    course = make_course(lessons=200)
    all_lessons = lessons_of(course)
    enrollment_create(user=student, course=course)
    client.force_login(student)
    client.put(
        f"/api/v1/lessons/{all_lessons[0].pk}/progress/", {"time_spent_delta": 15}, content_type="application/json"
    )
    url = f"/api/v1/lessons/{all_lessons[100].pk}/progress/"
    live_lesson(all_lessons[100].pk)  # cached as for any lesson a student has open (the page read it)
    with CaptureQueriesContext(connection) as captured:
        response = client.put(url, {"time_spent_delta": 15}, content_type="application/json")
    assert response.status_code == 200 and response.json()["time_spent_seconds"] == 0
    assert len(captured.captured_queries) == 2, "\n".join(query["sql"][:160] for query in captured.captured_queries)


def test_a_first_visit_of_a_lesson_writes_in_one_statement_on_postgresql(client, student, settings):
    """A student moving to a lesson never opened (most requests of a student moving through a
    course): the reload's queries (2 on PostgreSQL, 3 elsewhere) and the visit's writes (the new
    progress row and the resume point) as one statement on PostgreSQL
    (learners.enrollment.services.lesson_visit), two elsewhere."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    course = make_course(lessons=200)
    all_lessons = lessons_of(course)
    target = all_lessons[100]
    # Another student opens the lesson first: the per-process caches (the page, whether it
    # has discussion threads) are warm, as on a running server.
    other = make_user()
    enrollment_create(user=other, course=course)
    client.force_login(other)
    client.get(target.url)
    enrollment_create(user=student, course=course)
    client.force_login(student)
    client.get(all_lessons[0].url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target.url)
    assert response.status_code == 200 and response.context["can_track"] is True
    queries = [query["sql"][:160] for query in captured.captured_queries]
    assert len(queries) == (3 if connection.vendor == "postgresql" else 5), "\n".join(queries)
