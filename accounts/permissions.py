"""The platform-wide staff policy (docs/architecture.md §3): who is a platform admin, a moderator or
teaching staff. Every "may this staff member…" question elsewhere is built on these, in the
app's own `permissions.py` (coursepages, learners, payments, live, messaging, certificates);
views, services, the API and wagtail_hooks ask those and never read `role`, `is_superuser` or
group names themselves.

Every predicate is False for anonymous and inactive users. Roles: `student`, `instructor`,
`admin`; `accounts.services.user_set_role` puts instructors in the Instructors group and
admins in the Moderators group. A superuser counts as an admin whatever their role.
"""

from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef, Q
from wagtail.permission_policies.base import BasePermissionPolicy

from .roles import MODERATORS_GROUP

ADMIN_ROLE = "admin"
INSTRUCTOR_ROLE = "instructor"
STUDENT_ROLE = "student"
TEACHING_ROLES = (INSTRUCTOR_ROLE, ADMIN_ROLE)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_platform_admin(user) -> bool:
    """Active superusers and active users with the admin role. No query."""
    return _active(user) and (user.is_superuser or user.role == ADMIN_ROLE)


def is_superuser(user) -> bool:
    """Active superusers only: for the few things even admins by role may not do (acting on
    another customer's order). No query."""
    return _active(user) and user.is_superuser


def is_teaching_staff(user) -> bool:
    """Instructors, and admins (who may also teach): who may open the instructor screens,
    publish live-class availability and grade. Which courses they then act on is
    `coursepages.permissions.courses_staffed_by`. No query."""
    return _active(user) and (user.is_superuser or user.role in TEACHING_ROLES)


def is_student_only(user) -> bool:
    """An active user with the student role and no superuser flag: never staff of a course
    they do not own. No query."""
    return _active(user) and not user.is_superuser and user.role == STUDENT_ROLE


def in_moderators_group(user) -> Exists:
    """An uncorrelated EXISTS over the user's Moderators group membership, to put inside
    another query (so asking costs no query of its own)."""
    return Exists(Group.objects.filter(user=user.pk, name=MODERATORS_GROUP))


def is_moderator(user) -> bool:
    """Platform admins, and active members of the Moderators group (who review courses and see
    every course's records) unless their role is student: the role decides first, so a student
    is never staff whatever groups they are in. One query for instructors, none otherwise."""
    if is_platform_admin(user):
        return True
    if not _active(user) or is_student_only(user):
        return False
    return Group.objects.filter(user=user.pk, name=MODERATORS_GROUP).exists()


def platform_admin_users():
    """The users `is_platform_admin` is True for."""
    from accounts.models import User

    return User.objects.filter(Q(is_superuser=True) | Q(role=ADMIN_ROLE), is_active=True)


def moderator_users():
    """The users `is_moderator` is True for (admins by role or flag, and the Moderators group)."""
    from accounts.models import User

    in_group = Exists(Group.objects.filter(name=MODERATORS_GROUP, user=OuterRef("pk")))
    return User.objects.filter(
        Q(is_superuser=True) | Q(role=ADMIN_ROLE) | (in_group & ~Q(role=STUDENT_ROLE)), is_active=True
    )


def teaching_staff_users():
    """The users `is_teaching_staff` is True for."""
    from accounts.models import User

    return User.objects.filter(Q(is_superuser=True) | Q(role__in=TEACHING_ROLES), is_active=True)


class PlatformAdminPolicy(BasePermissionPolicy):
    """Admins (role admin) and superusers may do everything; nobody else anything.
    `read_only=True` allows only viewing, for records that must never be edited."""

    def __init__(self, model, *, read_only: bool = False):
        super().__init__(model)
        self.read_only = read_only

    def user_has_permission(self, user, action):
        if self.read_only and action not in ("view",):
            return False
        return is_platform_admin(user)

    def users_with_any_permission(self, actions):
        from accounts.models import User

        if self.read_only and not set(actions) & {"view"}:
            return User.objects.none()
        return platform_admin_users()
