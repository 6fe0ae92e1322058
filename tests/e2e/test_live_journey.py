"""A student books a live class, the teacher approves it, both see the join link; then they
exchange messages. The e2e live server is WSGI (no WebSockets), so the browser exercises the
polling fallback; WebSocket delivery is tested with Channels in tests/messaging/test_websocket.py."""

import re

import pytest

from live.models import LiveSession
from messaging.models import Message
from tests.e2e.conftest import sign_in
from tests.live.helpers import enrolled_student, teacher_with_course

pytestmark = pytest.mark.django_db(transaction=True)


def test_book_approve_join_link_and_messages(page, screenshot, browser, live_server):
    from django.core.cache import cache

    cache.clear()  # allauth's sign-in rate limits count earlier tests' logins from 127.0.0.1
    teacher, course = teacher_with_course(tz="Europe/London")
    student = enrolled_student(
        course, tz="Africa/Johannesburg", first_name="Sipho", last_name="Student", email="sipho@example.test"
    )

    # The student books the first free slot, shown in Johannesburg time.
    sign_in(page, student.email)
    page.goto("/live/book/")
    page.click("text=See free times")
    page.fill("#id_topic", "Past tense")
    first_slot = page.locator(".slot-list button").first
    label = first_slot.inner_text()
    screenshot("live-01-student-free-slots")
    first_slot.click()
    page.wait_for_url(re.compile(r"/live/\d+/$"))
    assert "Requested" in page.content()
    session = LiveSession.objects.get()
    assert session.starts_at.astimezone(student.tzinfo).strftime("%H:%M") == label

    # The teacher approves from their dashboard, in a second browser.
    teacher_context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    teacher_page = teacher_context.new_page()
    teacher_page.set_default_timeout(15_000)
    sign_in(teacher_page, teacher.email)
    teacher_page.goto("/live/")
    assert "Waiting for your decision" in teacher_page.content()
    teacher_page.click(".session h3 a")
    teacher_page.click("button:has-text('Approve')")
    teacher_page.wait_for_selector("#join-link")
    assert teacher_page.get_attribute("#join-link", "href") == f"/live/{session.pk}/join/"

    page.reload()
    assert page.get_attribute("#join-link", "href") == f"/live/{session.pk}/join/"
    assert "Approved" in page.content()
    screenshot("live-02-student-sees-join-link")

    # Messages: the student writes; the teacher's open conversation receives it by polling.
    page.goto("/messages/new/")
    page.fill("#body", "Looking forward to it!")
    page.click("#new-conversation button[type=submit]")
    page.wait_for_url(re.compile(r"/messages/\d+/$"))
    conversation_url = page.url
    teacher_page.goto(conversation_url)
    teacher_page.wait_for_selector("#thread[data-mode=polling]")
    assert "Looking forward to it!" in teacher_page.inner_text("#thread")
    teacher_page.fill("#body", "Me too. Bring your questions.")
    teacher_page.click("#composer button[type=submit]")
    teacher_page.wait_for_function("document.querySelector('#body').value === ''")
    page.wait_for_selector("text=Me too. Bring your questions.", timeout=10_000)
    # The student has the conversation open, so the teacher's view flips "Sent" to "Seen".
    teacher_page.wait_for_selector("li[data-mine='1'] .receipt:has-text('Seen')", timeout=10_000)
    screenshot("live-03-student-conversation")
    assert Message.objects.count() == 2 and Message.objects.filter(read_at__isnull=False).count() == 2
    teacher_context.close()
