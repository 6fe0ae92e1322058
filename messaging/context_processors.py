from django.utils.functional import SimpleLazyObject

from .selectors import unread_counts as _unread_counts


def unread_counts(request):
    """`unread.notifications` and `unread.messages` for the header: one query, and only on
    pages that show them to a signed-in user (the value is lazy)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread": SimpleLazyObject(lambda: _unread_counts(user=user))}
