"""The course-complete moment (/learn/courses/<id>/complete/): what a student sees when they
finish a course — their certificate (from the certificates app, registered as a panel so
learners never imports it), a prompt to rate the course, and what to take next."""

from django.db.models import Case, IntegerField, Value, When

from core.providers import Contributions
from coursepages.models import CoursePage
from coursepages.selectors import catalog_queryset
from learners.models import Enrollment, Review

# panel(*, user, course) -> dict of template context, e.g. {"certificate": ...}.
finish_panels = Contributions("the course-complete page's panels")

NEXT_COURSES = 3


def courses_to_take_next(*, user, course: CoursePage, limit: int = NEXT_COURSES) -> list[CoursePage]:
    """Live catalog courses the student is not enrolled in, the finished course's category
    first, then the newest."""
    taken = Enrollment.objects.filter(user=user).exclude(status=Enrollment.Status.REVOKED).values("course_id")
    same_category = When(category_id=course.category_id, then=Value(0)) if course.category_id else None
    queryset = catalog_queryset().exclude(pk__in=taken).exclude(pk=course.pk)
    if same_category is not None:
        queryset = queryset.annotate(
            same_category=Case(same_category, default=Value(1), output_field=IntegerField())
        ).order_by("same_category", "-first_published_at", "-pk")
    return list(queryset[:limit])


def course_finish_context(*, user, course: CoursePage) -> dict | None:
    """The course-complete page's context, or None when the student has not finished it."""
    enrollment = Enrollment.objects.filter(user=user, course=course, status=Enrollment.Status.COMPLETED).first()
    if enrollment is None:
        return None
    context = {
        "course": course,
        "enrollment": enrollment,
        "own_review": Review.objects.filter(user=user, course=course).first(),
        "next_courses": courses_to_take_next(user=user, course=course),
    }
    for panel in finish_panels:
        context.update(panel(user=user, course=course))
    return context
