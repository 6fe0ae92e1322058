"""Telling a user something: the one base service every layer may call.

`notify` makes an in-app notification and, unless the user opted out of non-essential mail,
emails them. The sending belongs to messaging (the Notification model, the unread counts, the
email task): MessagingConfig.ready() registers messaging.notify.notify as the sender, so the
apps below and beside messaging notify without importing it."""

from core.providers import Provider

sender = Provider("the notification sender (messaging.notify.notify)")


def notify(*, user, kind: str, title: str, **details):
    """Notify `user`; returns the in-app notification (None when `in_app=False`). `details`
    are the sender's keywords, documented on messaging.notify.notify: body, url,
    email_template, context, essential, in_app, attachments."""
    return sender(user=user, kind=kind, title=title, **details)
