"""The header's unread counts are cached per user (messaging.selectors.unread_counts) and
must follow every change: a notification, a message, reading them."""

import pytest

from messaging.notify import notify
from messaging.selectors import unread_counts
from messaging.services import notification_mark_read

pytestmark = pytest.mark.django_db


def _header(client) -> str:
    return client.get("/dashboard/").content.decode()


def test_header_counts_follow_notifications_and_reads(client, student):
    client.force_login(student)
    assert 'aria-label="1 unread"' not in _header(client)  # cached: nothing unread
    notify(user=student, kind="test", title="First")
    assert 'aria-label="1 unread"' in _header(client)
    notify(user=student, kind="test", title="Second")
    assert unread_counts(user=student)["notifications"] == 2
    assert 'aria-label="2 unread"' in _header(client)
    notification_mark_read(user=student)
    assert unread_counts(user=student) == {"notifications": 0, "messages": 0}
    assert 'aria-label="2 unread"' not in _header(client)


def test_counts_are_each_users_own(student, instructor):
    notify(user=student, kind="test", title="Only for the student")
    assert unread_counts(user=instructor)["notifications"] == 0
    assert unread_counts(user=student)["notifications"] == 1
    assert unread_counts(user=instructor)["notifications"] == 0


@pytest.fixture
def conversation(instructor):
    """A student of the instructor's course has written to them: one unread message and notice."""
    from accounts.models import User
    from learners.enrollment.services import enrollment_create
    from messaging.services import conversation_start
    from tests.factories import make_course, make_user

    course = make_course(instructor=instructor, lessons=1)
    student = make_user(role=User.Role.STUDENT)
    enrollment_create(user=student, course=course)
    started, _ = conversation_start(student=student, teacher=instructor, course=course, body="Hello")
    return started


def test_a_new_message_counts_for_the_recipient_at_once(instructor, conversation):
    from messaging.services import message_send

    assert unread_counts(user=instructor)["messages"] == 1  # cached
    message_send(conversation=conversation, sender=conversation.student, body="And another thing")
    assert unread_counts(user=instructor)["messages"] == 2


def test_deleting_notifications_or_a_conversation_updates_the_counts(instructor, conversation):
    from messaging.models import Notification

    assert unread_counts(user=instructor) == {"messages": 1, "notifications": 1}  # cached
    Notification.objects.filter(user=instructor).delete()
    assert unread_counts(user=instructor)["notifications"] == 0
    conversation.delete()
    assert unread_counts(user=instructor)["messages"] == 0
