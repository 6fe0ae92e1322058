"""Every learning state change: enroll, open a lesson, record time, complete an activity,
complete a lesson, complete a course."""

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, connections, router, transaction
from django.db.models import Case, F, FloatField, Q, Value, When
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.module_loading import import_string

from blocks.lesson_body import ACTIVITY_BLOCK_TYPES
from core.errors import DomainError
from core.moderation import Moderation, content_moderate
from core.prepared import Prepared, concrete_attnames
from core.prepared_writes import (
    RELAXED_COMMIT_SQL,
    PreparedInsert,
    PreparedUpdate,
    can_write_together,
    relaxed_commit_possible,
    row_fields,
    write_together,
)
from coursepages.models import CoursePage, LessonPage
from coursepages.permissions import user_is_course_staff
from coursepages.structure import course_lesson_ids
from learners.models import BlockCompletion, Enrollment, LearningTimeDay, LessonProgress, Review
from learners.permissions import user_may_moderate_reviews

if TYPE_CHECKING:
    from learners.access import LearningContext

logger = logging.getLogger(__name__)

# A heartbeat may claim at most this much time: a client cannot report hours at once.
MAX_HEARTBEAT_SECONDS = 120  # at most this much counted per heartbeat, however long since the last
# A lesson reloaded within this many seconds of being recorded as the resume point is not
# recorded again (lesson_visit).
VISIT_RECORD_SECONDS = 60


class LearningError(DomainError):
    """A refused learning action; `code` is the API's machine code."""


