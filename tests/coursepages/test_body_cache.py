"""A published lesson's shared blocks (text, markdown, callouts, images) are rendered once per
revision (coursepages/body_cache.py); the activity blocks are rendered per request from each
viewer's state. The page must look exactly as before, a re-publish must show at once, a
preview must show the draft, and no viewer's state may reach another."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, RequestContext, Template
from django.test import RequestFactory

from blocks.lesson_body import SHARED_BLOCK_TYPES
from blocks.raw import lesson_body
from coursepages.models import LessonPage
from learners.assessments.quiz import quiz_attempt_start
from learners.enrollment.services import enrollment_create
from tests.factories import lessons_of, make_course, quiz_block

pytestmark = pytest.mark.django_db

BODY = [
    ("rich_text", "<p>Rich <b>text</b> &amp; more</p>"),
    ("markdown", "# Heading\n\nSome `code` and <script>x</script>"),
    ("callout", {"style": "tip", "title": "Mind <this>", "body": "<p>Careful</p>"}),
    quiz_block(),
    ("rich_text", "<p>After the quiz</p>"),
]


def _body_of(html: str) -> str:
    """The lesson body, each CSRF token (masked afresh on every rendering) replaced by "…"."""
    body = html[html.index('<div class="lesson-body">') : html.index('<section class="lesson-complete"')]
    return _unmasked(body)


def _unmasked(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="…"', html)


def _lesson(instructor, items=BODY) -> LessonPage:
    course = make_course(instructor=instructor, sections=[("S", [("Lesson", items, {})])])
    return lessons_of(course)[0]


def test_the_cached_body_is_what_include_block_renders(client, student, instructor):
    lesson = _lesson(instructor)
    enrollment_create(user=student, course=lesson.get_parent().get_parent().specific)
    client.force_login(student)
    first = client.get(lesson.url)
    second = client.get(lesson.url)  # the shared blocks from the cache now
    assert _body_of(first.content.decode()) == _body_of(second.content.decode())
    request = first.wsgi_request
    expected = Template(
        '{% load wagtailcore_tags %}<div class="lesson-body">\n        {% for block in page.body %}'
        '<span id="at-{{ block.id }}" class="block-anchor"></span>{% include_block block %}{% endfor %}'
    ).render(RequestContext(request, second.context[0].flatten()))
    assert _body_of(second.content.decode()).startswith(_unmasked(expected) + "\n      </div>")
    assert "Rich <b>text</b>" in expected and "Mind &lt;this&gt;" in expected and "<script>" not in expected


def test_a_republished_body_shows_at_once(client, student, instructor):
    lesson = _lesson(instructor)
    enrollment_create(user=student, course=lesson.get_parent().get_parent().specific)
    client.force_login(student)
    assert "Rich <b>text</b>" in client.get(lesson.url).content.decode()
    page = LessonPage.objects.get(pk=lesson.pk)
    page.body = lesson_body([("rich_text", "<p>Rewritten</p>"), *BODY[1:]])
    page.save_revision(user=instructor).publish()
    html = client.get(lesson.url).content.decode()
    assert "Rewritten" in html and "Rich <b>text</b>" not in html


def test_a_draft_is_not_shown_to_students_and_the_preview_shows_it(client, student, instructor):
    lesson = _lesson(instructor)
    enrollment_create(user=student, course=lesson.get_parent().get_parent().specific)
    client.force_login(student)
    assert "Rich <b>text</b>" in client.get(lesson.url).content.decode()  # cached now
    page = LessonPage.objects.get(pk=lesson.pk)
    page.body = lesson_body([("rich_text", "<p>Draft words</p>"), *BODY[1:]])
    revision = page.save_revision(user=instructor)
    html = client.get(lesson.url).content.decode()
    assert "Draft words" not in html and "Rich <b>text</b>" in html

    draft = revision.as_object()
    request = RequestFactory().get(lesson.url)
    request.user = instructor
    response = draft.serve_preview(request, draft.default_preview_mode)
    response.render()
    preview = response.content.decode()
    assert "Draft words" in preview and "Rich <b>text</b>" not in preview
    # ...and the preview stored nothing the students then see.
    assert "Draft words" not in client.get(lesson.url).content.decode()


def test_each_students_activity_state_is_their_own(client, student, other_student, instructor):
    lesson = _lesson(instructor)
    course = lesson.get_parent().get_parent().specific
    for user in (student, other_student):
        enrollment_create(user=user, course=course)
    quiz_id = next(child.id for child in lesson.body if child.block_type == "quiz")
    quiz_attempt_start(user=student, block_id=quiz_id)
    client.force_login(student)
    assert "Resume attempt 1" in client.get(lesson.url).content.decode()
    client.force_login(other_student)
    theirs = client.get(lesson.url).content.decode()
    assert "Resume attempt" not in theirs and "Rich <b>text</b>" in theirs


def test_shared_block_templates_read_nothing_of_the_viewer():
    """The shared blocks' HTML is served to every viewer: their templates must not read the
    request, the user, a CSRF token or the learning state."""
    for block_type in SHARED_BLOCK_TYPES:
        source = (Path(settings.BASE_DIR) / "templates" / "blocks" / f"{block_type}.html").read_text()
        assert not re.search(r"request|user|csrf|block_states|state\b|perms", source), block_type
    assert Template("{% load learning_tags %}").render(Context()) == ""
