"""Who may teach live classes and act on a session. Built on the staff policy
(`accounts.permissions`): teaching staff publish availability; a session's teacher decides on
it; its two parties open, join and cancel it; platform admins may do all of that for any
session, and cancel after the cut-off."""

from accounts.permissions import is_platform_admin, is_teaching_staff


def user_may_teach_live(user) -> bool:
    """Instructors and admins publish availability and take requests."""
    return is_teaching_staff(user)


def user_sees_all_sessions(user) -> bool:
    """Platform admins see (and may open) every session, not only their own."""
    return is_platform_admin(user)


def session_may_open(*, user, session) -> bool:
    """The two parties and platform admins: view, join, download the invitation."""
    return session.is_party(user) or is_platform_admin(user)


def session_may_decide(*, user, session) -> bool:
    """Approve or reject a request: the session's teacher and platform admins."""
    return bool(user.is_authenticated and user.pk == session.teacher_id) or is_platform_admin(user)


def session_may_cancel(*, user, session) -> bool:
    """Cancel (before the cut-off): the two parties and platform admins."""
    return session_may_open(user=user, session=session)


def user_may_cancel_after_cutoff(user) -> bool:
    """Platform admins may cancel a class at any time."""
    return is_platform_admin(user)
