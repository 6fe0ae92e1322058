"""State changes of user accounts."""

from django.contrib.auth.models import Group
from django.db import transaction
from wagtail.log_actions import log

from core.errors import DomainError

from .models import User
from .roles import INSTRUCTORS_GROUP, MODERATORS_GROUP

_ROLE_GROUPS = {
    User.Role.STUDENT: set(),
    User.Role.INSTRUCTOR: {INSTRUCTORS_GROUP},
    User.Role.ADMIN: {MODERATORS_GROUP},
}


class AccountChangeRefused(DomainError):
    """A role or activity change the rules forbid; `code` is machine-readable."""

    default_code = "account_change_refused"


def user_access_change_check(
    *, user: User, actor: User | None, role: str | None = None, active: bool | None = None
) -> None:
    """Refuse (AccountChangeRefused) an admin deactivating themselves or giving up their own
    admin role: one click would lock them out of the screen they are using."""
    if actor is None or actor.pk != user.pk:
        return
    if active is False and user.is_active:
        raise AccountChangeRefused("You cannot deactivate your own account.", "cannot_deactivate_self")
    if role is not None and role != User.Role.ADMIN and user.role == User.Role.ADMIN:
        raise AccountChangeRefused("You cannot remove your own admin role.", "cannot_demote_self")


@transaction.atomic
def user_change_access(*, user: User, actor: User | None, role: str | None = None, active: bool | None = None) -> User:
    """Change role and/or active flag together (all or nothing), after the self-lockout check."""
    user_access_change_check(user=user, actor=actor, role=role, active=active)
    if role is not None:
        user_set_role(user=user, role=role, actor=actor)
    if active is not None:
        user_set_active(user=user, active=active, actor=actor)
    return user


@transaction.atomic
def user_set_role(*, user: User, role: str, actor: User | None = None) -> User:
    """Give a user a role and keep the Instructors/Moderators groups in step with it."""
    if role not in User.Role.values:
        raise ValueError(f"Unknown role {role!r}.")
    user_access_change_check(user=user, actor=actor, role=role)
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
    user_access_change_check(user=user, actor=actor, active=active)
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
    if "timezone" in fields:
        user_admin_timezone_sync(user=user)
    return user


def user_admin_timezone_sync(*, user: User) -> None:
    """The Wagtail admin shows times in the zone of the user's Wagtail profile; keep it the
    user's own timezone (the one preference, edited on the site's profile page), so lists such
    as the live classes show every time in the viewer's zone. Writes only when they differ."""
    from wagtail.users.models import UserProfile

    if not user.pk:
        return
    profile = UserProfile.get_for_user(user)
    if profile.current_time_zone != user.timezone:
        profile.current_time_zone = user.timezone
        profile.save(update_fields=["current_time_zone"])
