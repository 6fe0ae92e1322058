"""The instructor's home in the admin: "My courses" (menu entry and screen) and the dashboard
panel, with course status, new course, submissions to grade, recent enrollments and earnings;
and the "Add section" / "Add lesson" buttons that open the add form under the right parent."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from coursepages.models import CourseIndexPage, CoursePage, SectionPage
from learners.enrollment.services import enrollment_create
from learners.models import AssignmentSubmission
from payments.earnings.ledger import ledger_record_sale
from tests.factories import lessons_of, make_course, make_user

pytestmark = pytest.mark.django_db


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _add_url(model: str, parent) -> str:
    return reverse("wagtailadmin_pages:add", args=("coursepages", model, parent.pk))


@pytest.fixture
def teaching(instructor, other_instructor, student):
    from django.utils import timezone

    live = make_course(title="Live course", instructor=instructor, lessons=3)
    draft = make_course(title="Draft course", instructor=instructor, lessons=2)
    draft.unpublish()
    theirs = make_course(title="Their course", instructor=other_instructor, lessons=1)
    enrollment, _created = enrollment_create(user=student, course=live)
    AssignmentSubmission.objects.create(
        enrollment=enrollment, lesson=lessons_of(live)[0], block_id="b1", number=1, snapshot={"title": "Essay"}
    )
    ledger_record_sale(source_key="home-1", course=live, gross_cents=49900, currency="ZAR", occurred_at=timezone.now())
    return live, draft, theirs


def test_the_dashboard_panel_shows_the_instructors_courses_and_next_steps(client, instructor, teaching):
    client.force_login(instructor)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    text = _text(html)
    assert "My courses" in text
    assert "Live course Live 3 1" in text  # title, status, lessons, students
    assert "Draft course Draft 2 0" in text
    assert "Their course" not in text
    assert f'href="{_add_url("coursepage", CourseIndexPage.objects.get())}"' in html and "New course" in text
    assert "Submissions to grade: 1" in text
    assert "Sam Student joined Live course" in text
    # Earnings (from the payments app): R499.00 gross → instructor's share, still pending.
    assert re.search(r"Available R0\.00 · pending R\d+\.\d\d · paid out R0\.00", text)


def test_my_courses_is_in_the_menu_and_a_screen_of_its_own(client, instructor, teaching):
    client.force_login(instructor)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("lectern_my_courses") in home and "My courses" in home
    response = client.get(reverse("lectern_my_courses"))
    assert response.status_code == 200
    text = _text(response.content.decode())
    assert "Live course" in text and "Draft course" in text and "Their course" not in text


def test_students_have_no_instructor_home(client, student):
    client.force_login(student)
    assert client.get(reverse("lectern_my_courses")).status_code in (302, 403)


def test_an_admin_who_teaches_nothing_gets_no_panel(client):
    admin = make_user(role=User.Role.ADMIN, is_staff=True)
    client.force_login(admin)
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'id="instructor-home' not in html and reverse("lectern_my_courses") not in html


def test_the_panel_costs_the_same_queries_for_one_course_or_many(client, instructor):
    make_course(title="One", instructor=instructor, lessons=1)
    client.force_login(instructor)
    url = reverse("lectern_my_courses")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(3):
        make_course(title=f"More {n}", instructor=instructor, lessons=2)
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(one.captured_queries)


def test_course_and_section_pages_offer_add_section_and_add_lesson(client, instructor, teaching):
    live, _draft, theirs = teaching
    sections = list(SectionPage.objects.child_of(live).order_by("path"))
    client.force_login(instructor)
    for url in (reverse("wagtailadmin_pages:edit", args=[live.pk]), reverse("wagtailadmin_explore", args=[live.pk])):
        html = client.get(url).content.decode()
        assert f'href="{_add_url("sectionpage", live)}"' in html and "Add section" in html
        for section in sections:
            assert f'href="{_add_url("lessonpage", section)}"' in html
            assert f"Add lesson to “{section.title}”" in unescape(html)
    # The section's own screen, and its row in the course's explorer listing.
    section_html = client.get(reverse("wagtailadmin_pages:edit", args=[sections[0].pk])).content.decode()
    assert f'href="{_add_url("lessonpage", sections[0])}"' in section_html and "Add lesson" in section_html
    lesson_html = client.get(reverse("wagtailadmin_pages:edit", args=[lessons_of(live)[0].pk])).content.decode()
    assert f'href="{_add_url("lessonpage", sections[0])}"' in lesson_html
    # The buttons lead to the add form under that parent.
    assert client.get(_add_url("lessonpage", sections[0])).status_code == 200
    # Nothing to add to someone else's course.
    catalog_html = client.get(reverse("wagtailadmin_explore", args=[CourseIndexPage.objects.get().pk])).content.decode()
    assert _add_url("sectionpage", theirs) not in catalog_html
    assert _add_url("sectionpage", live) in catalog_html  # the listing's row menu


def test_a_course_without_sections_offers_only_add_section(client, instructor):
    course = CoursePage(title="Empty", slug="empty", summary="S", owner=instructor)
    CourseIndexPage.objects.get().add_child(instance=course)
    client.force_login(instructor)
    html = unescape(client.get(reverse("wagtailadmin_pages:edit", args=[course.pk])).content.decode())
    assert "Add section" in html and "Add lesson to" not in html
