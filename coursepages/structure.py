"""A course's structure: its live sections and lessons and their prerequisites, the same for
every viewer, cached until a page changes.

This is the one definition of "the lessons of a course": the live lessons of its live
sections, in tree order. A lesson stays live when its section is unpublished, but no student
can reach it and it is not part of the course. Every figure about a course's lessons reads it
(`course_lesson_ids`, `course_lessons`, `course_minutes`, `course_structures` for many courses
at once): totals, completed counts (progress rows whose lesson is in `course_lesson_ids`),
percentages, course completion, certificate hours, catalog lesson counts, the dashboard, the
instructor tables, the gradebook, analytics and the API. The outline (course page, section
page, lesson player, API) and the access policy's prerequisites read it instead of the page
tree, and `CoursePage.lessons()` gives its lessons as pages."""

from dataclasses import dataclass
from functools import cached_property, reduce
from operator import or_

from django.db.models import Q
from wagtail.models import Page

from core.generations import generation_cached_many

from .models import CoursePage, LessonPage
from .page_cache import GENERATION_KEY

# What a lost invalidation can cost, as for cached pages (coursepages.page_cache).
STRUCTURE_SECONDS = 300


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
    with its live lessons in tree order, and each lesson's prerequisites (id, title) among
    those lessons."""

    sections: tuple[tuple[OutlinePage, tuple[OutlinePage, ...]], ...]
    prerequisites: dict[int, tuple[tuple[int, str], ...]]

    @property
    def lessons(self) -> tuple[OutlinePage, ...]:
        """The course's lessons in tree order."""
        return tuple(lesson for _section, lessons in self.sections for lesson in lessons)

    @property
    def lesson_ids(self) -> tuple[int, ...]:
        return tuple(lesson.pk for _section, lessons in self.sections for lesson in lessons)

    @cached_property
    def lesson_id_set(self) -> frozenset[int]:
        """The lesson ids for membership tests (the access policy asks once per lesson shown),
        built once per structure rather than per request."""
        return frozenset(self.lesson_ids)

    @cached_property
    def derived(self) -> dict:
        """Values derived from this structure by the layers above (the outline's positions and
        rendered HTML), built once per structure in this process: a new structure (any page
        change) starts empty, so nothing derived outlives what it was derived from."""
        return {}

    def __getstate__(self) -> dict:
        # What is derived stays in the process that derived it (never pickled into the cache).
        return {name: value for name, value in self.__dict__.items() if name != "derived"}

    @property
    def minutes(self) -> int:
        """The lessons' estimated minutes, together."""
        return sum(lesson.estimated_minutes for _section, lessons in self.sections for lesson in lessons)


OUTLINE_LESSON_FIELDS = ("free_preview", "unlock_after_days", "estimated_minutes")
# Courses built together in one pair of queries (a bound on the size of their WHERE clause).
BUILD_BATCH = 100


def _key(course: CoursePage) -> str:
    return f"course-structure:v2:{course.pk}:{course.path}"


def _build_course_structures(courses: list[CoursePage]) -> dict[str, CourseStructure]:
    """{cache key: structure} of these courses, BUILD_BATCH courses at a time."""
    built: dict[str, CourseStructure] = {}
    for start in range(0, len(courses), BUILD_BATCH):
        built.update(_build_batch(courses[start : start + BUILD_BATCH]))
    return built


def _build_batch(courses: list[CoursePage]) -> dict[str, CourseStructure]:
    """Two queries whatever the number of courses: the live sections and lessons below them
    (lesson fields through the one-to-one join), and the prerequisite edges of their lessons."""
    by_path = {course.path: course for course in courses}
    path_lengths = sorted({len(path) for path in by_path})

    def course_path_of(path: str) -> str | None:
        return next((path[:length] for length in path_lengths if path[:length] in by_path), None)

    rows = (
        Page.objects.live()
        .filter(
            reduce(
                or_,
                (Q(path__startswith=course.path, depth__in=(course.depth + 1, course.depth + 2)) for course in courses),
            )
        )
        .order_by("path")
        .values("id", "title", "path", "depth", "url_path", *(f"lessonpage__{name}" for name in OUTLINE_LESSON_FIELDS))
    )
    sections: dict[str, dict[str, tuple[OutlinePage, list[OutlinePage]]]] = {path: {} for path in by_path}
    for row in rows:
        # The URL as Wagtail would give it (site root paths are cached by Wagtail).
        url = Page(id=row["id"], path=row["path"], depth=row["depth"], url_path=row["url_path"]).get_url()
        course_path = course_path_of(row["path"])
        if row["depth"] == by_path[course_path].depth + 1:
            sections[course_path][row["path"]] = (OutlinePage(pk=row["id"], title=row["title"], url=url), [])
            continue
        section = sections[course_path].get(row["path"][: -LessonPage.steplen])
        if section is None or row["lessonpage__estimated_minutes"] is None:
            continue  # its section is a draft (the lesson is not part of the live course), or not a lesson
        section[1].append(
            OutlinePage(
                pk=row["id"],
                title=row["title"],
                url=url,
                **{name: row[f"lessonpage__{name}"] for name in OUTLINE_LESSON_FIELDS},
            )
        )
    lesson_ids = {
        path: {lesson.pk for _section, lessons in course_sections.values() for lesson in lessons}
        for path, course_sections in sections.items()
    }
    prerequisites: dict[str, dict[int, list[tuple[int, str]]]] = {path: {} for path in by_path}
    edges = LessonPage.prerequisites.through.objects.filter(
        reduce(or_, (Q(from_lessonpage__path__startswith=path) for path in by_path))
    ).order_by("to_lessonpage__path")
    for from_id, from_path, to_id, title in edges.values_list(
        "from_lessonpage_id", "from_lessonpage__path", "to_lessonpage_id", "to_lessonpage__title"
    ):
        course_path = course_path_of(from_path)
        # A prerequisite that is not one of the course's lessons (a draft, or in an
        # unpublished section) cannot be completed, so it must not lock anything.
        if course_path is not None and to_id in lesson_ids[course_path]:
            prerequisites[course_path].setdefault(from_id, []).append((to_id, title))
    return {
        _key(course): CourseStructure(
            sections=tuple((section, tuple(lessons)) for section, lessons in sections[path].values() if lessons),
            prerequisites={pk: tuple(items) for pk, items in prerequisites[path].items()},
        )
        for path, course in by_path.items()
    }


