"""Moderators act on reported messages from the admin's report screen: hide one from the other
participant (its sender still sees it, marked), delete it (neither participant sees it or its
files), or show it again; each decision is in Wagtail's audit log with who made it."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import ModelLogEntry

from accounts.models import User
from accounts.roles import MODERATORS_GROUP
from learners.enrollment.services import enrollment_create
from messaging.models import Message, MessageReport
from messaging.selectors import unread_counts
from messaging.services import MessagingError, conversation_start, message_moderate, message_report, message_send
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def convo():
    teacher = make_user(role=User.Role.INSTRUCTOR, first_name="Tess", last_name="Teacher")
    course = make_course(title="Statistics", instructor=teacher, lessons=1)
    student = make_user(first_name="Sipho", last_name="Student")
    enrollment_create(user=student, course=course)
    conversation, _ = conversation_start(student=student, teacher=teacher, course=course, body="Hello, a question")
    return conversation


@pytest.fixture
def abuse(convo):
    upload = SimpleUploadedFile("insult.txt", b"rude words", content_type="text/plain")
    message = message_send(conversation=convo, sender=convo.student, body="You are useless", files=[upload])
    report = message_report(message=message, reporter=convo.teacher, reason="Insulting")
    return message, report


@pytest.fixture
def moderator():
    user = make_user(role=User.Role.INSTRUCTOR, first_name="Mo", last_name="Moderator")
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


def _thread(client, convo) -> str:
    return client.get(f"/messages/{convo.pk}/").content.decode()


def test_a_moderator_hides_a_reported_message_from_the_report_screen(client, convo, abuse, moderator):
    message, report = abuse
    client.force_login(moderator)
    queue = client.get("/admin/message_reports/").content.decode()
    assert "You are useless" in queue and "Insulting" in queue
    assert f"/messages/{convo.pk}/" not in queue  # opening whole conversations stays with admins
    form = client.get(f"/admin/message_reports/edit/{report.pk}/").content.decode()
    assert 'name="message_action"' in form
    assert "Reported by, and why" in form and "Insulting" in form  # the report's reason, read only
    response = client.post(
        f"/admin/message_reports/edit/{report.pk}/",
        {"status": "resolved", "moderator_note": "Abusive", "message_action": "hidden"},
    )
    assert response.status_code == 302, response.content
    message.refresh_from_db()
    report.refresh_from_db()
    assert report.status == "resolved" and message.is_hidden and message.moderated_by == moderator
    hide = ModelLogEntry.objects.get(action="lectern.moderation_hide", object_id=str(message.pk))
    assert hide.user_id == moderator.pk and hide.content_type.model == "message"
    assert ModelLogEntry.objects.filter(action="messaging.report_resolved", user_id=moderator.pk).exists()

    teacher, student = convo.teacher, convo.student
    attachment = message.attachments.get()
    client.force_login(teacher)
    assert "You are useless" not in _thread(client, convo)
    assert "You are useless" not in client.get(f"/messages/{convo.pk}/poll/?after=0").content.decode()
    api = client.get(f"{API}/conversations/{convo.pk}/messages/").json()
    assert [m["body"] for m in api["results"]] == ["Hello, a question"]
    assert client.get(f"/messages/attachment/{attachment.pk}/").status_code == 404
    client.force_login(student)
    own = _thread(client, convo)
    assert "You are useless" in own and "Hidden by a moderator" in own
    mine = client.get(f"{API}/conversations/{convo.pk}/messages/").json()["results"]
    assert [(m["body"], m["moderation"]) for m in mine][-1] == ("You are useless", "hidden")
    assert client.get(f"/messages/attachment/{attachment.pk}/").status_code == 200


def test_a_deleted_message_is_gone_for_both_and_no_longer_unread(client, convo, abuse, admin_user):
    message, report = abuse
    teacher = convo.teacher
    assert unread_counts(user=teacher)["messages"] == 2  # the greeting and the abuse
    client.force_login(admin_user)
    client.post(
        f"/admin/message_reports/edit/{report.pk}/",
        {"status": "resolved", "moderator_note": "", "message_action": "deleted"},
    )
    message.refresh_from_db()
    assert message.is_deleted
    assert unread_counts(user=teacher)["messages"] == 1
    attachment = message.attachments.get()
    for user in (convo.student, teacher):
        client.force_login(user)
        assert "You are useless" not in _thread(client, convo)
        assert client.get(f"/messages/attachment/{attachment.pk}/").status_code == 404
    # The logged moderation view still shows it to an admin, marked.
    client.force_login(admin_user)
    moderation_view = _thread(client, convo)
    assert "You are useless" in moderation_view and "Deleted by a moderator" in moderation_view
    # Undo.
    client.post(
        f"/admin/message_reports/edit/{report.pk}/",
        {"status": "resolved", "moderator_note": "", "message_action": "visible"},
    )
    client.force_login(teacher)
    assert "You are useless" in _thread(client, convo)
    assert list(
        ModelLogEntry.objects.filter(object_id=str(message.pk), content_type__model="message")
        .order_by("timestamp", "pk")
        .values_list("action", flat=True)
    ) == ["lectern.moderation_delete", "lectern.moderation_restore"]


def test_leaving_the_message_as_it_is_only_resolves_the_report(client, convo, abuse, admin_user):
    message, report = abuse
    client.force_login(admin_user)
    client.post(
        f"/admin/message_reports/edit/{report.pk}/",
        {"status": "dismissed", "moderator_note": "Fine", "message_action": "keep"},
    )
    message.refresh_from_db()
    assert MessageReport.objects.get().status == "dismissed" and message.is_visible
    assert not ModelLogEntry.objects.filter(content_type__model="message").exists()


def test_only_moderators_moderate_messages(client, convo, abuse):
    message, report = abuse
    for user in (convo.student, convo.teacher):
        with pytest.raises(MessagingError) as refused:
            message_moderate(message=message, moderator=user, state="deleted")
        assert refused.value.code == "forbidden"
    client.force_login(convo.teacher)
    client.post(
        f"/admin/message_reports/edit/{report.pk}/",
        {"status": "resolved", "moderator_note": "", "message_action": "deleted"},
    )
    assert Message.objects.get(pk=message.pk).is_visible
