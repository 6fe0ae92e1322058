"""Reads for the learning pages: outline, lesson player, course page, dashboard, instructor
views. Each loads what it needs in a fixed number of queries, whatever the course size."""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, FloatField, IntegerField, Max, OuterRef, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from core.moderation import Moderation
from core.querysets import after_fetch
from coursepages.models import CourseInstructor, CoursePage, LessonPage
from coursepages.page_cache import cached_until_pages_change
from coursepages.permissions import courses_staffed_by
from coursepages.selectors import _subquery_aggregate
from coursepages.structure import CourseStructure, OutlinePage, course_structure, course_structures
from learners.access import CourseAccess, LearningContext, LessonAccess, LockReason
from learners.catalog import with_course_stats
from learners.enrollment.services import CourseProgress
from learners.models import BlockCompletion, Enrollment, LessonProgress, QuizAttempt, Review


@dataclass
class OutlineLesson:
    lesson: OutlinePage
    access: LessonAccess
    is_completed: bool
    is_current: bool = False

    @property
    def is_locked(self) -> bool:
        return not self.access.allowed

    @property
    def lock_note(self) -> str:
        """The reason shown beside this lesson: only reasons of its own (prerequisite, drip);
        a course-wide lock (enroll, buy, subscribe) is said once for the whole course."""
        if self.access.reason in (LockReason.PREREQUISITE_MISSING, LockReason.NOT_YET_AVAILABLE):
            return self.access.message
        return ""


@dataclass
class OutlineSection:
    section: OutlinePage
    lessons: list[OutlineLesson] = field(default_factory=list)


class Outline:
    """A course's outline as one viewer sees it: sections and lessons in tree order, each lesson
    with the viewer's access and completion.

    Made by `course_outline` from the course's structure, it builds those per-lesson items only
    when asked for all of them (`lessons`, `sections`): the lesson player needs a handful
    (`item`, `neighbours`, `section_of`, `progress`) and its outline HTML is the structure's,
    rendered once, with only this viewer's exceptions filled in (learners.outline_html)."""

    def __init__(
        self,
        sections: list[OutlineSection] | None = None,
        lessons: list[OutlineLesson] | None = None,
        *,
        access: CourseAccess | None = None,
        structure: CourseStructure | None = None,
        current_pk: int | None = None,
        live: bool = False,
    ):
        if structure is None and sections is None:
            raise ValueError("An outline is made of sections or of a course structure.")
        self.access, self.structure, self.current_pk = access, structure, current_pk
        # True: `structure` is the course's live structure that `access` was loaded with, so a
        # lesson of it is never "withdrawn" and its HTML may be rendered from the structure's.
        self.live = live
        self._sections = sections
        self._lessons = lessons
        self._items: dict[int, OutlineLesson] = {}

    def item(self, pk: int) -> OutlineLesson | None:
        """The outline entry of one lesson of the course (None if it is not one of them)."""
        if self.structure is None:
            return next((item for item in self.lessons if item.lesson.pk == pk), None)
        found = self._items.get(pk)
        if found is None:
            position = outline_positions(self.structure).get(pk)
            if position is None:
                return None
            lesson = position[1]
            found = self._items[pk] = OutlineLesson(
                lesson=lesson,
                access=self.access.lesson(lesson),
                is_completed=pk in self.access.completed_lesson_ids,
                is_current=pk == self.current_pk,
            )
        return found

    @property
    def sections(self) -> list[OutlineSection]:
        if self._sections is None:
            self._sections = [
                OutlineSection(section=section, lessons=[self.item(lesson.pk) for lesson in lessons])
                for section, lessons in self.structure.sections
            ]
        return self._sections

    @property
    def lessons(self) -> list[OutlineLesson]:
        if self._lessons is None:
            self._lessons = [item for section in self.sections for item in section.lessons]
        return self._lessons

    @property
    def progress(self) -> CourseProgress:
        if self.structure is None or self._lessons is not None:
            completed = sum(1 for item in self.lessons if item.is_completed)
            return CourseProgress(completed=completed, total=len(self.lessons))
        lesson_ids = self.structure.lesson_id_set
        return CourseProgress(
            completed=sum(1 for pk in self.access.completed_lesson_ids if pk in lesson_ids), total=len(lesson_ids)
        )

    def neighbours(self, lesson) -> tuple[OutlineLesson | None, OutlineLesson | None]:
        if self.structure is None:
            ids = [item.lesson.pk for item in self.lessons]
            if lesson.pk not in ids:
                return None, None
            index = ids.index(lesson.pk)
            previous = self.lessons[index - 1] if index > 0 else None
            following = self.lessons[index + 1] if index + 1 < len(self.lessons) else None
            return previous, following
        position = outline_positions(self.structure).get(lesson.pk)
        if position is None:
            return None, None
        lessons = outline_lessons(self.structure)
        index = position[0]
        previous = self.item(lessons[index - 1].pk) if index > 0 else None
        following = self.item(lessons[index + 1].pk) if index + 1 < len(lessons) else None
        return previous, following

    def section_of(self, lesson) -> OutlinePage | None:
        """The section (as the outline has it) that holds `lesson`, None if it is not in it."""
        if self.structure is None:
            return next((s.section for s in self.sections if any(i.lesson.pk == lesson.pk for i in s.lessons)), None)
        position = outline_positions(self.structure).get(lesson.pk)
        return position[2] if position else None

    def items_in_order(self, pks) -> list[OutlineLesson]:
        """The entries of these lessons (those in the course), in the outline's order."""
        if self.structure is None:
            wanted = set(pks)
            return [item for item in self.lessons if item.lesson.pk in wanted]
        positions = outline_positions(self.structure)
        return [
            self.item(pk) for pk in sorted((pk for pk in set(pks) if pk in positions), key=lambda pk: positions[pk][0])
        ]

    def first_open(self) -> OutlineLesson | None:
        return next((item for item in self.lessons if item.access.allowed and not item.is_completed), None) or next(
            (item for item in self.lessons if item.access.allowed), None
        )


