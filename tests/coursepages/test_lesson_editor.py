"""Lessons built through the real Wagtail editor form: every block type is saved, and bad
content (quiz without a correct option, rubric/max score mismatch, foreign or cyclic
prerequisites) is refused with a clear message."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import rich_text, streamfield

from blocks.lesson_body import LessonBodyBlock
from coursepages.models import H5PPackage, LessonPage
from tests.coursepages.editor import add_url, editor_data, listblock, post_edit, post_new_page
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def quiz_value(*, correct: bool = True) -> dict:
    return {
        "title": "Check yourself",
        "description": "",
        "passing_score": "70",
        "max_attempts": "3",
        "time_limit_minutes": "0",
        "feedback_mode": "immediate",
        "questions": listblock(
            [
                {
                    "text": "What is 2 + 2?",
                    "kind": "single",
                    "points": "1",
                    "explanation": "Counting.",
                    "options": listblock(
                        [
                            {"text": "4", "is_correct": "on" if correct else "", "feedback": "Yes."},
                            {"text": "5", "feedback": "No."},
                        ]
                    ),
                }
            ]
        ),
    }


def assignment_value(*, max_score: str = "10", rubric=(("Correct", "6"), ("Readable", "4"))) -> dict:
    return {
        "title": "Build it",
        "instructions": rich_text("<p>Build the calculator.</p>"),
        "rubric": listblock([{"title": title, "description": "", "points": points} for title, points in rubric]),
        "max_score": max_score,
        "allow_text": "on",
        "max_files": "2",
        "max_file_size_mb": "5",
        "due_days_after_enrollment": "",
        "completion": "submitted",
        "pass_mark": "50",
    }


@pytest.fixture
def section(instructor):
    course = make_course(title="Editor course", instructor=instructor, lessons=2)
    return course.get_children().specific().first()


@pytest.fixture
def media():
    document = Document.objects.create(title="Handout", file=SimpleUploadedFile("handout.pdf", b"%PDF-1.4 test"))
    image = Image.objects.create(title="Diagram", file=get_test_image_file())
    package = H5PPackage.objects.create(title="Drag the words", file=SimpleUploadedFile("drag.h5p", b"PK"))
    return document, image, package


def every_block(document, image, package) -> list:
    return [
        ("rich_text", rich_text("<p>Rich <b>text</b> body.</p>")),
        ("markdown", "## Markdown heading\n\n```python\nprint(1)\n```"),
        (
            "video",
            {
                "title": "Intro",
                "source": "youtube",
                "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                "file": "",
                "captions": "",
                "captions_language": "en",
                "duration": "213",
                "completion_threshold": "80",
            },
        ),
        (
            "document",
            {
                "title": "Read this",
                "document": str(document.pk),
                "description": "",
                "show_preview": "on",
                "allow_download": "on",
            },
        ),
        ("quiz", quiz_value()),
        ("assignment", assignment_value()),
        ("h5p", {"title": "Practice", "package": str(package.pk), "completion": "completed"}),
        (
            "ai_tool",
            {
                "title": "Tutor",
                "tool_url": "/ai-tools/demo/",
                "allowed_origin": "",
                "parameters": listblock([{"name": "topic", "value": "vat"}]),
                "completion_rule": "complete",
                "min_score": "",
                "height": "480",
            },
        ),
        ("callout", {"style": "warning", "title": "Careful", "body": rich_text("<p>Mind the VAT.</p>")}),
        ("image", {"image": str(image.pk), "alt_text": "A diagram", "caption": "Figure 1"}),
    ]


def test_a_lesson_with_every_block_is_saved_through_the_editor(client, instructor, section, media):
    document, image, package = media
    blocks = every_block(document, image, package)
    assert {name for name, _ in blocks} == set(LessonBodyBlock.base_blocks), "the test must cover every block"
    client.force_login(instructor)
    response = post_new_page(
        client,
        "lessonpage",
        section,
        {
            "title": "Everything",
            "slug": "everything",
            "estimated_minutes": "15",
            "body": streamfield(blocks),
        },
        lists={"body-5-value-accepted_file_types": ["py", "pdf"]},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response

    lesson = LessonPage.objects.get(slug="everything")
    body = lesson.get_latest_revision_as_object().body
    assert [child.block_type for child in body] == [name for name, _ in blocks]
    by_type = {child.block_type: child.value for child in body}
    assert "Rich <b>text</b> body." in by_type["rich_text"].source
    assert by_type["markdown"].startswith("## Markdown heading")
    assert by_type["video"]["completion_threshold"] == 80 and by_type["video"]["duration"] == 213
    assert by_type["document"]["document"] == document
    quiz = by_type["quiz"]
    assert [o["is_correct"] for o in quiz["questions"][0]["options"]] == [True, False]
    assert all(item.id for item in quiz["questions"].bound_blocks), "questions get ids (records point at them)"
    assert by_type["assignment"]["max_score"] == 10
    assert by_type["assignment"]["accepted_file_types"] == ["py", "pdf"]
    assert by_type["h5p"]["package"] == package
    assert by_type["ai_tool"]["parameters"][0]["value"] == "vat"
    assert by_type["callout"]["style"] == "warning"
    assert by_type["image"]["image"] == image
    assert lesson.owner == instructor and not lesson.live


def _errors(response) -> str:
    """The editor refused the form: its error messages, block errors included, as text."""
    assert response.status_code == 200, "the editor must refuse the form"
    messages = []
    for errors in response.context["form"].errors.as_data().values():
        for error in errors:
            data = error.as_json_data() if hasattr(error, "as_json_data") else error.messages
            messages.append(json.dumps(data, ensure_ascii=False))
    return " ".join(messages)


def test_a_quiz_without_a_correct_option_is_refused(client, instructor, section):
    client.force_login(instructor)
    response = post_new_page(
        client,
        "lessonpage",
        section,
        {
            "title": "Bad quiz",
            "slug": "bad-quiz",
            "body": streamfield([("quiz", quiz_value(correct=False))]),
        },
    )
    assert "Mark at least one option as correct." in _errors(response)
    assert not LessonPage.objects.filter(slug="bad-quiz").exists()


@pytest.mark.parametrize(
    "assignment, message",
    [
        (assignment_value(max_score="12"), "The rubric adds up to 10 points; the max score must match."),
        (assignment_value(rubric=()), "Add at least one rubric criterion."),
        (assignment_value(max_score=""), "Set the max score."),
    ],
)
def test_an_assignment_needs_criteria_and_a_matching_max_score(client, instructor, section, assignment, message):
    client.force_login(instructor)
    response = post_new_page(
        client,
        "lessonpage",
        section,
        {
            "title": "Bad assignment",
            "slug": "bad-assignment",
            "body": streamfield([("assignment", assignment)]),
        },
    )
    assert message in _errors(response)
    assert not LessonPage.objects.filter(slug="bad-assignment").exists()


def test_prerequisites_from_another_course_are_refused(client, instructor, section):
    other_lesson = make_course(title="Another course", instructor=instructor, lessons=1).lessons().get()
    lesson = LessonPage.objects.child_of(section).first()
    client.force_login(instructor)
    response = post_edit(
        client, lesson, {"body": streamfield([("markdown", "Text")])}, lists={"prerequisites": [other_lesson.pk]}
    )
    assert "belongs to another course; prerequisites must be in this course." in _errors(response)
    assert not lesson.prerequisites.exists()


def test_a_prerequisite_cycle_is_refused_and_a_valid_prerequisite_saved(client, instructor, section):
    first, second = LessonPage.objects.child_of(section).order_by("path")
    client.force_login(instructor)
    response = post_edit(
        client, second, {"body": streamfield([("markdown", "Second")])}, lists={"prerequisites": [first.pk]}
    )
    assert response.status_code == 302
    draft = LessonPage.objects.get(pk=second.pk).get_latest_revision()
    assert list(draft.as_object().prerequisites.all()) == [first]
    draft.publish()  # as a moderator would
    assert list(LessonPage.objects.get(pk=second.pk).prerequisites.all()) == [first]

    response = post_edit(
        client, first, {"body": streamfield([("markdown", "First")])}, lists={"prerequisites": [second.pk]}
    )
    assert "These prerequisites would make a cycle" in _errors(response)


def test_the_prerequisite_choices_offer_only_this_courses_lessons(client, instructor, section):
    make_course(title="Elsewhere", instructor=instructor, sections=[("S", [("Foreign lesson", [], {})])])
    client.force_login(instructor)
    html = client.get(add_url("lessonpage", section)).content.decode()
    assert "Lesson 1" in html
    assert "Foreign lesson" not in html
    data = editor_data(client, add_url("lessonpage", section), {})
    assert "prerequisites" not in data  # nothing ticked by default


DEMO_VIDEO = Path(__file__).resolve().parents[2] / "coursepages" / "demo_content" / "lectern-intro.mp4"


def _video(**overrides) -> dict:
    value = {
        "title": "Intro",
        "source": "youtube",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "file": "",
        "captions": "",
        "captions_language": "en",
        "duration": "",
        "completion_threshold": "80",
    }
    return {**value, **overrides}


def test_a_video_needs_a_length_the_server_knows(client, instructor, section):
    """YouTube, Vimeo and HLS lengths are entered; an uploaded MP4's is read from the file."""
    client.force_login(instructor)
    refused = post_new_page(
        client, "lessonpage", section, {"title": "V", "slug": "v", "body": streamfield([("video", _video())])}
    )
    assert "Enter the video" in _errors(refused) and not LessonPage.objects.filter(slug="v").exists()
    upload = Document.objects.create(
        title="Intro video", file=SimpleUploadedFile("intro.mp4", DEMO_VIDEO.read_bytes(), content_type="video/mp4")
    )
    saved = post_new_page(
        client,
        "lessonpage",
        section,
        {
            "title": "V",
            "slug": "v",
            "body": streamfield([("video", _video(source="file", url="", file=str(upload.pk)))]),
        },
    )
    assert saved.status_code == 302
    video = LessonPage.objects.get(slug="v").get_latest_revision_as_object().body[0].value
    assert video["duration"] == 20  # the demo clip's mvhd says 20.0 s
