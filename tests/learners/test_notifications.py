"""Students get an in-app notice when they enroll and when they complete a course."""

import pytest

from learners.services import enrollment_create, lesson_complete
from messaging.models import Notification
from tests.factories import lessons_of


@pytest.mark.django_db(transaction=True)
def test_enrollment_and_completion_notify_in_app(student, free_course):
    enrollment_create(user=student, course=free_course)
    notice = Notification.objects.get(user=student, kind="enrollment")
    assert notice.title == "You are enrolled in Free course" and notice.url == free_course.url
    for lesson in lessons_of(free_course):
        lesson_complete(user=student, lesson=lesson)
    assert Notification.objects.get(user=student, kind="completion").title == "You completed Free course"
    enrollment_create(user=student, course=free_course)  # enrolling twice notifies once
    assert Notification.objects.filter(user=student, kind="enrollment").count() == 1
