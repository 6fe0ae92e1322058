"""Reads for messaging: a user's conversations with unread counts, history pages, counts."""

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from accounts.models import User
from core.generations import generation_bump, generation_cached, generation_hint
from core.moderation import Moderation

from .models import Conversation, Message, Notification

PAGE_SIZE = 30


def messages_visible_to(queryset, *, user, conversation):
    """The messages of `queryset` (one conversation's) that `user` may read: a participant
    sees visible messages and their own hidden ones; a moderator who is not a participant
    (the logged moderation view) sees everything, marked."""
    if conversation.has_participant(user):
        return queryset.filter(Q(moderation=Moderation.VISIBLE) | Q(moderation=Moderation.HIDDEN, sender=user))
    return queryset


def message_visible_to(*, message, user) -> bool:
    if message.conversation.has_participant(user):
        return message.is_visible or (message.is_hidden and message.sender_id == user.pk)
    return True


def conversations_for(*, user):
    """The user's conversations, newest activity first, each with `unread` (messages to them)."""
    return (
        Conversation.objects.filter(Q(student=user) | Q(teacher=user))
        .select_related("student", "teacher", "course")
        .annotate(
            unread=Count(
                "messages",
                filter=Q(messages__read_at__isnull=True, messages__moderation=Moderation.VISIBLE)
                & ~Q(messages__sender=user),
            )
        )
        .order_by("-last_message_at", "-created_at")
    )


def unread_message_count(*, user) -> int:
    return (
        Message.objects.filter(
            Q(conversation__student=user) | Q(conversation__teacher=user),
            read_at__isnull=True,
            moderation=Moderation.VISIBLE,
        )
        .exclude(sender=user)
        .count()
    )


# The header shows these on every signed-in page: cached per user until one of the user's
# notifications or messages is created or read (messaging.services and notify bump it).
UNREAD_COUNTS_SECONDS = 600


def _unread_key(user_id: int) -> str:
    return f"messaging:unread:v1:{user_id}"


def _unread_generation_key(user_id: int) -> str:
    return f"messaging:unread-generation:{user_id}"


def unread_counts(*, user) -> dict:
    """Unread notifications and messages (for the header on every page): from the cache, else
    one query."""
    return generation_cached(
        _unread_key(user.pk),
        lambda: _unread_counts_query(user),
        generation_key=_unread_generation_key(user.pk),
        timeout=UNREAD_COUNTS_SECONDS,
        generation_timeout=UNREAD_COUNTS_SECONDS * 2,
    )


def unread_counts_hint(user_id: int) -> None:
    """This request's page will show the user's unread counts: fetch them with the page's next
    cache round trip rather than in one of their own (core.generations.generation_hint)."""
    generation_hint(_unread_key(user_id), _unread_generation_key(user_id))


def unread_counts_changed(*user_ids: int) -> None:
    """These users' unread counts changed (or will, when the transaction commits)."""
    for user_id in user_ids:
        generation_bump(_unread_generation_key(user_id), timeout=UNREAD_COUNTS_SECONDS * 2)


def _unread_counts_query(user) -> dict:
    # Each subquery groups on a column that is the same for every row it counts, so it
    # yields one count (or no row, hence Coalesce).
    mine = Q(conversation__student=OuterRef("pk")) | Q(conversation__teacher=OuterRef("pk"))
    messages = (
        Message.objects.filter(mine, read_at__isnull=True, moderation=Moderation.VISIBLE)
        .exclude(sender=OuterRef("pk"))
        .order_by()
        .values("read_at")
        .annotate(n=Count("pk"))
        .values("n")
    )
    row = (
        Notification.objects.filter(user=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    counts = User.objects.filter(pk=user.pk).annotate(
        n_notifications=Coalesce(Subquery(row[:1]), 0), n_messages=Coalesce(Subquery(messages[:1]), 0)
    ).values("n_notifications", "n_messages").first() or {"n_notifications": 0, "n_messages": 0}
    return {"notifications": counts["n_notifications"], "messages": counts["n_messages"]}


def messages_page(
    *, conversation, viewer, before_id: int | None = None, after_id: int | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Message], bool]:
    """The messages `viewer` may read, in id order. `before_id`: the page of older history
    before it (and whether there is more); `after_id`: everything newer (for polling)."""
    qs = messages_visible_to(
        conversation.messages.select_related("sender").prefetch_related("attachments"),
        user=viewer,
        conversation=conversation,
    )
    if after_id is not None:
        return list(qs.filter(id__gt=after_id).order_by("id")[:200]), False
    if before_id is not None:
        qs = qs.filter(id__lt=before_id)
    rows = list(qs.order_by("-id")[: limit + 1])
    has_more = len(rows) > limit
    return list(reversed(rows[:limit])), has_more


def notifications_for(*, user):
    """Unread first, newest first."""
    return Notification.objects.filter(user=user).order_by(F("read_at").asc(nulls_first=True), "-created_at")
