"""Notices to students about their own learning: enrolled, course completed. Run as the
ENROLLMENT_CREATED_HOOKS / COURSE_COMPLETED_HOOKS (after commit): an in-app notification and
a non-essential email (plain text and HTML, sent by a Celery task; the user may opt out)."""

from core.notify import notify
from learners.models import Enrollment


def _notify_student(enrollment_id: int, *, kind: str, title: str, body: str, url) -> None:
    """Notify the enrollment's student; `title`, `body` and `url` are formatted with its course
    (`url` may be a callable of the course). Nothing when the enrollment is gone."""
    enrollment = Enrollment.objects.select_related("user", "course").filter(pk=enrollment_id).first()
    if enrollment is None:
        return
    course = enrollment.course
    notify(
        user=enrollment.user,
        kind=kind,
        title=title.format(course=course),
        body=body.format(course=course),
        url=url(course) if callable(url) else url,
        email_template="generic",
    )


def enrollment_created_notify(*, enrollment_id: int) -> None:
    _notify_student(
        enrollment_id,
        kind="enrollment",
        title="You are enrolled in {course.title}",
        body="Welcome to {course.title}. Start with the first lesson whenever you are ready.",
        url=lambda course: course.url or "",
    )


def course_completed_notify(*, enrollment_id: int) -> None:
    _notify_student(
        enrollment_id,
        kind="completion",
        title="You completed {course.title}",
        body="Congratulations on finishing {course.title}. Your certificate follows in a separate email.",
        url="/dashboard/",
    )
