"""The course page's button and outline, and the lesson player: body or lock reason, marks,
previous/next, progress, mark complete, resume."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coursepages.models import LessonPage
from learners.access import learning_context_for
from learners.enrollment.services import enrollment_create, lesson_complete
from learners.models import Enrollment, LessonProgress
from payments.models import Plan, Subscription
from tests.factories import lessons_of, make_course, text_lesson

pytestmark = pytest.mark.django_db


def action(response):
    return response.context["action"]["kind"]


def test_course_page_button_for_each_viewer(client, student, free_course):
    assert action(client.get(free_course.url)) == "enroll"
    assert "Sign in to enroll" in client.get(free_course.url).content.decode()
    client.force_login(student)
    paid = make_course(pricing="one_time", price_cents=49900)
    response = client.get(paid.url)
    assert action(response) == "buy"
    assert f'href="/payments/checkout/?course={paid.pk}"' in response.content.decode()
    included = make_course(pricing="subscription")
    assert action(client.get(included.url)) == "subscribe"
    plan = Plan.objects.create(name="Monthly", slug="monthly", price_cents=19900)
    Subscription.objects.create(
        user=student, plan=plan, status="active", current_period_end=timezone.now() + timedelta(days=3)
    )
    assert action(client.get(included.url)) == "subscription_enroll"
    client.post(f"/learn/courses/{included.pk}/enroll/")
    assert Enrollment.objects.get(user=student, course=included).source == "subscription"
    response = client.get(included.url)
    assert action(response) == "continue"


def test_enroll_view_twice_is_a_no_op_with_a_message(client, student, free_course):
    client.force_login(student)
    client.post(f"/learn/courses/{free_course.pk}/enroll/")
    response = client.post(f"/learn/courses/{free_course.pk}/enroll/", follow=True)
    assert response.status_code == 200
    assert "already enrolled" in response.content.decode()
    assert Enrollment.objects.filter(user=student).count() == 1


def test_enroll_view_refuses_a_paid_course(client, student):
    paid = make_course(pricing="one_time", price_cents=100)
    client.force_login(student)
    response = client.post(f"/learn/courses/{paid.pk}/enroll/", follow=True)
    assert "must be bought" in response.content.decode()
    assert not Enrollment.objects.exists()


def test_locked_lesson_shows_the_reason_never_the_body(client, student):
    course = make_course(
        sections=[
            (
                "S",
                [
                    ("Basics", [("rich_text", "<p>BASICS-BODY</p>")], {}),
                    ("Advanced", [("rich_text", "<p>SECRET-BODY</p>")], {}),
                ],
            )
        ]
    )
    basics, advanced = lessons_of(course)
    advanced.prerequisites.set([basics])
    advanced.save()
    anonymous = client.get(advanced.url).content.decode()
    assert "SECRET-BODY" not in anonymous and 'data-lock-reason="not_enrolled"' in anonymous
    client.force_login(student)
    enrollment_create(user=student, course=course)
    html = client.get(advanced.url).content.decode()
    assert "SECRET-BODY" not in html
    assert "Complete “Basics” first." in html
    assert f'href="{basics.url}"' in html
    lesson_complete(context=learning_context_for(user=student, lesson=basics))
    assert "SECRET-BODY" in client.get(advanced.url).content.decode()


def test_player_marks_progress_and_neighbours(client, student):
    course = make_course(sections=[("S", [text_lesson("One"), text_lesson("Two"), text_lesson("Three")])])
    one, two, three = lessons_of(course)
    enrollment_create(user=student, course=course)
    lesson_complete(context=learning_context_for(user=student, lesson=one))
    client.force_login(student)
    response = client.get(two.url)
    context = response.context
    assert (context["previous_lesson"].lesson.pk, context["next_lesson"].lesson.pk) == (one.pk, three.pk)
    assert context["progress"].percent == 33
    html = response.content.decode()
    assert f'data-lesson-id="{one.pk}" data-state="done"' in html
    assert 'aria-current="page">Two' in html
    assert "Mark complete and continue" in html
    assert "js/lesson-player.js" in html
    # Resume: the visit is the enrollment's last lesson, and the course page continues there.
    assert Enrollment.objects.get(user=student).last_lesson_id == two.pk
    assert client.get(course.url).context["action"]["lesson"].lesson.pk == two.pk


def test_mark_complete_form_completes_and_moves_on(client, student):
    course = make_course(lessons=2)
    first, second = lessons_of(course)
    enrollment_create(user=student, course=course)
    client.force_login(student)
    response = client.post(f"/learn/lessons/{first.pk}/complete/", {"next": second.url})
    assert response.status_code == 302 and response["Location"] == second.url
    assert LessonProgress.objects.get(lesson=first).status == "completed"
    client.post(f"/learn/lessons/{second.pk}/complete/")
    assert Enrollment.objects.get(user=student).status == Enrollment.Status.COMPLETED
    assert client.get(course.url).context["progress"].percent == 100


def test_mark_complete_refused_when_locked_or_not_enrolled(client, student, free_course):
    client.force_login(student)
    lesson = lessons_of(free_course)[0]
    response = client.post(f"/learn/lessons/{lesson.pk}/complete/", follow=True)
    assert "Enroll in this course" in response.content.decode()
    assert not LessonProgress.objects.exists()


def test_free_preview_lesson_shows_body_to_visitors(client):
    course = make_course(
        pricing="one_time",
        price_cents=100,
        sections=[("S", [("Intro", [("rich_text", "<p>PREVIEW-BODY</p>")], {"free_preview": True})])],
    )
    html = client.get(lessons_of(course)[0].url).content.decode()
    assert "PREVIEW-BODY" in html and "free preview" in html


def test_section_page_lists_its_lessons(client, free_course):
    section = free_course.get_children().first()
    response = client.get(section.url)
    assert [item.lesson.title for item in response.context["outline"].lessons] == ["Lesson 1", "Lesson 2", "Lesson 3"]


def test_unknown_lesson_path_is_404(client, free_course):
    assert client.get(free_course.url + "section-1/no-such-lesson/").status_code == 404


def test_routing_from_the_home_page_finds_each_level_and_nothing_else(client, free_course):
    section = free_course.get_children().first()
    lesson = lessons_of(free_course)[0]
    for page in (free_course, section, lesson):
        response = client.get(page.url)
        assert response.status_code == 200 and response.context["page"].pk == page.pk
    assert client.get("/courses/").status_code == 200
    assert client.get(lesson.url + "deeper/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404
    assert client.get("/courses/no-such-course/section-1/").status_code == 404
    LessonPage.objects.get(pk=lesson.pk).unpublish()
    assert client.get(lesson.url).status_code == 404


def test_the_cached_site_follows_site_changes(client, free_course):
    from wagtail.models import Site

    assert client.get(free_course.url).status_code == 200  # the site lookup is cached now
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.is_default_site = "elsewhere.test", False
    site.save()
    assert client.get(free_course.url).status_code == 404  # no site answers for testserver any more
    assert client.get(free_course.url, HTTP_HOST="elsewhere.test").status_code == 200
