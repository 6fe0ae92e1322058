"""A write built once per process (core/prepared_writes.py) must write what the ORM writes:
the same row for create(), save(update_fields=…), update() and a bulk_create upsert, with each
call's own values, one query each, and the save signals the ORM sends."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, NotSupportedError, connection, transaction
from django.db.models import F, signals
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.prepared_writes import PreparedInsert, PreparedUpdate, can_write_together, row_fields, write_together
from learners.enrollment.services import enrollment_create
from learners.models import BlockCompletion, Enrollment, LessonProgress
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db

COMPLETION = PreparedInsert(
    BlockCompletion, ["enrollment", "lesson", "block_id", "block_type", "score_percent", "completed_at"]
)
PROGRESS_UPSERT = PreparedInsert(
    LessonProgress,
    row_fields(LessonProgress),
    unique_fields=("enrollment", "lesson"),
    update_fields=("status", "completed_at"),
)
COMPLETION_SCORE = PreparedUpdate(BlockCompletion, ["score_percent", "block_type"])


@pytest.fixture
def enrolled(instructor):
    course = make_course(instructor=instructor, lessons=1)
    enrollment, _ = enrollment_create(user=make_user(), course=course)
    return enrollment, lessons_of(course)[0]


def test_an_insert_writes_the_row_create_writes_and_sends_the_signals(enrolled):
    enrollment, lesson = enrolled
    sent = []

    def receiver(sender, instance, **kwargs):
        sent.append((kwargs.get("created"), instance.pk))

    signals.pre_save.connect(receiver, sender=BlockCompletion)
    signals.post_save.connect(receiver, sender=BlockCompletion)
    try:
        with CaptureQueriesContext(connection) as queries:
            fast = COMPLETION.insert(
                BlockCompletion(
                    enrollment=enrollment, lesson=lesson, block_id="b-1", block_type="quiz", score_percent=75
                )
            )
    finally:
        signals.pre_save.disconnect(receiver, sender=BlockCompletion)
        signals.post_save.disconnect(receiver, sender=BlockCompletion)
    assert len(queries) == 1
    assert sent == [(None, None), (True, fast.pk)]
    slow = BlockCompletion.objects.create(enrollment=enrollment, lesson=lesson, block_id="b-2", block_type="quiz")
    stored = BlockCompletion.objects.get(pk=fast.pk)
    assert not fast._state.adding and fast._state.db == slow._state.db
    assert (stored.block_id, stored.score_percent, stored.enrollment_id) == ("b-1", 75, enrollment.pk)
    assert stored.completed_at == fast.completed_at and stored.completed_at.tzinfo is not None
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique key holds as for create()
        COMPLETION.insert(BlockCompletion(enrollment=enrollment, lesson=lesson, block_id="b-1", block_type="quiz"))


def test_an_upsert_inserts_then_updates_only_its_update_fields(enrolled):
    enrollment, lesson = enrolled
    first = timezone.now()
    inserted = PROGRESS_UPSERT.insert(
        LessonProgress(enrollment=enrollment, lesson=lesson, status="in_progress", first_accessed_at=first)
    )
    assert LessonProgress.objects.get().pk == inserted.pk
    later = timezone.now()
    again = PROGRESS_UPSERT.insert(
        LessonProgress(
            enrollment=enrollment, lesson=lesson, status="completed", completed_at=later, first_accessed_at=later
        )
    )
    row = LessonProgress.objects.get()
    assert again.pk == row.pk == inserted.pk
    assert (row.status, row.completed_at, row.first_accessed_at) == ("completed", later, first)


def test_an_update_saves_its_fields_of_the_row_by_primary_key(enrolled):
    enrollment, lesson = enrolled
    rows = [
        BlockCompletion.objects.create(enrollment=enrollment, lesson=lesson, block_id=f"b-{n}", block_type="video")
        for n in range(2)
    ]
    rows[0].score_percent, rows[0].block_type, rows[0].block_id = 50.0, "quiz", "not saved"
    with CaptureQueriesContext(connection) as queries:
        assert COMPLETION_SCORE.save(rows[0]) == 1
    assert len(queries) == 1
    assert COMPLETION_SCORE.update(rows[1].pk, 20.5, "h5p") == 1
    assert list(BlockCompletion.objects.order_by("pk").values_list("block_id", "block_type", "score_percent")) == [
        ("b-0", "quiz", 50.0),
        ("b-1", "h5p", 20.5),
    ]
    assert COMPLETION_SCORE.update(rows[1].pk + 1000, 1.0, "quiz") == 0
    with pytest.raises(TypeError):
        COMPLETION_SCORE.update(rows[1].pk, 1.0)


def test_a_database_without_insert_returning_gets_the_same_rows_through_the_orm(enrolled, monkeypatch):
    """Where INSERT … RETURNING is not available, the write is the ORM's: the same row, the
    key set on the instance, an upsert updating only its update fields."""
    enrollment, lesson = enrolled
    monkeypatch.setattr(type(connection.features), "can_return_rows_from_bulk_insert", False)
    done = COMPLETION.insert(BlockCompletion(enrollment=enrollment, lesson=lesson, block_id="b-1", block_type="quiz"))
    assert BlockCompletion.objects.get(pk=done.pk).block_id == "b-1" and not done._state.adding
    first = timezone.now()
    inserted = PROGRESS_UPSERT.insert(
        LessonProgress(enrollment=enrollment, lesson=lesson, status="in_progress", first_accessed_at=first)
    )
    later = timezone.now()
    again = PROGRESS_UPSERT.insert(
        LessonProgress(
            enrollment=enrollment, lesson=lesson, status="completed", completed_at=later, first_accessed_at=later
        )
    )
    row = LessonProgress.objects.get()
    assert again.pk == row.pk == inserted.pk
    assert (row.status, row.completed_at, row.first_accessed_at) == ("completed", later, first)
    # An insert ignoring conflicts: the row there is left, and answered as not inserted.
    LessonProgress.objects.all().delete()
    started = PROGRESS_START.insert(LessonProgress(enrollment=enrollment, lesson=lesson, status="in_progress"))
    assert started is not None and LessonProgress.objects.get().pk == started.pk
    assert PROGRESS_START.insert(LessonProgress(enrollment=enrollment, lesson=lesson, status="completed")) is None
    assert LessonProgress.objects.get().status == "in_progress"


PROGRESS_START = PreparedInsert(
    LessonProgress, row_fields(LessonProgress), unique_fields=("enrollment", "lesson"), ignore_conflicts=True
)
PROGRESS_TOUCH = PreparedUpdate(
    LessonProgress,
    ("last_accessed_at", "first_accessed_at", "status"),
    key=("enrollment", "lesson"),
    if_null=("first_accessed_at",),
    if_equal={"status": LessonProgress.Status.NOT_STARTED},
)
RESUME_POINT = PreparedUpdate(Enrollment, ("last_lesson", "last_accessed_at"))


def test_an_insert_ignoring_conflicts_leaves_the_row_there(enrolled):
    enrollment, lesson = enrolled
    first = timezone.now()
    inserted = PROGRESS_START.insert(
        LessonProgress(enrollment=enrollment, lesson=lesson, status="in_progress", first_accessed_at=first)
    )
    assert inserted is not None and LessonProgress.objects.get().pk == inserted.pk
    again = LessonProgress(enrollment=enrollment, lesson=lesson, status="completed", first_accessed_at=timezone.now())
    assert PROGRESS_START.insert(again) is None and again.pk is None
    row = LessonProgress.objects.get()
    assert (row.pk, row.status, row.first_accessed_at) == (inserted.pk, "in_progress", first)
    with pytest.raises(ValueError):
        PreparedInsert(
            LessonProgress,
            ["status"],
            unique_fields=("enrollment", "lesson"),
            update_fields=("status",),
            ignore_conflicts=True,
        )


def test_an_update_by_a_unique_key_sets_a_field_only_while_empty_and_a_state_only_from_its_value(enrolled):
    enrollment, lesson = enrolled
    row = LessonProgress.objects.create(enrollment=enrollment, lesson=lesson)
    first, later = timezone.now(), timezone.now() + timedelta(seconds=5)
    with CaptureQueriesContext(connection) as queries:
        assert PROGRESS_TOUCH.update((enrollment.pk, lesson.pk), first, first, "in_progress") == 1
    assert len(queries) == 1
    row.refresh_from_db()
    assert (row.status, row.first_accessed_at, row.last_accessed_at) == ("in_progress", first, first)
    LessonProgress.objects.filter(pk=row.pk).update(status="completed")
    assert PROGRESS_TOUCH.update((enrollment.pk, lesson.pk), later, later, "in_progress") == 1
    row.refresh_from_db()
    assert (row.status, row.first_accessed_at, row.last_accessed_at) == ("completed", first, later)
    assert PROGRESS_TOUCH.update((enrollment.pk, lesson.pk + 1000), later, later, "in_progress") == 0
    with pytest.raises(ValueError):
        PreparedUpdate(LessonProgress, ("status",), if_null=("first_accessed_at",))


def test_writes_together_are_one_statement_where_the_database_runs_them(enrolled):
    """PostgreSQL: the writes in WITH clauses of the last, one query, each row written;
    elsewhere refused (NotSupportedError), but a single write runs as it is."""
    enrollment, lesson = enrolled
    now = timezone.now()
    start = PROGRESS_START.write(
        LessonProgress(enrollment=enrollment, lesson=lesson, status="in_progress", first_accessed_at=now)
    )
    resume = RESUME_POINT.write(enrollment.pk, lesson.pk, now)
    if can_write_together(connection):
        with CaptureQueriesContext(connection) as queries:
            assert write_together([start, resume]) == 1
        assert len(queries) == 1 and queries[0]["sql"].startswith("WITH w0 AS (INSERT INTO")
        assert LessonProgress.objects.get().first_accessed_at == now
    else:
        with pytest.raises(NotSupportedError):
            write_together([start, resume])
        assert write_together([resume]) == 1
    enrollment.refresh_from_db()
    assert (enrollment.last_lesson_id, enrollment.last_accessed_at) == (lesson.pk, now)
    with pytest.raises(TypeError):  # a plain insert sends signals and sets the key: not together
        COMPLETION.write(BlockCompletion(enrollment=enrollment, lesson=lesson, block_id="b", block_type="quiz"))


def _comparable(params) -> list:
    """A write's parameters, a JSON value (PostgreSQL's Jsonb wrapper, compared by identity) by
    its type and what it wraps."""
    return [(type(param), param.obj) if hasattr(param, "obj") else param for param in params]


def test_a_row_of_field_values_is_written_as_the_instance_of_those_values(enrolled):
    """write_values(**row) is write(Model(**row)): the same statement and parameters, defaults
    (the constant status, integer and floats, the callable JSON list) and empty fields included,
    a relation given by instance or by key; and the row written is the one the instance's write
    writes."""
    enrollment, lesson = enrolled
    now = timezone.now()
    rows = [
        {"enrollment": enrollment, "lesson": lesson, "status": "in_progress", "first_accessed_at": now},
        {"enrollment_id": enrollment.pk, "lesson_id": lesson.pk, "video_watched_ranges": [[0, 5.5]]},
        {
            "enrollment": enrollment,
            "lesson": lesson,
            "watched_percent": 12.5,
            "completed_at": None,
            "status": "completed",
        },
    ]
    for insert in (PROGRESS_START, PROGRESS_UPSERT):
        for row in rows:
            by_values, by_instance = insert.write_values(**row), insert.write(LessonProgress(**row))
            assert by_values.alias == by_instance.alias
            assert by_values.sql == by_instance.sql
            assert _comparable(by_values.params) == _comparable(by_instance.params)
            assert len(by_values.params) == len(row_fields(LessonProgress))
    # A field without a default and not given: what the model gives (a CharField's "", a
    # nullable one's None); an auto_now_add field given: written as given.
    completion = PreparedInsert(
        BlockCompletion,
        row_fields(BlockCompletion),
        unique_fields=("enrollment", "lesson", "block_id"),
        ignore_conflicts=True,
    )
    by_values = completion.write_values(enrollment=enrollment, lesson=lesson, block_id="b-1", completed_at=now)
    by_instance = completion.write(BlockCompletion(enrollment=enrollment, lesson=lesson, block_id="b-1"))
    assert by_values.sql == by_instance.sql
    assert by_values.params[:-1] == by_instance.params[:-1] and by_values.params[3:5] == ("", None)
    assert by_values.params[-1] == BlockCompletion._meta.get_field("completed_at").get_db_prep_save(now, connection)
    if can_write_together(connection):
        assert write_together([PROGRESS_START.write_values(**rows[1])]) == 1
        stored = LessonProgress.objects.get()
        assert (stored.status, stored.video_watched_ranges, stored.watched_percent, stored.time_spent_seconds) == (
            "not_started",
            [[0, 5.5]],
            0,
            0,
        )
        assert stored.first_accessed_at is None and stored.completed_at is None


def test_a_row_of_values_prepares_a_constant_default_once_and_a_callable_one_each_time(enrolled, monkeypatch):
    enrollment, lesson = enrolled
    insert = PreparedInsert(
        LessonProgress, row_fields(LessonProgress), unique_fields=("enrollment", "lesson"), ignore_conflicts=True
    )
    calls = []

    def counted(field, method_name):
        method = getattr(field, method_name)

        def call(*args, **kwargs):
            calls.append((field.name, method_name))
            return method(*args, **kwargs)

        monkeypatch.setattr(field, method_name, call)

    for name in ("status", "watched_percent", "video_watched_ranges", "first_accessed_at"):
        counted(LessonProgress._meta.get_field(name), "get_default")
        counted(LessonProgress._meta.get_field(name), "get_db_prep_save")
    now = timezone.now()
    first = insert.write_values(enrollment=enrollment, lesson=lesson, last_accessed_at=now)
    assert sorted(calls) == sorted(
        (name, method)
        for name in ("status", "watched_percent", "video_watched_ranges", "first_accessed_at")
        for method in ("get_default", "get_db_prep_save")
    )
    calls.clear()
    second = insert.write_values(enrollment=enrollment, lesson=lesson, first_accessed_at=None, last_accessed_at=now)
    # The constant defaults (and a nullable field's None) as prepared by the first write; the
    # JSON list made and prepared anew (a value of its own, as the model's); a given field prepared.
    assert sorted(calls) == [
        ("first_accessed_at", "get_db_prep_save"),
        ("video_watched_ranges", "get_db_prep_save"),
        ("video_watched_ranges", "get_default"),
    ]
    assert _comparable(first.params[2:]) == _comparable(second.params[2:])


def test_a_row_of_values_refuses_what_it_cannot_write_as_the_orm(enrolled):
    enrollment, lesson = enrolled
    with pytest.raises(ValueError, match="not one of this insert's fields"):
        PROGRESS_START.write_values(enrollment=enrollment, lesson=lesson, colour="red")
    with pytest.raises(ValueError, match="not one of this insert's fields"):
        PROGRESS_START.write_values(enrollment=enrollment, lesson=lesson, id=5)
    with pytest.raises(TypeError, match="expression"):
        PROGRESS_START.write_values(
            enrollment=enrollment, lesson=lesson, time_spent_seconds=F("time_spent_seconds") + 1
        )
    with pytest.raises(TypeError, match="twice"):
        PROGRESS_START.write_values(enrollment=enrollment, enrollment_id=enrollment.pk, lesson=lesson)
    with pytest.raises(ValueError, match="must be a Enrollment instance"):
        PROGRESS_START.write_values(enrollment=enrollment.pk, lesson=lesson)
    with pytest.raises(ValueError, match="unsaved"):
        PROGRESS_START.write_values(enrollment=Enrollment(), lesson=lesson)
    completion = PreparedInsert(
        BlockCompletion,
        row_fields(BlockCompletion),
        unique_fields=("enrollment", "lesson", "block_id"),
        ignore_conflicts=True,
    )
    with pytest.raises(ValueError, match="computed when saved"):  # auto_now_add, not given
        completion.write_values(enrollment=enrollment, lesson=lesson, block_id="b", block_type="quiz")
    with pytest.raises(TypeError, match="only an upsert"):  # a plain insert: not together, as write()
        COMPLETION.write_values(enrollment=enrollment, lesson=lesson, block_id="b", completed_at=timezone.now())
