"""Reads of course pages: the catalog (page and API) and what other apps build on."""

from django.db.models import F, Func, Prefetch, QuerySet, Subquery
from wagtail.images import get_image_model

from .models import Category, CourseInstructor, CoursePage
from .passages import course_ids_matching_passages

CATALOG_THUMBNAIL = "fill-640x336"


def catalog_courses() -> QuerySet[CoursePage]:
    """Courses a visitor can find in the catalog: published and not archived.

    Archived courses leave the catalog but their pages stay live, so enrolled students
    keep reading them (the access policy decides who may open the lessons)."""
    return CoursePage.objects.live().filter(archived=False).order_by("title")


def _subquery_aggregate(queryset: QuerySet, function: str, field: str, output_field):
    """COUNT/AVG over a correlated subquery, as one column of the outer query (no GROUP BY)."""
    aggregate = queryset.order_by().annotate(value=Func(F(field), function=function, output_field=output_field))
    return Subquery(aggregate.values("value")[:1], output_field=output_field)


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
    """Live, non-archived courses for the catalog, filtered, newest first, with their category,
    instructors and thumbnail renditions loaded in a fixed number of queries. The counts on
    a card (students, rating) are learning records: learners.catalog adds them.

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
        # A course is found by its own fields or by the text of its lessons (coursepages.passages).
        found = {page.pk for page in matches} | set(course_ids_matching_passages(q))
        queryset = queryset.filter(pk__in=found)
    images = get_image_model().objects.prefetch_renditions(CATALOG_THUMBNAIL)
    return (
        queryset.select_related("category")
        .prefetch_related(
            Prefetch(
                "course_instructors", queryset=CourseInstructor.objects.select_related("user").order_by("sort_order")
            ),
            Prefetch("thumbnail", queryset=images),
        )
        .order_by("-first_published_at", "-pk")
    )


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


def home_sections_context(*, page) -> dict:
    """What the home page's blocks list, loaded in a fixed number of queries whatever the
    blocks hold: each featured-courses block's live courses as catalog cards (in the chosen
    order, by block id), the top-level categories, the instructors of published courses."""
    kinds = {block.block_type for block in page.sections}
    context: dict = {"home_featured": {}, "home_categories": [], "home_instructors": []}
    if "featured_courses" in kinds:
        chosen = {
            block.id: [course.pk for course in block.value["courses"] if course is not None]
            for block in page.sections
            if block.block_type == "featured_courses"
        }
        cards = {
            course.pk: course
            for course in catalog_queryset().filter(pk__in={pk for pks in chosen.values() for pk in pks})
        }
        context["home_featured"] = {
            block_id: [cards[pk] for pk in pks if pk in cards] for block_id, pks in chosen.items()
        }
    if "categories" in kinds:
        context["home_categories"] = list(Category.get_root_nodes())
    if "instructors" in kinds:
        from django.contrib.auth import get_user_model

        live = catalog_courses().values("pk")
        context["home_instructors"] = list(
            get_user_model()
            .objects.filter(taught_courses__page__in=live, is_active=True)
            .distinct()
            .order_by("first_name", "last_name", "pk")[:8]
        )
    return context
