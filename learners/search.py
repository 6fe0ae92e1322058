"""Search inside a course (docs/search.md): the lesson passages matching a query, each shown
as the access policy allows. A lesson the viewer may open shows its highlighted snippet and
links to the block; a locked one shows that a result exists there and why it is locked,
never its text."""

from dataclasses import dataclass

from django.utils.safestring import SafeString

from coursepages.ask import passages_ask
from coursepages.models import CoursePage
from coursepages.passages import PassageHit, passages_search
from learners.access import CourseAccess, LessonAccess

RESULTS_SHOWN = 30
ANSWERS_SHOWN = 5


@dataclass
class SearchResult:
    lesson_title: str
    lesson_url: str
    block_id: str
    block_title: str
    access: LessonAccess
    snippet: SafeString | None  # None when the lesson is locked to the viewer

    @property
    def url(self) -> str:
        return f"{self.lesson_url}#at-{self.block_id}" if self.access.allowed else self.lesson_url


def course_search(*, access: CourseAccess, q: str) -> list[SearchResult]:
    course: CoursePage = access.course
    return _shown(access, passages_search(q=q, course_ids=[course.pk], limit=RESULTS_SHOWN))


def course_ask(*, access: CourseAccess, q: str) -> list[SearchResult]:
    """ "Ask this course": the passages that best answer a question, shown as access allows."""
    return _shown(access, passages_ask(q=q, course_ids=[access.course.pk], limit=ANSWERS_SHOWN))


def _shown(access: CourseAccess, hits: list[PassageHit]) -> list[SearchResult]:
    results = []
    for hit in hits:
        lesson = hit.passage.lesson
        if access.lesson_ids is not None and lesson.pk not in access.lesson_ids:
            continue  # withdrawn with its section: not part of the course now
        verdict = access.lesson(lesson)
        results.append(
            SearchResult(
                lesson_title=lesson.title,
                lesson_url=lesson.url,
                block_id=hit.passage.block_id,
                block_title=hit.passage.title if verdict.allowed else "",
                access=verdict,
                snippet=hit.snippet if verdict.allowed else None,
            )
        )
    return results
