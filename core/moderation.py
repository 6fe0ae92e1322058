"""Moderation of what users write (reviews, messages): a moderator hides an item (the other
users no longer see it; its author still does, marked hidden), deletes it (soft: nobody but
the moderators sees it again) or restores it. Every decision is in Wagtail's audit log with
who made it. Each app decides who may moderate its items and where they are shown; this
module holds the shared state and the one way of changing it."""

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from wagtail.log_actions import log


class Moderation(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HIDDEN = "hidden", "Hidden by a moderator"
    DELETED = "deleted", "Deleted by a moderator"


# The audit-log action of each decision (registered in core/wagtail_hooks.py).
LOG_ACTIONS = {
    Moderation.VISIBLE: "lectern.moderation_restore",
    Moderation.HIDDEN: "lectern.moderation_hide",
    Moderation.DELETED: "lectern.moderation_delete",
}


class ModeratedContent(models.Model):
    """Fields of an item a moderator may hide or delete."""

    moderation = models.CharField(max_length=10, choices=Moderation.choices, default=Moderation.VISIBLE, db_index=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_note = models.TextField(blank=True, help_text="Why (seen by moderators only).")

    class Meta:
        abstract = True

    @property
    def is_visible(self) -> bool:
        return self.moderation == Moderation.VISIBLE

    @property
    def is_hidden(self) -> bool:
        return self.moderation == Moderation.HIDDEN

    @property
    def is_deleted(self) -> bool:
        return self.moderation == Moderation.DELETED


class ModerationError(ValueError):
    """A decision that is not one of the three states."""


def content_moderate(*, item: ModeratedContent, moderator, state: str, note: str = "") -> bool:
    """Put `item` in `state` (visible, hidden, deleted) and log who did it. The caller has
    checked that `moderator` may. Returns False (and logs nothing) when nothing changes."""
    if state not in Moderation.values:
        raise ModerationError(f"Unknown moderation state {state!r}.")
    note = (note or "").strip()
    if item.moderation == state and (not note or note == item.moderation_note):
        return False
    with transaction.atomic():
        previous = item.moderation
        item.moderation = state
        item.moderated_by = moderator
        item.moderated_at = timezone.now()
        if note:
            item.moderation_note = note
        item.save(update_fields=["moderation", "moderated_by", "moderated_at", "moderation_note"])
        log(
            instance=item,
            action=LOG_ACTIONS[Moderation(state)],
            user=moderator,
            data={"from": previous, "to": state, "note": note},
        )
    return True
