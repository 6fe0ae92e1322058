"""Enrollment, completion rules, progress maths, heartbeats and course completion."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coursepages.models import LessonPage
from learners.access import course_access_for, drip_available_at, drip_open_for_enrolled_before, learning_context_for
from learners.enrollment.services import (
    VISIT_RECORD_SECONDS,
    LearningError,
    activity_complete,
    course_progress_for,
    enrollment_request,
    lesson_complete,
    lesson_completion_rule,
    lesson_heartbeat,
    lesson_visit,
    progress_heartbeat,
)
from learners.models import BlockCompletion, Enrollment, LessonProgress
from payments.models import Plan, Subscription
from tests.factories import lessons_of, make_course, make_user, text_lesson

pytestmark = pytest.mark.django_db

VIDEO = (
    "video",
    {
        "title": "Intro",
        "source": "youtube",
        "url": "https://www.youtube.com/watch?v=F5mRW0jo-U4",
        "completion_threshold": 80,
    },
)


def test_enrolling_twice_is_a_no_op(student, free_course):
    first, created = enrollment_request(user=student, course=free_course)
    again, created_again = enrollment_request(user=student, course=free_course)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk
    assert Enrollment.objects.filter(user=student, course=free_course).count() == 1


def test_enrollment_request_refuses_a_paid_course_and_requires_a_subscription(student):
    paid = make_course(pricing="one_time", price_cents=49900)
    with pytest.raises(LearningError) as refused:
        enrollment_request(user=student, course=paid)
    assert refused.value.code == "not_paid"
    included = make_course(pricing="subscription")
    with pytest.raises(LearningError) as refused:
        enrollment_request(user=student, course=included)
    assert refused.value.code == "subscription_inactive"
    plan = Plan.objects.create(name="Monthly", slug="monthly", price_cents=19900)
    Subscription.objects.create(
        user=student, plan=plan, status="active", current_period_end=timezone.now() + timedelta(days=30)
    )
    enrollment, created = enrollment_request(user=student, course=included)
    assert created and enrollment.source == Enrollment.Source.SUBSCRIPTION
    assert not Enrollment.objects.filter(course=paid).exists()


def test_completion_rule_is_manual_for_text_and_activities_otherwise(student):
    course = make_course(sections=[("S", [text_lesson("Read"), ("Watch", [VIDEO], {})])])
    read, watch = lessons_of(course)
    assert lesson_completion_rule(read) == "manual"
    assert lesson_completion_rule(watch) == "activities"
    enrollment_create_for(student, course)
    with pytest.raises(LearningError) as refused:
        lesson_complete(context=learning_context_for(user=student, lesson=watch))
    assert refused.value.code == "activities_incomplete"
    block_id = watch.body[0].id
    activity_complete(context=learning_context_for(user=student, lesson=watch), block_id=block_id, score_percent=85)
    assert LessonProgress.objects.get(lesson=watch).status == LessonProgress.Status.COMPLETED


def enrollment_create_for(user, course):
    enrollment, _ = enrollment_request(user=user, course=course)
    return enrollment


def test_progress_is_completed_over_live_lessons_and_100_completes_the_course(student, settings):
    settings.COURSE_COMPLETED_HOOKS = ["tests.learners.enrollment.test_progress.record_completion"]
    RECORDED.clear()
    course = make_course(lessons=4)
    lessons = lessons_of(course)
    enrollment = enrollment_create_for(student, course)
    lesson_complete(context=learning_context_for(user=student, lesson=lessons[0]))
    assert course_progress_for(enrollment=enrollment).percent == 25
    lessons[3].unpublish()  # a lesson taken down no longer counts
    lesson_complete(context=learning_context_for(user=student, lesson=lessons[1]))
    progress = course_progress_for(enrollment=enrollment)
    assert (progress.completed, progress.total, progress.percent) == (2, 3, 66)
    with TestCase.captureOnCommitCallbacks(execute=True):
        lesson_complete(context=learning_context_for(user=student, lesson=lessons[2]))
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.COMPLETED
    assert RECORDED == [enrollment.pk]


RECORDED: list[int] = []


def record_completion(*, enrollment_id):
    RECORDED.append(enrollment_id)


def test_visit_sets_resume_point_and_heartbeat_records_time_and_video(student, free_course):
    enrollment = enrollment_create_for(student, free_course)
    lesson = lessons_of(free_course)[1]
    assert lesson_visit(context=learning_context_for(user=student, lesson=lesson)) is True
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == lesson.pk
    first_seen = enrollment.last_accessed_at
    # A reload within a minute writes nothing; another lesson, or the same one later, does.
    assert lesson_visit(context=learning_context_for(user=student, lesson=lesson)) is False
    enrollment.refresh_from_db()
    assert enrollment.last_accessed_at == first_seen
    other = lessons_of(free_course)[2]
    assert lesson_visit(context=learning_context_for(user=student, lesson=other)) is True
    assert lesson_visit(context=learning_context_for(user=student, lesson=lesson)) is True
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == lesson.pk
    assert LessonProgress.objects.get(enrollment=enrollment, lesson=other).status == LessonProgress.Status.IN_PROGRESS
    Enrollment.objects.filter(pk=enrollment.pk).update(
        last_accessed_at=enrollment.last_accessed_at - timedelta(seconds=VISIT_RECORD_SECONDS + 1)
    )
    assert lesson_visit(context=learning_context_for(user=student, lesson=lesson)) is True
    opened = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson).last_accessed_at
    # The first beat measures from the visit; a long-open page counts at most one beat's cap.
    progress_heartbeat(
        context=learning_context_for(user=student, lesson=lesson), seconds=30, now=opened + timedelta(seconds=31)
    )
    progress = progress_heartbeat(
        context=learning_context_for(user=student, lesson=lesson),
        seconds=10_000,
        video_position=42.5,
        video_duration=300,
        now=opened + timedelta(seconds=31 + 3600),
    )
    assert progress.time_spent_seconds == 30 + 120  # one beat is clamped
    assert (progress.video_position, progress.video_duration) == (42.5, 300)
    assert progress.status == LessonProgress.Status.IN_PROGRESS
    # A position alone is clamped to the duration already stored; a first beat creates the row.
    assert (
        progress_heartbeat(
            context=learning_context_for(user=student, lesson=lesson), seconds=5, video_position=900
        ).video_position
        == 300
    )
    first_beat = progress_heartbeat(
        context=learning_context_for(user=student, lesson=lessons_of(free_course)[0]), seconds=7, video_position=12
    )
    # No visit, no clock: the first beat only starts it.
    assert (first_beat.time_spent_seconds, first_beat.video_position) == (0, 12)
    with pytest.raises(LearningError):
        progress_heartbeat(context=learning_context_for(user=student, lesson=lesson), seconds=-5)
    someone_else = make_user()
    enrollment_create_for(someone_else, free_course)
    theirs = course_access_for(user=someone_else, course=free_course)
    # A course access handed in must be the user's own: another's is not used.
    context = learning_context_for(user=student, lesson=lessons_of(free_course)[0], access=theirs)
    assert context.user == student and context.enrollment.user_id == student.pk


def test_a_burst_of_heartbeats_adds_only_the_wall_clock_time_it_took(student, free_course):
    enrollment = enrollment_create_for(student, free_course)
    lesson = lessons_of(free_course)[1]
    lesson_visit(context=learning_context_for(user=student, lesson=lesson))
    start = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson).last_accessed_at
    # 30 beats each claiming the 120 s maximum, all within half a second: an hour claimed.
    for beat in range(1, 31):
        progress = progress_heartbeat(
            context=learning_context_for(user=student, lesson=lesson),
            seconds=120,
            now=start + timedelta(milliseconds=beat * 16),
        )
    assert progress.time_spent_seconds == 0  # under a second of wall clock
    # Honest beats every 30 s count what they claim, never more than the wall clock.
    later = start + timedelta(seconds=30.5)
    assert (
        progress_heartbeat(context=learning_context_for(user=student, lesson=lesson), seconds=30, now=later)
    ).time_spent_seconds == 30
    assert (
        progress_heartbeat(
            context=learning_context_for(user=student, lesson=lesson), seconds=120, now=later + timedelta(seconds=10)
        )
    ).time_spent_seconds == 40


def test_a_hidden_page_counts_nothing_and_restarts_the_clock(student, free_course):
    enrollment = enrollment_create_for(student, free_course)
    lesson = lessons_of(free_course)[1]
    lesson_visit(context=learning_context_for(user=student, lesson=lesson))
    start = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson).last_accessed_at
    hidden = progress_heartbeat(
        context=learning_context_for(user=student, lesson=lesson),
        seconds=60,
        visible=False,
        now=start + timedelta(minutes=10),
    )
    assert hidden.time_spent_seconds == 0 and hidden.last_heartbeat_at == start + timedelta(minutes=10)
    back = progress_heartbeat(
        context=learning_context_for(user=student, lesson=lesson),
        seconds=120,
        now=start + timedelta(minutes=10, seconds=20),
    )
    assert back.time_spent_seconds == 20


def test_heartbeat_refused_without_enrollment(student, free_course):
    with pytest.raises(LearningError) as refused:
        progress_heartbeat(context=learning_context_for(user=student, lesson=lessons_of(free_course)[0]), seconds=5)
    assert refused.value.code == "not_enrolled"
    assert not BlockCompletion.objects.exists()


def test_a_lesson_with_two_activities_needs_both(student):
    course = make_course(sections=[("S", [("Two", [VIDEO, VIDEO], {})])])
    lesson = lessons_of(course)[0]
    assert len(lesson.body) == 2
    enrollment_create_for(student, course)
    activity_complete(context=learning_context_for(user=student, lesson=lesson), block_id=lesson.body[0].id)
    assert not LessonProgress.objects.filter(lesson=lesson, status="completed").exists()
    activity_complete(context=learning_context_for(user=student, lesson=lesson), block_id=lesson.body[1].id)
    assert LessonProgress.objects.get(lesson=lesson).status == "completed"


def test_visit_starts_a_lesson_once_and_never_undoes_a_completion(student, free_course):
    enrollment = enrollment_create_for(student, free_course)
    first, second, third = lessons_of(free_course)[:3]
    assert lesson_visit(context=learning_context_for(user=student, lesson=first))  # no row yet: inserted
    row = LessonProgress.objects.get(enrollment=enrollment, lesson=first)
    assert row.status == LessonProgress.Status.IN_PROGRESS and row.first_accessed_at == row.last_accessed_at
    # A row made by something else first (not started) is started by the visit.
    LessonProgress.objects.create(enrollment=enrollment, lesson=second)
    lesson_visit(context=learning_context_for(user=student, lesson=second))
    started = LessonProgress.objects.get(enrollment=enrollment, lesson=second)
    assert started.status == LessonProgress.Status.IN_PROGRESS and started.first_accessed_at is not None
    # Made not started by a heartbeat a moment ago: the visit still starts it.
    LessonProgress.objects.filter(enrollment=enrollment, lesson=second).update(
        status=LessonProgress.Status.NOT_STARTED, last_accessed_at=timezone.now()
    )
    lesson_visit(context=learning_context_for(user=student, lesson=second))
    started_now = LessonProgress.objects.get(enrollment=enrollment, lesson=second)
    assert started_now.status == LessonProgress.Status.IN_PROGRESS
    # Completed, then visited by a request that read "no row" before the completion committed.
    stale = learning_context_for(user=student, lesson=third)
    lesson_complete(context=learning_context_for(user=student, lesson=third))
    lesson_visit(context=stale)
    assert LessonProgress.objects.get(enrollment=enrollment, lesson=third).status == LessonProgress.Status.COMPLETED
    # A later visit to a completed lesson touches its last access and keeps it completed.
    LessonProgress.objects.filter(lesson=third).update(last_accessed_at=timezone.now() - timedelta(hours=1))
    lesson_visit(context=learning_context_for(user=student, lesson=third))
    done = LessonProgress.objects.get(enrollment=enrollment, lesson=third)
    assert done.status == LessonProgress.Status.COMPLETED
    assert timezone.now() - done.last_accessed_at < timedelta(minutes=1)
    assert LessonProgress.objects.filter(enrollment=enrollment).count() == 3


def test_one_lesson_context_decides_as_the_course_context_and_answers_the_row_as_written(student):
    """The heartbeat's context loads only the lesson's and its prerequisites' progress rows:
    a missing prerequisite still locks the lesson, and the row the beat returns (built from the
    row it read, not read again) is the one in the database."""
    from learners.access import lesson_learning_context_for

    course = make_course(lessons=4)
    first, _second, third, fourth = lessons_of(course)
    fourth.prerequisites.set([first])
    fourth.save_revision().publish()
    enrollment, _ = enrollment_request(user=student, course=course)
    for lesson in (first, _second, third, fourth):
        one, full = (
            lesson_learning_context_for(user=student, lesson=lesson),
            learning_context_for(user=student, lesson=lesson),
        )
        assert one.verdict == full.verdict
    assert lesson_learning_context_for(user=student, lesson=fourth).verdict.reason == "prerequisite_missing"
    with pytest.raises(LearningError):
        progress_heartbeat(context=lesson_learning_context_for(user=student, lesson=fourth), seconds=5)
    lesson_complete(context=learning_context_for(user=student, lesson=first))
    assert lesson_learning_context_for(user=student, lesson=fourth).verdict.allowed

    start = timezone.now() - timedelta(minutes=5)
    lesson_visit(context=learning_context_for(user=student, lesson=third))
    LessonProgress.objects.filter(lesson=third).update(last_accessed_at=start, video_duration=100.0)
    beats = [
        dict(seconds=30, video_position=250.0, now=start + timedelta(seconds=30)),  # clamped to the stored 100
        dict(seconds=30, video_position=40.0, video_duration=60.0, now=start + timedelta(seconds=50)),
        dict(seconds=30, visible=False, now=start + timedelta(seconds=90)),
    ]
    for beat in beats:
        answered = progress_heartbeat(context=lesson_learning_context_for(user=student, lesson=third), **beat)
        stored = LessonProgress.objects.get(pk=answered.pk)
        for name in ("status", "time_spent_seconds", "video_position", "video_duration", "last_heartbeat_at"):
            assert getattr(answered, name) == getattr(stored, name), name
    assert stored.time_spent_seconds == 50 and stored.video_position == 40.0


@pytest.mark.parametrize("zone", ["Africa/Johannesburg", "America/New_York", "Pacific/Kiritimati", "UTC"])
def test_the_drip_rule_as_a_query_condition_agrees_with_the_policy(zone):
    """lesson_heartbeat's statement checks a drip lesson as `enrolled_at < drip_open_for_enrolled_before`:
    for enrollments around every local midnight of a week, the same answer as the policy's
    `drip_available_at(...) <= now`."""
    tzinfo = ZoneInfo(zone)
    now = timezone.now()
    for days in (1, 3, 30):
        before = drip_open_for_enrolled_before(days=days, tzinfo=tzinfo, now=now)
        for hours in range(0, 24 * (days + 3)):
            for offset in (timedelta(0), timedelta(microseconds=-1), timedelta(microseconds=1), timedelta(minutes=17)):
                enrolled_at = now - timedelta(hours=hours) + offset
                opens = drip_available_at(enrolled_at=enrolled_at, days=days, tzinfo=tzinfo)
                assert (opens <= now) == (enrolled_at < before), (days, enrolled_at)
        exactly = before - timedelta(microseconds=1)  # the last moment of the last open day
        assert drip_available_at(enrolled_at=exactly, days=days, tzinfo=tzinfo) <= now
        assert drip_available_at(enrolled_at=before, days=days, tzinfo=tzinfo) > now


def test_lesson_heartbeat_keeps_the_clock_rules_in_one_statement(student):
    """The common beat (clock running, open lesson, open enrollment) is one UPDATE, answered from
    what it wrote; the clock's rules are progress_heartbeat's: a cap per beat, the wall clock
    between beats, nothing from a hidden page, a video position clamped to the duration."""
    course = make_course(lessons=2)
    lesson = LessonPage.objects.get(pk=lessons_of(course)[0].pk)
    enrollment = enrollment_create_for(student, course)
    lesson_visit(context=learning_context_for(user=student, lesson=lesson))
    start = timezone.now() - timedelta(hours=2)  # every beat below is before the enrollment's last access
    LessonProgress.objects.filter(lesson=lesson).update(last_accessed_at=start, video_duration=100.0)
    beats = [
        (dict(seconds=30, video_position=250.0, now=start + timedelta(seconds=31)), 30),  # clamped to 100
        (dict(seconds=10_000, now=start + timedelta(seconds=31 + 3600)), 120),  # one beat's cap
        (dict(seconds=120, now=start + timedelta(seconds=3631, milliseconds=16)), 0),  # a burst: the wall clock
        (dict(seconds=30, video_position=40.0, video_duration=60.0, now=start + timedelta(seconds=3661.5)), 30),
        (dict(seconds=120, now=start + timedelta(seconds=3671.5)), 10),
        (dict(seconds=30, visible=False, now=start + timedelta(seconds=3771.5)), 0),  # hidden: restarts the clock
        (dict(seconds=120, now=start + timedelta(seconds=3791.5)), 20),
        (dict(seconds=30, now=start + timedelta(seconds=3700)), 0),  # a clock behind the last beat counts nothing
    ]
    total = 0
    for beat, adds in beats:
        with CaptureQueriesContext(connection) as queries:
            answered = lesson_heartbeat(user=student, lesson=lesson, **beat)
        assert len(queries) == 1, [query["sql"] for query in queries.captured_queries]
        total += adds
        stored = LessonProgress.objects.get(pk=answered.pk)
        assert stored.time_spent_seconds == answered.time_spent_seconds == total, beat
        for name in ("status", "video_position", "video_duration", "watched_percent", "last_heartbeat_at"):
            assert getattr(answered, name) == getattr(stored, name), name
        assert stored.last_accessed_at == beat["now"]
    assert (stored.video_position, stored.video_duration) == (40.0, 60.0)
    # The enrollment's last access is written once a minute, as by a visit: a second statement.
    Enrollment.objects.filter(pk=enrollment.pk).update(last_accessed_at=timezone.now() - timedelta(minutes=2))
    with CaptureQueriesContext(connection) as queries:
        lesson_heartbeat(user=student, lesson=lesson, seconds=5)
    assert len(queries) == 2
    enrollment.refresh_from_db()
    assert timezone.now() - enrollment.last_accessed_at < timedelta(seconds=5)
    # The first beat of a lesson (no row yet) is the same one statement: it inserts the row with
    # the clock started and counts nothing (progress_heartbeat's first beat); the next counts.
    other = LessonPage.objects.get(pk=lessons_of(course)[1].pk)
    started = timezone.now()
    with CaptureQueriesContext(connection) as queries:
        first = lesson_heartbeat(user=student, lesson=other, seconds=30, video_position=12, now=started)
    assert len(queries) == 1, [query["sql"] for query in queries.captured_queries]
    assert (first.time_spent_seconds, first.video_position) == (0, 12)
    made = LessonProgress.objects.get(pk=first.pk)
    assert (made.enrollment_id, made.lesson_id, made.status) == (enrollment.pk, other.pk, "not_started")
    assert (made.last_accessed_at, made.last_heartbeat_at, made.first_accessed_at) == (started, started, None)
    assert (made.time_spent_seconds, made.video_position, made.video_duration, made.video_watched_ranges) == (
        0,
        12,
        0,
        [],
    )
    later = lesson_heartbeat(user=student, lesson=other, seconds=30, now=started + timedelta(seconds=20))
    assert (
        later.pk == first.pk
        and later.time_spent_seconds == 20 == LessonProgress.objects.get(pk=first.pk).time_spent_seconds
    )
    # A row made and never visited (no clock): the beat starts the clock and counts nothing.
    LessonProgress.objects.filter(pk=first.pk).update(last_accessed_at=None, last_heartbeat_at=None)
    with CaptureQueriesContext(connection) as queries:
        unclocked = lesson_heartbeat(user=student, lesson=other, seconds=30, video_duration=8, video_position=12)
    assert len(queries) == 1 and (unclocked.time_spent_seconds, unclocked.video_position) == (20, 8)
    assert LessonProgress.objects.get(pk=first.pk).last_heartbeat_at is not None
    with pytest.raises(LearningError) as refused:
        lesson_heartbeat(user=student, lesson=lesson, seconds=-1)
    assert refused.value.code == "invalid"


def test_a_subscription_enrollment_beats_on_the_full_path_and_stops_with_the_subscription(student):
    """A subscription's standing is the payments provider's answer, not a record the statement can
    join: such an enrollment's beats take progress_heartbeat's path (which also counts the
    learning day) and are refused once the subscription ends."""
    from learners.models import LearningTimeDay

    included = make_course(pricing="subscription", lessons=1)
    plan = Plan.objects.create(name="Monthly", slug="monthly", price_cents=19900)
    subscription = Subscription.objects.create(
        user=student, plan=plan, status="active", current_period_end=timezone.now() + timedelta(days=30)
    )
    enrollment, _ = enrollment_request(user=student, course=included)
    lesson = LessonPage.objects.get(pk=lessons_of(included)[0].pk)
    LessonProgress.objects.create(
        enrollment=enrollment, lesson=lesson, last_accessed_at=timezone.now() - timedelta(seconds=60)
    )
    assert lesson_heartbeat(user=student, lesson=lesson, seconds=30).time_spent_seconds == 30
    assert LearningTimeDay.objects.get(enrollment=enrollment).seconds == 30
    Subscription.objects.filter(pk=subscription.pk).update(
        status="canceled", current_period_end=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(LearningError) as refused:
        lesson_heartbeat(user=student, lesson=lesson, seconds=30)
    assert refused.value.code == "subscription_inactive"


def _visit_queries(context) -> tuple[bool, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        wrote = lesson_visit(context=context)
    return wrote, [query["sql"] for query in queries]


# A visit's writes: one statement on PostgreSQL (the progress row's write in a WITH clause of
# the resume point's UPDATE), one each through the ORM elsewhere.
ONE_STATEMENT = connection.vendor == "postgresql"


def test_a_first_visit_starts_the_lesson_and_moves_the_resume_point_in_one_statement(student, free_course):
    enrollment = enrollment_create_for(student, free_course)
    lesson = lessons_of(free_course)[1]
    context = learning_context_for(user=student, lesson=lesson)
    wrote, queries = _visit_queries(context)
    assert wrote is True
    assert len(queries) == (1 if ONE_STATEMENT else 2), queries
    row = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    assert row.status == LessonProgress.Status.IN_PROGRESS
    assert row.first_accessed_at == row.last_accessed_at == enrollment.last_accessed_at is not None
    assert (row.time_spent_seconds, row.video_watched_ranges, row.last_heartbeat_at) == (0, [], None)
    assert enrollment.last_lesson_id == lesson.pk
    # The context's enrollment is the one written: a reload with it writes nothing.
    assert context.learner().last_lesson_id == lesson.pk
    assert _visit_queries(learning_context_for(user=student, lesson=lesson)) == (False, [])


def test_a_visit_racing_a_first_beat_leaves_its_row_and_moves_the_resume_point(student, free_course):
    enrollment = enrollment_create_for(student, free_course)
    lesson = lessons_of(free_course)[2]
    stale = learning_context_for(user=student, lesson=lesson)  # read before the beat: no row
    beat_at = timezone.now() - timedelta(seconds=5)
    beaten = lesson_heartbeat(user=student, lesson=lesson, seconds=5, now=beat_at)
    wrote, queries = _visit_queries(stale)
    assert wrote is True and len(queries) == (1 if ONE_STATEMENT else 2), queries
    row = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)  # one row: get() would raise
    assert row.pk == beaten.pk
    assert (row.status, row.first_accessed_at, row.last_accessed_at, row.last_heartbeat_at) == (
        LessonProgress.Status.NOT_STARTED,
        None,
        beat_at,
        beat_at,
    )
    enrollment.refresh_from_db()
    assert enrollment.last_lesson_id == lesson.pk and enrollment.last_accessed_at > beat_at


def test_a_revisit_after_the_record_interval_touches_the_last_access_and_keeps_the_rest(student, free_course):
    enrollment = enrollment_create_for(student, free_course)
    lesson, other = lessons_of(free_course)[:2]
    lesson_visit(context=learning_context_for(user=student, lesson=lesson))
    earlier = timezone.now() - timedelta(seconds=VISIT_RECORD_SECONDS + 1)
    LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).update(
        last_accessed_at=earlier, first_accessed_at=earlier, status=LessonProgress.Status.COMPLETED
    )
    Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=other, last_accessed_at=earlier)
    wrote, queries = _visit_queries(learning_context_for(user=student, lesson=lesson))
    assert wrote is True and len(queries) == (1 if ONE_STATEMENT else 2), queries
    row = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    enrollment.refresh_from_db()
    assert row.last_accessed_at == enrollment.last_accessed_at > earlier
    assert (row.status, row.first_accessed_at) == (LessonProgress.Status.COMPLETED, earlier)
    assert enrollment.last_lesson_id == lesson.pk
    # The progress row alone is stale (the resume point is fresh): only it is written, and a
    # row without a first access (made by a beat) gets one and is started.
    LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).update(
        last_accessed_at=earlier, first_accessed_at=None, status=LessonProgress.Status.NOT_STARTED
    )
    before = Enrollment.objects.get(pk=enrollment.pk).last_accessed_at
    wrote, queries = _visit_queries(learning_context_for(user=student, lesson=lesson))
    assert wrote is True and len(queries) == 1, queries
    row = LessonProgress.objects.get(enrollment=enrollment, lesson=lesson)
    assert row.status == LessonProgress.Status.IN_PROGRESS
    assert row.first_accessed_at == row.last_accessed_at > earlier
    assert Enrollment.objects.get(pk=enrollment.pk).last_accessed_at == before
    # Within the interval again: a reload writes nothing.
    assert _visit_queries(learning_context_for(user=student, lesson=lesson)) == (False, [])
