"""State changes of user accounts."""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.log_actions import log

from .models import User
from .roles import INSTRUCTORS_GROUP, MODERATORS_GROUP

_ROLE_GROUPS = {
    User.Role.STUDENT: set(),
    User.Role.INSTRUCTOR: {INSTRUCTORS_GROUP},
    User.Role.ADMIN: {MODERATORS_GROUP},
}


@transaction.atomic
def user_set_role(*, user: User, role: str, actor: User | None = None) -> User:
    """Give a user a role and keep the Instructors/Moderators groups in step with it."""
    if role not in User.Role.values:
        raise ValueError(f"Unknown role {role!r}.")
    previous = user.role
    user.role = role
    user.save(update_fields=["role"])
    wanted = _ROLE_GROUPS[role]
    managed = {INSTRUCTORS_GROUP, MODERATORS_GROUP}
    for name in managed:
        group, _ = Group.objects.get_or_create(name=name)
        if name in wanted:
            user.groups.add(group)
        else:
            user.groups.remove(group)
    if previous != role:
        log(instance=user, action="lectern.user.role_changed", user=actor, data={"from": previous, "to": role})
    return user


@transaction.atomic
def user_set_active(*, user: User, active: bool, actor: User | None = None) -> User:
    """Deactivate or reactivate an account; a deactivated user cannot sign in."""
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        log(instance=user, action="lectern.user.reactivated" if active else "lectern.user.deactivated", user=actor)
    return user


def user_update_profile(*, user: User, **fields) -> User:
    """Change the editable profile fields (names, bio, timezone, avatar, email opt-out)."""
    allowed = {"first_name", "last_name", "bio", "timezone", "avatar", "email_opt_out"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(fields))
    return user
