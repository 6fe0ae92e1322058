"""The learning context: the access policy's verdict travels into every learning service,
which refuses what the policy refuses (no view or API checks access by hand). And a lesson
page's blocks render from state computed in the page context: templates never query or
write; an overdue quiz attempt is closed by the service path, not by rendering."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coursepages.models import LessonPage
from learners.access import learning_context_for
from learners.assessments.quiz import quiz_attempt_start
from learners.enrollment.services import (
    LearningError,
    activity_complete,
    enrollment_create,
    enrollment_revoke,
    lesson_complete,
    lesson_heartbeat,
    lesson_visit,
    progress_heartbeat,
)
from learners.interactive.media import video_progress_report
from learners.lesson_blocks import lesson_block_states
from learners.models import BlockCompletion, Enrollment, LessonProgress, QuizAttempt
from tests.factories import lessons_of, make_course, text_lesson
from tests.learners.assessments.assessment_helpers import course_with, quiz_value

pytestmark = pytest.mark.django_db

VIDEO = (
    "video",
    {
        "title": "Clip",
        "source": "youtube",
        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        "completion_threshold": 90,
    },
)


def _locked_course(student):
    """Two lessons, the second needing the first; and a drip lesson opening in 30 days."""
    course = make_course(
        sections=[("S", [text_lesson("Basics"), ("Advanced", [VIDEO], {}), text_lesson("Later", unlock_after_days=30)])]
    )
    basics, advanced, later = lessons_of(course)
    advanced.prerequisites.set([basics])
    advanced.save_revision().publish()
    enrollment_create(user=student, course=course)
    return course, basics, lessons_of(course)[1], later


def test_every_recording_service_refuses_what_the_policy_refuses(student):
    _course, _basics, advanced, later = _locked_course(student)
    block_id = advanced.body[0].id
    locked = learning_context_for(user=student, lesson=advanced)
    assert locked.verdict.reason == "prerequisite_missing"
    calls = [
        lambda: lesson_complete(context=locked),
        lambda: lesson_visit(context=locked),
        lambda: progress_heartbeat(context=locked, seconds=10),
        lambda: activity_complete(context=locked, block_id=block_id),
        lambda: video_progress_report(context=locked, block_id=block_id, position=5),
    ]
    for call in calls:
        with pytest.raises(LearningError) as refused:
            call()
        assert refused.value.code == "prerequisite_missing"
    with pytest.raises(LearningError) as refused:
        lesson_complete(context=learning_context_for(user=student, lesson=later))
    assert refused.value.code == "not_yet_available"
    assert not LessonProgress.objects.exists() and not BlockCompletion.objects.exists()


def test_the_heartbeats_one_statement_refuses_what_the_policy_refuses_though_the_row_exists(student):
    """lesson_heartbeat writes the common beat in one UPDATE on the student's progress row. A
    row with a running clock proves nothing about access now (made when the lesson was open,
    or before a prerequisite was reset, or before a refund), so each beat here has one: every
    refusal is still the policy's, with its reason, and counts nothing; every allowed beat
    counts."""
    course, basics, advanced, later = _locked_course(student)
    enrollment = Enrollment.objects.get(user=student, course=course)
    opened = timezone.now() - timedelta(seconds=60)
    for lesson in (basics, advanced, later):
        LessonProgress.objects.create(
            enrollment=enrollment, lesson=lesson, status=LessonProgress.Status.IN_PROGRESS, last_accessed_at=opened
        )

    def beat(lesson):
        return lesson_heartbeat(user=student, lesson=LessonPage.objects.get(pk=lesson.pk), seconds=30)

    def refused(lesson) -> str:
        with pytest.raises(LearningError) as refusal:
            beat(lesson)
        verdict = learning_context_for(user=student, lesson=lesson)
        assert not verdict.may_record and refusal.value.code == (verdict.verdict.reason or "not_enrolled")
        return refusal.value.code

    def counted(lesson) -> int:
        return LessonProgress.objects.get(enrollment=enrollment, lesson=lesson).time_spent_seconds

    assert refused(advanced) == "prerequisite_missing"
    assert refused(later) == "not_yet_available"
    assert counted(advanced) == counted(later) == 0
    lesson_complete(context=learning_context_for(user=student, lesson=basics))
    assert beat(advanced).time_spent_seconds == 30 == counted(advanced)
    # An instructor resets the prerequisite: closed again, though the row ran a moment ago.
    LessonProgress.objects.filter(enrollment=enrollment, lesson=basics).update(status=LessonProgress.Status.IN_PROGRESS)
    assert refused(advanced) == "prerequisite_missing"
    # The drip date passes (enrolled 30 local days ago): open from then on.
    Enrollment.objects.filter(pk=enrollment.pk).update(enrolled_at=timezone.now() - timedelta(days=31))
    LessonProgress.objects.filter(enrollment=enrollment, lesson=later).update(last_accessed_at=opened)
    assert beat(later).time_spent_seconds == 30 == counted(later)
    # A refund closes everything: no beat counts, the reason is the policy's.
    enrollment_revoke(user=student, course=course)
    LessonProgress.objects.filter(enrollment=enrollment).update(last_heartbeat_at=opened)
    assert refused(basics) == "not_enrolled"
    assert counted(basics) == 0


def test_a_first_beat_the_policy_refuses_makes_no_row(student, other_student):
    """The first beat of a lesson inserts the progress row in the same statement that checks the
    policy's terms: where they do not hold (a prerequisite missing, a drip lesson not yet open,
    not enrolled, refunded) nothing is inserted and the refusal is the policy's."""
    course, basics, advanced, later = _locked_course(student)

    def refused(user, lesson) -> str:
        with pytest.raises(LearningError) as refusal:
            lesson_heartbeat(user=user, lesson=LessonPage.objects.get(pk=lesson.pk), seconds=30)
        verdict = learning_context_for(user=user, lesson=lesson)
        assert not verdict.may_record and refusal.value.code == (verdict.verdict.reason or "not_enrolled")
        return refusal.value.code

    assert refused(student, advanced) == "prerequisite_missing"
    assert refused(student, later) == "not_yet_available"
    assert refused(other_student, basics) == "not_enrolled"
    assert not LessonProgress.objects.exists()
    lesson_complete(context=learning_context_for(user=student, lesson=basics))
    first = lesson_heartbeat(user=student, lesson=LessonPage.objects.get(pk=advanced.pk), seconds=30)
    assert first.time_spent_seconds == 0 and LessonProgress.objects.get(pk=first.pk).last_heartbeat_at is not None
    enrollment_revoke(user=student, course=course)
    Enrollment.objects.filter(user=student, course=course).update(enrolled_at=timezone.now() - timedelta(days=31))
    assert refused(student, later) == "not_enrolled"
    assert not LessonProgress.objects.filter(lesson=later).exists()


