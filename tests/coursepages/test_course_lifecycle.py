"""Copying a course, archiving it, and finding courses and lessons with Wagtail search."""

import pytest
from django.urls import reverse

from coursepages.models import CourseIndexPage, CoursePage, LessonPage
from coursepages.selectors import catalog_courses
from learners.enrollment.services import enrollment_create
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def test_copying_a_course_copies_sections_and_lessons_as_a_draft(client, instructor):
    course = make_course(
        title="Original",
        instructor=instructor,
        sections=[
            ("Basics", [("One", [("markdown", "First lesson text")], {}), ("Two", [("markdown", "Second")], {})]),
            ("More", [("Three", [("rich_text", "<p>Third</p>")], {})]),
        ],
    )
    one, two, _three = course.lessons()
    two.prerequisites.set([one])
    two.save_revision().publish()

    client.force_login(instructor)
    response = client.post(
        reverse("wagtailadmin_pages:copy", args=(course.pk,)),
        {
            "new_title": "Original (copy)",
            "new_slug": "original-copy",
            "new_parent_page": CourseIndexPage.objects.get().pk,
            "copy_subpages": "on",
        },
    )
    assert response.status_code == 302

    copy = CoursePage.objects.get(slug="original-copy")
    assert not copy.live and copy.owner == instructor
    assert [s.title for s in copy.get_children()] == ["Basics", "More"]
    lessons = list(LessonPage.objects.descendant_of(copy).order_by("path"))
    assert [lesson.title for lesson in lessons] == ["One", "Two", "Three"]
    assert not any(lesson.live for lesson in lessons)
    assert lessons[0].body[0].value == "First lesson text"
    # The copied "Two" requires the copied "One", not the original course's lesson.
    assert list(lessons[1].prerequisites.all()) == [lessons[0]]
    assert list(lessons[1].get_latest_revision_as_object().prerequisites.all()) == [lessons[0]]
    assert list(LessonPage.objects.get(pk=two.pk).prerequisites.all()) == [one]
    assert copy not in catalog_courses() and course in catalog_courses()


def test_an_archived_course_leaves_the_catalog_but_enrolled_students_keep_reading(client, instructor, student):
    course = make_course(title="Old course", instructor=instructor, lessons=1)
    enrollment_create(user=student, course=course)
    course.archived = True
    course.save_revision().publish()

    assert course not in catalog_courses()
    assert CoursePage.objects.get(pk=course.pk).live
    client.force_login(student)
    lesson = course.lessons().get()
    response = client.get(lesson.url)
    assert response.status_code == 200
    assert "Lesson 1 text." in response.content.decode()


def test_search_finds_a_course_by_description_and_a_lesson_by_body_text(instructor):
    course = make_course(
        title="Botany",
        instructor=instructor,
        description="<p>All about photosynthesis.</p>",
        sections=[
            (
                "S",
                [
                    ("Cells", [("markdown", "The mitochondria is the powerhouse.")], {}),
                    ("Leaves", [("rich_text", "<p>Chlorophyll is green.</p>")], {}),
                ],
            )
        ],
    )
    make_course(title="Cooking", instructor=instructor, lessons=1)

    assert list(CoursePage.objects.live().search("photosynthesis")) == [course]
    assert [lesson.title for lesson in LessonPage.objects.live().search("mitochondria")] == ["Cells"]
    assert [lesson.title for lesson in LessonPage.objects.live().search("chlorophyll")] == ["Leaves"]
