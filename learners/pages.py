"""Context for the course pages a student sees (catalog, course, section, lesson).

The page models' get_context delegate here, so the learning rules stay in learners/ and the
page models stay about content."""

from django.core.paginator import Paginator

from core.providers import Contributions
from coursepages.models import CoursePage
from coursepages.selectors import category_for, category_tree
from coursepages.structure import course_draft_structure, course_minutes
from learners.access import LockReason, course_access_for, learning_context_for
from learners.catalog import catalog_with_stats
from learners.enrollment.selectors import (
    Outline,
    course_instructors,
    course_of,
    course_outline,
    course_reviews,
    course_stats,
    resume_lesson,
)
from learners.enrollment.services import lesson_completion_rule, lesson_visit
from learners.lesson_blocks import lesson_block_states, lesson_quiz_attempts_expire
from learners.models import Enrollment, Review

CATALOG_PAGE_SIZE = 12

# What the apps above add to a lesson page (the lesson's discussion threads), each registered in
# its AppConfig.ready(): panel(*, request, lesson, course, access) -> dict merged into the context,
# asked only when the lesson is open to the viewer.
lesson_panels = Contributions("the lesson page's panels")


def catalog_context(request) -> dict:
    """Filters from the query string, the matching courses and the page of them to show."""
    params = request.GET
    q = params.get("q", "").strip()[:200]
    category = category_for(params.get("category"))
    difficulty = params.get("difficulty", "")
    difficulty = difficulty if difficulty in CoursePage.Difficulty.values else ""
    pricing = params.get("pricing", "")
    pricing = pricing if pricing in CoursePage.Pricing.values else ""
    courses = catalog_with_stats(q=q, category=category, difficulty=difficulty, pricing=pricing)
    paginator = Paginator(courses, CATALOG_PAGE_SIZE)
    page_obj = paginator.get_page(params.get("page"))
    query = params.copy()
    query.pop("page", None)
    return {
        "courses": page_obj.object_list,
        "page_obj": page_obj,
        "paginator": paginator,
        "filters": {"q": q, "category": category, "difficulty": difficulty, "pricing": pricing},
        "filtered": bool(q or category or difficulty or pricing),
        "query_string": query.urlencode(),
        "categories": category_tree(),
        "difficulties": CoursePage.Difficulty.choices,
        "pricings": CoursePage.Pricing.choices,
    }


def course_action(*, user, course: CoursePage, access, resume) -> dict:
    """The one button a course page shows this viewer: what it says and where it goes."""
    if access.is_staff and not access.is_enrolled:
        return {"kind": "open", "label": "Open the course", "lesson": resume}
    lock = access.course_lock()
    if access.is_enrolled and lock is None:
        started = bool(access.enrollment.last_lesson_id)
        label = "Continue" if started else "Start the course"
        if access.enrollment.status == Enrollment.Status.COMPLETED:
            label = "Review the course"
        return {"kind": "continue", "label": label, "lesson": resume}
    if course.pricing == CoursePage.Pricing.FREE:
        return {"kind": "enroll", "label": "Enroll for free"}
    if course.pricing == CoursePage.Pricing.ONE_TIME:
        # The checkout belongs to payments (URL name payments:checkout); the path is its contract.
        return {"kind": "buy", "label": "Buy this course", "url": f"/payments/checkout/?course={course.pk}"}
    if user.is_authenticated and access.subscription_active():
        return {"kind": "subscription_enroll", "label": "Included in your subscription — enroll"}
    return {"kind": "subscribe", "label": "Subscribe to open this course", "url": "/payments/subscribe/"}


def _preview_structure(request, course: CoursePage):
    """In Wagtail's preview (only editors of the course get one), the course's drafts: its
    sections and lessons as their latest revisions have them, published or not."""
    return course_draft_structure(course) if getattr(request, "is_preview", False) else None


def course_context(request, course: CoursePage) -> dict:
    user = request.user
    access = course_access_for(user=user, course=course)
    preview = _preview_structure(request, course)
    outline = course_outline(access=access, structure=preview)
    resume = resume_lesson(access=access, outline=outline)
    own_review = Review.objects.filter(user=user, course=course).first() if access.is_enrolled else None
    return {
        "access": access,
        "outline": outline,
        "progress": outline.progress if access.is_enrolled else None,
        "resume": resume,
        "action": course_action(user=user, course=course, access=access, resume=resume),
        "instructors": course_instructors(course=course),
        "stats": course_stats(course=course),
        "reviews": course_reviews(course=course),
        "own_review": own_review,
        "can_review": access.is_enrolled and not (own_review and own_review.is_deleted),
        "total_minutes": preview.minutes if preview is not None else course_minutes(course),
    }


def section_context(request, section) -> dict:
    course = CoursePage.objects.get(path=section.path[: -section.steplen])
    access = course_access_for(user=request.user, course=course)
    outline = course_outline(access=access, structure=_preview_structure(request, course))
    sections = [s for s in outline.sections if s.section.pk == section.pk]
    return {
        "course": course,
        "outline": Outline(sections=sections, lessons=[item for s in sections for item in s.lessons]),
        "course_access": access,
    }


def lesson_context(request, lesson) -> dict:
    """Everything the lesson player shows, in a fixed number of queries: access and the reason
    when locked, the outline with marks, progress, previous/next, the completion rule. An
    enrolled student's visit is recorded (resume point)."""
    user = request.user
    course = course_of(lesson)
    context = learning_context_for(user=user, lesson=lesson, course=course)
    access, lesson_access = context.access, context.verdict
    outline = course_outline(access=access, current=lesson)
    previous, following = outline.neighbours(lesson)
    if context.may_record:
        lesson_visit(context=context)
    blocks = {}
    if lesson_access.allowed:
        blocks = lesson_block_states(context=context, request=request)
        if lesson_quiz_attempts_expire(states=blocks):
            blocks = lesson_block_states(context=context, request=request)
    course_lock = access.course_lock()
    # Where "mark complete and continue" goes: the next lesson, if open now or opened by
    # completing this one (its only missing prerequisite).
    continue_to = None
    if following and (
        following.access.allowed
        or (
            following.access.reason == LockReason.PREREQUISITE_MISSING
            and set(following.access.missing_prerequisite_ids) == {lesson.pk}
        )
    ):
        continue_to = following
    shown = {
        "course": course,
        "section": outline.section_of(lesson),
        "access": lesson_access,
        "course_access": access,
        "course_lock": course_lock,
        "action": course_action(user=user, course=course, access=access, resume=None) if course_lock else None,
        "outline": outline,
        "progress": outline.progress if access.is_enrolled else None,
        "previous_lesson": previous,
        "next_lesson": following,
        "continue_to": continue_to,
        "is_completed": lesson.pk in access.completed_lesson_ids,
        # What each activity or player block shows this viewer, by block id (the `id` Wagtail
        # gives block templates).
        "block_states": blocks,
        "completion_rule": lesson_completion_rule(lesson),
        "can_track": lesson_access.allowed and access.is_enrolled,
        "prerequisite_lessons": outline.items_in_order(lesson_access.missing_prerequisite_ids),
        "is_preview": lesson_access.allowed and lesson.free_preview and not access.is_enrolled and not access.is_staff,
    }
    if lesson_access.allowed:
        for panel in lesson_panels:
            shown.update(panel(request=request, lesson=lesson, course=course, access=access))
    return shown