def test_the_heartbeat_refuses_a_withdrawn_lesson_and_counts_a_free_preview_past_its_prerequisite(student):
    course = make_course(
        sections=[
            ("S", [text_lesson("Basics"), text_lesson("Preview", free_preview=True)]),
            ("Draft", [text_lesson("Hidden")]),
        ]
    )
    basics, preview, hidden = lessons_of(course)
    preview.prerequisites.set([basics])
    preview.save_revision().publish()
    enrollment, _ = enrollment_create(user=student, course=course)
    opened = timezone.now() - timedelta(seconds=60)
    for lesson in (preview, hidden):
        LessonProgress.objects.create(enrollment=enrollment, lesson=lesson, last_accessed_at=opened)
    hidden.get_parent().unpublish()  # the lesson stays live, but is no longer the course's
    with pytest.raises(LearningError) as refusal:
        lesson_heartbeat(user=student, lesson=LessonPage.objects.get(pk=hidden.pk), seconds=30)
    assert refusal.value.code == learning_context_for(user=student, lesson=hidden).verdict.reason == "not_found"
    assert LessonProgress.objects.get(lesson=hidden).time_spent_seconds == 0
    # A free preview is open whatever its prerequisites say (the policy's rule), to the enrolled.
    assert (
        lesson_heartbeat(user=student, lesson=LessonPage.objects.get(pk=preview.pk), seconds=30).time_spent_seconds
        == 30
    )


