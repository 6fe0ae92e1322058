"""The learning API: categories, catalog, course detail and outline, enroll, lesson,
progress heartbeat and completion — main success and main refusals of each."""

import math
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tokens import token_pair_issue
from coursepages.models import Category
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import Enrollment, LessonProgress, Review
from tests.factories import lessons_of, make_course, quiz_block, text_lesson

pytestmark = pytest.mark.django_db

QUIZ = quiz_block(explanation="EXPLAINED", right_feedback="RIGHT", wrong_feedback="NO")


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_pair_issue(user=user).access}"}


def test_categories_tree(client):
    parent = Category.add_root(name="Programming")
    parent.add_child(name="Web")
    body = client.get("/api/v1/categories/").json()
    assert body == [
        {
            "id": parent.pk,
            "name": "Programming",
            "slug": "programming",
            "children": [{"id": parent.get_children()[0].pk, "name": "Web", "slug": "web", "children": []}],
        }
    ]


def test_courses_list_filters_and_paginates(client, student):
    web = Category.add_root(name="Web")
    paid = make_course(title="Django", pricing="one_time", price_cents=49900, category=web, difficulty="advanced")
    make_course(title="Free one")
    enrollment_create(user=student, course=paid, source=Enrollment.Source.PAYMENT)
    Review.objects.create(user=student, course=paid, rating=4)
    body = client.get("/api/v1/courses/?category=web").json()
    assert body["count"] == 1
    [course] = body["results"]
    assert course["price"] == {"amount": 49900, "currency": "ZAR"}
    assert (course["student_count"], course["rating"], course["lesson_count"]) == (1, {"average": 4.0, "count": 1}, 2)
    assert client.get("/api/v1/courses/?difficulty=advanced").json()["count"] == 1
    assert client.get("/api/v1/courses/?pricing=free").json()["results"][0]["title"] == "Free one"
    page = client.get("/api/v1/courses/?page_size=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and "page=2" in page["next"]
    refused = client.get("/api/v1/courses/?difficulty=wizard")
    assert refused.status_code == 400 and "difficulty" in refused.json()["errors"]
    assert client.get("/api/v1/courses/?category=nope").status_code == 400


def test_course_detail_says_whether_the_caller_is_enrolled(client, student, free_course):
    assert client.get(f"/api/v1/courses/{free_course.pk}/").json()["is_enrolled"] is False
    enrollment_create(user=student, course=free_course)
    body = client.get(f"/api/v1/courses/{free_course.pk}/", **bearer(student)).json()
    assert body["is_enrolled"] is True and body["progress"] == {"completed": 0, "total": 3, "percent": 0}
    assert body["instructors"][0]["name"] == "Ivy Instructor"
    assert client.get("/api/v1/courses/999999/").status_code == 404
    assert client.get(f"/api/v1/courses/{free_course.pk}/", HTTP_AUTHORIZATION="Bearer bad").status_code == 401


def test_sections_give_each_lesson_completion_and_lock_reason(client, student):
    course = make_course(sections=[("S", [text_lesson("A"), text_lesson("B")])])
    a, b = lessons_of(course)
    b.prerequisites.set([a])
    b.save()
    enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=a))
    [section] = client.get(f"/api/v1/courses/{course.pk}/sections/", **bearer(student)).json()
    first, second = section["lessons"]
    assert (first["is_completed"], first["is_locked"]) == (True, False)
    assert (second["is_completed"], second["is_locked"], second["lock_reason"]) == (False, False, None)
    [anonymous] = client.get(f"/api/v1/courses/{course.pk}/sections/").json()
    assert anonymous["lessons"][1]["lock_reason"] == "not_enrolled"
    assert anonymous["lessons"][0]["is_completed"] is False  # never someone else's progress


def test_enroll_free_then_conflict_and_paid_is_402(client, student, free_course):
    response = client.post(f"/api/v1/courses/{free_course.pk}/enroll/", **bearer(student))
    assert response.status_code == 201 and response.json()["source"] == "free"
    again = client.post(f"/api/v1/courses/{free_course.pk}/enroll/", **bearer(student))
    assert again.status_code == 409 and again.json()["code"] == "already_enrolled"
    paid = make_course(pricing="one_time", price_cents=100)
    refused = client.post(f"/api/v1/courses/{paid.pk}/enroll/", **bearer(student))
    assert refused.status_code == 402 and refused.json()["code"] == "not_paid"
    included = make_course(pricing="subscription")
    lapsed = client.post(f"/api/v1/courses/{included.pk}/enroll/", **bearer(student))
    assert lapsed.status_code == 403 and lapsed.json()["code"] == "subscription_inactive"
    assert client.post(f"/api/v1/courses/{free_course.pk}/enroll/").status_code == 401