def outline_lessons(structure: CourseStructure) -> tuple[OutlinePage, ...]:
    """The structure's lessons in tree order, built once per structure."""
    lessons = structure.derived.get("outline-lessons")
    if lessons is None:
        lessons = structure.derived["outline-lessons"] = structure.lessons
    return lessons


def outline_positions(structure: CourseStructure) -> dict[int, tuple[int, OutlinePage, OutlinePage]]:
    """{lesson id: (index in the course, the lesson, its section)}, built once per structure."""
    positions = structure.derived.get("outline-positions")
    if positions is None:
        positions = structure.derived["outline-positions"] = {
            lesson.pk: (index, lesson, section)
            for index, (section, lesson) in enumerate(
                (section, lesson) for section, lessons in structure.sections for lesson in lessons
            )
        }
    return positions


def course_outline(*, access: CourseAccess, current=None, structure=None) -> Outline:
    """Sections and their live lessons in tree order, each lesson with the viewer's access and
    completion: no query once the course's structure is cached, whatever the number of lessons.
    `structure` replaces the course's live structure (an editor's preview of the drafts)."""
    live = structure is None
    structure = course_structure(access.course) if structure is None else structure
    # The access was loaded with the course's live structure; should the cache have moved on
    # in between, the outline still decides each lesson through the access (never from HTML
    # rendered for another structure).
    live = (
        live
        and access.lesson_ids is not None
        and (access.lesson_ids is structure.lesson_id_set or access.lesson_ids == structure.lesson_id_set)
    )
    return Outline(
        access=access, structure=structure, current_pk=current.pk if current is not None else None, live=live
    )


def course_of(lesson: LessonPage) -> CoursePage:
    """The course of a lesson, found by its path: from the cache until a page changes,
    else one query."""
    course_path = lesson.path[: -2 * LessonPage.steplen]
    return cached_until_pages_change(
        f"course-at:v1:{course_path}", lambda: CoursePage.objects.select_related("category").get(path=course_path)
    )


def live_lesson(lesson_id: int) -> LessonPage | None:
    """The live lesson with this id (None if there is none), from the cache until a page
    changes (publishing or unpublishing one starts a new generation), else one query: the
    heartbeat asks for it every 15 s of every open lesson."""
    return cached_until_pages_change(
        f"live-lesson:v1:{int(lesson_id)}", lambda: LessonPage.objects.live().filter(pk=lesson_id).first()
    )


def resume_lesson(*, access: CourseAccess, outline: Outline) -> OutlineLesson | None:
    """Where the student continues: the last lesson they opened while it is unfinished, else
    the first open unfinished one (a finished lesson is never "next")."""
    enrollment = access.enrollment
    if enrollment and enrollment.last_lesson_id:
        for item in outline.lessons:
            if item.lesson.pk == enrollment.last_lesson_id and item.access.allowed and not item.is_completed:
                return item
    return outline.first_open()


def lesson_is_completed(*, context: "LearningContext") -> bool:
    """Whether the student's progress row for the context's lesson says completed (one query)."""
    enrollment = context.enrollment
    return bool(
        enrollment
        and LessonProgress.objects.filter(
            enrollment=enrollment, lesson=context.lesson, status=LessonProgress.Status.COMPLETED
        ).exists()
    )


