from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string

from core.site_url import site_root_url


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_templated_email(self, *, user_id: int, template: str, context: dict, attachments: list[dict] | None = None):
    """Render templates/emails/<template>.txt (+ .html, _subject.txt) and send it, with
    optional text attachments [{"filename", "content", "mimetype"}] (an .ics invitation)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if not user or not user.email:
        return False
    context = {**context, "user": user, "site_url": site_root_url()}
    try:
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    except TemplateDoesNotExist:
        subject = context.get("title", "")
    text = render_to_string(f"emails/{template}.txt", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=[user.email])
    try:
        message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    except TemplateDoesNotExist:
        message.attach_alternative(render_to_string("emails/base.html", {**context, "text": text}), "text/html")
    for attachment in attachments or ():
        message.attach(attachment["filename"], attachment["content"], attachment.get("mimetype", "text/plain"))
    message.send()
    return True


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_unread_digests(self) -> int:
    """Periodic (celery beat): one email per user listing messages still unread."""
    from .services import digests_send

    return digests_send()
