"""Ask this course: embeddings come from the local model inside the wordllama wheel (no
download), are computed for changed passages only and idempotently, and the fused ranking
answers the written course's questions with the right lesson; the page shows answers as the
access policy allows."""

import pytest

from bench.ask_corpus import QUESTIONS, build_course, expected_block_ids
from coursepages.ask import passages_ask
from coursepages.embeddings import passages_embed
from coursepages.models import LessonPassage
from coursepages.passages import lesson_passages_sync
from learners.enrollment.services import enrollment_create
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(instructor, monkeypatch):
    # No network: the model must load from the wheel.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return build_course(instructor=instructor)


def test_every_passage_gets_a_unit_vector_once(course):
    vectors = list(LessonPassage.objects.filter(course=course).values_list("embedding", flat=True))
    assert vectors and all(v is not None and len(v) == 256 for v in vectors)
    assert abs(sum(x * x for x in vectors[0]) - 1) < 1e-3
    assert passages_embed() == 0  # nothing left to do


def test_only_changed_blocks_are_embedded_again(django_capture_on_commit_callbacks, course):
    lesson = course.lessons()[0]
    untouched = LessonPassage.objects.get(lesson=lesson, block_id=lesson.body[1].id)
    raw = list(lesson.body.raw_data)
    raw[0] = {**raw[0], "value": "<p>Track every rand you spend for a month.</p>"}
    lesson.body = raw
    with django_capture_on_commit_callbacks(execute=True):
        lesson.save_revision().publish()  # sync task → embed task for the written passage only
    changed = LessonPassage.objects.get(lesson=lesson, block_id=lesson.body[0].id)
    assert changed.embedding is not None and "Track every rand" in changed.text
    assert LessonPassage.objects.get(pk=untouched.pk).updated_at == untouched.updated_at
    assert lesson_passages_sync(lesson_id=lesson.pk) == []


@pytest.mark.parametrize("mode", ["hybrid", "embedding"])
def test_the_written_questions_find_their_lesson_in_the_top_three(course, mode):
    found = 0
    for question, block_id in expected_block_ids(course):
        hits = passages_ask(q=question, course_ids=[course.pk], limit=3, mode=mode)
        found += any(hit.passage.block_id == block_id for hit in hits)
    assert found >= 8, f"{mode}: {found}/{len(QUESTIONS)}"


def test_a_question_with_no_words_in_common_is_answered_by_meaning(course):
    hits = passages_ask(q="How long until my savings double?", course_ids=[course.pk], limit=3)
    assert "Compound interest" in [hit.passage.lesson.title for hit in hits]


def test_out_of_budget_falls_back_to_words(settings, course):
    settings.ASK_BUDGET_SECONDS = 0
    hits = passages_ask(q="credit card interest", course_ids=[course.pk], limit=3)
    assert hits and hits[0].passage.lesson.title == "Credit cards and debt"


def test_the_ask_page_answers_with_links_to_the_block_and_hides_locked_text(client, course):
    lesson = next(lesson for lesson in course.lessons() if lesson.title == "Compound interest")
    client.force_login(make_user())
    html = client.get(f"/learn/courses/{course.pk}/ask/?q=How long until my savings double?").content.decode()
    assert "Compound interest" in html and "Found in a locked lesson" in html and "how many years it takes" not in html
    student = make_user()
    enrollment_create(user=student, course=course)
    client.force_login(student)
    html = client.get(f"/learn/courses/{course.pk}/ask/?q=How long until my savings double?").content.decode()
    assert "how many years it takes" in html and f"{lesson.url}#at-{lesson.body[1].id}" in html
