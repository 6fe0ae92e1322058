"""Conversations between students and teachers: who may start and read them, unread counts,
read receipts, private attachments, reports, moderation logging, notifications, digests."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.models import User
from learners.enrollment.services import enrollment_create
from messaging.models import Conversation, Message, MessageReport, Notification
from messaging.selectors import conversations_for, unread_counts
from messaging.services import (
    MessagingError,
    conversation_start,
    digests_send,
    message_report,
    message_send,
)
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/v1"


@pytest.fixture
def convo():
    teacher = make_user(role=User.Role.INSTRUCTOR, first_name="Tess", last_name="Teacher")
    course = make_course(title="Statistics", instructor=teacher, lessons=1)
    student = make_user(first_name="Sipho", last_name="Student")
    enrollment_create(user=student, course=course)
    conversation, _ = conversation_start(student=student, teacher=teacher, course=course, body="Hello, a question")
    return conversation


def test_only_enrolled_students_start_conversations_with_that_courses_teachers(convo):
    stranger = make_user()
    with pytest.raises(MessagingError) as exc:
        conversation_start(student=stranger, teacher=convo.teacher, course=convo.course, body="hi")
    assert exc.value.code == "not_enrolled"
    other_teacher = make_user(role=User.Role.INSTRUCTOR)
    with pytest.raises(MessagingError):
        conversation_start(student=convo.student, teacher=other_teacher, course=convo.course, body="hi")
    again, _ = conversation_start(student=convo.student, teacher=convo.teacher, course=convo.course, body="More")
    assert again.pk == convo.pk and convo.messages.count() == 2


def test_unread_counts_and_read_receipts(client, convo):
    student, teacher = convo.student, convo.teacher
    message_send(conversation=convo, sender=student, body="Second question")
    assert unread_counts(user=teacher) == {"messages": 2, "notifications": 1}  # one notice per unread thread
    assert conversations_for(user=teacher).get().unread == 2
    client.force_login(teacher)
    header = client.get("/messages/").content.decode()
    assert 'aria-label="2 unread"' in header
    page = client.get(f"/messages/{convo.pk}/").content.decode()  # reading marks them read
    assert "Second question" in page
    assert unread_counts(user=teacher) == {"messages": 0, "notifications": 0}
    assert all(m.read_at for m in convo.messages.all())
    client.force_login(student)
    poll = client.get(f"/messages/{convo.pk}/poll/?after=0").json()
    assert poll["read_up_to"] == convo.messages.order_by("-id").first().pk
    assert "Seen" in client.get(f"/messages/{convo.pk}/").content.decode()


def test_polling_returns_only_newer_messages_and_sending_works_over_fetch(client, convo):
    client.force_login(convo.teacher)
    first_id = convo.messages.get().pk
    sent = client.post(f"/messages/{convo.pk}/send/", {"body": "Answer"}, HTTP_ACCEPT="application/json")
    assert sent.status_code == 201 and sent.json()["message"]["body"] == "Answer"
    client.force_login(convo.student)
    poll = client.get(f"/messages/{convo.pk}/poll/?after={first_id}").json()
    assert [m["body"] for m in poll["messages"]] == ["Answer"]
    empty = client.post(f"/messages/{convo.pk}/send/", {"body": "  "}, HTTP_ACCEPT="application/json")
    assert empty.status_code == 400 and empty.json()["code"] == "empty_message"


def test_history_is_paginated(client, convo):
    for i in range(35):
        Message.objects.create(conversation=convo, sender=convo.teacher, body=f"note {i}")
    client.force_login(convo.student)
    latest = client.get(f"/messages/{convo.pk}/").content.decode()
    assert "note 34" in latest and "note 4<" not in latest and "Older messages" in latest
    oldest_shown = convo.messages.order_by("-id")[29].pk
    older = client.get(f"/messages/{convo.pk}/?before={oldest_shown}").content.decode()
    assert "note 4<" in older and "Hello, a question" in older and "note 34" not in older


def test_nobody_outside_the_conversation_reads_it_or_its_files(client, convo):
    upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.4 secret notes", content_type="application/pdf")
    message = message_send(conversation=convo, sender=convo.student, body="My draft", files=[upload])
    attachment = message.attachments.get()
    assert attachment.file.storage.__class__.__name__ == "FileSystemStorage" and "messages/" in attachment.file.name
    outsider = make_user(role=User.Role.INSTRUCTOR)
    client.force_login(outsider)
    assert client.get(f"/messages/{convo.pk}/").status_code == 404
    assert client.get(f"/messages/{convo.pk}/poll/").status_code == 404
    assert client.post(f"/messages/{convo.pk}/send/", {"body": "x"}).status_code == 404
    assert client.get(f"/messages/attachment/{attachment.pk}/").status_code == 404
    assert client.get(f"{API}/conversations/{convo.pk}/messages/").status_code == 404
    assert client.post(f"{API}/conversations/{convo.pk}/messages/", {"body": "x"}).status_code == 404
    assert client.get(f"{API}/conversations/").json()["count"] == 0
    client.logout()
    assert client.get(f"/messages/attachment/{attachment.pk}/").status_code == 302  # to sign-in
    client.force_login(convo.teacher)
    response = client.get(f"/messages/attachment/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"%PDF-1.4 secret notes"
    assert 'attachment; filename="notes.pdf"' in response["Content-Disposition"]
    assert Message.objects.filter(conversation=convo).count() == 2


def test_admins_may_open_any_conversation_and_every_opening_is_logged(client, convo, admin_user):
    client.force_login(admin_user)
    page = client.get(f"/messages/{convo.pk}/").content.decode()
    assert "Moderation view" in page and "Hello, a question" in page
    client.get(f"/messages/{convo.pk}/")
    entries = ModelLogEntry.objects.filter(action="messaging.conversation_opened", object_id=str(convo.pk))
    assert entries.count() == 2 and entries.first().user_id == admin_user.pk
    # Moderators read; they do not mark the participants' messages read.
    assert convo.messages.get().read_at is None
    assert client.post(f"/messages/{convo.pk}/send/", {"body": "x"}).status_code == 302
    assert convo.messages.count() == 1


def test_reports_land_in_the_admin_queue_and_are_resolved_there(client, convo, admin_user):
    message = convo.messages.get()
    with pytest.raises(MessagingError):
        message_report(message=message, reporter=convo.student, reason="mine")  # own message
    client.force_login(convo.teacher)
    client.post(f"/messages/message/{message.pk}/report/", {"reason": "Spam link"})
    report = MessageReport.objects.get()
    assert report.reporter == convo.teacher and report.status == "open"
    with pytest.raises(MessagingError) as exc:
        message_report(message=message, reporter=convo.teacher, reason="again")
    assert exc.value.code == "already_reported"
    client.force_login(admin_user)
    queue = client.get("/admin/message_reports/?status=open").content.decode()
    assert "Spam link" in queue and f"/messages/{convo.pk}/" in queue
    response = client.post(
        f"/admin/message_reports/edit/{report.pk}/", {"status": "resolved", "moderator_note": "Warned the student"}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "resolved" and report.resolved_at is not None
    assert ModelLogEntry.objects.filter(action="messaging.report_resolved", object_id=str(report.pk)).exists()


def test_notifications_page_lists_unread_first_and_marks_read(client, convo):
    teacher = convo.teacher
    old = Notification.objects.create(user=teacher, kind="grade", title="Older, read", read_at=timezone.now())
    client.force_login(teacher)
    page = client.get("/messages/notifications/").content.decode()
    assert page.index("New message from Sipho Student") < page.index("Older, read")
    unread = Notification.objects.get(user=teacher, read_at__isnull=True)
    client.post("/messages/notifications/", {"id": unread.pk})
    unread.refresh_from_db()
    assert unread.read_at is not None and old.read_at is not None
    Notification.objects.create(user=teacher, kind="x", title="A")
    Notification.objects.create(user=teacher, kind="x", title="B")
    client.post("/messages/notifications/")
    assert not Notification.objects.filter(user=teacher, read_at__isnull=True).exists()


def test_the_unread_digest_is_sent_once_and_respects_the_opt_out(convo, settings):
    settings.MESSAGING_DIGEST_DELAY_MINUTES = 60
    Message.objects.update(created_at=timezone.now() - timedelta(hours=2))
    mail.outbox.clear()
    assert digests_send() == 1
    (digest,) = mail.outbox
    assert digest.to == [convo.teacher.email] and digest.subject == "You have 1 unread message"
    assert "Hello, a question" in digest.body and f"/messages/{convo.pk}/" in digest.body
    assert digests_send() == 0 and len(mail.outbox) == 1
    # A fresh message is not digested before the delay; an opted-out user gets none.
    message_send(conversation=convo, sender=convo.teacher, body="Reply")
    assert digests_send() == 0
    convo.student.email_opt_out = True
    convo.student.save()
    Message.objects.filter(body="Reply").update(created_at=timezone.now() - timedelta(hours=2))
    assert digests_send() == 0 and len(mail.outbox) == 1


def test_conversation_api(client, convo):
    teacher, student = convo.teacher, convo.student
    client.force_login(student)
    listing = client.get(f"{API}/conversations/").json()
    assert listing["count"] == 1 and listing["results"][0]["teacher"]["name"] == "Tess Teacher"
    refused = client.post(
        f"{API}/conversations/",
        {"course_id": convo.course_id, "teacher_id": student.pk},
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_teacher"
    upload = SimpleUploadedFile("a.txt", b"attached", content_type="text/plain")
    posted = client.post(f"{API}/conversations/{convo.pk}/messages/", {"body": "With a file", "files": [upload]})
    assert posted.status_code == 201, posted.content
    assert posted.json()["attachments"][0]["name"] == "a.txt"
    client.force_login(teacher)
    assert client.get(f"{API}/conversations/").json()["results"][0]["unread"] == 2
    history = client.get(f"{API}/conversations/{convo.pk}/messages/?page_size=1").json()
    assert history["count"] == 2 and history["results"][0]["body"] == "With a file" and history["next"]
    assert client.get(f"{API}/conversations/").json()["results"][0]["unread"] == 0
    notes = client.get(f"{API}/notifications/").json()
    assert notes["count"] == 1 and notes["results"][0]["kind"] == "message"
    nid = notes["results"][0]["id"]
    assert client.post(f"{API}/notifications/{nid}/read/").status_code == 200
    client.force_login(student)
    assert client.post(f"{API}/notifications/{nid}/read/").status_code == 404
    started = client.post(
        f"{API}/conversations/",
        {"course_id": convo.course_id, "teacher_id": teacher.pk, "body": "again"},
        content_type="application/json",
    )
    assert started.status_code == 201 and started.json()["id"] == convo.pk
    assert Conversation.objects.count() == 1
