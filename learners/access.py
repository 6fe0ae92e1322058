"""The access policy: the one place that answers "may this user open this lesson, and if
not, why" (docs/architecture.md §3). Pages, the outline, file downloads and the API all ask it.

`course_access_for` loads everything one course needs in a fixed number of queries, so an
outline of 200 lessons costs what an outline of 10 does; `CourseAccess.lesson` then decides
for each lesson without touching the database.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.contrib.postgres.aggregates import JSONBAgg
from django.db import connections, router
from django.db.models import OuterRef, Subquery
from django.db.models.functions import JSONArray
from django.utils import timezone

from core.prepared import Prepared, concrete_attnames
from core.providers import Provider
from coursepages.models import CoursePage, LessonPage
from coursepages.permissions import user_is_course_staff
from coursepages.structure import course_structure
from learners.models import Enrollment, LessonProgress


class LockReason:
    NOT_ENROLLED = "not_enrolled"
    NOT_PAID = "not_paid"
    SUBSCRIPTION_INACTIVE = "subscription_inactive"
    PREREQUISITE_MISSING = "prerequisite_missing"
    NOT_YET_AVAILABLE = "not_yet_available"
    NOT_IN_COURSE = "not_found"


@dataclass(frozen=True)
class LessonAccess:
    allowed: bool
    reason: str = ""
    message: str = ""
    available_at: datetime | None = None
    missing_prerequisites: tuple[str, ...] = ()
    missing_prerequisite_ids: tuple[int, ...] = ()


OPEN = LessonAccess(allowed=True)
# A live lesson whose section is a draft: not part of the published course, for anyone but staff.
WITHDRAWN = LessonAccess(False, LockReason.NOT_IN_COURSE, "This lesson is not part of the published course.")

# has_active_subscription(user=, course=None) -> bool: whether a subscription of the user's opens
# `course` now (its plan's bundle, or every "included" course), or, without a course, whether
# one is running. Payments answers it (PaymentsConfig.ready); the policy never imports payments.
has_active_subscription = Provider("learners.access.has_active_subscription (payments)")


def drip_available_at(*, enrolled_at: datetime, days: int, tzinfo) -> datetime:
    """Midnight, in the student's timezone, `days` calendar days after the enrollment date."""
    local_day = timezone.localtime(enrolled_at, tzinfo).date() + timedelta(days=days)
    return datetime.combine(local_day, time.min, tzinfo=tzinfo)


def drip_open_for_enrolled_before(*, days: int, tzinfo, now: datetime) -> datetime:
    """The same rule seen from the other side, for a query: at `now`, the lesson `days` days
    after enrollment is open exactly to enrollments made before the moment returned
    (`drip_available_at(enrolled_at=e, …) <= now` ⟺ `e <` it). Opening at midnight of the
    enrollment's local day + `days` means that day is today or earlier, i.e. the enrollment's
    local day is at most today − `days`: it was made before midnight of the day after."""
    local_today = timezone.localtime(now, tzinfo).date()
    return datetime.combine(local_today - timedelta(days=days - 1), time.min, tzinfo=tzinfo)