def course_structures(courses) -> dict[int, CourseStructure]:
    """{course id: structure} of these courses, from the cache while no page has changed since
    they were built (coursepages.page_cache's generation): one cache read for all of them (none
    for those kept in this process), the missing ones built together in two queries whatever
    their number. Not kept on the instances: a page changed later in the same request or task
    is seen by the next read."""
    wanted = {_key(course): course for course in courses}
    found = generation_cached_many(
        wanted, _build_course_structures, generation_key=GENERATION_KEY, timeout=STRUCTURE_SECONDS, local=True
    )
    return {course.pk: found[key] for key, course in wanted.items()}


def course_draft_structure(course: CoursePage) -> CourseStructure:
    """The course as its editors preview it: every section and lesson below it, published or
    not, each as its latest revision has it (title, minutes, preview flag, drip), in tree order;
    empty sections included, links opening each page's draft. Never cached and never used for
    students (the preview is for those who may edit the course). Two queries."""
    from django.urls import reverse
    from wagtail.models import Revision

    if not course.pk or not course.path:
        return CourseStructure(sections=(), prerequisites={})
    rows = list(
        Page.objects.filter(path__startswith=course.path, depth__in=(course.depth + 1, course.depth + 2))
        .order_by("path")
        .values(
            "id",
            "title",
            "path",
            "depth",
            "has_unpublished_changes",
            "latest_revision_id",
            *(f"lessonpage__{name}" for name in OUTLINE_LESSON_FIELDS),
        )
    )
    drafts = dict(
        Revision.objects.filter(
            pk__in=[row["latest_revision_id"] for row in rows if row["has_unpublished_changes"]]
        ).values_list("pk", "content")
    )
    sections: dict[str, tuple[OutlinePage, list[OutlinePage]]] = {}
    for row in rows:
        draft = drafts.get(row["latest_revision_id"]) or {}
        title = draft.get("title") or row["title"]
        url = reverse("wagtailadmin_pages:view_draft", args=[row["id"]])
        if row["depth"] == course.depth + 1:
            sections[row["path"]] = (OutlinePage(pk=row["id"], title=title, url=url), [])
            continue
        section = sections.get(row["path"][: -LessonPage.steplen])
        if section is None or row["lessonpage__estimated_minutes"] is None:
            continue
        fields = {name: draft.get(name, row[f"lessonpage__{name}"]) for name in OUTLINE_LESSON_FIELDS}
        section[1].append(OutlinePage(pk=row["id"], title=title, url=url, **fields))
    return CourseStructure(
        sections=tuple((section, tuple(lessons)) for section, lessons in sections.values()), prerequisites={}
    )


def course_structure(course: CoursePage) -> CourseStructure:
    """The course's structure (see `course_structures`)."""
    return course_structures([course])[course.pk]


def course_lessons(course: CoursePage) -> tuple[OutlinePage, ...]:
    """The course's lessons (live lessons of its live sections) in tree order."""
    return course_structure(course).lessons


def course_lesson_ids(course: CoursePage) -> tuple[int, ...]:
    """The ids of the course's lessons in tree order: every total is their number, every
    completed count counts the progress rows whose lesson is one of them."""
    return course_structure(course).lesson_ids


def course_minutes(course: CoursePage) -> int:
    """The estimated minutes of the course's lessons, together (certificate hours)."""
    return course_structure(course).minutes
