"""The finish moment: completing the last lesson opens the course-complete page (certificate
with download, verification and share links, a prompt to rate, what to take next); the lesson
page says the course is finished; the player can redraw the outline when an activity
completes the lesson (the video API says so)."""

import pytest
from django.urls import reverse

from certificates.models import Certificate
from coursepages.models import Category
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import Review
from tests.factories import lessons_of, make_course

pytestmark = pytest.mark.django_db(transaction=True)  # the certificate is issued on commit


def _courses():
    baking = Category.add_root(name="Baking")
    finished = make_course(title="Bread baking", lessons=2, category=baking)
    same_category = make_course(title="Sourdough", lessons=1, category=baking)
    other = make_course(title="Knots", lessons=1)
    return finished, same_category, other


def test_completing_the_last_lesson_opens_the_finish_moment(client, student):
    course, same_category, other = _courses()
    first, last = lessons_of(course)
    enrollment_create(user=student, course=course)
    client.force_login(student)
    response = client.post(reverse("learners:lesson_complete", args=[first.pk]), {"next": last.url})
    assert response.url == last.url  # not the last lesson: on to the next one
    response = client.post(reverse("learners:lesson_complete", args=[last.pk]))
    finish_url = reverse("learners:course_finished", args=[course.pk])
    assert response.status_code == 302 and response.url == finish_url

    certificate = Certificate.objects.get(user=student, course=course)
    html = client.get(finish_url).content.decode()
    assert "You finished Bread baking" in html
    assert f'href="{certificate.get_download_url()}"' in html
    assert f'href="{certificate.get_verify_url()}"' in html
    assert f'value="http://testserver{certificate.get_verify_url()}"' in html  # the share link, absolute
    assert "linkedin.com/sharing/share-offsite/?url=http%3A%2F%2Ftestserver%2Fcertificates%2Fverify%2F" in html
    assert 'name="rating"' in html and reverse("learners:course_review", args=[course.pk]) in html
    next_up = html[html.index('id="finish-next"') :]
    assert next_up.index("Sourdough") < next_up.index("Knots")  # the same category first
    assert "Bread baking</a></h3>" not in next_up


def test_rating_from_the_finish_moment_comes_back_to_it(client, student):
    course, *_ = _courses()
    enrollment_create(user=student, course=course)
    for lesson in lessons_of(course):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    client.force_login(student)
    finish_url = reverse("learners:course_finished", args=[course.pk])
    response = client.post(
        reverse("learners:course_review", args=[course.pk]), {"rating": "5", "body": "Lovely", "next": finish_url}
    )
    assert response.url == finish_url
    assert Review.objects.get(user=student, course=course).rating == 5
    html = client.get(finish_url).content.decode()
    assert "Your rating" in html and 'name="rating"' not in html and "Lovely" in html


def test_the_finish_moment_is_only_for_students_who_finished(client, student):
    course, *_ = _courses()
    client.force_login(student)
    url = reverse("learners:course_finished", args=[course.pk])
    assert client.get(url).url == course.url
    enrollment_create(user=student, course=course)
    assert client.get(url).url == course.url
    client.logout()
    assert client.get(url).status_code == 302 and "login" in client.get(url).url


def test_lesson_and_course_pages_say_the_course_is_finished_and_carry_the_live_outline_script(client, student):
    course, *_ = _courses()
    first, last = lessons_of(course)
    enrollment_create(user=student, course=course)
    client.force_login(student)
    html = client.get(first.url).content.decode()
    assert 'id="course-finished-notice" role="status" hidden' in html  # shown by the script at 100%
    assert 'data-lessons-done="0" data-lessons-total="2"' in html
    assert "js/lesson-outline.js" in html and "<script>" not in html
    for lesson in (first, last):
        lesson_complete(context=learning_context_for(user=student, lesson=lesson))
    html = client.get(first.url).content.decode()
    assert "You have finished this course." in html
    assert reverse("learners:course_finished", args=[course.pk]) in html
    course_page = client.get(course.url).content.decode()
    assert "You finished this course." in course_page
    assert reverse("learners:course_finished", args=[course.pk]) in course_page
