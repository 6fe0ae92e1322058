"""Students get an in-app notice when they enroll and when they complete a course."""

import pytest

from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from messaging.models import Notification
from tests.factories import lessons_of


@pytest.mark.django_db(transaction=True)
def test_enrollment_and_completion_notify_in_app(student, free_course):
    enrollment_create(user=student, course=free_course)
    notice = Notification.objects.get(user=student, kind="enrollment")
    assert notice.title == "You are enrolled in Free course" and notice.url == free_course.url
    for lesson in lessons_of(free_course):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    assert Notification.objects.get(user=student, kind="completion").title == "You completed Free course"
    enrollment_create(user=student, course=free_course)  # enrolling twice notifies once
    assert Notification.objects.filter(user=student, kind="enrollment").count() == 1


@pytest.mark.django_db(transaction=True)
def test_enrollment_and_completion_email_in_text_and_html(student, free_course, mailoutbox):
    enrollment_create(user=student, course=free_course)
    for lesson in lessons_of(free_course):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    by_subject = {message.subject: message for message in mailoutbox}
    enrolled = by_subject["You are enrolled in Free course"]
    assert enrolled.to == [student.email]
    assert "Start with the first lesson" in enrolled.body
    html, mimetype = enrolled.alternatives[0]
    assert mimetype == "text/html" and "You are enrolled in Free course</h1>" in html
    assert "You completed Free course" in by_subject


@pytest.mark.django_db(transaction=True)
def test_opt_out_stops_learning_email_but_not_the_certificate(student, free_course, mailoutbox):
    student.email_opt_out = True
    student.save(update_fields=["email_opt_out"])
    enrollment_create(user=student, course=free_course)
    for lesson in lessons_of(free_course):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    subjects = [message.subject for message in mailoutbox]
    assert not any(subject.startswith(("You are enrolled", "You completed")) for subject in subjects)
    assert any("certificate" in subject.lower() for subject in subjects)  # essential mail still goes
    assert Notification.objects.filter(user=student, kind__in=["enrollment", "completion"]).count() == 2


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_notification_email_is_delivered_by_a_real_celery_worker(celery_worker, student, free_course, mailoutbox):
    import time
    from email import message_from_bytes

    enrollment_create(user=student, course=free_course)
    assert Notification.objects.filter(user=student, kind="enrollment").exists()  # in-app at once
    deadline = time.monotonic() + 60
    files = []
    while time.monotonic() < deadline and not files:
        files = sorted(celery_worker.mail_dir.glob("*.log")) if celery_worker.mail_dir.exists() else []
        time.sleep(0.2)
    assert files, "the worker sent no email within 60 s"
    message = message_from_bytes(files[0].read_bytes())
    assert message["To"] == student.email
    assert message["Subject"] == "You are enrolled in Free course"
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "Start with the first lesson" in parts["text/plain"]
    assert "You are enrolled in Free course</h1>" in parts["text/html"]
    assert mailoutbox == []  # sent by the worker process, not by this one
