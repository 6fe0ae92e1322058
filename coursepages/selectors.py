"""Reads of course pages: the catalog (page and API) and what other apps build on."""

from django.db.models import F, FloatField, Func, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from wagtail.images import get_image_model

from core.querysets import after_fetch

from .models import Category, CourseInstructor, CoursePage
from .structure import course_structures

CATALOG_THUMBNAIL = "fill-640x336"


def catalog_courses() -> QuerySet[CoursePage]:
    """Courses a visitor can find in the catalog: published and not archived.

    Archived courses leave the catalog but their pages stay live, so enrolled students
    keep reading them (the access policy decides who may open the lessons)."""
    return CoursePage.objects.live().filter(archived=False).order_by("title")


def courses_taught_by(user) -> QuerySet[CoursePage]:
    """Courses this user owns or is listed as an instructor of, drafts included."""
    return CoursePage.objects.filter(Q(owner=user) | Q(course_instructors__user=user)).distinct().order_by("title")


def _subquery_aggregate(queryset: QuerySet, function: str, field: str, output_field):
    """COUNT/AVG over a correlated subquery, as one column of the outer query (no GROUP BY)."""
    aggregate = queryset.order_by().annotate(value=Func(F(field), function=function, output_field=output_field))
    return Subquery(aggregate.values("value")[:1], output_field=output_field)


def _attach_lesson_counts(courses: list[CoursePage]) -> None:
    structures = course_structures(courses)
    for course in courses:
        course.lesson_count = len(structures[course.pk].lesson_ids)


def with_course_stats(queryset: QuerySet) -> QuerySet:
    """Annotate student_count, rating_avg and rating_count in the same query; each fetched
    course also gets lesson_count from its cached structure (the one definition of its
    lessons, coursepages.structure): one cache read for the page of courses, two queries for
    those not cached, whatever their number."""
    from learners.models import Enrollment, Review

    students = Enrollment.objects.filter(course_id=OuterRef("pk")).exclude(status=Enrollment.Status.REVOKED)
    reviews = Review.objects.filter(course_id=OuterRef("pk"))
    return after_fetch(queryset, _attach_lesson_counts).annotate(
        student_count=Coalesce(_subquery_aggregate(students, "COUNT", "pk", IntegerField()), Value(0)),
        rating_count=Coalesce(_subquery_aggregate(reviews, "COUNT", "pk", IntegerField()), Value(0)),
        rating_avg=_subquery_aggregate(reviews, "AVG", "rating", FloatField()),
    )


def category_for(value) -> Category | None:
    """A category by slug or id (None when there is no such category)."""
    if value in (None, ""):
        return None
    value = str(value)
    if value.isdigit():
        return Category.objects.filter(pk=int(value)).first()
    return Category.objects.filter(slug=value).first()


def catalog_queryset(
    *, q: str = "", category: Category | None = None, difficulty: str = "", pricing: str = ""
) -> QuerySet:
    """Live, non-archived courses for the catalog, filtered, newest first, with their stats,
    category, instructors and thumbnail renditions loaded in a fixed number of queries.

    A parent category includes its subcategories. Unknown difficulty/pricing values are
    ignored (the caller validates what it shows to the user)."""
    queryset = catalog_courses()
    if category is not None:
        queryset = queryset.filter(category_id__in=category.subtree_ids())
    if difficulty in CoursePage.Difficulty.values:
        queryset = queryset.filter(difficulty=difficulty)
    if pricing in CoursePage.Pricing.values:
        queryset = queryset.filter(pricing=pricing)
    q = (q or "").strip()
    if q:
        matches = catalog_courses().order_by().search(q, operator="and")
        queryset = queryset.filter(pk__in=[page.pk for page in matches])
    images = get_image_model().objects.prefetch_renditions(CATALOG_THUMBNAIL)
    return with_course_stats(queryset).select_related("category").prefetch_related(
        Prefetch("course_instructors", queryset=CourseInstructor.objects.select_related("user").order_by("sort_order")),
        Prefetch("thumbnail", queryset=images),
    ).order_by("-first_published_at", "-pk")


def category_tree() -> list[dict]:
    """Every category as nested {id, name, slug, children} dicts, in one query."""
    nodes = list(Category.get_tree())
    by_path: dict[str, dict] = {}
    roots: list[dict] = []
    for node in nodes:  # get_tree is in path order: a parent always comes before its children
        item = {"id": node.pk, "name": node.name, "slug": node.slug, "depth": node.depth, "children": []}
        by_path[node.path] = item
        parent = by_path.get(node.path[: -Category.steplen])
        (parent["children"] if parent else roots).append(item)
    return roots
