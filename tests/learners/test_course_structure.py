"""The course structure behind every outline is cached until a page changes
(coursepages/structure.py): these tests warm the cache first, change the course the way an
instructor does (publish, unpublish, move, prerequisites) and check that the next outline
shows the change, that a cached structure costs no query, and that the per-student marks
built on the shared structure never leak from one student to another."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from blocks.raw import lesson_body
from coursepages.models import CoursePage, LessonPage, SectionPage
from coursepages.structure import course_structure
from learners.access import course_access_for, learning_context_for
from learners.enrollment.selectors import course_outline
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db


def _titles(user, course) -> list[str]:
    course = CoursePage.objects.get(pk=course.pk)  # a new request: nothing kept on the instance
    return [item.lesson.title for item in course_outline(access=course_access_for(user=user, course=course)).lessons]


def test_a_cached_structure_costs_no_query_and_matches_the_tree():
    course = make_course(lessons=25)
    course_structure(CoursePage.objects.get(pk=course.pk))
    fresh = CoursePage.objects.get(pk=course.pk)
    with CaptureQueriesContext(connection) as queries:
        structure = course_structure(fresh)
        course_structure(fresh)  # and again, from this process
    assert len(queries) == 0
    lessons = lessons_of(course)
    assert [lesson.pk for _section, items in structure.sections for lesson in items] == [page.pk for page in lessons]
    assert [lesson.url for _section, items in structure.sections for lesson in items] == [page.url for page in lessons]
    assert [section.title for section, _items in structure.sections] == ["Section 1", "Section 2", "Section 3"]


def test_publishing_and_unpublishing_lessons_shows_in_the_next_outline(student):
    course = make_course(lessons=3)
    enrollment_create(user=student, course=course)
    assert _titles(student, course) == ["Lesson 1", "Lesson 2", "Lesson 3"]  # cached now

    section = SectionPage.objects.child_of(course).get()
    new = LessonPage(title="Lesson 4", owner=course.owner, body=lesson_body([("rich_text", "<p>New</p>")]), live=False)
    section.add_child(instance=new)
    assert _titles(student, course) == ["Lesson 1", "Lesson 2", "Lesson 3"]  # a draft is not in the outline
    new.save_revision().publish()
    assert _titles(student, course) == ["Lesson 1", "Lesson 2", "Lesson 3", "Lesson 4"]

    lessons_of(course)[1].unpublish()
    assert _titles(student, course) == ["Lesson 1", "Lesson 3", "Lesson 4"]

    renamed = LessonPage.objects.get(pk=new.pk)
    renamed.title = "Lesson 4, revised"
    renamed.save_revision().publish()
    assert _titles(student, course)[-1] == "Lesson 4, revised"


def test_moving_and_deleting_pages_shows_in_the_next_outline(student):
    course = make_course(lessons=12)  # two sections
    enrollment_create(user=student, course=course)
    assert len(_titles(student, course)) == 12
    first, second = SectionPage.objects.child_of(course).order_by("path")
    moved = lessons_of(course)[0]
    moved.move(second, pos="last-child")
    outline = course_outline(access=course_access_for(user=student, course=CoursePage.objects.get(pk=course.pk)))
    assert outline.lessons[-1].lesson.pk == moved.pk
    assert outline.lessons[-1].lesson.url == LessonPage.objects.get(pk=moved.pk).url
    Page.objects.get(pk=second.pk).delete()
    assert _titles(student, course) == [f"Lesson {n}" for n in range(2, 11)]


def test_prerequisites_set_after_caching_lock_the_lesson(student):
    course = make_course(lessons=3)
    enrollment_create(user=student, course=course)
    first, _second, third = lessons_of(course)
    fresh = CoursePage.objects.get(pk=course.pk)
    assert course_access_for(user=student, course=fresh).lesson(third).allowed  # structure cached
    third.prerequisites.set([first])
    third.save_revision().publish()
    access = course_access_for(user=student, course=CoursePage.objects.get(pk=course.pk))
    verdict = access.lesson(third)
    assert not verdict.allowed and verdict.missing_prerequisite_ids == (first.pk,)
    lesson_complete(context=learning_context_for(user=student, lesson=first))
    assert course_access_for(user=student, course=CoursePage.objects.get(pk=course.pk)).lesson(third).allowed


def test_marks_on_the_shared_structure_are_each_students_own(client):
    course = make_course(lessons=4)
    first, second, _third, _fourth = lessons_of(course)
    second.prerequisites.set([first])
    second.save_revision().publish()
    ada, bob = make_user(), make_user()
    for student in (ada, bob):
        enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=ada, lesson=first))

    client.force_login(ada)
    page = client.get(first.url).content.decode()
    assert f'data-lesson-id="{first.pk}" data-state="done"' in page
    assert f'data-lesson-id="{second.pk}" data-state="open"' in page

    client.force_login(bob)  # the structure is cached now; Bob's marks are his own
    page = client.get(first.url).content.decode()
    assert f'data-lesson-id="{first.pk}" data-state="open"' in page
    assert f'data-lesson-id="{second.pk}" data-state="locked"' in page
    assert "0 of 4 lessons done" in page


def test_outline_titles_are_escaped(client, student):
    course = make_course(sections=[("<b>Intro</b>", [("<script>alert(1)</script>", [("rich_text", "<p>x</p>")], {})])])
    enrollment_create(user=student, course=course)
    client.force_login(student)
    page = client.get(lessons_of(course)[0].url).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Intro&lt;/b&gt;" in page