def test_lesson_detail_strips_quiz_answers_and_gives_neighbours(client, student):
    course = make_course(sections=[("S", [text_lesson("Read"), ("Quiz", [QUIZ], {}), text_lesson("End")])])
    read, quiz, end = lessons_of(course)
    enrollment_create(user=student, course=course)
    body = client.get(f"/api/v1/lessons/{quiz.pk}/", **bearer(student)).json()
    assert (body["previous_lesson_id"], body["next_lesson_id"]) == (read.pk, end.pk)
    assert body["completion_rule"] == "activities"
    text = str(body["blocks"])
    assert "2+2?" in text
    for secret in ("is_correct", "RIGHT", "EXPLAINED", "'explanation'", "'feedback'"):
        assert secret not in text


def test_lesson_detail_refusals(client, student):
    course = make_course(pricing="one_time", price_cents=100)
    lesson = lessons_of(course)[0]
    assert client.get(f"/api/v1/lessons/{lesson.pk}/").status_code == 401
    refused = client.get(f"/api/v1/lessons/{lesson.pk}/", **bearer(student))
    assert refused.status_code == 402 and refused.json()["code"] == "not_paid"
    free = make_course(sections=[("S", [text_lesson("A"), text_lesson("B")])])
    a, b = lessons_of(free)
    b.prerequisites.set([a])
    b.save()
    enrollment_create(user=student, course=free)
    locked = client.get(f"/api/v1/lessons/{b.pk}/", **bearer(student))
    assert locked.status_code == 403 and locked.json()["code"] == "prerequisite_missing"


def test_progress_heartbeat_stores_time_and_video(client, student, other_student, free_course):
    lesson = lessons_of(free_course)[0]
    url = f"/api/v1/lessons/{lesson.pk}/progress/"
    refused = client.put(url, {"time_spent_delta": 5}, content_type="application/json", **bearer(other_student))
    assert refused.status_code == 403 and refused.json()["code"] == "not_enrolled"
    enrollment, _ = enrollment_create(user=student, course=free_course)
    # The page was opened a minute ago (the visit starts the time-on-task clock).
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=lesson, last_accessed_at=timezone.now() - timedelta(seconds=60)
    )
    response = client.put(
        url,
        {"time_spent_delta": 30, "video_position": 12.5, "video_duration": 100},
        content_type="application/json",
        **bearer(student),
    )
    assert response.status_code == 200
    assert response.json()["time_spent_seconds"] == 30 and response.json()["video_position"] == 12.5
    # A burst of beats claiming the maximum adds (close to) nothing: the wall clock says so.
    began = time.monotonic()
    for _ in range(10):
        burst = client.put(url, {"time_spent_delta": 120}, content_type="application/json", **bearer(student))
    took = time.monotonic() - began
    assert burst.json()["time_spent_seconds"] <= 30 + math.ceil(took)  # not 30 + 10 × 120
    # A beat from a hidden page counts nothing.
    hidden = client.put(
        url, {"time_spent_delta": 120, "visible": False}, content_type="application/json", **bearer(student)
    )
    assert hidden.json()["time_spent_seconds"] == burst.json()["time_spent_seconds"]
    bad = client.put(url, {"time_spent_delta": -1}, content_type="application/json", **bearer(student))
    assert bad.status_code == 400 and "time_spent_delta" in bad.json()["errors"]
    # Another student's progress is never touched or shown by a student's own calls.
    assert LessonProgress.objects.get().enrollment.user == student


def test_complete_lesson_and_course(client, student):
    course = make_course(sections=[("S", [text_lesson("A"), ("Quiz", [QUIZ], {})])])
    a, quiz = lessons_of(course)
    enrollment_create(user=student, course=course)
    done = client.post(f"/api/v1/lessons/{a.pk}/complete/", **bearer(student)).json()
    assert done["course_progress"] == {"completed": 1, "total": 2, "percent": 50}
    assert done["course_completed"] is False
    refused = client.post(f"/api/v1/lessons/{quiz.pk}/complete/", **bearer(student))
    assert refused.status_code == 400 and refused.json()["code"] == "activities_incomplete"
    quiz.body = [("rich_text", "<p>No quiz now</p>")]
    quiz.save_revision().publish()
    finished = client.post(f"/api/v1/lessons/{quiz.pk}/complete/", **bearer(student)).json()
    assert finished["course_completed"] is True and finished["course_progress"]["percent"] == 100


def test_heartbeat_lesson_from_the_cache_is_gone_once_unpublished(client, student, free_course):
    """The heartbeat reads the live lesson from the cache (learners.enrollment.selectors.live_lesson):
    unpublishing it starts a new page generation, so the next beat answers 404."""
    lesson = lessons_of(free_course)[0]
    url = f"/api/v1/lessons/{lesson.pk}/progress/"
    enrollment_create(user=student, course=free_course)
    beat = lambda: client.put(url, {"time_spent_delta": 5}, content_type="application/json", **bearer(student))  # noqa: E731
    assert beat().status_code == 200
    assert beat().status_code == 200  # from the cache now
    lesson.unpublish()
    assert beat().status_code == 404
    assert (
        client.put(
            "/api/v1/lessons/999999/progress/",
            {"time_spent_delta": 5},
            content_type="application/json",
            **bearer(student),
        ).status_code
        == 404
    )
