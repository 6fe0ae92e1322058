"""What students see: quiz answers never reach the page, Markdown is sanitised, and every
block has a working preview in the editor's block picker."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file

from blocks.lesson_body import LessonBodyBlock
from coursepages.models import H5PPackage, LessonPage
from learners.enrollment.services import enrollment_create
from tests.factories import make_course

pytestmark = pytest.mark.django_db

QUIZ = {
    "title": "Secret quiz",
    "questions": [
        {
            "text": "Which is the capital of South Africa's legislature?",
            "kind": "single",
            "points": 1,
            "explanation": "EXPLANATION-SENTINEL Parliament sits in Cape Town.",
            "options": [
                {"text": "Cape Town", "is_correct": True, "feedback": "FEEDBACK-RIGHT-SENTINEL"},
                {"text": "Durban", "is_correct": False, "feedback": "FEEDBACK-WRONG-SENTINEL"},
            ],
        }
    ],
}
MARKDOWN = (
    "# Heading\n\nSafe **bold** text.\n\n<script>alert('xss')</script>\n\n"
    '[click me](javascript:alert(1)) and <a href="javascript:alert(2)" onclick="steal()">raw link</a>\n\n'
    "<img src=x onerror=\"alert(3)\">\n\n```python\nprint('hi')\n```\n"
)


@pytest.fixture
def lesson_html(client, student, instructor):
    course = make_course(
        title="Rendered",
        instructor=instructor,
        sections=[
            ("S", [("Quiz and markdown", [("quiz", QUIZ), ("markdown", MARKDOWN)], {})]),
        ],
    )
    enrollment_create(user=student, course=course)
    client.force_login(student)
    response = client.get(LessonPage.objects.descendant_of(course).get().url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_rendered_lesson_never_contains_quiz_answers(lesson_html):
    assert "Secret quiz" in lesson_html
    for secret in ("FEEDBACK-RIGHT-SENTINEL", "FEEDBACK-WRONG-SENTINEL", "EXPLANATION-SENTINEL", "is_correct"):
        assert secret not in lesson_html


def test_markdown_is_rendered_highlighted_and_sanitised(lesson_html):
    assert "<strong>bold</strong>" in lesson_html
    assert 'class="codehilite"' in lesson_html
    assert "alert('xss')" not in lesson_html and "<script>alert" not in lesson_html
    assert "javascript:" not in lesson_html
    assert "onclick" not in lesson_html and "onerror" not in lesson_html
    assert "click me" in lesson_html and "raw link" in lesson_html  # the text stays, the danger goes


def test_every_block_has_a_working_editor_preview(client, admin_user):
    Document.objects.create(title="Handout", file=SimpleUploadedFile("handout.pdf", b"%PDF-1.4 test"))
    Image.objects.create(title="Diagram", file=get_test_image_file())
    H5PPackage.objects.create(title="Drag the words", file=SimpleUploadedFile("drag.h5p", b"PK"))
    client.force_login(admin_user)
    body = LessonBodyBlock()
    assert set(body.child_blocks) == {
        "rich_text",
        "markdown",
        "video",
        "document",
        "quiz",
        "assignment",
        "h5p",
        "ai_tool",
        "callout",
        "image",
    }
    for name, block in body.child_blocks.items():
        assert block.is_previewable, name
        assert block.get_description(), name
        response = client.get(reverse("wagtailadmin_block_preview") + f"?id={block.definition_prefix}")
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "/static/css/site.css" in html, name
        assert f"block-{name}" in html, name


def test_the_image_preview_copes_without_any_image(client, admin_user):
    client.force_login(admin_user)
    block = LessonBodyBlock().child_blocks["image"]
    response = client.get(reverse("wagtailadmin_block_preview") + f"?id={block.definition_prefix}")
    assert response.status_code == 200
    assert "Image not available" in response.content.decode()
