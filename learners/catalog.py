"""The catalog's courses with the counts a card shows: lessons, students and rating. Students
and ratings are learning records, so the counts are added here, on top of the content-only
queryset of coursepages.selectors."""

from django.db.models import FloatField, IntegerField, OuterRef, QuerySet, Value
from django.db.models.functions import Coalesce

from core.moderation import Moderation
from core.querysets import after_fetch
from coursepages.models import Category, CoursePage
from coursepages.selectors import _subquery_aggregate, catalog_queryset
from coursepages.structure import course_structures
from learners.models import Enrollment, Review


def _attach_lesson_counts(courses: list[CoursePage]) -> None:
    structures = course_structures(courses)
    for course in courses:
        course.lesson_count = len(structures[course.pk].lesson_ids)


def with_course_stats(queryset: QuerySet) -> QuerySet:
    """Annotate student_count, rating_avg and rating_count in the same query; each fetched
    course also gets lesson_count from its cached structure (the one definition of its
    lessons, coursepages.structure): one cache read for the page of courses, two queries for
    those not cached, whatever their number."""
    students = Enrollment.objects.filter(course_id=OuterRef("pk")).exclude(status=Enrollment.Status.REVOKED)
    reviews = Review.objects.filter(course_id=OuterRef("pk"), moderation=Moderation.VISIBLE)
    return after_fetch(queryset, _attach_lesson_counts).annotate(
        student_count=Coalesce(_subquery_aggregate(students, "COUNT", "pk", IntegerField()), Value(0)),
        rating_count=Coalesce(_subquery_aggregate(reviews, "COUNT", "pk", IntegerField()), Value(0)),
        rating_avg=_subquery_aggregate(reviews, "AVG", "rating", FloatField()),
    )


def catalog_with_stats(
    *, q: str = "", category: Category | None = None, difficulty: str = "", pricing: str = ""
) -> QuerySet:
    """coursepages.selectors.catalog_queryset (filtered, newest first) with `with_course_stats`."""
    return with_course_stats(catalog_queryset(q=q, category=category, difficulty=difficulty, pricing=pricing))
