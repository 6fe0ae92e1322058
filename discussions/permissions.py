"""Who may read, write and moderate a course's discussions (docs/discussions.md).

Reading and writing follow the access policy (learners.access): the course's staff, and its
enrolled students while the course is open to them (paid, subscription active). Moderating
(hide, lock, delete, decide reports) is for the course's staff, which includes platform
admins and moderators (coursepages.permissions.user_is_course_staff)."""

from learners.access import CourseAccess, course_access_for


def discussion_access_for(*, user, course) -> CourseAccess:
    return course_access_for(user=user, course=course)


def may_participate(access: CourseAccess) -> bool:
    """Read and write the course's discussions."""
    if not (access.user.is_authenticated and access.user.is_active):
        return False
    return access.is_staff or (access.is_enrolled and access.course_lock() is None)


def may_moderate(access: CourseAccess) -> bool:
    return bool(access.user.is_authenticated and access.user.is_active and access.is_staff)
