"""What discussions add to the lesson page (registered in DiscussionsConfig.ready())."""

from .permissions import may_moderate, may_participate
from .selectors import threads_for

LESSON_THREADS_SHOWN = 10


def lesson_discussion_panel(*, request, lesson, course, access) -> dict:
    """The lesson's threads and the form to ask, for those who take part; nothing otherwise.
    Two queries (the threads with their counts); the access is the page's own."""
    if not may_participate(access):
        return {}
    threads = list(threads_for(course=course, lesson=lesson, moderator=may_moderate(access))[:LESSON_THREADS_SHOWN])
    return {"lesson_discussion": {"threads": threads, "course": course, "lesson": lesson}}