@dataclass
class CourseAccess:
    user: object
    course: CoursePage
    enrollment: Enrollment | None
    is_staff: bool
    completed_lesson_ids: set[int] = field(default_factory=set)
    # lesson id → (status, last access) of each progress row of the enrollment
    progress: dict[int, tuple[str, datetime | None]] = field(default_factory=dict)
    prerequisites: dict[int, tuple[tuple[int, str], ...]] = field(default_factory=dict)
    # The course's lessons (coursepages.structure): a live lesson under a withdrawn section is
    # not one of them. None: not known (every lesson counts as the course's).
    lesson_ids: frozenset[int] | None = None
    _subscription_active: bool | None = None

    @property
    def is_enrolled(self) -> bool:
        return bool(self.enrollment and self.enrollment.is_open)

    def subscription_active(self) -> bool:
        if self._subscription_active is None:
            self._subscription_active = has_active_subscription(user=self.user, course=self.course)
        return self._subscription_active

    def course_lock(self) -> LessonAccess | None:
        """Why the course as a whole is closed to this user (None when it is open)."""
        if self.is_staff:
            return None
        pricing = self.course.pricing
        if not self.is_enrolled:
            if pricing == CoursePage.Pricing.ONE_TIME:
                return LessonAccess(False, LockReason.NOT_PAID, "Buy this course to open its lessons.")
            if pricing == CoursePage.Pricing.SUBSCRIPTION and not self.subscription_active():
                return LessonAccess(
                    False,
                    LockReason.SUBSCRIPTION_INACTIVE,
                    "This course is included in a subscription; subscribe to open it.",
                )
            return LessonAccess(False, LockReason.NOT_ENROLLED, "Enroll in this course to open its lessons.")
        if self.enrollment.source == Enrollment.Source.SUBSCRIPTION and not self.subscription_active():
            return LessonAccess(
                False, LockReason.SUBSCRIPTION_INACTIVE, "Your subscription has ended; renew it to continue."
            )
        return None

    def lesson(self, lesson: LessonPage) -> LessonAccess:
        if self.is_staff:
            return OPEN
        if self.lesson_ids is not None and lesson.pk not in self.lesson_ids:
            return WITHDRAWN
        if lesson.free_preview:
            return OPEN
        lock = self.course_lock()
        if lock:
            return lock
        missing = [
            (pk, title) for pk, title in self.prerequisites.get(lesson.pk, []) if pk not in self.completed_lesson_ids
        ]
        if missing:
            return LessonAccess(
                False,
                LockReason.PREREQUISITE_MISSING,
                "Complete " + ", ".join(f"“{title}”" for _pk, title in missing) + " first.",
                missing_prerequisites=tuple(title for _pk, title in missing),
                missing_prerequisite_ids=tuple(pk for pk, _title in missing),
            )
        if lesson.unlock_after_days:
            available_at = drip_available_at(
                enrolled_at=self.enrollment.enrolled_at, days=lesson.unlock_after_days, tzinfo=self.user.tzinfo
            )
            if timezone.now() < available_at:
                local = timezone.localtime(available_at, self.user.tzinfo)
                return LessonAccess(
                    False,
                    LockReason.NOT_YET_AVAILABLE,
                    f"Opens on {local:%-d %B %Y}.",
                    available_at=available_at,
                )
        return OPEN


# Read on every lesson page and heartbeat: compiled once per process (core/prepared.py).
_enrollment_read = Prepared(
    Enrollment,
    lambda user_id, course_id: (
        Enrollment.objects.filter(user_id=user_id, course_id=course_id)
        .order_by()
        .values_list(*concrete_attnames(Enrollment))[:1]
    ),  # at most one: unique (user, course)
    arity=2,
)
_progress_read = Prepared(
    LessonProgress,
    lambda enrollment_id: (
        LessonProgress.objects.filter(enrollment_id=enrollment_id)
        .order_by()
        .values_list("lesson_id", "status", "last_accessed_at")
    ),
    arity=1,
)


# On PostgreSQL the two in one query: the progress rows as one JSON array of [lesson id, status,
# last access] beside the enrollment's columns, a round trip (and a statement for the server) less on
# every page that decides lesson access (bench/README.md "Lesson page, round five").
_enrollment_and_progress_read = Prepared(
    Enrollment,
    lambda user_id, course_id: (
        Enrollment.objects.filter(user_id=user_id, course_id=course_id)
        .order_by()
        .values_list(
            *concrete_attnames(Enrollment),
            Subquery(  # one JSON array of the rows: decoded once, not once per row
                LessonProgress.objects.filter(enrollment_id=OuterRef("pk"))
                .order_by()
                .values("enrollment_id")
                .annotate(rows=JSONBAgg(JSONArray("lesson_id", "status", "last_accessed_at")))
                .values("rows")
            ),
        )[:1]
    ),
    arity=2,
)


def _enrollment_and_progress(user_id: int, course_id: int) -> tuple[Enrollment | None, dict]:
    """The user's enrollment in the course and its progress rows ({lesson id: (status, last
    accessed)}): one query on PostgreSQL, two (the second only when enrolled) elsewhere."""
    if connections[router.db_for_read(Enrollment)].vendor == "postgresql":
        found = _enrollment_and_progress_read.instances_and_extras(user_id, course_id)
        if not found:
            return None, {}
        enrollment, (rows,) = found[0]
        return enrollment, {
            lesson_id: (status, datetime.fromisoformat(last) if last else None)
            for lesson_id, status, last in rows or ()  # no rows: NULL
        }
    found = _enrollment_read.instances(user_id, course_id)
    if not found:
        return None, {}
    return found[0], _progress_of(found[0].pk)


