"""Issue #24: saving a draft of a 20-block lesson (every block type, twice) and publishing it
(or, for the instructor, who may not publish, submitting it for review) through the real
Wagtail editor costs the same number of queries whatever the number of lessons in its course,
for a platform admin and for the course's instructor. The form is the one the browser posts:
the StreamField's inputs built from each block's form state (`page_edit_post`)."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.documents.models import Document
from wagtail.images.models import Image
from wagtail.images.tests.utils import get_test_image_file
from wagtail.test.utils.form_data import streamfield

from blocks.lesson_body import ACTIVITY_BLOCK_TYPES, LessonBodyBlock
from coursepages.models import H5PPackage, LessonPage, SectionPage
from learners.activity_blocks import activity_blocks_index
from learners.models import ActivityBlock
from tests.coursepages.editor import edit_url, page_edit_post, post_new_page
from tests.coursepages.test_lesson_editor import every_block
from tests.factories import make_course, text_lesson

pytestmark = pytest.mark.django_db

# Measured 2026-12-05 (SQLite; the request only, on-commit work not run inside a test's
# transaction). Wagtail's own work is most of it: every chooser block is fetched one by one
# when the form is read and again when it is cleaned, the search and reference indexes
# rebuild from the body, the revision is written and logged, a submission starts the
# workflow and notifies the reviewers. Publishing was 178 while the activity-block index
# wrote its rows one update_or_create at a time (4 queries per activity block).
# PostgreSQL runs one to two fewer (SQLite's extra savepoint and existence checks).
QUERIES = {
    "sqlite": {
        ("admin", None): 76,
        ("admin", "action-publish"): 136,
        ("instructor", None): 80,
        ("instructor", "action-submit"): 135,
    },
    "postgresql": {
        ("admin", None): 75,
        ("admin", "action-publish"): 134,
        ("instructor", None): 79,
        ("instructor", "action-submit"): 134,
    },
}
CAPTURED: list[str] = []


def twenty_block_lesson(client, course) -> LessonPage:
    """A published lesson of every block type twice (20 blocks) in a section of its own, built
    through the editor as an instructor would."""
    section = SectionPage(title="The long lesson", owner=course.owner)
    course.add_child(instance=section)
    document = Document.objects.create(title="Handout", file=SimpleUploadedFile("handout.pdf", b"%PDF-1.4 test"))
    image = Image.objects.create(title="Diagram", file=get_test_image_file())
    package = H5PPackage.objects.create(title="Drag the words", file=SimpleUploadedFile("drag.h5p", b"PK"))
    client.force_login(course.owner)
    fields = {"title": "Twenty blocks", "slug": "twenty", "body": streamfield(every_block(document, image, package))}
    assert post_new_page(client, "lessonpage", section, fields).status_code == 302
    lesson = LessonPage.objects.child_of(section).get()
    raw = lesson.get_latest_revision_as_object().body.raw_data
    lesson.body = [dict(block, id=str(uuid.uuid4())) for _ in range(2) for block in raw]
    lesson.save_revision(user=course.owner).publish()
    lesson = LessonPage.objects.get(pk=lesson.pk)
    assert {child.block_type for child in lesson.body} == set(LessonBodyBlock.base_blocks)
    assert len(lesson.body) == 20
    return lesson


def _save_queries(client, user, lessons: int, action: str | None) -> int:
    course = make_course(sections=[("Big section", [text_lesson(f"Lesson {i}") for i in range(lessons)])])
    lesson = twenty_block_lesson(client, course)
    client.force_login(user or course.owner)
    url = edit_url(lesson)
    # The same request once first: per-process caches warm, as a running server has them, and
    # Wagtail's one-time rows written (the reviewers' notification profiles on a first submission).
    assert client.post(url, page_edit_post(client, lesson, action=action)).status_code == 302
    if action == "action-submit":
        LessonPage.objects.get(pk=lesson.pk).current_workflow_state.cancel(user=course.owner)
    data = page_edit_post(client, lesson, action=action)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    # The redirect of a successful save: a draft goes back to the editor, the rest to the section.
    expected = url if action is None else f"/admin/pages/{lesson.get_parent().pk}/"
    assert response["Location"] == expected
    CAPTURED[:] = [query["sql"][:200] for query in captured.captured_queries]
    return len(captured.captured_queries)


@pytest.mark.parametrize(
    ("who", "action"),
    [("admin", None), ("admin", "action-publish"), ("instructor", None), ("instructor", "action-submit")],
)
def test_saving_a_lesson_costs_the_same_queries_in_a_course_of_10_or_200_lessons(client, admin_user, who, action):
    user = admin_user if who == "admin" else None
    small = _save_queries(client, user, 10, action)
    large = _save_queries(client, user, 200, action)
    assert (small, large) == (QUERIES[connection.vendor][who, action],) * 2, "\n".join(CAPTURED)


def test_the_browser_form_posts_every_block_back_unchanged(client, admin_user):
    course = make_course(lessons=1)
    lesson = twenty_block_lesson(client, course)
    before = list(lesson.body.raw_data)
    client.force_login(admin_user)
    response = client.post(edit_url(lesson), page_edit_post(client, lesson, action="action-publish"))
    assert response.status_code == 302
    after = LessonPage.objects.get(pk=lesson.pk)
    assert after.get_latest_revision().user == admin_user
    assert list(after.body.raw_data) == before


def test_publishing_indexes_the_activity_blocks(client):
    course = make_course(lessons=1)
    lesson = twenty_block_lesson(client, course)
    expected = [
        (child.id, child.block_type, position, str(child.value["title"]))
        for position, child in enumerate(lesson.body)
        if child.block_type in ACTIVITY_BLOCK_TYPES
    ]
    assert len(expected) == 2 * len(ACTIVITY_BLOCK_TYPES)
    rows = ActivityBlock.objects.filter(lesson=lesson).order_by("position")
    assert [(row.block_id, row.block_type, row.position, row.title) for row in rows] == expected
    assert {row.course_id for row in rows} == {course.pk}

    # A block removed leaves the index; a block moved here from another lesson is re-pointed.
    other = LessonPage.objects.exclude(pk=lesson.pk).descendant_of(course).get()
    moved = {"type": "quiz", "value": lesson.body.raw_data[4]["value"], "id": str(uuid.uuid4())}
    other.body = [moved]
    other.save_revision().publish()
    assert ActivityBlock.objects.get(block_id=moved["id"]).lesson_id == other.pk
    kept = [block for block in lesson.body.raw_data if block["id"] != expected[0][0]] + [moved]
    lesson.body = kept
    lesson.save_revision().publish()
    assert not ActivityBlock.objects.filter(block_id=expected[0][0]).exists()
    row = ActivityBlock.objects.get(block_id=moved["id"])
    assert (row.lesson_id, row.position, row.block_type) == (lesson.pk, len(kept) - 1, "quiz")
    assert ActivityBlock.objects.filter(lesson=lesson).count() == len(expected)


def test_indexing_costs_the_same_queries_for_2_or_10_activity_blocks(client, django_assert_num_queries):
    course = make_course(lessons=1)
    lesson = twenty_block_lesson(client, course)
    activities = [block for block in lesson.body.raw_data if block["type"] in ACTIVITY_BLOCK_TYPES]
    for blocks in (activities[:2], activities):
        lesson.body = [dict(block, id=str(uuid.uuid4())) for block in blocks]
        # The course, the savepoint around one upsert and one delete (of the replaced blocks).
        with django_assert_num_queries(5):
            activity_blocks_index(lesson=lesson)
        assert ActivityBlock.objects.filter(lesson=lesson).count() == len(blocks)
