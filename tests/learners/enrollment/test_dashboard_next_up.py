"""The dashboard does not mislead: a finished course is listed with its certificate (never "not
enrolled"), "Next up" / "Continue" open the first unfinished lesson, "last studied" reads
naturally."""

from datetime import timedelta

import pytest
from django.utils import timezone

from certificates.models import Certificate
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import Enrollment
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db(transaction=True)  # the certificate is issued on commit


def test_a_student_whose_only_course_is_complete_sees_it_with_its_certificate(client, student):
    course = make_course(title="Bread baking", lessons=2)
    enrollment_create(user=student, course=course)
    for lesson in lessons_of(course):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    certificate = Certificate.objects.get(user=student, course=course)
    client.force_login(student)
    html = client.get("/dashboard/").content.decode()
    assert "not enrolled in any course" not in html
    assert "You have finished every course you are enrolled in" in html
    completed = html[html.index('id="completed-courses"') :]
    assert "Bread baking" in completed
    assert f'href="{certificate.get_download_url()}"' in completed
    assert f'href="{certificate.get_verify_url()}"' in completed


def test_next_up_and_continue_open_the_first_unfinished_lesson_not_the_last_opened(client, student):
    course = make_course(title="Knots", lessons=3)
    first, second, third = lessons_of(course)
    enrollment_create(user=student, course=course)
    client.force_login(student)
    for lesson in (first, second):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    client.get(first.url)  # revisiting a finished lesson makes it the last opened one
    assert Enrollment.objects.get(user=student, course=course).last_lesson_id == first.pk
    html = client.get("/dashboard/").content.decode()
    assert f'<a class="button" href="{third.url}">Continue' in html
    assert "Next up: Lesson 3" in html and f'href="{first.url}"' not in html
    course_page = client.get(course.url).content.decode()
    assert f'href="{third.url}"' in course_page


def test_a_new_enrollment_starts_at_the_first_lesson(client, student):
    course = make_course(title="Knots", lessons=2)
    enrollment_create(user=student, course=course)
    client.force_login(student)
    html = client.get("/dashboard/").content.decode()
    assert f'<a class="button" href="{lessons_of(course)[0].url}">Start' in html


def test_last_studied_reads_naturally(client, student):
    course = make_course(lessons=2)
    enrollment, _ = enrollment_create(user=student, course=course)
    client.force_login(student)
    Enrollment.objects.filter(pk=enrollment.pk).update(last_accessed_at=timezone.now())
    html = client.get("/dashboard/").content.decode()
    assert "last studied now" in html and "0 minutes" not in html
    Enrollment.objects.filter(pk=enrollment.pk).update(last_accessed_at=timezone.now() - timedelta(hours=3))
    assert "last studied 3\xa0hours ago" in client.get("/dashboard/").content.decode()
