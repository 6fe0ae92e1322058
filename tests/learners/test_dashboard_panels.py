"""The student dashboard gathers what other areas hold for the student: certificates,
payments and upcoming live classes."""

import pytest

from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from tests.factories import lessons_of


@pytest.mark.django_db(transaction=True)
def test_dashboard_shows_courses_certificates_payments_and_live_panels(client, student, free_course):
    enrollment_create(user=student, course=free_course)
    for lesson in lessons_of(free_course):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    client.force_login(student)
    html = client.get("/dashboard/").content.decode()
    assert free_course.title in html
    assert 'id="certificates-heading"' in html and "/certificates/" in html
    assert 'id="payments-panel-title"' in html and "No payments yet." in html
    assert 'id="live-panel-title"' in html and "No live classes coming up." in html
