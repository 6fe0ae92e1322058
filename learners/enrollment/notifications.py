"""Notices to students about their own learning: enrolled, course completed. Run as the
ENROLLMENT_CREATED_HOOKS / COURSE_COMPLETED_HOOKS (after commit): an in-app notification and
a non-essential email (plain text and HTML, sent by a Celery task; the user may opt out)."""

from core.notify import notify
from learners.models import Enrollment


def enrollment_created_notify(*, enrollment_id: int) -> None:
    enrollment = Enrollment.objects.select_related("user", "course").filter(pk=enrollment_id).first()
    if enrollment is None:
        return
    course = enrollment.course
    notify(
        user=enrollment.user,
        kind="enrollment",
        title=f"You are enrolled in {course.title}",
        body=f"Welcome to {course.title}. Start with the first lesson whenever you are ready.",
        url=course.url or "",
        email_template="generic",
    )


def course_completed_notify(*, enrollment_id: int) -> None:
    enrollment = Enrollment.objects.select_related("user", "course").filter(pk=enrollment_id).first()
    if enrollment is None:
        return
    course = enrollment.course
    notify(
        user=enrollment.user,
        kind="completion",
        title=f"You completed {course.title}",
        body=f"Congratulations on finishing {course.title}. Your certificate follows in a separate email.",
        url="/dashboard/",
        email_template="generic",
    )
