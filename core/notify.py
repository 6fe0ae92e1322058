"""Telling a user something: the one base service every layer may call.

`notify` makes an in-app notification and, unless the user opted out of non-essential mail,
emails them. The sending belongs to messaging (the Notification model, the unread counts, the
email task): MessagingConfig.ready() registers messaging.notify.notify as the sender, so the
apps below and beside messaging notify without importing it."""

from core.providers import Provider

sender = Provider("the notification sender (messaging.notify.notify)")


def notify(
    *,
    user,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email_template: str | None = None,
    context: dict | None = None,
    essential: bool = False,
    in_app: bool = True,
    attachments: list[dict] | None = None,
):
    """Notify `user`; returns the in-app notification (None when `in_app` is False).

    `email_template` names `templates/emails/<name>.txt` (and optional `.html`,
    `_subject.txt`); `context` must be JSON-serialisable (it travels to the task). Essential
    mail (receipts, security, certificates) ignores the user's opt-out. `attachments` are
    text files: [{"filename", "content", "mimetype"}] (e.g. an .ics invitation)."""
    return sender(user=user, kind=kind, title=title, body=body, url=url, email_template=email_template,
                  context=context, essential=essential, in_app=in_app, attachments=attachments)
