"""Who may moderate conversations (docs/architecture.md §3, docs/messaging.md): platform admins may
open any conversation and its files; every such opening is logged by the caller."""

from accounts.permissions import is_moderator, is_platform_admin


def user_may_moderate_conversations(user) -> bool:
    """Platform admins (active admins by role, superusers)."""
    return is_platform_admin(user)


def user_may_moderate_messages(user) -> bool:
    """Admins and moderators work the report queue: they hide, delete or restore a reported
    message (opening whole conversations stays with platform admins)."""
    return is_moderator(user)
