"""Instructors author only their own courses and cannot publish; moderators publish."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import streamfield

from accounts.models import User
from coursepages.models import CourseIndexPage, CourseInstructor, CoursePage, LessonPage, SectionPage
from tests.coursepages.editor import edit_url, post_edit, post_new_page
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(instructor, other_instructor):
    mine = make_course(title="Ivy's course", instructor=instructor, lessons=1)
    theirs = make_course(title="Oscar's course", instructor=other_instructor, lessons=1)
    return mine, theirs


def test_an_instructor_cannot_add_into_or_edit_another_instructors_course(client, instructor, courses):
    mine, theirs = courses
    their_section = theirs.get_children().get()
    their_lesson = LessonPage.objects.descendant_of(theirs).get()
    client.force_login(instructor)

    for page in (theirs, their_section, their_lesson):
        assert client.get(edit_url(page)).status_code in (302, 403)
        perms = page.permissions_for_user(instructor)
        assert not perms.can_edit() and not perms.can_add_subpage() and not perms.can_delete()
    for model, parent in (("sectionpage", theirs), ("lessonpage", their_section)):
        url = reverse("wagtailadmin_pages:add", args=("coursepages", model, parent.pk))
        assert client.get(url).status_code in (302, 403)
        assert client.post(url, {"title": "Sneaked in", "slug": "sneaked-in"}).status_code in (302, 403)
    assert not SectionPage.objects.filter(title="Sneaked in").exists()
    assert not LessonPage.objects.filter(title="Sneaked in").exists()

    # Nor can they move or copy their own pages into it.
    my_lesson = LessonPage.objects.descendant_of(mine).get()
    assert not my_lesson.permissions_for_user(instructor).can_move_to(their_section)
    assert not my_lesson.permissions_for_user(instructor).can_copy_to(their_section)
    assert not theirs.permissions_for_user(instructor).can_copy()

    # Their own course stays fully editable, sections and lessons included.
    my_section = mine.get_children().get()
    for page in (mine, my_section, my_lesson):
        assert client.get(edit_url(page)).status_code == 200
    response = post_new_page(
        client,
        "lessonpage",
        my_section,
        {
            "title": "Added by Ivy",
            "slug": "added-by-ivy",
            "body": streamfield([("markdown", "Hi")]),
        },
    )
    assert response.status_code == 302
    assert LessonPage.objects.child_of(my_section).filter(slug="added-by-ivy").exists()


def test_a_listed_co_instructor_edits_every_page_of_the_course(instructor, other_instructor, courses):
    mine, _ = courses
    co = make_user(role=User.Role.INSTRUCTOR)
    CourseInstructor.objects.create(page=mine, user=co)
    lesson = LessonPage.objects.descendant_of(mine).get()
    assert lesson.owner == instructor
    assert lesson.permissions_for_user(co).can_edit()
    assert lesson.get_parent().permissions_for_user(co).can_add_subpage()
    assert not lesson.permissions_for_user(other_instructor).can_edit()


def test_the_explorer_shows_an_instructor_only_their_own_courses(client, instructor, courses):
    mine, theirs = courses
    client.force_login(instructor)
    catalog = CourseIndexPage.objects.get()
    html = client.get(reverse("wagtailadmin_explore", args=(catalog.pk,))).content.decode()
    assert "Ivy&#x27;s course" in html or "Ivy's course" in html
    assert "Oscar&#x27;s course" not in html and "Oscar's course" not in html
    html = client.get(reverse("wagtailadmin_explore", args=(theirs.pk,))).content.decode()
    assert "Section 1" not in html


def test_an_instructor_creates_a_course_but_cannot_publish_it(client, instructor):
    client.force_login(instructor)
    catalog = CourseIndexPage.objects.get()
    response = post_new_page(
        client,
        "coursepage",
        catalog,
        {
            "title": "New course",
            "slug": "new-course",
            "summary": "Learn things.",
            "pricing": "free",
            "difficulty": "beginner",
            "price_cents": "0",
            "currency": "ZAR",
        },
        action="action-publish",
    )
    course = CoursePage.objects.get(slug="new-course")
    assert response.status_code in (302, 403)
    assert not course.live
    assert course.owner == instructor
    perms = course.permissions_for_user(instructor)
    assert perms.can_edit() and not perms.can_publish() and perms.can_submit_for_moderation()
    post_edit(client, course, {"summary": "Still a draft."}, action="action-publish")
    assert not CoursePage.objects.get(pk=course.pk).live


def test_a_moderator_may_publish_any_course(courses):
    _, theirs = courses
    moderator = make_user(role=User.Role.ADMIN)
    lesson = LessonPage.objects.descendant_of(theirs).get()
    for page in (theirs, lesson):
        perms = page.permissions_for_user(moderator)
        assert perms.can_edit() and perms.can_publish()
