"""The instructor's view of their teaching in the JSON API (docs/api.md): own courses
with enrollments and completion, their students' progress and quiz scores, and analytics
over time. Mounted at /api/v1/instructor/ beside the earnings router.

Thin: which courses a user teaches is `coursepages.permissions.courses_staffed_by` (every
course for admins and moderators, as on /instructor/); the analytics are the Course analytics dashboard's selectors,
which read the nightly roll-up tables."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from accounts.permissions import is_teaching_staff
from core.dbrouter import reads_from_replica
from core.money import money_json
from coursepages.models import PlatformSettings
from coursepages.permissions import courses_staffed_by
from learners.analytics import services as analytics
from learners.enrollment.selectors import instructor_courses, instructor_students

from .auth import user_auth
from .errors import ApiError, refusals
from .learning import RatingOut
from .pagination import Paginated
from .schemas import MoneyOut, PageId, rating_of

router = Router(tags=["instructor"], auth=user_auth)


def _require_teaching_staff(request) -> None:
    if not is_teaching_staff(request.user):
        raise ApiError(403, "This is for instructors.", "not_instructor")


def _taught_course(user, course_id: int):
    """The course if the user teaches it; 404 otherwise, as for a course that does not exist."""
    course = courses_staffed_by(user).filter(pk=course_id).first()
    if course is None:
        raise ApiError(404, "You do not teach this course.", "not_found")
    return course


class InstructorCourseOut(Schema):
    id: int
    title: str
    slug: str
    live: bool
    archived: bool
    pricing: str
    lesson_count: int
    enrollments: int = Field(description="Students enrolled (refunded, i.e. revoked, ones not counted).")
    completions: int = Field(description="Of those, how many completed the course.")
    completion_rate: float = Field(description="completions / enrollments, in percent (one decimal).")
    rating: RatingOut

    @staticmethod
    def resolve_enrollments(course):
        return course.student_count

    @staticmethod
    def resolve_completions(course):
        return course.completed_count

    @staticmethod
    def resolve_completion_rate(course):
        return round(course.completed_count * 100 / course.student_count, 1) if course.student_count else 0.0

    @staticmethod
    def resolve_rating(course):
        return rating_of(course)


class StudentRef(Schema):
    id: int
    name: str
    email: str


class CourseRef(Schema):
    id: int
    title: str


class ProgressOut(Schema):
    completed: int
    total: int
    percent: int


class QuizScoresOut(Schema):
    attempts: int = Field(description="Submitted quiz attempts in this course.")
    best: float | None = Field(description="Best attempt, percent (null before any attempt).")
    average: float | None = Field(description="Average of the submitted attempts, percent.")


class InstructorStudentOut(Schema):
    enrollment_id: int
    student: StudentRef
    course: CourseRef
    status: str
    enrolled_at: datetime
    completed_at: datetime | None
    last_accessed_at: datetime | None
    progress: ProgressOut
    time_spent_seconds: int
    quiz: QuizScoresOut

    @staticmethod
    def resolve_enrollment_id(enrollment):
        return enrollment.pk

    @staticmethod
    def resolve_student(enrollment):
        user = enrollment.user
        return {"id": user.pk, "name": user.display_name, "email": user.email}

    @staticmethod
    def resolve_course(enrollment):
        return {"id": enrollment.course_id, "title": enrollment.course.title}

    @staticmethod
    def resolve_progress(enrollment):
        progress = enrollment.progress  # attached by instructor_students from the course's structure
        return {"completed": progress.completed, "total": progress.total, "percent": progress.percent}

    @staticmethod
    def resolve_time_spent_seconds(enrollment):
        return enrollment.time_spent

    @staticmethod
    def resolve_quiz(enrollment):
        def percent(value):
            return None if value is None else round(value, 1)

        return {
            "attempts": enrollment.quiz_attempt_count,
            "best": percent(enrollment.quiz_best_percent),
            "average": percent(enrollment.quiz_average_percent),
        }


class StudentFilters(Schema):
    course: PageId | None = Field(None, description="Only this course's students.")


class PeriodFilters(Schema):
    start: date | None = Field(None, description="First day (default: 30 days ago).")
    end: date | None = Field(None, description="Last day (default: today); at most 367 days after start.")


class InstructorAnalyticsFilters(PeriodFilters):
    course: PageId | None = Field(
        None, description="The course of the funnel and quiz scores (default: the first by title)."
    )


class CourseDayOut(Schema):
    date: date
    enrollments: int
    completions: int
    active_learners: int
    revenue: MoneyOut
    vat: MoneyOut


class CourseTotalsOut(Schema):
    enrollments: int
    completions: int
    revenue: MoneyOut
    vat: MoneyOut


class CoursePeriodOut(Schema):
    course_id: int
    title: str
    enrollments: int
    completions: int
    revenue: MoneyOut


class FunnelStepOut(Schema):
    position: int
    lesson_title: str
    started: int
    completed: int


class ScoreBucketOut(Schema):
    bucket: str
    attempts: int


class InstructorAnalyticsOut(Schema):
    start: date
    end: date
    course_id: int | None = Field(description="The course `funnel` and `quiz_scores` describe.")
    totals: CourseTotalsOut
    series: list[CourseDayOut]
    courses: list[CoursePeriodOut]
    funnel: list[FunnelStepOut]
    quiz_scores: list[ScoreBucketOut]


def period_row(row: dict, currency: str, counts: tuple[str, ...]) -> dict:
    """A day of an analytics series (or its totals) as an API object: the named `counts` as they
    are, revenue and VAT as money."""
    return {
        **{name: row[name] for name in counts},
        "revenue": money_json(row["revenue_cents"], currency),
        "vat": money_json(row["vat_cents"], currency),
    }


def course_rows(rows: list[dict], currency: str) -> list[dict]:
    """analytics.top_courses rows as API objects."""
    return [
        {
            "course_id": row["course_id"],
            "title": row["course__title"],
            "enrollments": row["enrollments"] or 0,
            "completions": row["completions"] or 0,
            "revenue": money_json(row["revenue_cents"], currency),
        }
        for row in rows
    ]


@router.get("/courses/", response={200: list[InstructorCourseOut], **refusals(403)})
@paginate(Paginated)
def courses(request):
    """The courses you teach (drafts included; every course for admins), by title, with
    enrollments, completions and the completion rate."""
    _require_teaching_staff(request)
    return instructor_courses(user=request.user)


@router.get("/students/", response={200: list[InstructorStudentOut], **refusals(403, 404)})
@reads_from_replica()
@paginate(Paginated)
def students(request, filters: Query[StudentFilters]):
    """Students of your courses (one row per enrollment, refunded ones left out) with progress,
    time spent and quiz scores; `?course=` narrows to one course (404 if you do not teach it)."""
    _require_teaching_staff(request)
    course_id = None if filters.course is None else _taught_course(request.user, filters.course).pk
    return instructor_students(user=request.user, course_id=course_id)


@router.get("/analytics/", response={200: InstructorAnalyticsOut, **refusals(403, 404)})
@reads_from_replica()
def course_analytics(request, filters: Query[InstructorAnalyticsFilters]):
    """Enrollments, completions, active learners and revenue per day for your courses, the
    period's numbers per course, and one course's lesson funnel and quiz score distribution:
    the Course analytics dashboard's numbers, from the nightly roll-up for closed days and
    computed live for today and yesterday."""
    _require_teaching_staff(request)
    user = request.user
    period = analytics.DateRange.from_dates(filters.start, filters.end)
    currency = PlatformSettings.load().currency
    course_ids = analytics.instructor_course_ids(user=user)
    if filters.course is None:
        selected = courses_staffed_by(user).first()
    else:
        selected = _taught_course(user, filters.course)
    live = analytics.live_days(period=period)
    series = analytics.course_series(period=period, course_ids=course_ids, live=live)
    totals = analytics.series_totals(series, names=("enrollments", "completions", "revenue_cents", "vat_cents"))
    return {
        "start": period.start,
        "end": period.end,
        "course_id": selected.pk if selected else None,
        "totals": period_row(totals, currency, ("enrollments", "completions")),
        "series": [
            period_row(row, currency, ("date", "enrollments", "completions", "active_learners")) for row in series
        ],
        "courses": course_rows(
            analytics.top_courses(period=period, limit=1000, course_ids=course_ids, live=live), currency
        ),
        "funnel": [
            {
                "position": row["position"],
                "lesson_title": row["lesson__title"],
                "started": row["started"],
                "completed": row["completed"],
            }
            for row in (analytics.lesson_funnel(course=selected) if selected else [])
        ],
        "quiz_scores": analytics.quiz_score_distribution(course=selected) if selected else [],
    }