def course_stats(*, course: CoursePage) -> dict:
    """Student count and rating of one course (two queries)."""
    students = Enrollment.objects.filter(course=course).exclude(status=Enrollment.Status.REVOKED).count()
    ratings = Review.objects.filter(course=course, moderation=Moderation.VISIBLE).aggregate(
        avg=Avg("rating"), count=Count("pk")
    )
    return {"student_count": students, "rating_avg": ratings["avg"], "rating_count": ratings["count"]}


def course_instructors(*, course: CoursePage) -> list:
    return [
        ci.user for ci in CourseInstructor.objects.filter(page=course).select_related("user").order_by("sort_order")
    ]


def _attach_progress(enrollments: list[Enrollment]) -> None:
    """Set lessons_done, lessons_total and progress on each enrollment: its completed progress
    rows whose lesson is one of its course's lessons, out of those lessons (the one definition,
    coursepages.structure). One query and one cache read for any number of enrollments (their
    courses loaded with them); courses whose structure is not cached are built together."""
    structures = course_structures([enrollment.course for enrollment in enrollments])
    completed: dict[int, set[int]] = {}
    for enrollment_id, lesson_id in LessonProgress.objects.filter(
        enrollment_id__in=[enrollment.pk for enrollment in enrollments], status=LessonProgress.Status.COMPLETED
    ).values_list("enrollment_id", "lesson_id"):
        completed.setdefault(enrollment_id, set()).add(lesson_id)
    for enrollment in enrollments:
        lesson_ids = structures[enrollment.course_id].lesson_ids
        enrollment.lessons_done = len(completed.get(enrollment.pk, set()).intersection(lesson_ids))
        enrollment.lessons_total = len(lesson_ids)
        enrollment.progress = CourseProgress(completed=enrollment.lessons_done, total=enrollment.lessons_total)
        done = completed.get(enrollment.pk, set())
        # "Next up": the first unfinished lesson in course order (None once all are done).
        lessons = structures[enrollment.course_id].lessons
        enrollment.next_lesson = next((lesson for lesson in lessons if lesson.pk not in done), None)


def dashboard_for(*, user) -> dict:
    """The student's courses with progress, resume lesson and completion: two queries (the
    enrollments with their courses, their completed lessons) and the courses' cached structures,
    whatever the number of courses."""
    enrollments = list(
        Enrollment.objects.filter(user=user)
        .exclude(status=Enrollment.Status.REVOKED)
        .select_related("course", "last_lesson")
        .order_by(F("last_accessed_at").desc(nulls_last=True), "-enrolled_at")
    )
    if enrollments:
        _attach_progress(enrollments)
    return {
        "in_progress": [e for e in enrollments if e.status == Enrollment.Status.ACTIVE],
        "completed": [e for e in enrollments if e.status == Enrollment.Status.COMPLETED],
    }


def instructor_courses(*, user) -> QuerySet[CoursePage]:
    """`courses_staffed_by` (the courses whose instructor views this user sees) with
    lesson_count, student_count (not revoked), completed_count and rating, all in one query."""
    completed = Enrollment.objects.filter(course_id=OuterRef("pk"), status=Enrollment.Status.COMPLETED)
    return (
        with_course_stats(CoursePage.objects.filter(pk__in=courses_staffed_by(user).order_by().values("pk")))
        .annotate(completed_count=Coalesce(_subquery_aggregate(completed, "COUNT", "pk", IntegerField()), Value(0)))
        .order_by("title", "pk")
    )


def instructor_courses_for(*, user) -> list[CoursePage]:
    """The courses the user staffs (owner or listed instructor; all for admins and
    moderators), with counts."""
    return list(instructor_courses(user=user))


def instructor_students(*, user, course_id: int | None = None) -> QuerySet[Enrollment]:
    """Enrollments (not revoked) in the courses `user` staffs, or in one of them, each with
    time_spent and the student's submitted quiz attempts in that course: quiz_attempt_count,
    quiz_best_percent and quiz_average_percent, in one query whatever the number of students;
    and, once fetched, lessons_done / lessons_total / progress (`_attach_progress`: one more
    query for the page of enrollments fetched, and their courses' cached structures)."""
    courses = courses_staffed_by(user).order_by().values("pk")
    if course_id is not None:
        courses = courses.filter(pk=course_id)
    time_spent = LessonProgress.objects.filter(enrollment_id=OuterRef("pk"))
    attempts = QuizAttempt.objects.filter(enrollment_id=OuterRef("pk"), status=QuizAttempt.Status.SUBMITTED)
    enrollments = after_fetch(Enrollment.objects.all(), _attach_progress)
    return (
        enrollments.filter(course_id__in=courses)
        .exclude(status=Enrollment.Status.REVOKED)
        .select_related("user", "course")
        .annotate(
            time_spent=Coalesce(_subquery_aggregate(time_spent, "SUM", "time_spent_seconds", IntegerField()), Value(0)),
            quiz_attempt_count=Coalesce(_subquery_aggregate(attempts, "COUNT", "pk", IntegerField()), Value(0)),
            quiz_best_percent=_subquery_aggregate(attempts, "MAX", "score_percent", FloatField()),
            quiz_average_percent=_subquery_aggregate(attempts, "AVG", "score_percent", FloatField()),
        )
        .order_by("course__title", "course_id", "user__last_name", "user__first_name", "user__email", "pk")
    )


