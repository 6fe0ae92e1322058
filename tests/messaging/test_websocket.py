"""Live delivery over WebSockets through a real Redis channel layer (channels_redis on
REDIS_URL): the full ASGI application, signed in with the session cookie."""

import os

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client

from accounts.models import User
from learners.enrollment.services import enrollment_create
from messaging.services import conversation_start, message_send
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_layer(settings):
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs Redis: run with REDIS_URL=redis://…")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [url], "prefix": "test-live-ws"},
        }
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def _cookie_for(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def _communicator(conversation_id, cookie):
    from config.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie is not None:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, f"/ws/messages/{conversation_id}/", headers=headers)


def test_messages_read_receipts_and_typing_arrive_live(redis_layer):
    teacher = make_user(role=User.Role.INSTRUCTOR, first_name="Tess", last_name="Teacher")
    course = make_course(instructor=teacher, lessons=1)
    student = make_user(first_name="Sipho", last_name="Student")
    enrollment_create(user=student, course=course)
    conversation, _ = conversation_start(student=student, teacher=teacher, course=course)
    cookies = {
        who: _cookie_for(user) for who, user in (("teacher", teacher), ("student", student), ("outsider", make_user()))
    }

    async def scenario():
        teacher_ws = _communicator(conversation.pk, cookies["teacher"])
        student_ws = _communicator(conversation.pk, cookies["student"])
        assert (await teacher_ws.connect())[0] and (await student_ws.connect())[0]
        stranger_ws = _communicator(conversation.pk, cookies["outsider"])
        connected, code = await stranger_ws.connect()
        assert not connected and code == 4403
        anonymous_ws = _communicator(conversation.pk, None)
        assert not (await anonymous_ws.connect())[0]

        message = await sync_to_async(message_send)(conversation=conversation, sender=student, body="Live hello")
        event = await teacher_ws.receive_json_from(timeout=5)
        assert event["type"] == "message" and event["message"]["id"] == message.pk
        assert event["message"]["body"] == "Live hello" and event["message"]["sender_name"] == "Sipho Student"
        assert (await student_ws.receive_json_from(timeout=5))["message"]["id"] == message.pk

        await student_ws.send_json_to({"type": "typing"})
        typing = await teacher_ws.receive_json_from(timeout=5)
        assert typing == {"type": "typing", "user_id": student.pk, "name": "Sipho Student"}
        assert await student_ws.receive_nothing(timeout=0.3)  # nobody sees their own typing

        await sync_to_async(message_send)(conversation=conversation, sender=teacher, body="Hi back")
        # The teacher replying marks the student's message read: a receipt goes to the student.
        received = [await student_ws.receive_json_from(timeout=5) for _ in range(2)]
        kinds = {e["type"]: e for e in received}
        assert kinds["read"]["up_to"] == message.pk and kinds["read"]["reader_id"] == teacher.pk
        assert kinds["message"]["message"]["body"] == "Hi back"
        await teacher_ws.disconnect()
        await student_ws.disconnect()

    async_to_sync(scenario)()
