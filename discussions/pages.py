"""What discussions add to the lesson page (registered in DiscussionsConfig.ready())."""

from core.generations import generation_bump, generation_cached

from .models import Thread
from .permissions import may_moderate, may_participate
from .selectors import threads_for

LESSON_THREADS_SHOWN = 10
# What a lost invalidation can cost: a new thread unseen on its lesson page for this long.
HAS_THREADS_SECONDS = 300


def _generation_key(lesson_id: int) -> str:
    return f"discussions:lesson-threads-generation:{lesson_id}"


def lesson_has_threads(lesson_id: int) -> bool:
    """Whether any thread (hidden and deleted ones included) is about this lesson: most lessons
    have none, and then the panel needs no query. Cached until a thread of the lesson is saved
    or deleted (lesson_threads_changed); one cache round trip."""
    return generation_cached(
        f"discussions:lesson-has-threads:{lesson_id}",
        lambda: Thread.objects.filter(lesson_id=lesson_id).exists(),
        generation_key=_generation_key(lesson_id),
        timeout=HAS_THREADS_SECONDS,
        generation_timeout=HAS_THREADS_SECONDS,
    )


def lesson_threads_changed(*, lesson_id: int | None) -> None:
    """A thread of this lesson was saved or deleted: its flag is read afresh (now and after commit)."""
    if lesson_id is not None:
        generation_bump(_generation_key(lesson_id), timeout=HAS_THREADS_SECONDS)


def lesson_discussion_panel(*, request, lesson, course, access) -> dict:
    """The lesson's threads and the form to ask, for those who take part; nothing otherwise.
    One query (the threads with their counts) when the lesson has threads, none when it has
    none; the access is the page's own."""
    if not may_participate(access):
        return {}
    threads = []
    if lesson_has_threads(lesson.pk):
        threads = list(threads_for(course=course, lesson=lesson, moderator=may_moderate(access))[:LESSON_THREADS_SHOWN])
    return {"lesson_discussion": {"threads": threads, "course": course, "lesson": lesson}}
