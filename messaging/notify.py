"""How messaging tells a user something: an in-app notification and, unless they opted out of
non-essential mail, an email (plain text and HTML) sent by a Celery task after commit.

Every app calls `core.notify.notify`; MessagingConfig.ready() registers this function as its
sender, so only messaging knows the Notification model."""

from .models import Notification
from .selectors import unread_counts_changed


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
) -> Notification | None:
    """Notify `user`. `email_template` names `templates/emails/<name>.txt` (and optional
    `.html`, `_subject.txt`); `context` must be JSON-serialisable (it travels to the task).
    Essential mail (receipts, security, certificates) ignores the user's opt-out.
    `attachments` are text files: [{"filename", "content", "mimetype"}] (e.g. an .ics invitation)."""
    notification = None
    if in_app:
        notification = Notification.objects.create(user=user, kind=kind, title=title, body=body, url=url)
        unread_counts_changed(user.pk)
    if email_template and user.email and user.is_active and (essential or not user.email_opt_out):
        from outbox.services import task_send_on_commit

        from .tasks import send_templated_email

        payload = {"title": title, "body": body, "url": url, **(context or {})}
        task_send_on_commit(
            task=send_templated_email,
            kwargs={
                "user_id": user.pk,
                "template": email_template,
                "context": payload,
                "attachments": attachments or None,
            },
        )
    return notification
