"""core.notify.notify, sent by messaging: in-app notification plus email, honouring the opt-out
for non-essential mail."""

import pytest
from django.core import mail

from core.notify import notify
from messaging.models import Notification


@pytest.mark.django_db(transaction=True)
def test_notify_creates_an_in_app_notification_and_sends_text_and_html_email(student):
    notify(
        user=student,
        kind="grade",
        title="Your assignment was graded",
        body="You scored 8/10.",
        url="/dashboard/",
        email_template="generic",
    )
    assert Notification.objects.get(user=student).title == "Your assignment was graded"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [student.email]
    assert message.subject == "Your assignment was graded"
    assert "You scored 8/10." in message.body
    assert "text/html" in [mime for _content, mime in message.alternatives]


@pytest.mark.django_db(transaction=True)
def test_opted_out_users_get_essential_mail_only(student):
    student.email_opt_out = True
    student.save()
    notify(user=student, kind="news", title="New course", body="x", email_template="generic")
    assert mail.outbox == []
    notify(user=student, kind="receipt", title="Receipt", body="y", email_template="generic", essential=True)
    assert [m.subject for m in mail.outbox] == ["Receipt"]
