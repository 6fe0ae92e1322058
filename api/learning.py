"""Learning: catalog, course detail and outline, enrollment, lessons, progress, completion."""

from datetime import datetime

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from accounts.tokens import access_token_user
from coursepages.models import CoursePage, LessonPage
from coursepages.selectors import category_for, category_tree
from learners.access import LearningContext, course_access_for, learning_context_for
from learners.catalog import catalog_with_stats, with_course_stats
from learners.enrollment.selectors import course_outline, live_lesson
from learners.enrollment.services import (
    LearningError,
    enrollment_request,
    lesson_complete,
    lesson_completion_rule,
    lesson_heartbeat,
)
from learners.models import Enrollment

from .auth import user_auth
from .errors import ApiError, refusals
from .pagination import Paginated
from .schemas import MoneyOut, PageId, rating_of

router = Router(tags=["learning"])

# Keys of a quiz that reveal the answers: never sent to a student.
QUIZ_SECRET_KEYS = frozenset({"is_correct", "feedback", "explanation"})


def _viewer(request):
    """The signed-in user on an endpoint open to everyone: a Bearer token when one is sent
    (an invalid one is refused, not ignored), else the session user, else anonymous."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        request.user = access_token_user(header.split(" ", 1)[1].strip())
    return request.user


class CategoryRef(Schema):
    id: int
    name: str
    slug: str


class InstructorOut(Schema):
    id: int
    name: str


class RatingOut(Schema):
    average: float | None
    count: int


class CourseOut(Schema):
    id: int
    title: str
    slug: str
    url: str
    summary: str
    category: CategoryRef | None
    difficulty: str
    pricing: str
    price: MoneyOut
    instructors: list[InstructorOut]
    lesson_count: int
    student_count: int
    rating: RatingOut

    @staticmethod
    def resolve_url(course):
        return course.url or ""

    @staticmethod
    def resolve_price(course):
        return {
            "amount": 0 if course.pricing == CoursePage.Pricing.FREE else course.price_cents,
            "currency": course.currency,
        }

    @staticmethod
    def resolve_instructors(course):
        return [{"id": ci.user_id, "name": ci.user.display_name} for ci in course.course_instructors.all()]

    @staticmethod
    def resolve_rating(course):
        return rating_of(course)


class ProgressSummary(Schema):
    completed: int
    total: int
    percent: int


class CourseDetailOut(CourseOut):
    description: str
    is_enrolled: bool
    enrollment_status: str | None
    progress: ProgressSummary | None


class CatalogFilters(Schema):
    q: str = ""
    category: str = ""
    difficulty: str = ""
    pricing: str = ""


class CategoryOut(Schema):
    id: int
    name: str
    slug: str
    children: list["CategoryOut"]


CategoryOut.model_rebuild()


class OutlineLessonOut(Schema):
    id: int
    title: str
    estimated_minutes: int
    free_preview: bool
    is_completed: bool
    is_locked: bool
    lock_reason: str | None
    lock_message: str | None
    available_at: datetime | None


class OutlineSectionOut(Schema):
    id: int
    title: str
    lessons: list[OutlineLessonOut]


class EnrollmentOut(Schema):
    id: int
    course_id: int
    status: str
    source: str
    enrolled_at: datetime


class BlockOut(Schema):
    id: str
    type: str
    value: object


class LessonOut(Schema):
    id: int
    title: str
    course_id: int
    section_id: int
    estimated_minutes: int
    free_preview: bool
    completion_rule: str
    is_completed: bool
    blocks: list[BlockOut]
    previous_lesson_id: int | None
    next_lesson_id: int | None


class ProgressIn(Schema):
    time_spent_delta: int = Field(0, ge=0, le=3600)
    visible: bool = True
    video_position: float | None = Field(None, ge=0)
    video_duration: float | None = Field(None, ge=0)


class LessonProgressOut(Schema):
    lesson_id: int
    status: str
    time_spent_seconds: int
    video_position: float
    video_duration: float
    watched_percent: float


class CompletionOut(Schema):
    lesson_id: int
    status: str
    course_progress: ProgressSummary
    course_completed: bool


def _live_course(course_id: int) -> CoursePage:
    queryset = (
        with_course_stats(CoursePage.objects.live())
        .select_related("category")
        .prefetch_related("course_instructors__user")
    )
    return get_object_or_404(queryset, pk=course_id)


@router.get("/categories/", response=list[CategoryOut], auth=None)
def categories(request):
    """The category tree: each category with its subcategories."""
    return category_tree()


@router.get("/courses/", response=list[CourseOut], auth=None)
@paginate(Paginated)
def courses(request, filters: Query[CatalogFilters]):
    """Published courses; `category` (slug or id) includes its subcategories."""
    category = category_for(filters.category)
    if filters.category and category is None:
        raise ApiError(400, "There is no such category.", "invalid", errors={"category": ["Unknown category."]})
    for name, allowed in (("difficulty", CoursePage.Difficulty.values), ("pricing", CoursePage.Pricing.values)):
        value = getattr(filters, name)
        if value and value not in allowed:
            raise ApiError(400, f"Unknown {name}.", "invalid", errors={name: [f"Choose one of: {', '.join(allowed)}."]})
    return catalog_with_stats(
        q=filters.q[:200], category=category, difficulty=filters.difficulty, pricing=filters.pricing
    )


@router.get("/courses/{course_id}/", response={200: CourseDetailOut, **refusals(401)}, auth=None)
def course_detail(request, course_id: PageId):
    user = _viewer(request)
    course = _live_course(course_id)
    access = course_access_for(user=user, course=course)
    course.description = course.description or ""
    course.is_enrolled = access.is_enrolled
    course.enrollment_status = access.enrollment.status if access.enrollment else None
    course.progress = None
    if access.is_enrolled:
        outline = course_outline(access=access)
        progress = outline.progress
        course.progress = {"completed": progress.completed, "total": progress.total, "percent": progress.percent}
    return course


@router.get("/courses/{course_id}/sections/", response={200: list[OutlineSectionOut], **refusals(401)}, auth=None)
def course_sections(request, course_id: PageId):
    """The outline; each lesson says whether this viewer has completed it or why it is locked."""
    user = _viewer(request)
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    outline = course_outline(access=course_access_for(user=user, course=course))
    return [
        {
            "id": section.section.pk,
            "title": section.section.title,
            "lessons": [
                {
                    "id": item.lesson.pk,
                    "title": item.lesson.title,
                    "estimated_minutes": item.lesson.estimated_minutes,
                    "free_preview": item.lesson.free_preview,
                    "is_completed": item.is_completed,
                    "is_locked": item.is_locked,
                    "lock_reason": item.access.reason or None,
                    "lock_message": item.access.message or None,
                    "available_at": item.access.available_at,
                }
                for item in section.lessons
            ],
        }
        for section in outline.sections
    ]


@router.post("/courses/{course_id}/enroll/", response={201: EnrollmentOut, **refusals(402, 403, 409)}, auth=user_auth)
def course_enroll(request, course_id: PageId):
    """Free courses, and courses included in an active subscription; a paid course → 402."""
    course = get_object_or_404(CoursePage.objects.live(), pk=course_id)
    enrollment, created = enrollment_request(user=request.user, course=course)
    if not created:
        raise ApiError(409, "You are already enrolled in this course.", "already_enrolled")
    return Status(201, enrollment)


def _lesson_context(request, lesson_id: int) -> LearningContext:
    """The viewer's learning context in the live lesson; the services refuse through it."""
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    return learning_context_for(user=request.user, lesson=lesson)