def test_refusal_for_someone_not_enrolled(student, other_student):
    course, basics, *_ = _locked_course(student)
    with pytest.raises(LearningError) as refused:
        lesson_complete(context=learning_context_for(user=other_student, lesson=basics))
    assert refused.value.code == "not_enrolled"
    assert course.pk  # the student's own enrollment is untouched
    lesson_complete(context=learning_context_for(user=student, lesson=basics))
    assert LessonProgress.objects.get(lesson=basics).status == LessonProgress.Status.COMPLETED


def test_api_heartbeat_and_complete_answer_the_policys_reason(client, student):
    _course, _basics, advanced, _later = _locked_course(student)
    client.force_login(student)
    beat = client.put(
        f"/api/v1/lessons/{advanced.pk}/progress/", {"time_spent_delta": 5}, content_type="application/json"
    )
    assert (beat.status_code, beat.json()["code"]) == (403, "prerequisite_missing")
    done = client.post(f"/api/v1/lessons/{advanced.pk}/complete/")
    assert (done.status_code, done.json()["code"]) == (403, "prerequisite_missing")


def test_block_templates_render_from_the_context_without_queries(client, student):
    _course, lesson, block_id = course_with("quiz", quiz_value(), student=student)
    context = learning_context_for(user=student, lesson=lesson)
    states = lesson_block_states(context=context)
    block = lesson.body[0]
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(
            "blocks/quiz.html", {"value": block.value, "id": block.id, "page": lesson, "block_states": states}
        )
    assert len(queries) == 0
    assert "Start the quiz" in html and f'id="block-{block_id}"' in html


def test_an_overdue_attempt_is_closed_by_the_page_context_not_the_template(client, student):
    _course, lesson, block_id = course_with("quiz", quiz_value(time_limit_minutes=1), student=student)
    attempt = quiz_attempt_start(user=student, block_id=block_id)
    QuizAttempt.objects.filter(pk=attempt.pk).update(deadline=timezone.now() - timedelta(minutes=5))
    # Rendering the block from state read before the deadline passed writes nothing.
    states = lesson_block_states(context=learning_context_for(user=student, lesson=lesson))
    with CaptureQueriesContext(connection) as queries:
        render_to_string(
            "blocks/quiz.html", {"value": lesson.body[0].value, "id": block_id, "page": lesson, "block_states": states}
        )
    assert len(queries) == 0
    assert QuizAttempt.objects.get(pk=attempt.pk).status == QuizAttempt.Status.IN_PROGRESS
    # Opening the lesson page closes it through the quiz service before anything renders.
    client.force_login(student)
    response = client.get(lesson.url)
    assert response.status_code == 200
    closed = QuizAttempt.objects.get(pk=attempt.pk)
    assert closed.status == QuizAttempt.Status.SUBMITTED and closed.auto_submitted
    assert "time up" in response.content.decode()


def test_template_tags_never_touch_the_database():
    """A template tag formats what the context holds: no ORM query, no service, no selector."""
    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("*/templatetags/*.py"):
        text = path.read_text()
        for marker in (
            ".objects",
            "select_for_update",
            ".save(",
            ".refresh_from_db(",
            "services import",
            "selectors import",
            "_for(user",
            "quiz_attempt_expire",
        ):
            if marker in text:
                offenders.append(f"{path.relative_to(root)}: {marker}")
    assert offenders == []


def test_a_live_lesson_under_a_withdrawn_section_is_not_open_to_students(client, student, instructor):
    course = make_course(
        instructor=instructor, sections=[("Open", [text_lesson("Kept")]), ("Withdrawn", [text_lesson("Hidden")])]
    )
    kept, hidden = lessons_of(course)
    enrollment_create(user=student, course=course)
    hidden.get_parent().specific.unpublish()
    hidden.refresh_from_db()
    assert hidden.live  # the lesson page itself stays live in the tree
    context = learning_context_for(user=student, lesson=hidden)
    assert (context.verdict.allowed, context.verdict.reason) == (False, "not_found")
    with pytest.raises(LearningError) as refused:
        lesson_complete(context=context)
    assert refused.value.code == "not_found"
    client.force_login(student)
    api = client.get(f"/api/v1/lessons/{hidden.pk}/")
    assert (api.status_code, api.json()["code"]) == (404, "not_found")
    assert learning_context_for(user=student, lesson=kept).verdict.allowed
    assert learning_context_for(user=instructor, lesson=hidden).verdict.allowed  # staff preview it