@dataclass
class StudentRow:
    enrollment: Enrollment
    progress: CourseProgress
    time_spent_seconds: int
    scores: dict[str, float | None]


def course_activities(*, course: CoursePage) -> list[dict]:
    """Every activity block of the course in order: {lesson, block_id, type, title}."""
    from blocks.lesson_body import ACTIVITY_BLOCK_TYPES

    activities = []
    for lesson in course.lessons():
        for block in lesson.body:
            if block.block_type in ACTIVITY_BLOCK_TYPES:
                title = block.value.get("title") if hasattr(block.value, "get") else None
                activities.append(
                    {
                        "lesson": lesson,
                        "block_id": block.id,
                        "type": block.block_type,
                        "title": title or f"{block.block_type.replace('_', ' ').title()} in {lesson.title}",
                    }
                )
    return activities


def course_students(*, course: CoursePage) -> tuple[list[dict], list[StudentRow]]:
    """The course's students with progress, time spent, last activity and best score per
    activity (a fixed number of queries for any number of students)."""
    activities = course_activities(course=course)
    enrollments = list(
        Enrollment.objects.filter(course=course)
        .exclude(status=Enrollment.Status.REVOKED)
        .select_related("user")
        .annotate(time_spent=Coalesce(Sum("lesson_progress__time_spent_seconds"), Value(0)))
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    for enrollment in enrollments:
        enrollment.course = course  # one structure for all of them
    if enrollments:
        _attach_progress(enrollments)
    best: dict[tuple[int, str], float | None] = {}
    for enrollment_id, block_id, score in (
        BlockCompletion.objects.filter(enrollment__course=course)
        .values("enrollment_id", "block_id")
        .annotate(best=Max("score_percent"))
        .values_list("enrollment_id", "block_id", "best")
    ):
        best[(enrollment_id, block_id)] = score if score is not None else "done"
    rows = [
        StudentRow(
            enrollment=enrollment,
            progress=enrollment.progress,
            time_spent_seconds=enrollment.time_spent,
            scores={a["block_id"]: best.get((enrollment.pk, a["block_id"])) for a in activities},
        )
        for enrollment in enrollments
    ]
    return activities, rows


def course_reviews(*, course: CoursePage, limit: int = 20) -> list[Review]:
    """The reviews everyone sees: those no moderator has hidden or deleted."""
    return list(
        Review.objects.filter(course=course, moderation=Moderation.VISIBLE)
        .select_related("user")
        .order_by("-updated_at")[:limit]
    )


def teachers_for_student(*, student) -> list[tuple[CoursePage, object]]:
    """(course, teacher) pairs the student may book a live class with or message: teachers of
    courses the student is enrolled in (active or completed)."""
    course_ids = Enrollment.objects.filter(
        user=student, status__in=[Enrollment.Status.ACTIVE, Enrollment.Status.COMPLETED]
    ).values("course_id")
    rows = (
        CourseInstructor.objects.filter(page_id__in=course_ids)
        .exclude(user=student)
        .select_related("page", "user")
        .order_by("page__title", "sort_order")
    )
    return [(row.page, row.user) for row in rows]


def learning_seconds_by_course(*, user_id: int, start, end, course_ids=None) -> dict[int, int]:
    """{course id: seconds} of time on task the user counted in subscription-opened courses on
    the days from `start` up to (not including) `end` (datetimes; the site's timezone)."""
    from django.utils import timezone

    from learners.models import LearningTimeDay

    rows = LearningTimeDay.objects.filter(
        enrollment__user_id=user_id,
        day__gte=timezone.localdate(start),
        day__lt=timezone.localdate(end),
        seconds__gt=0,
    )
    if course_ids is not None:
        rows = rows.filter(enrollment__course_id__in=course_ids)
    totals = rows.values("enrollment__course_id").annotate(total=Sum("seconds")).order_by("enrollment__course_id")
    return {row["enrollment__course_id"]: row["total"] for row in totals}
