"""Search inside courses: what a lesson's passages hold (never quiz answers), that publishing
keeps them in step block by block, full-text search with highlighted, escaped snippets (on
PostgreSQL its own full-text search; on SQLite the simple backend), and the catalog finding
courses by their lessons."""

import pytest
from django.db import connection

from coursepages.models import LessonPassage
from coursepages.passages import lesson_passages, lesson_passages_sync, passages_rebuild, passages_search
from coursepages.selectors import catalog_queryset
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db

QUIZ = {
    "title": "Plant check",
    "description": "About energy in plants",
    "questions": [
        {
            "text": "Which process turns light into sugar?",
            "kind": "single",
            "points": 1,
            "explanation": "Chloroplasts do it",
            "options": [
                {"text": "Photosynthesis", "is_correct": True, "feedback": "Right"},
                {"text": "Fermentation", "is_correct": False, "feedback": "No"},
            ],
        }
    ],
    "passing_score": 50,
    "max_attempts": 0,
    "time_limit_minutes": 0,
    "feedback_mode": "immediate",
}


@pytest.fixture
def course(instructor):
    course = make_course(
        title="Biology",
        instructor=instructor,
        sections=[
            (
                "Plants",
                [
                    (
                        "Leaves",
                        [
                            ("rich_text", "<p>The <b>stomata</b> let carbon dioxide in &amp; oxygen out.</p>"),
                            ("markdown", "## Xylem\n\nWater climbs through `xylem` vessels <script>x</script>."),
                            (
                                "callout",
                                {"style": "tip", "title": "Remember chlorophyll", "body": "<p>It is green.</p>"},
                            ),
                            ("quiz", QUIZ),
                        ],
                        {},
                    ),
                    ("Roots", [("rich_text", "<p>Root hairs absorb minerals.</p>")], {}),
                ],
            )
        ],
    )
    passages_rebuild(course=course)
    return course


def test_passages_hold_text_titles_and_questions_but_never_answers(course):
    leaves = lessons_of(course)[0]
    passages = lesson_passages(leaves)
    assert [p.block_type for p in passages] == ["rich_text", "markdown", "callout", "quiz"]
    assert passages[0].text == "The stomata let carbon dioxide in & oxygen out."
    assert "Xylem" in passages[1].text and "<" not in passages[1].text
    assert passages[2].title == "Remember chlorophyll"
    quiz = passages[3]
    assert quiz.title == "Plant check" and "Which process turns light into sugar?" in quiz.text
    assert "Photosynthesis" not in quiz.text and "Fermentation" not in quiz.text and "Chloroplasts" not in quiz.text


def test_sync_rewrites_only_changed_blocks_and_follows_unpublishing(django_capture_on_commit_callbacks, course):
    leaves = lessons_of(course)[0]
    before = dict(LessonPassage.objects.filter(lesson=leaves).values_list("block_id", "updated_at"))
    assert lesson_passages_sync(lesson_id=leaves.pk) == []  # nothing changed: nothing written
    raw = list(leaves.body.raw_data)
    changed_id = raw[0]["id"]
    raw[0] = {**raw[0], "value": "<p>Guard cells open the stomata.</p>"}
    leaves.body = raw
    with django_capture_on_commit_callbacks(execute=True):
        leaves.save_revision().publish()  # the publish signal syncs (a task after commit; eager here)
    after = dict(LessonPassage.objects.filter(lesson=leaves).values_list("block_id", "updated_at"))
    assert LessonPassage.objects.get(lesson=leaves, block_id=changed_id).text == "Guard cells open the stomata."
    assert [b for b in after if after[b] != before[b]] == [changed_id]  # only the changed block
    assert lesson_passages_sync(lesson_id=leaves.pk) == []
    with django_capture_on_commit_callbacks(execute=True):
        leaves.unpublish()
    assert not LessonPassage.objects.filter(lesson=leaves).exists()


def test_search_finds_a_word_only_in_a_lesson_with_a_highlighted_escaped_snippet(course):
    hits = passages_search(q="stomata", course_ids=[course.pk])
    assert [h.passage.lesson.title for h in hits] == ["Leaves"]
    assert "<mark>stomata</mark>" in hits[0].snippet.lower()
    hits = passages_search(q="xylem vessels", course_ids=[course.pk])
    assert hits and "<script>" not in hits[0].snippet
    assert passages_search(q="photosynthesis", course_ids=[course.pk]) == []  # a quiz answer
    assert passages_search(q="", course_ids=[course.pk]) == []
    assert passages_search(q="stomata", course_ids=[course.pk + 999]) == []


def test_titles_rank_above_text(course):
    make_course(sections=[("S", [("Other", [("rich_text", "<p>chlorophyll chlorophyll once more</p>")], {})])])
    passages_rebuild()
    hits = passages_search(q="chlorophyll")
    assert hits[0].passage.title == "Remember chlorophyll"


def test_the_catalog_finds_a_course_by_its_lessons(course, instructor):
    make_course(title="Chemistry", instructor=instructor, lessons=1)
    assert [c.title for c in catalog_queryset(q="minerals")] == ["Biology"]
    assert [c.title for c in catalog_queryset(q="Chemistry")] == ["Chemistry"]


def test_user_input_never_breaks_the_query(course):
    for q in ['"unclosed', "a & | ! (", "' OR 1=1 --", "stomata:*", "-stomata"]:
        passages_search(q=q, course_ids=[course.pk])  # no error


def test_postgres_uses_its_full_text_search(postgres, course):
    assert connection.vendor == "postgresql"
    # Stemming (English configuration): "absorbing" finds "absorb".
    hits = passages_search(q="absorbing minerals", course_ids=[course.pk])
    assert [h.passage.lesson.title for h in hits] == ["Roots"]
    assert "<mark>" in hits[0].snippet
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'coursepages_passage_fts'")
        assert "gin" in cursor.fetchone()[0]