def _progress_of(enrollment_id: int) -> dict:
    """An enrollment's progress rows: {lesson id: (status, last accessed)}."""
    return {lesson_id: (status, last) for lesson_id, status, last in _progress_read.rows(enrollment_id)}


def course_access_for(*, user, course: CoursePage, enrollment: Enrollment | None = None) -> CourseAccess:
    """Everything needed to decide access to each lesson of `course`: the enrollment, its progress
    rows (one query on PostgreSQL) and (for a user who is not a student) the staff check;
    prerequisites come with the course's cached structure. A caller that holds the user's
    enrollment in `course` (e.g. locked) passes it, and it is not read again."""
    progress: dict[int, tuple[str, datetime | None]] = {}
    if enrollment is not None and (enrollment.user_id != user.pk or enrollment.course_id != course.pk):
        raise ValueError("The enrollment is not this user's in this course.")
    if user.is_authenticated:
        if enrollment is None:
            enrollment, progress = _enrollment_and_progress(user.pk, course.pk)
        else:
            progress = _progress_of(enrollment.pk)
    return _course_access(
        user=user, course=course, enrollment=enrollment, progress=progress, structure=course_structure(course)
    )


def _course_access(*, user, course: CoursePage, enrollment, progress: dict, structure) -> CourseAccess:
    """A CourseAccess from the progress rows loaded ({lesson id: (status, last accessed)})."""
    return CourseAccess(
        user=user,
        course=course,
        enrollment=enrollment,
        is_staff=user_is_course_staff(user=user, course=course),
        completed_lesson_ids={
            pk for pk, (status, _last) in progress.items() if status == LessonProgress.Status.COMPLETED
        },
        progress=progress,
        prerequisites=structure.prerequisites,
        lesson_ids=structure.lesson_id_set,
    )


def lesson_access(*, user, lesson: LessonPage, course: CoursePage | None = None) -> LessonAccess:
    """May `user` open `lesson`? The answer carries the reason when not."""
    return learning_context_for(user=user, lesson=lesson, course=course).verdict


NOT_ENROLLED_MESSAGE = "You are not enrolled in this course."


@dataclass
class LearningContext:
    """One viewer's standing in one lesson, loaded once per request by the access policy: the
    course access (enrollment, progress rows, staff) and the verdict for the lesson. Every
    learning service that records something takes it and refuses, through `learner`, when
    the policy refuses; no view or API checks access and loads the enrollment by hand."""

    access: CourseAccess
    lesson: LessonPage
    verdict: LessonAccess
    # The lesson's whole progress row as loaded with the access (None: no row), when the context
    # was made for one lesson (`lesson_learning_context_for`); not loaded otherwise.
    lesson_row: LessonProgress | None = None
    lesson_row_loaded: bool = False

    @property
    def user(self):
        return self.access.user

    @property
    def course(self) -> CoursePage:
        return self.access.course

    @property
    def enrollment(self) -> Enrollment | None:
        return self.access.enrollment if self.access.is_enrolled else None

    @property
    def lesson_progress(self) -> tuple[str, datetime | None] | None:
        """The lesson's (status, last access) as loaded with the access, None without a row."""
        return self.access.progress.get(self.lesson.pk)

    @property
    def may_record(self) -> bool:
        """An enrolled student whose lesson is open: what they do here is recorded."""
        return self.verdict.allowed and self.access.is_enrolled

    def learner(self, not_enrolled: str = NOT_ENROLLED_MESSAGE) -> Enrollment:
        """The open enrollment of a student allowed in this lesson, else the refusal as a
        LearningError with the policy's reason (or `not_enrolled` with the given sentence)."""
        from learners.enrollment.services import LearningError

        if not self.verdict.allowed:
            raise LearningError(self.verdict.message, self.verdict.reason)
        if not self.access.is_enrolled:
            raise LearningError(not_enrolled, LockReason.NOT_ENROLLED)
        return self.access.enrollment


