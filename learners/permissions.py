"""Who may grade and read students' records (docs/architecture.md §3). Built on the staff policy:
`accounts.permissions` (who is an admin, a moderator, teaching staff) and
`coursepages.permissions` (who is staff of which course)."""

from accounts.permissions import is_moderator, is_teaching_staff
from coursepages.permissions import user_is_course_staff


def user_may_grade(user) -> bool:
    """Who may open the grading queue (instructors and admins); which submissions they then
    see is `coursepages.permissions.courses_staffed_by`."""
    return is_teaching_staff(user)


def user_may_view_teaching_records(user) -> bool:
    """Who may open the read-only enrollment, progress and quiz attempt screens (instructors
    see only the rows of the courses they staff)."""
    return is_teaching_staff(user)


def submission_may_grade(*, user, submission) -> bool:
    """The staff of the submission's course (its instructors, admins, moderators)."""
    return user_is_course_staff(user=user, course=submission.enrollment.course)


def submission_may_view(*, user, submission) -> bool:
    """The student who handed it in, and the course's staff."""
    if not user.is_authenticated:
        return False
    return submission.enrollment.user_id == user.pk or submission_may_grade(user=user, submission=submission)


def user_may_moderate_reviews(user) -> bool:
    """Admins and moderators hide, delete and restore course reviews."""
    return is_moderator(user)
