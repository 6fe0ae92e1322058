"""The "Course review" workflow: an instructor submits, a moderator approves (the course and
its sections and lessons go live) or rejects with a comment; the instructor is notified."""

import pytest
from django.urls import reverse
from wagtail.models import WorkflowState
from wagtail.test.utils.form_data import streamfield

from accounts.models import User
from coursepages.models import CourseIndexPage, CoursePage, LessonPage, SectionPage
from coursepages.selectors import catalog_courses
from messaging.models import Notification
from tests.coursepages.editor import post_edit, post_new_page
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return make_user(role=User.Role.ADMIN, first_name="Mo", last_name="Derator")


@pytest.fixture
def submitted_course(client, instructor):
    """A course built in the editor by the instructor (drafts) and submitted for review."""
    client.force_login(instructor)
    catalog = CourseIndexPage.objects.get()
    post_new_page(
        client,
        "coursepage",
        catalog,
        {
            "title": "Reviewed course",
            "slug": "reviewed-course",
            "summary": "To be reviewed.",
            "pricing": "free",
            "difficulty": "beginner",
            "price_cents": "0",
            "currency": "ZAR",
        },
    )
    course = CoursePage.objects.get(slug="reviewed-course")
    post_new_page(client, "sectionpage", course, {"title": "Part one", "slug": "part-one"})
    section = SectionPage.objects.get(slug="part-one")
    post_new_page(
        client,
        "lessonpage",
        section,
        {
            "title": "First lesson",
            "slug": "first-lesson",
            "body": streamfield([("markdown", "Hello")]),
        },
    )
    response = post_edit(client, course, {}, action="action-submit")
    assert response.status_code == 302
    client.logout()
    state = WorkflowState.objects.get(object_id=str(course.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    assert state.requested_by == instructor
    return CoursePage.objects.get(pk=course.pk), state


def _act(client, moderator, course, state, action, comment=""):
    client.force_login(moderator)
    task_state = state.current_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(course.pk, action, task_state.pk))
    return client.post(url, {"comment": comment})


def test_approving_publishes_the_course_with_its_content_and_notifies(client, instructor, moderator, submitted_course):
    course, state = submitted_course
    assert not course.live and course not in catalog_courses()
    response = _act(client, moderator, course, state, "approve")
    assert response.status_code in (200, 302)

    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    course.refresh_from_db()
    assert course.live
    assert SectionPage.objects.get(slug="part-one").live
    assert LessonPage.objects.get(slug="first-lesson").live
    assert list(catalog_courses()) == [course]
    assert client.get("/courses/").content.decode().count("Reviewed course") >= 1

    note = Notification.objects.get(user=instructor, kind="course_review")
    assert note.title == "“Reviewed course” was approved"
    assert "Mo Derator approved" in note.body


def test_rejecting_with_a_comment_keeps_the_draft_and_tells_the_instructor_why(
    client, instructor, moderator, submitted_course
):
    course, state = submitted_course
    _act(client, moderator, course, state, "reject", comment="Please add a course description.")

    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_NEEDS_CHANGES
    assert not CoursePage.objects.get(pk=course.pk).live
    assert not LessonPage.objects.get(slug="first-lesson").live
    note = Notification.objects.get(user=instructor, kind="course_review")
    assert note.title == "Changes requested on “Reviewed course”"
    assert "Please add a course description." in note.body
    assert note.url == reverse("wagtailadmin_pages:edit", args=(course.pk,))


def test_an_instructor_cannot_approve_their_own_course(client, instructor, submitted_course):
    course, state = submitted_course
    response = _act(client, instructor, course, state, "approve")
    assert response.status_code in (302, 403)
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert not CoursePage.objects.get(pk=course.pk).live


def test_a_course_created_by_an_instructor_lists_them_once_published(client, instructor, moderator, submitted_course):
    """A course built in the editor with no instructor named is taught by its creator: on the
    draft, and on the course once approved (the revision carries the listing)."""
    course, state = submitted_course
    assert [row.user for row in course.specific.course_instructors.all()] == [instructor]
    _act(client, moderator, course, state, "approve")
    published = CoursePage.objects.get(pk=course.pk)
    assert published.live and published.instructor_users() == [instructor]
    assert instructor.get_full_name() in client.get(published.url).content.decode()
