"""An editor's preview of a course shows its draft sections and lessons (their latest
revisions), not only what is published; students never see drafts."""

import re

import pytest
from django.urls import reverse

from coursepages.models import LessonPage, SectionPage
from tests.coursepages.editor import as_post, edit_url, editor_data
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def course_with_drafts(instructor):
    course = make_course(title="Drafty", instructor=instructor, lessons=1)
    live_lesson = lessons_of(course)[0]
    # A published lesson with a newer draft title.
    live_lesson.title = "Renamed in draft"
    live_lesson.save_revision(user=instructor)
    # A new section and lesson, never published.
    section = SectionPage(title="Draft section", owner=instructor, live=False)
    course.add_child(instance=section)
    section.save_revision(user=instructor)
    lesson = LessonPage(title="Draft lesson", owner=instructor, live=False, estimated_minutes=25)
    section.add_child(instance=lesson)
    lesson.save_revision(user=instructor)
    return course


def _preview(client, page) -> str:
    url = reverse("wagtailadmin_pages:preview_on_edit", args=[page.pk])
    data = editor_data(client, edit_url(page), {})
    posted = client.post(url, as_post(data))
    assert posted.status_code == 200 and posted.json()["is_valid"], posted.content
    response = client.get(url)
    assert response.status_code == 200
    return _text(response.content.decode())


def test_the_course_preview_shows_draft_sections_and_lessons(client, instructor, course_with_drafts):
    client.force_login(instructor)
    text = _preview(client, course_with_drafts)
    assert "2 lessons" in text and "0 lessons" not in text
    assert "Draft section" in text and "Draft lesson" in text
    assert "Renamed in draft" in text and "Lesson 1" not in text
    assert "about 35 min" in text  # 10 (the live lesson) + 25 (the draft one)


def test_the_section_preview_shows_its_draft_lessons(client, instructor, course_with_drafts):
    client.force_login(instructor)
    section = SectionPage.objects.get(title="Draft section")
    assert "Draft lesson" in _preview(client, section)


def test_the_published_course_still_shows_only_published_lessons(client, student, course_with_drafts):
    client.force_login(student)
    text = _text(client.get(course_with_drafts.url).content.decode())
    assert "1 lesson " in text
    assert "Lesson 1" in text
    assert "Draft section" not in text and "Draft lesson" not in text and "Renamed in draft" not in text