def _public_value(block_type: str, value):
    """A block's API value with quiz answers, option feedback and explanations removed."""
    if block_type != "quiz":
        return value
    if isinstance(value, dict):
        return {key: _public_value(block_type, item) for key, item in value.items() if key not in QUIZ_SECRET_KEYS}
    if isinstance(value, list):
        return [_public_value(block_type, item) for item in value]
    return value


@router.get("/lessons/{lesson_id}/", response={200: LessonOut, **refusals(401, 402, 403)}, auth=None)
def lesson_detail(request, lesson_id: PageId):
    """The lesson with its blocks (never a quiz's answers) and its neighbours in the course."""
    _viewer(request)
    context = _lesson_context(request, lesson_id)
    if not context.verdict.allowed:
        if not request.user.is_authenticated:
            raise ApiError(401, "Sign in to open this lesson.", "not_authenticated")
        raise LearningError(context.verdict.message, context.verdict.reason)
    lesson, course, access = context.lesson, context.course, context.access
    outline = course_outline(access=access, current=lesson)
    previous, following = outline.neighbours(lesson)
    blocks = [
        {
            "id": block.id,
            "type": block.block_type,
            "value": _public_value(block.block_type, block.block.get_api_representation(block.value, context={})),
        }
        for block in lesson.body
    ]
    return {
        "id": lesson.pk,
        "title": lesson.title,
        "course_id": course.pk,
        "section_id": lesson.get_parent().pk,
        "estimated_minutes": lesson.estimated_minutes,
        "free_preview": lesson.free_preview,
        "completion_rule": lesson_completion_rule(lesson),
        "is_completed": lesson.pk in access.completed_lesson_ids,
        "blocks": blocks,
        "previous_lesson_id": previous.lesson.pk if previous else None,
        "next_lesson_id": following.lesson.pk if following else None,
    }


@router.put("/lessons/{lesson_id}/progress/", response={200: LessonProgressOut, **refusals(402, 403)}, auth=user_auth)
def lesson_progress(request, lesson_id: PageId, payload: ProgressIn):
    """Heartbeat from a visible lesson page: time spent, and the video's position if any."""
    lesson = live_lesson(lesson_id)
    if lesson is None:
        raise Http404("No LessonPage matches the given query.")
    progress = lesson_heartbeat(
        user=request.user,
        lesson=lesson,
        seconds=payload.time_spent_delta,
        visible=payload.visible,
        video_position=payload.video_position,
        video_duration=payload.video_duration,
    )
    return {
        "lesson_id": lesson_id,
        "status": progress.status,
        "time_spent_seconds": progress.time_spent_seconds,
        "video_position": progress.video_position,
        "video_duration": progress.video_duration,
        "watched_percent": progress.watched_percent,
    }


@router.post("/lessons/{lesson_id}/complete/", response={200: CompletionOut, **refusals(402, 403)}, auth=user_auth)
def lesson_mark_complete(request, lesson_id: PageId):
    """Mark a lesson complete where its rule allows (a lesson without activities)."""
    context = _lesson_context(request, lesson_id)
    lesson = context.lesson
    progress = lesson_complete(context=context)
    access = course_access_for(user=request.user, course=context.course)
    summary = course_outline(access=access).progress
    return {
        "lesson_id": lesson.pk,
        "status": progress.status,
        "course_progress": {"completed": summary.completed, "total": summary.total, "percent": summary.percent},
        "course_completed": access.enrollment.status == Enrollment.Status.COMPLETED,
    }
