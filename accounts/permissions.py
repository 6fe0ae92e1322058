"""Who may use the admin screens for platform data (DESIGN.md §3: moderators/admins)."""

from django.db.models import Q
from wagtail.permission_policies.base import BasePermissionPolicy


def is_platform_admin(user) -> bool:
    return bool(user and user.is_active and user.is_authenticated and (user.is_superuser or user.role == "admin"))


def is_teaching_staff(user) -> bool:
    """Instructors, and admins (who may also teach): who may open the instructor screens.
    Which courses they then see is `learners.selectors.taught_courses`."""
    return bool(user and user.is_active and user.is_authenticated
                and (user.is_superuser or user.role in ("instructor", "admin")))


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
        return User.objects.filter(Q(is_superuser=True) | Q(role="admin"), is_active=True)
