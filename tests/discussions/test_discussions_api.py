"""The discussions API: the same rules as the pages (only enrolled students and course staff),
multipart posts with files, answers, upvotes, follows, reports, moderation and its codes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from discussions.models import Post, PostReport, Thread
from learners.enrollment.services import enrollment_create
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def course(instructor, student, other_student):
    course = make_course(title="Statistics", instructor=instructor, lessons=2)
    enrollment_create(user=student, course=course)
    enrollment_create(user=other_student, course=course)
    return course


def test_ask_answer_and_read_a_thread_through_the_api(client, course, student, instructor):
    lesson = lessons_of(course)[0]
    client.force_login(student)
    response = client.post(
        f"{API}/courses/{course.pk}/threads/",
        {
            "title": "What is a p-value?",
            "body": "Plain *words* please",
            "kind": "question",
            "lesson_id": lesson.pk,
            "files": [SimpleUploadedFile("q.txt", b"details")],
        },
    )
    assert response.status_code == 201, response.content
    thread = response.json()
    assert thread["lesson_id"] == lesson.pk and thread["kind"] == "question" and thread["following"]
    opening = thread["posts"][0]
    assert opening["html"] == "<p>Plain <em>words</em> please</p>" and opening["attachments"][0]["name"] == "q.txt"
    client.force_login(instructor)
    reply = client.post(f"{API}/threads/{thread['id']}/posts/", {"body": "The chance under H0."})
    assert reply.status_code == 201
    answer_id = reply.json()["posts"][-1]["id"]
    marked = client.put(
        f"{API}/threads/{thread['id']}/answer/", {"post_id": answer_id}, content_type="application/json"
    )
    assert marked.status_code == 200 and marked.json()["answer_post_id"] == answer_id
    client.force_login(student)
    listing = client.get(f"{API}/courses/{course.pk}/threads/?lesson_id={lesson.pk}&kind=question").json()
    assert listing["count"] == 1 and listing["results"][0]["replies"] == 1
    assert client.get(f"{API}/courses/{course.pk}/threads/?lesson_id={lessons_of(course)[1].pk}").json()["count"] == 0
    detail = client.get(f"{API}/threads/{thread['id']}/").json()
    assert [p["is_answer"] for p in detail["posts"]] == [False, True]


def test_strangers_get_403_not_enrolled(client, course, student):
    thread = Thread.objects.create(course=course, author=student, title="t")
    Post.objects.create(thread=thread, author=student, body="b")
    client.force_login(make_user())
    response = client.get(f"{API}/courses/{course.pk}/threads/")
    assert response.status_code == 403 and response.json()["code"] == "not_enrolled"
    assert client.get(f"{API}/threads/{thread.pk}/").status_code == 403
    client.logout()
    assert client.get(f"{API}/courses/{course.pk}/threads/").status_code == 401


def test_refusals_have_codes(client, settings, course, student, other_student, instructor):
    client.force_login(student)
    bad = client.post(f"{API}/courses/{course.pk}/threads/", {"title": "", "body": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "title_required"
    thread = client.post(f"{API}/courses/{course.pk}/threads/", {"title": "Chat", "body": "Hi"}).json()
    post_id = thread["posts"][0]["id"]
    own = client.put(f"{API}/posts/{post_id}/upvote/", {"value": True}, content_type="application/json")
    assert own.status_code == 400 and own.json()["code"] == "own_post"
    hide = client.put(f"{API}/posts/{post_id}/hide/", {"value": True}, content_type="application/json")
    assert hide.status_code == 403 and hide.json()["code"] == "permission_denied"
    client.force_login(instructor)
    lock = client.put(f"{API}/threads/{thread['id']}/lock/", {"value": True}, content_type="application/json")
    assert lock.status_code == 200
    client.force_login(other_student)
    locked = client.post(f"{API}/threads/{thread['id']}/posts/", {"body": "More"})
    assert locked.status_code == 409 and locked.json()["code"] == "thread_locked"
    up = client.put(f"{API}/posts/{post_id}/upvote/", {"value": True}, content_type="application/json")
    assert up.json() == {"upvotes": 1}
    report = client.post(f"{API}/posts/{post_id}/report/", {"reason": "Spam"}, content_type="application/json")
    assert report.status_code == 201
    again = client.post(f"{API}/posts/{post_id}/report/", {"reason": "Spam"}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_reported"
    assert PostReport.objects.count() == 1
    settings.DISCUSSIONS_POST_RATE = "1/m"
    client.post(f"{API}/courses/{course.pk}/threads/", {"title": "One", "body": "x"})
    limited = client.post(f"{API}/courses/{course.pk}/threads/", {"title": "Two", "body": "x"})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"


def test_hidden_posts_vanish_for_students_and_delete_is_soft(client, course, student, other_student, instructor):
    client.force_login(student)
    thread = client.post(f"{API}/courses/{course.pk}/threads/", {"title": "Chat", "body": "Hi"}).json()
    client.force_login(other_student)
    rude = client.post(f"{API}/threads/{thread['id']}/posts/", {"body": "Rude"}).json()["posts"][-1]["id"]
    client.force_login(instructor)
    assert client.put(f"{API}/posts/{rude}/hide/", {"value": True}, content_type="application/json").status_code == 200
    assert [p["is_hidden"] for p in client.get(f"{API}/threads/{thread['id']}/").json()["posts"]] == [False, True]
    client.force_login(student)
    assert len(client.get(f"{API}/threads/{thread['id']}/").json()["posts"]) == 1
    assert client.get(f"{API}/posts/{rude}/upvote/").status_code == 405
    assert client.delete(f"{API}/posts/{thread['posts'][0]['id']}/").status_code == 204
    assert client.get(f"{API}/threads/{thread['id']}/").status_code == 404
    assert Post.objects.filter(pk=thread["posts"][0]["id"], deleted_at__isnull=False).exists()


def test_every_discussions_endpoint_of_the_api_page_is_in_the_openapi_document():
    from api.v1 import api

    document = api.get_openapi_schema()
    documented = {
        (method, path.removeprefix("/api/v1/")) for path, methods in document["paths"].items() for method in methods
    }
    listed = {
        ("get", "courses/{course_id}/threads/"),
        ("post", "courses/{course_id}/threads/"),
        ("get", "threads/{thread_id}/"),
        ("post", "threads/{thread_id}/posts/"),
        ("put", "threads/{thread_id}/answer/"),
        ("put", "threads/{thread_id}/follow/"),
        ("put", "threads/{thread_id}/lock/"),
        ("put", "posts/{post_id}/upvote/"),
        ("post", "posts/{post_id}/report/"),
        ("put", "posts/{post_id}/hide/"),
        ("delete", "posts/{post_id}/"),
    }
    assert listed - documented == set()
    page = open("docs/api.md").read()
    for method, path in listed:
        assert f"| {method.upper()} /api/v1/{path} |" in page
