"""The instructor's gradebook of a course: students × quizzes, assignments and H5P activities
(the server's best score, or "completion only" for types the server does not grade)."""

import io
from dataclasses import dataclass, field

from django.db.models import Count, Max

from core.dbrouter import reads_from_replica
from core.spreadsheet import csv_writer
from coursepages.structure import course_lesson_ids
from learners.enrollment.services import CourseProgress
from learners.interactive.grading import h5p_gradable
from learners.models import AssignmentSubmission, Enrollment, H5PResult, LessonProgress, QuizAttempt

COMPLETION_ONLY = "completion only"


@dataclass
class Column:
    block_id: str
    block_type: str
    title: str
    lesson_title: str
    note: str = ""  # "completion only" for an H5P type the server does not grade


@dataclass
class Row:
    enrollment: Enrollment
    cells: list = field(default_factory=list)  # per column: display string
    completion_percent: int = 0


def gradebook_for(*, course) -> tuple[list[Column], list[Row]]:
    """Best quiz score (%) and latest assignment grade per student, plus course completion;
    a fixed number of queries whatever the number of students."""
    lessons = list(course.lessons())  # the course's lessons (coursepages.structure), with their bodies
    columns = [
        Column(
            block_id=child.id,
            block_type=child.block_type,
            title=str(child.value.get("title") or child.block_type),
            lesson_title=lesson.title,
            note="" if child.block_type != "h5p" or h5p_gradable(child.value.get("package")) else COMPLETION_ONLY,
        )
        for lesson in lessons
        for child in lesson.body
        if child.block_type in ("quiz", "assignment", "h5p")
    ]
    enrollments = list(
        Enrollment.objects.filter(course=course)
        .exclude(status=Enrollment.Status.REVOKED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__email")
    )
    best = {
        (row["enrollment_id"], row["block_id"]): row["best"]
        for row in QuizAttempt.objects.filter(enrollment__course=course, status=QuizAttempt.Status.SUBMITTED)
        .values("enrollment_id", "block_id")
        .annotate(best=Max("score_percent"))
    }
    latest: dict = {}
    for submission in AssignmentSubmission.objects.filter(enrollment__course=course).order_by("number"):
        latest[(submission.enrollment_id, submission.block_id)] = submission
    lesson_ids = course_lesson_ids(course)
    h5p = {
        (result.user_id, result.block_id): result
        for result in H5PResult.objects.filter(
            lesson_id__in=lesson_ids, block_id__in=[c.block_id for c in columns if c.block_type == "h5p"]
        ).only("user_id", "block_id", "best_score_scaled", "completion")
    }
    completed = {
        row["enrollment_id"]: row["n"]
        for row in LessonProgress.objects.filter(
            enrollment__course=course, status=LessonProgress.Status.COMPLETED, lesson_id__in=lesson_ids
        )
        .values("enrollment_id")
        .annotate(n=Count("id"))
    }
    rows = []
    for enrollment in enrollments:
        row = Row(enrollment=enrollment)
        progress = CourseProgress(completed=completed.get(enrollment.pk, 0), total=len(lesson_ids))
        row.completion_percent = progress.percent
        for column in columns:
            key = (enrollment.pk, column.block_id)
            if column.block_type == "h5p":
                row.cells.append(_h5p_cell(h5p.get((enrollment.user_id, column.block_id)), column))
            elif column.block_type == "quiz":
                value = best.get(key)
                row.cells.append("" if value is None else f"{value:g}%")
            else:
                submission = latest.get(key)
                if submission is None:
                    row.cells.append("")
                elif submission.score is None:
                    row.cells.append("submitted" + (" (late)" if submission.is_late else ""))
                else:
                    late = " (late)" if submission.is_late else ""
                    row.cells.append(f"{submission.score}/{submission.max_score}{late}")
        rows.append(row)
    return columns, rows


def _h5p_cell(result, column: Column) -> str:
    if column.note == COMPLETION_ONLY:
        if result is None:
            return COMPLETION_ONLY
        return f"{'done' if result.completion else 'started'} · {COMPLETION_ONLY}"
    if result is None or result.best_score_scaled is None:
        return ""
    return f"{round(max(0.0, min(1.0, result.best_score_scaled)) * 100, 2):g}%"


@reads_from_replica()  # an export tolerates a little lag (core/dbrouter.py)
def gradebook_csv(*, course) -> str:
    columns, rows = gradebook_for(course=course)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(
        ["Student", "Email", "Completion %"]
        + [f"{c.title} ({c.block_type}{', ' + c.note if c.note else ''})" for c in columns]
    )
    for row in rows:
        user = row.enrollment.user
        name = user.get_full_name() or user.email
        writer.writerow([name, user.email, row.completion_percent, *row.cells])
    return out.getvalue()