def learning_context_for(
    *,
    user,
    lesson: LessonPage,
    course: CoursePage | None = None,
    access: CourseAccess | None = None,
    enrollment: Enrollment | None = None,
) -> LearningContext:
    """The learning context of `user` in `lesson`: the course access (loaded here unless the
    caller already has it for the same user and course; `enrollment`, the user's in the course,
    when the caller holds it) and the verdict."""
    if access is None or access.user != user:
        access = course_access_for(user=user, course=course or _course_of(lesson), enrollment=enrollment)
    return LearningContext(access=access, lesson=lesson, verdict=access.lesson(lesson))


def lesson_learning_context_for(*, user, lesson: LessonPage, course: CoursePage | None = None) -> LearningContext:
    """The learning context of `user` in `lesson` for a request about that lesson alone (the
    heartbeat): the same verdict as `learning_context_for`, but only the progress rows the
    verdict needs are loaded — the lesson's own (whole, as `lesson_row`) and its
    prerequisites' — not the course's 200. Its access must not be used for course-wide figures
    (progress, completed counts). Two queries for a student (enrollment, progress rows)."""
    course = course or _course_of(lesson)
    structure = course_structure(course)
    enrollment = None
    rows: dict[int, LessonProgress] = {}
    if user.is_authenticated:
        enrollment = Enrollment.objects.filter(user=user, course_id=course.pk).first()
        if enrollment:
            wanted = {lesson.pk, *(pk for pk, _title in structure.prerequisites.get(lesson.pk, ()))}
            rows = {
                row.lesson_id: row for row in LessonProgress.objects.filter(enrollment=enrollment, lesson_id__in=wanted)
            }
    progress = {pk: (row.status, row.last_accessed_at) for pk, row in rows.items()}
    access = _course_access(user=user, course=course, enrollment=enrollment, progress=progress, structure=structure)
    return LearningContext(
        access=access,
        lesson=lesson,
        verdict=access.lesson(lesson),
        lesson_row=rows.get(lesson.pk),
        lesson_row_loaded=True,
    )


@dataclass(frozen=True)
class StudentOpenTerms:
    """What a student's records must say for the policy to open one lesson to them, in a form
    one SQL statement can check without loading anything (the heartbeat's common beat): an
    open enrollment in `course_id` granted otherwise than by a subscription (a subscription's
    standing is the payments provider's answer, not a record), every lesson of
    `prerequisite_ids` completed, and, for a drip lesson, the enrollment made before
    `enrolled_before`. When they hold, `CourseAccess.lesson` answers OPEN and the enrollment is
    open (`LearningContext.may_record`); when they do not, ask the full policy."""

    course_id: int
    prerequisite_ids: tuple[int, ...] = ()
    enrolled_before: datetime | None = None


def student_open_terms(*, user, lesson: LessonPage) -> StudentOpenTerms | None:
    """The terms on which `lesson` is open to `user` as an enrolled student (see
    StudentOpenTerms), from the cached course structure: no query. None when no record can open
    it (anonymous, or a live lesson that is not part of the published course). The course
    staff's wider rights are not among the terms: staff whose records do not meet them get the
    full policy's answer."""
    if not user.is_authenticated:
        return None
    course = _course_of(lesson)
    structure = course_structure(course)
    if lesson.pk not in structure.lesson_id_set:
        return None
    if lesson.free_preview:  # open to everyone; recording still needs the open enrollment
        return StudentOpenTerms(course_id=course.pk)
    enrolled_before = None
    if lesson.unlock_after_days:  # the policy's clock, not a beat's
        enrolled_before = drip_open_for_enrolled_before(
            days=lesson.unlock_after_days, tzinfo=user.tzinfo, now=timezone.now()
        )
    return StudentOpenTerms(
        course_id=course.pk,
        prerequisite_ids=tuple(pk for pk, _title in structure.prerequisites.get(lesson.pk, ())),
        enrolled_before=enrolled_before,
    )


def _course_of(lesson: LessonPage) -> CoursePage:
    from learners.enrollment.selectors import course_of

    return course_of(lesson)
