"""A course's structure: its live sections and lessons and their prerequisites, the same for
every viewer, cached until a page changes. The outline (course page, section page, lesson
player, API) and the access policy's prerequisites read it instead of the page tree."""

from dataclasses import dataclass

from wagtail.models import Page

from coursepages.models import CoursePage, LessonPage
from coursepages.page_cache import cached_until_pages_change


@dataclass(frozen=True, slots=True)
class OutlinePage:
    """A live section or lesson as the outline, the access policy and the lesson player read
    it: no page instance (building 200 of them was most of a lesson page's time)."""

    pk: int
    title: str
    url: str
    free_preview: bool = False
    unlock_after_days: int | None = None
    estimated_minutes: int = 0

    @property
    def id(self) -> int:
        return self.pk


@dataclass(frozen=True)
class CourseStructure:
    """What a course's outline is made of, the same for every viewer: its live sections, each
    with its live lessons in tree order, and each lesson's live prerequisites (id, title)."""

    sections: tuple[tuple[OutlinePage, tuple[OutlinePage, ...]], ...]
    prerequisites: dict[int, tuple[tuple[int, str], ...]]


OUTLINE_LESSON_FIELDS = ("free_preview", "unlock_after_days", "estimated_minutes")


def _build_course_structure(course: CoursePage) -> CourseStructure:
    """Two queries: the live sections and lessons (lesson fields through the one-to-one join),
    and the prerequisite edges between live lessons."""
    rows = (
        Page.objects.live()
        .filter(path__startswith=course.path, depth__in=(course.depth + 1, course.depth + 2))
        .order_by("path")
        .values("id", "title", "path", "depth", "url_path", *(f"lessonpage__{name}" for name in OUTLINE_LESSON_FIELDS))
    )
    sections: dict[str, tuple[OutlinePage, list[OutlinePage]]] = {}
    for row in rows:
        # The URL as Wagtail would give it (site root paths are cached by Wagtail).
        url = Page(id=row["id"], path=row["path"], depth=row["depth"], url_path=row["url_path"]).get_url()
        if row["depth"] == course.depth + 1:
            sections[row["path"]] = (OutlinePage(pk=row["id"], title=row["title"], url=url), [])
            continue
        section = sections.get(row["path"][: -LessonPage.steplen])
        if section is None or row["lessonpage__estimated_minutes"] is None:
            continue  # its section is a draft (the lesson is not part of the live course), or not a lesson
        section[1].append(OutlinePage(pk=row["id"], title=row["title"], url=url,
                                      **{name: row[f"lessonpage__{name}"] for name in OUTLINE_LESSON_FIELDS}))
    prerequisites: dict[int, list[tuple[int, str]]] = {}
    # A draft prerequisite cannot be completed, so it must not lock anything.
    edges = LessonPage.prerequisites.through.objects.filter(
        from_lessonpage__path__startswith=course.path, to_lessonpage__live=True
    ).order_by("to_lessonpage__path")
    for from_id, to_id, title in edges.values_list("from_lessonpage_id", "to_lessonpage_id", "to_lessonpage__title"):
        prerequisites.setdefault(from_id, []).append((to_id, title))
    return CourseStructure(
        sections=tuple((section, tuple(lessons)) for section, lessons in sections.values() if lessons),
        prerequisites={pk: tuple(items) for pk, items in prerequisites.items()},
    )


def course_structure(course: CoursePage) -> CourseStructure:
    """The course's structure, from the cache while no page has changed since it was built
    (coursepages.page_cache's generation), and kept on `course` for the rest of the request."""
    structure = getattr(course, "_course_structure", None)
    if structure is None:
        structure = cached_until_pages_change(f"course-structure:v1:{course.pk}:{course.path}",
                                              lambda: _build_course_structure(course))
        course._course_structure = structure
    return structure