@dataclass(frozen=True)
class CourseProgress:
    completed: int
    total: int

    @property
    def percent(self) -> int:
        if not self.total:
            return 0
        return min(100, self.completed * 100 // self.total)


def enrollment_create(*, user, course: CoursePage, source: str = Enrollment.Source.FREE) -> tuple[Enrollment, bool]:
    """Enroll `user` in `course`; enrolling twice is a no-op that returns the existing row.

    A revoked enrollment (after a refund) is reopened by a new grant."""
    # get_or_create inserts in a savepoint of its own and, when a concurrent twin won the race
    # (IntegrityError on the unique user and course), reads the twin's row: same result.
    # notified_at: its ENROLLMENT_CREATED_HOOKS are sent for now, on commit (below).
    enrollment, created = Enrollment.objects.get_or_create(
        user=user, course=course, defaults={"source": source, "notified_at": timezone.now()}
    )
    if not created and enrollment.status == Enrollment.Status.REVOKED:
        enrollment.status = Enrollment.Status.ACTIVE
        enrollment.source = source
        enrollment.revoked_at = None
        enrollment.save(update_fields=["status", "source", "revoked_at"])
    elif not created and source == Enrollment.Source.PAYMENT and enrollment.source != source:
        # A purchase outlives a subscription: record it as the stronger grant.
        enrollment.source = source
        enrollment.save(update_fields=["source"])
    if created:
        _run_hooks("ENROLLMENT_CREATED_HOOKS", enrollment)
    return enrollment, created


def enrollments_create_paid(*, user_id: int, course_ids: list[int]) -> list[int]:
    """Enroll a buyer in the courses of a paid order; returns the courses newly enrolled.

    New enrollments are inserted in one statement (INSERT … ON CONFLICT DO NOTHING RETURNING)
    with their ENROLLMENT_CREATED_HOOKS left to `enrollment_notices_send` (notified_at empty):
    the caller runs it after its commit, in a task. An existing enrollment is treated as
    `enrollment_create(source=PAYMENT)` treats it: a revoked one is reopened, another source
    becomes the purchase (one UPDATE, only when there is such a row)."""
    if not course_ids:
        return []
    created = _enrollments_insert_new(user_id=user_id, course_ids=course_ids, source=Enrollment.Source.PAYMENT)
    existing = [course_id for course_id in course_ids if course_id not in created]
    if existing:
        revoked = Q(status=Enrollment.Status.REVOKED)
        Enrollment.objects.filter(user_id=user_id, course_id__in=existing).exclude(
            ~revoked, source=Enrollment.Source.PAYMENT
        ).update(
            source=Enrollment.Source.PAYMENT,
            status=Case(When(revoked, then=Value(Enrollment.Status.ACTIVE)), default=F("status")),
            revoked_at=Case(When(revoked, then=Value(None)), default=F("revoked_at")),
        )
    return [course_id for course_id in course_ids if course_id in created]


def _enrollments_insert_new(*, user_id: int, course_ids: list[int], source: str) -> set[int]:
    """Insert the enrollments that do not exist yet; the course ids of those inserted. A
    concurrent twin's row (same user and course) is left as it is: ON CONFLICT waits for it."""
    alias = router.db_for_write(Enrollment)
    connection = connections[alias]
    now = timezone.now()
    if not connection.features.can_return_rows_from_bulk_insert:  # no INSERT … RETURNING here
        return {
            course_id
            for course_id in course_ids
            if Enrollment.objects.get_or_create(user_id=user_id, course_id=course_id, defaults={"source": source})[1]
        }
    fields = [Enrollment._meta.get_field(name) for name in ("user", "course", "status", "source", "enrolled_at")]
    quote = connection.ops.quote_name
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (
        f"INSERT INTO {quote(Enrollment._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
        f"VALUES {', '.join([row] * len(course_ids))} "
        f"ON CONFLICT ({quote(fields[0].column)}, {quote(fields[1].column)}) DO NOTHING "
        f"RETURNING {quote(fields[1].column)}"
    )
    params = []
    for course_id in course_ids:
        values = (user_id, course_id, Enrollment.Status.ACTIVE, source, now)
        params += [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def enrollment_notices_send(*, user_id: int, course_ids: list[int]) -> int:
    """Run ENROLLMENT_CREATED_HOOKS (the enrollment notice) for the user's enrollments in
    these courses that have not had them (notified_at empty). The rows are locked, marked and
    their hooks run in one transaction (the caller's, if any): a task run twice or two runs at
    once write no notice twice, and a failed hook undoes the mark. Returns how many."""
    with transaction.atomic(savepoint=False):
        pending = list(
            Enrollment.objects.select_for_update()
            .filter(user_id=user_id, course_id__in=course_ids, notified_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not pending:
            return 0
        Enrollment.objects.filter(pk__in=pending).update(notified_at=timezone.now())
        for enrollment_id in pending:
            for path in getattr(settings, "ENROLLMENT_CREATED_HOOKS", []):
                import_string(path)(enrollment_id=enrollment_id)
    return len(pending)


def enrollment_request(*, user, course: CoursePage) -> tuple[Enrollment, bool]:
    """A student asks to join a course: the one door for a free course, a course included in
    their active subscription, and (for staff) any course. A paid course is refused with
    `not_paid` (the checkout grants it through enrollment_create(source=PAYMENT)); joining a
    course twice returns the existing enrollment with created=False."""
    existing = Enrollment.objects.filter(user=user, course=course).first()
    if existing and existing.is_open:
        subscription_lapsed = existing.source == Enrollment.Source.SUBSCRIPTION and not _subscription_active(
            user, course
        )
        if not subscription_lapsed:
            return existing, False
    if not course.live:
        raise LearningError("This course is not published.", "not_found")
    if user_is_course_staff(user=user, course=course):
        source = Enrollment.Source.STAFF
    elif course.pricing == CoursePage.Pricing.FREE:
        source = Enrollment.Source.FREE
    elif course.pricing == CoursePage.Pricing.SUBSCRIPTION:
        if not _subscription_active(user, course):
            raise LearningError(
                "This course is included in a subscription; subscribe to open it.", "subscription_inactive"
            )
        source = Enrollment.Source.SUBSCRIPTION
    else:
        raise LearningError("This course must be bought before you can enroll.", "not_paid")
    if existing and existing.is_open:  # lapsed, but the user is now course staff
        return existing, False
    if course.archived:
        raise LearningError("This course is archived and takes no new students.", "not_found")
    return enrollment_create(user=user, course=course, source=source)


def _subscription_active(user, course: CoursePage) -> bool:
    from learners.access import has_active_subscription  # payments answers it (PaymentsConfig.ready)

    return has_active_subscription(user=user, course=course)


@transaction.atomic
def enrollment_revoke(*, user, course: CoursePage) -> Enrollment | None:
    """Close a student's access to a course (a refund); their learning records stay."""
    enrollment = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    if enrollment and enrollment.status != Enrollment.Status.REVOKED:
        enrollment.status = Enrollment.Status.REVOKED
        enrollment.revoked_at = timezone.now()
        enrollment.save(update_fields=["status", "revoked_at"])
    return enrollment


def _progress_for(enrollment: Enrollment, lesson: LessonPage, *, lock: bool = False) -> LessonProgress:
    queryset = LessonProgress.objects.select_for_update() if lock else LessonProgress.objects
    try:
        with transaction.atomic():
            progress, _ = queryset.get_or_create(enrollment=enrollment, lesson=lesson)
    except IntegrityError:
        progress = queryset.get(enrollment=enrollment, lesson=lesson)
    return progress


def _written_recently(moment, now) -> bool:
    """Was this last-access time written less than VISIT_RECORD_SECONDS before `now`?"""
    return moment is not None and (now - moment).total_seconds() < VISIT_RECORD_SECONDS


def lesson_visit(*, context: "LearningContext") -> bool:
    """Record that an enrolled student opened a lesson: resume point, first and last access.

    The lesson's progress row as the access check loaded it decides what to write: a first
    visit inserts the row already in progress; a later one touches it; the resume point
    moves. Whatever was written within VISIT_RECORD_SECONDS is not written again (a reload;
    the lesson player's heartbeat keeps last access current while the page is open). On
    PostgreSQL one statement (`_visit_in_one_statement`), elsewhere at most two; none on a
    reload. Returns whether anything was written."""
    enrollment, lesson = context.learner(), context.lesson
    progress = context.lesson_progress
    now = timezone.now()
    start = progress is None
    touch = not start and (progress[0] == LessonProgress.Status.NOT_STARTED or not _written_recently(progress[1], now))
    resume = enrollment.last_lesson_id != lesson.pk or not _written_recently(enrollment.last_accessed_at, now)
    if not (start or touch or resume):
        return False
    if can_write_together(connections[router.db_for_write(LessonProgress)]):
        _visit_in_one_statement(enrollment, lesson, now, start=start, touch=touch, resume=resume)
    else:
        _visit_by_the_orm(enrollment, lesson, now, start=start, touch=touch, resume=resume)
    if resume:
        enrollment.last_lesson_id, enrollment.last_accessed_at = lesson.pk, now
    return True


# The visit's writes on PostgreSQL, built once per process (core/prepared_writes.py): the new
# progress row (a row made meanwhile, by another tab or a heartbeat, is left as it is), the
# touch of an existing one (first access set only while empty, a row not started is started,
# never a completed one undone) and the resume point.
_visit_progress_insert = PreparedInsert(
    LessonProgress, row_fields(LessonProgress), unique_fields=("enrollment", "lesson"), ignore_conflicts=True
)
_visit_progress_touch = PreparedUpdate(
    LessonProgress,
    ("last_accessed_at", "first_accessed_at", "status"),
    key=("enrollment", "lesson"),
    if_null=("first_accessed_at",),
    if_equal={"status": LessonProgress.Status.NOT_STARTED},
)
_visit_resume_point = PreparedUpdate(Enrollment, ("last_lesson", "last_accessed_at"))


def _first_visit_row(enrollment: Enrollment, lesson: LessonPage, now) -> dict:
    """The progress row a first visit writes, as field values (every other field its default):
    already in progress, first and last access now. Written as it is on PostgreSQL
    (`PreparedInsert.write_values`, no model instance built), as `LessonProgress(**row)` by
    the ORM elsewhere."""
    return {
        "enrollment": enrollment,
        "lesson": lesson,
        "status": LessonProgress.Status.IN_PROGRESS,
        "first_accessed_at": now,
        "last_accessed_at": now,
    }


def _visit_in_one_statement(enrollment: Enrollment, lesson: LessonPage, now, *, start, touch, resume) -> None:
    """lesson_visit's writes as one statement (the progress row's in a WITH clause of the
    resume point's UPDATE): one round trip and one commit instead of two on a first visit,
    the common case of a student moving through a course (bench/README.md "Lesson visit, one
    statement").

    Committed asynchronously when it is its own transaction (the page view's case), as the
    heartbeat's beat and for its reason: a resume point and the first and last access times
    are low-value, frequent writes, and a crash of the database server can lose only the
    last fraction of a second of them (core.prepared_writes.relaxed_commit_possible)."""
    writes = []
    if start:
        writes.append(_visit_progress_insert.write_values(**_first_visit_row(enrollment, lesson, now)))
    elif touch:
        writes.append(
            _visit_progress_touch.write((enrollment.pk, lesson.pk), now, now, LessonProgress.Status.IN_PROGRESS)
        )
    if resume:
        writes.append(_visit_resume_point.write(enrollment.pk, lesson.pk, now))
    write_together(writes, relaxed_commit=True)


def _visit_by_the_orm(enrollment: Enrollment, lesson: LessonPage, now, *, start, touch, resume) -> None:
    """lesson_visit's writes where a statement cannot carry several (SQLite): one each."""
    if start:
        # ON CONFLICT DO NOTHING: a row made meanwhile (another tab, a heartbeat) is left as it is.
        LessonProgress.objects.bulk_create(
            [LessonProgress(**_first_visit_row(enrollment, lesson, now))], ignore_conflicts=True
        )
    elif touch:
        LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).update(
            last_accessed_at=now,
            first_accessed_at=Coalesce(F("first_accessed_at"), Value(now)),
            status=Case(
                When(status=LessonProgress.Status.NOT_STARTED, then=Value(LessonProgress.Status.IN_PROGRESS)),
                default=F("status"),
            ),
        )
    if resume:
        Enrollment.objects.filter(pk=enrollment.pk).update(last_lesson=lesson, last_accessed_at=now)


def progress_heartbeat(
    *,
    context: "LearningContext",
    seconds: int,
    visible: bool = True,
    video_position: float | None = None,
    video_duration: float | None = None,
    now=None,
) -> LessonProgress:
    """Add time spent on a visible lesson page and, when the page plays a video, store where
    the player is (display only: the video service decides what was watched).

    Time counts only on the wall clock: a beat adds min(claimed, seconds since the previous
    beat of this student in this lesson, MAX_HEARTBEAT_SECONDS), and nothing when the client
    says the page was hidden (that beat only restarts the clock). The first beat of a lesson
    measures from the page visit. So a burst of beats adds no more than the time it took,
    and two beats racing each other cannot both count the same interval (the update is
    conditional on the clock the beat read; the loser re-reads it).

    Refused unless the access policy lets the student into the lesson."""
    _heartbeat_check(seconds=seconds, video_position=video_position, video_duration=video_duration)
    enrollment, lesson = context.learner(), context.lesson
    now = now or timezone.now()
    fields = {"last_accessed_at": now, "last_heartbeat_at": now}
    if video_duration is not None:
        fields["video_duration"] = video_duration
    if video_position is not None:
        if video_duration is not None:
            fields["video_position"] = min(video_position, video_duration) if video_duration else video_position
        else:  # clamp to the duration already stored, if any
            fields["video_position"] = Case(
                When(video_duration__gt=0, then=Least(Value(video_position), F("video_duration"))),
                default=Value(video_position),
                output_field=FloatField(),
            )
    rows = LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson)
    written = None
    for attempt in range(3):
        # The row as the context loaded it (one-lesson contexts), else (or after a lost race) read now.
        row = context.lesson_row if attempt == 0 and context.lesson_row_loaded else rows.first()
        if row is None:  # no visit recorded: this beat starts the clock and counts nothing
            row = _progress_for(enrollment, lesson)
            clock = (None, None)
        else:
            clock = (row.last_heartbeat_at, row.last_accessed_at)
        last = clock[0] or clock[1]
        counted = 0
        if visible and last is not None:
            elapsed = (now - last).total_seconds()
            counted = max(0, int(min(float(seconds), elapsed, float(MAX_HEARTBEAT_SECONDS))))
        same_clock = rows.filter(last_heartbeat_at=clock[0])  # filter(x=None) is IS NULL
        if clock[0] is None:
            same_clock = same_clock.filter(last_accessed_at=clock[1])
        if same_clock.update(time_spent_seconds=F("time_spent_seconds") + counted, **fields):
            if counted and enrollment.source == Enrollment.Source.SUBSCRIPTION:
                learning_time_add(enrollment=enrollment, seconds=counted, now=now)
            # The row as this beat found and wrote it (nothing else adds time or moves the
            # clock without changing it, or the conditional update would have failed).
            row.time_spent_seconds += counted
            row.last_accessed_at = row.last_heartbeat_at = now
            if video_duration is not None:
                row.video_duration = video_duration
            if video_position is not None:
                row.video_position = (
                    fields["video_position"]
                    if video_duration is not None
                    else min(video_position, row.video_duration)
                    if row.video_duration and row.video_duration > 0
                    else video_position
                )
            written = row
            break
    else:  # lost the race three times: keep the position, count nothing
        rows.update(**fields)
    if not _written_recently(enrollment.last_accessed_at, now):
        Enrollment.objects.filter(pk=enrollment.pk).update(last_accessed_at=now)
        enrollment.last_accessed_at = now
    return written if written is not None else rows.get()


def _heartbeat_check(*, seconds: int, video_position: float | None, video_duration: float | None) -> None:
    if seconds < 0:
        raise LearningError("Time spent cannot be negative.", "invalid")
    for name, value in (("video_position", video_position), ("video_duration", video_duration)):
        if value is not None and (value < 0 or value != value):  # value != value: NaN
            raise LearningError(f"{name.replace('_', ' ').capitalize()} cannot be negative.", "invalid")


def lesson_heartbeat(
    *,
    user,
    lesson: LessonPage,
    seconds: int,
    visible: bool = True,
    video_position: float | None = None,
    video_duration: float | None = None,
    now=None,
) -> LessonProgress:
    """The lesson player's beat (progress_heartbeat's rules) for `user` in the live `lesson`.

    A student's beat — on an open enrollment, in a lesson the policy opens to them, the first
    of the lesson or not — is one statement (`_beat_in_one_statement`). Any other (a locked
    lesson, no enrollment, a subscription's enrollment, course staff without one) takes
    progress_heartbeat's path with the one-lesson learning context, which refuses with the
    policy's reason."""
    from learners.access import lesson_learning_context_for, student_open_terms

    _heartbeat_check(seconds=seconds, video_position=video_position, video_duration=video_duration)
    now = now or timezone.now()
    terms = student_open_terms(user=user, lesson=lesson)
    if terms is not None:
        progress = _beat_in_one_statement(
            user=user,
            lesson=lesson,
            terms=terms,
            seconds=seconds,
            visible=visible,
            video_position=video_position,
            video_duration=video_duration,
            now=now,
        )
        if progress is not None:
            return progress
    return progress_heartbeat(
        context=lesson_learning_context_for(user=user, lesson=lesson),
        seconds=seconds,
        visible=visible,
        video_position=video_position,
        video_duration=video_duration,
        now=now,
    )


def _beat_in_one_statement(
    *, user, lesson: LessonPage, terms, seconds, visible, video_position, video_duration, now
) -> LessonProgress | None:
    """progress_heartbeat's write as one statement, or None (nothing written) unless the
    student's records meet the policy's terms: `INSERT … SELECT … ON CONFLICT (enrollment,
    lesson) DO UPDATE … RETURNING` (its text: `_beat_statement`). The SELECT yields the
    enrollment only where the terms hold; the first beat of a lesson inserts the row with its
    clock started (nothing counted, as progress_heartbeat's first beat), any later one updates
    it.

    Why the access verdict stays the policy's: the progress row existing proves nothing about
    access now (it may have been made while the lesson was a free preview, before a
    prerequisite was added or a drip delay raised, before a refund; a completion can be
    undone by an instructor's reset). So the statement does not trust it: it writes only
    where the policy's own terms hold at this moment (learners.access.student_open_terms):
    the enrollment is this user's in this lesson's course and open (not revoked), not a
    subscription's (whose standing the payments provider answers), every prerequisite's row
    completed, a drip lesson's enrollment made before its opening moment; the lesson is live
    (live_lesson) and one of the course's (terms is None otherwise). A drip date, once passed,
    cannot close again; anything else that closes the lesson changes one of those rows, which
    the statement reads as it writes.

    The clock is today's: it counts min(claimed, seconds since the last beat (else the visit),
    MAX_HEARTBEAT_SECONDS), nothing from a hidden page or a row without a clock (the first
    beat, a row made and not visited), and moves the clock to `now`. Beats racing each other
    are serialised by the row lock the upsert takes (twin first beats by the unique
    constraint: the loser's insert becomes the update); the second one's elapsed time is
    computed from the row as the first wrote it (PostgreSQL evaluates ON CONFLICT DO UPDATE on
    the newest row version), so an interval counts once."""
    from django.db import connection

    statement = _beat_statement(
        connection,
        visible=visible,
        video_duration_given=video_duration is not None,
        video_position_given=video_position is not None,
        drip=terms.enrolled_before is not None,
        prerequisites=len(terms.prerequisite_ids),
    )
    at = connection.ops.adapt_datetimefield_value
    stamp = at(now)
    # The row a first beat inserts: progress_heartbeat's first beat (a new row, its clock started).
    first = {"lesson_id": lesson.pk, "last_accessed_at": stamp, "last_heartbeat_at": stamp}
    clamped_position = video_position
    if video_position is not None and video_duration:
        clamped_position = min(video_position, video_duration)
    if video_duration is not None:
        first["video_duration"] = video_duration
    if video_position is not None:
        first["video_position"] = clamped_position
    insert_params = [first.get(name, default) for name, default in statement.insert_defaults]

    where_params = [
        user.pk,
        terms.course_id,
        Enrollment.Status.ACTIVE,
        Enrollment.Status.COMPLETED,
        Enrollment.Source.SUBSCRIPTION,
    ]
    if terms.enrolled_before is not None:
        where_params.append(at(terms.enrolled_before))
    if terms.prerequisite_ids:
        where_params += [*terms.prerequisite_ids, LessonProgress.Status.COMPLETED, len(terms.prerequisite_ids)]

    set_params = [float(min(seconds, MAX_HEARTBEAT_SECONDS)), stamp] if visible else []
    set_params += [stamp, stamp]
    if video_duration is not None:
        set_params.append(video_duration)
        if video_position is not None:
            set_params.append(clamped_position)
    elif video_position is not None:
        set_params += [video_position, video_position]
    params = [*insert_params, *where_params, *set_params, at(now - timedelta(seconds=VISIT_RECORD_SECONDS))]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        if statement.relaxed_commit:  # the SET's result comes first
            cursor.nextset()
        row = cursor.fetchone()
    if row is None:
        return None
    pk, enrollment_id, status, time_spent, position, duration, watched, enrollment_recent = row
    if not enrollment_recent:  # as progress_heartbeat: the enrollment's last access, once a minute
        Enrollment.objects.filter(pk=enrollment_id).update(last_accessed_at=now)
    # The row as written: the fields the beat's reply reads.
    return LessonProgress(
        pk=pk,
        enrollment_id=enrollment_id,
        lesson_id=lesson.pk,
        status=status,
        time_spent_seconds=time_spent,
        video_position=position,
        video_duration=duration,
        watched_percent=watched,
        last_accessed_at=now,
        last_heartbeat_at=now,
    )


@dataclass(frozen=True)
class _BeatStatement:
    sql: str
    # (attname, the new row's value ready for the database) per inserted column, in order;
    # the beat replaces its own (lesson, clock, video).
    insert_defaults: tuple[tuple[str, object], ...]
    # The text starts with `SET LOCAL synchronous_commit = off;` (see _beat_statement).
    relaxed_commit: bool


_beat_statements: dict[tuple, _BeatStatement] = {}


def _beat_statement(
    connection, *, visible: bool, video_duration_given: bool, video_position_given: bool, drip: bool, prerequisites: int
) -> _BeatStatement:
    """The text of `_beat_in_one_statement`'s statement for this shape of beat, built once per
    process (building it cost about a tenth of a beat's CPU, bench/README.md "Heartbeat, round
    five"). Its text depends only on the database vendor, on which fields the beat carries and
    on the lesson's terms (drip or not, how many prerequisites): a few dozen shapes at most.

    On PostgreSQL, outside a transaction (the API's case: the statement is its own
    transaction), the statement commits asynchronously: `SET LOCAL synchronous_commit = off`
    sent with it, in the same round trip (Django's psycopg cursors bind parameters on the
    client, which lets one execute carry two statements; PostgreSQL runs them as one implicit
    transaction, and the setting ends with it). A beat is a low-value, frequent write: the
    commit no longer waits for the WAL to reach the disk, which saved about a third of
    PostgreSQL's machine time per commit here; what a crash of the database server can lose is
    the last fraction of a second of beats (their few seconds of time-on-task), never a
    half-written row, and every other write stays synchronous. Inside a caller's transaction
    the setting would reach that transaction's other writes, so there it is not sent
    (core.prepared_writes.relaxed_commit_possible decides)."""
    relaxed_commit = relaxed_commit_possible(connection)
    key = (connection.vendor, relaxed_commit, visible, video_duration_given, video_position_given, drip, prerequisites)
    statement = _beat_statements.get(key)
    if statement is None:
        statement = _beat_statements[key] = _beat_statement_build(connection, *key[1:])
    return statement


def _beat_statement_build(
    connection, relaxed_commit, visible, video_duration_given, video_position_given, drip, prerequisites
) -> _BeatStatement:
    enrollments, progress = Enrollment._meta.db_table, LessonProgress._meta.db_table
    quote = connection.ops.quote_name
    table = quote(progress)
    vendor = connection.vendor
    least, greatest = ("MIN", "MAX") if vendor == "sqlite" else ("LEAST", "GREATEST")
    clock = f"COALESCE({table}.last_heartbeat_at, {table}.last_accessed_at)"
    if vendor == "sqlite":  # julianday reads milliseconds; rounding keeps whole seconds whole
        elapsed = f"ROUND((julianday(%s) - julianday({clock})) * 86400.0, 3)"
        counted = f"{greatest}(0, CAST({least}(%s, {elapsed}) AS INTEGER))"
    else:
        elapsed = f"EXTRACT(EPOCH FROM (CAST(%s AS timestamp with time zone) - {clock}))"
        counted = f"CAST({greatest}(0, FLOOR({least}(%s, {elapsed}))) AS integer)"
    # PostgreSQL's LEAST ignores a NULL: without a clock nothing counts, explicitly.
    counted = f"CASE WHEN {clock} IS NULL THEN 0 ELSE {counted} END"

    blank = LessonProgress()  # a new row's defaults, as the database stores them
    columns, values, insert_defaults = ["enrollment_id"], ["enrolled.id"], []
    for field in LessonProgress._meta.concrete_fields:
        if field.primary_key or field.attname == "enrollment_id":
            continue
        columns.append(quote(field.column))
        values.append("%s")
        insert_defaults.append((field.attname, field.get_db_prep_save(getattr(blank, field.attname), connection)))

    enrollment_where = ["enrolled.user_id = %s", "enrolled.course_id = %s", "enrolled.status IN (%s, %s)"]
    enrollment_where.append("enrolled.source <> %s")
    if drip:
        enrollment_where.append("enrolled.enrolled_at < %s")
    if prerequisites:
        marks = ", ".join(["%s"] * prerequisites)
        enrollment_where.append(
            f"(SELECT COUNT(*) FROM {progress} AS done WHERE done.enrollment_id = enrolled.id"
            f" AND done.lesson_id IN ({marks}) AND done.status = %s) = %s"
        )

    sets = [f"time_spent_seconds = {table}.time_spent_seconds + {counted}"] if visible else []
    sets += ["last_accessed_at = %s", "last_heartbeat_at = %s"]
    if video_duration_given:
        sets.append("video_duration = %s")
        if video_position_given:
            sets.append("video_position = %s")
    elif video_position_given:  # clamp to the duration already stored, if any
        sets.append(
            f"video_position = CASE WHEN {table}.video_duration > 0"
            f" THEN {least}(%s, {table}.video_duration) ELSE %s END"
        )
    recent = (
        f"(SELECT CASE WHEN last_accessed_at > %s THEN 1 ELSE 0 END FROM {enrollments}"
        f" WHERE id = {table}.enrollment_id)"
    )
    sql = (
        f"INSERT INTO {table} ({', '.join(columns)})"
        f" SELECT {', '.join(values)} FROM {enrollments} AS enrolled WHERE {' AND '.join(enrollment_where)}"
        f" ON CONFLICT (enrollment_id, lesson_id) DO UPDATE SET {', '.join(sets)}"
        f" RETURNING id, enrollment_id, status, time_spent_seconds, video_position, video_duration,"
        f" watched_percent, {recent}"
    )
    if relaxed_commit:
        sql = f"{RELAXED_COMMIT_SQL}{sql}"
    return _BeatStatement(sql=sql, insert_defaults=tuple(insert_defaults), relaxed_commit=relaxed_commit)


def learning_time_add(*, enrollment: Enrollment, seconds: int, now) -> None:
    """Add counted seconds to the enrollment's day (subscription revenue is split by it).
    One UPDATE in the common case; the day's first beat inserts, and a twin insert that lost
    the race adds with an UPDATE instead."""
    day = timezone.localdate(now)
    rows = LearningTimeDay.objects.filter(enrollment=enrollment, day=day)
    if rows.update(seconds=F("seconds") + seconds):
        return
    try:
        with transaction.atomic():
            LearningTimeDay.objects.create(enrollment=enrollment, day=day, seconds=seconds)
    except IntegrityError:
        rows.update(seconds=F("seconds") + seconds)


def activity_block_ids(lesson: LessonPage) -> dict[str, str]:
    """The activity blocks of a lesson body: {block id: block type}."""
    return {block.id: block.block_type for block in lesson.body if block.block_type in ACTIVITY_BLOCK_TYPES}


# The student's completed activities in one lesson: read on every completion (a passing quiz
# submit), compiled once per process (core/prepared.py).
_completions_read = Prepared(
    BlockCompletion,
    lambda enrollment_id, lesson_id: (
        BlockCompletion.objects.filter(enrollment_id=enrollment_id, lesson_id=lesson_id)
        .order_by()
        .values_list(*concrete_attnames(BlockCompletion))
    ),
    arity=2,
)


def activity_complete(
    *,
    context: "LearningContext",
    block_id: str,
    score_percent: float | None = None,
    enrollment_locked: bool = False,
) -> BlockCompletion:
    """Record that the student finished one activity block; completes the lesson when it
    was the last one. Safe to call twice. Refused unless the access policy lets the student
    into the lesson. `enrollment_locked`: the caller holds the enrollment row's lock and
    loaded `context` while holding it (quiz submit), so neither the lock nor the progress
    rows are taken again."""
    lesson = context.lesson
    blocks = activity_block_ids(lesson)
    if block_id not in blocks:
        raise LearningError("That activity is not part of this lesson.", "not_found")
    enrollment = context.learner()
    # Under the caller's lock, inside its transaction: no savepoint of its own.
    with nullcontext() if enrollment_locked else transaction.atomic():
        if not enrollment_locked:
            # The enrollment row serialises this student's completions: two activities of one
            # lesson finished at once each see the other's, so the lesson completes.
            Enrollment.objects.select_for_update().filter(pk=enrollment.pk).first()
        # Every completion is written under that lock, so what is read here stays true until
        # the commit: one read, then the insert (or the better score) without a savepoint.
        done = {row.block_id: row for row in _completions_read.instances(enrollment.pk, lesson.pk)}
        completion = done.get(block_id)
        if completion is None:
            completion = done[block_id] = _completion_insert.insert(
                BlockCompletion(
                    enrollment=enrollment,
                    lesson=lesson,
                    block_id=block_id,
                    block_type=blocks[block_id],
                    score_percent=score_percent,
                )
            )
        elif score_percent is not None and (completion.score_percent or 0) < score_percent:
            completion.score_percent = score_percent
            completion.save(update_fields=["score_percent"])
        if set(blocks) <= set(done):
            if enrollment_locked:
                _lesson_mark_complete_locked(context=context)
            else:
                _lesson_mark_complete(enrollment=enrollment, lesson=lesson)
    return completion


# The two rows a completion under the enrollment lock writes, built once per process
# (core/prepared_writes.py): the block's completion, and the lesson's progress row inserted
# completed or, when a visit wrote it meanwhile, completed in place (ON CONFLICT DO UPDATE).
_completion_insert = PreparedInsert(BlockCompletion, row_fields(BlockCompletion))
_progress_completed_upsert = PreparedInsert(
    LessonProgress,
    row_fields(LessonProgress),
    unique_fields=("enrollment", "lesson"),
    update_fields=("status", "completed_at"),
)


def _lesson_mark_complete_locked(*, context: "LearningContext") -> None:
    """`_lesson_mark_complete` for a caller that holds the enrollment row's lock and loaded
    `context` (its progress rows) under it: the progress row is written in one statement and
    the course's completion is decided from the context, without reading either again.
    Completions all take that lock, so the context's completed lessons are still exact."""
    enrollment, lesson = context.access.enrollment, context.lesson
    known = context.lesson_progress
    if known is None or known[0] != LessonProgress.Status.COMPLETED:
        now = timezone.now()
        if known is None:
            # A visit may write the row without the enrollment lock: insert, or complete the row it wrote.
            _progress_completed_upsert.insert(
                LessonProgress(
                    enrollment=enrollment,
                    lesson=lesson,
                    status=LessonProgress.Status.COMPLETED,
                    completed_at=now,
                    first_accessed_at=now,
                )
            )
        else:
            LessonProgress.objects.filter(enrollment=enrollment, lesson=lesson).update(
                status=LessonProgress.Status.COMPLETED,
                completed_at=now,
                first_accessed_at=Coalesce(F("first_accessed_at"), Value(now)),
            )
    if enrollment.status != Enrollment.Status.ACTIVE:
        return
    lesson_ids = context.access.lesson_ids
    if lesson_ids is None:
        lesson_ids = frozenset(course_lesson_ids(context.course))
    if lesson_ids and lesson_ids <= context.access.completed_lesson_ids | {lesson.pk}:
        course_complete(enrollment=enrollment)


def lesson_completion_rule(lesson: LessonPage) -> str:
    """'manual' for a lesson of text (the student marks it), 'activities' otherwise."""
    return "activities" if activity_block_ids(lesson) else "manual"


def lesson_complete(*, context: "LearningContext") -> LessonProgress:
    """The student's "mark complete": allowed where the access policy lets them into the
    lesson and it has no activity left to finish."""
    enrollment, lesson = context.learner(), context.lesson
    blocks = activity_block_ids(lesson)
    if blocks:
        done = set(
            BlockCompletion.objects.filter(enrollment=enrollment, lesson=lesson).values_list("block_id", flat=True)
        )
        if not set(blocks) <= done:
            raise LearningError("Finish this lesson's activities to complete it.", "activities_incomplete")
    return _lesson_mark_complete(enrollment=enrollment, lesson=lesson)


def course_progress_for(*, enrollment: Enrollment) -> CourseProgress:
    """Completed lessons of the course (coursepages.structure's one definition: the live lessons
    of its live sections) out of all of them: one query once the structure is cached."""
    lesson_ids = course_lesson_ids(enrollment.course)
    completed = (
        LessonProgress.objects.filter(
            enrollment=enrollment, status=LessonProgress.Status.COMPLETED, lesson_id__in=lesson_ids
        ).count()
        if lesson_ids
        else 0
    )
    return CourseProgress(completed=completed, total=len(lesson_ids))


@transaction.atomic
def _lesson_mark_complete(*, enrollment: Enrollment, lesson: LessonPage) -> LessonProgress:
    # The enrollment row is the lock that serialises completions of one student's course,
    # so the last two lessons finishing at once complete the course exactly once.
    enrollment = Enrollment.objects.select_for_update().select_related("course").get(pk=enrollment.pk)
    progress = _progress_for(enrollment, lesson, lock=True)
    if progress.status != LessonProgress.Status.COMPLETED:
        now = timezone.now()
        progress.status = LessonProgress.Status.COMPLETED
        progress.completed_at = now
        progress.first_accessed_at = progress.first_accessed_at or now
        progress.save(update_fields=["status", "completed_at", "first_accessed_at"])
    if enrollment.status == Enrollment.Status.ACTIVE and course_progress_for(enrollment=enrollment).percent == 100:
        course_complete(enrollment=enrollment)
    return progress


def course_complete(*, enrollment: Enrollment) -> Enrollment:
    """Every lesson is done: the enrollment is completed and the completion hooks run
    (certificate issue, email) once the transaction commits."""
    if enrollment.status == Enrollment.Status.COMPLETED:
        return enrollment
    enrollment.status = Enrollment.Status.COMPLETED
    enrollment.completed_at = timezone.now()
    enrollment.save(update_fields=["status", "completed_at"])
    _run_hooks("COURSE_COMPLETED_HOOKS", enrollment)
    return enrollment


def _run_hooks(setting_name: str, enrollment: Enrollment):
    """Call each dotted-path hook in settings.<setting_name> with the enrollment id after commit."""
    for path in getattr(settings, setting_name, []):
        hook = import_string(path)
        transaction.on_commit(lambda hook=hook: hook(enrollment_id=enrollment.pk))


def review_save(*, user, course: CoursePage, rating: int, body: str = "") -> tuple[Review, bool]:
    """An enrolled student rates a course 1–5 and may write a review; saving again edits it."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise LearningError("Choose a rating from 1 to 5 stars.", "invalid")
    body = (body or "").strip()
    if len(body) > 4000:
        raise LearningError("Keep the review under 4,000 characters.", "invalid")
    enrollment = Enrollment.objects.filter(user=user, course=course).first() if user.is_authenticated else None
    if not enrollment or not enrollment.is_open:
        raise LearningError("Only students of this course can review it.", "not_enrolled")
    if Review.objects.filter(user=user, course=course, moderation=Moderation.DELETED).exists():
        raise LearningError("A moderator removed your review of this course.", "review_removed")
    # An edit keeps a moderator's decision: a hidden review stays hidden.
    review, created = Review.objects.update_or_create(
        user=user, course=course, defaults={"rating": rating, "body": body}
    )
    return review, created


def review_moderate(*, review: Review, moderator, state: str, note: str = "") -> Review:
    """A moderator hides (the author still sees it, nobody else does, and it leaves the
    course's rating), deletes (nobody sees it; the author cannot post another) or restores a
    review. Logged in Wagtail's audit log with who did it."""
    if not user_may_moderate_reviews(moderator):
        raise LearningError("Only moderators may hide or delete reviews.", "forbidden")
    if state not in Moderation.values:
        raise LearningError("Choose visible, hidden or deleted.", "invalid")
    content_moderate(item=review, moderator=moderator, state=state, note=note)
    return review
