"""The home page is an editable Wagtail page of sections (hero, featured courses, categories,
instructors, testimonials, call to action) that the demo fills; course cards show the course's
image, or a generated cover with its initials."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.test.utils.form_data import streamfield

from blocks.raw import home_sections
from coursepages.models import CoursePage, HomePage
from tests.coursepages.editor import post_edit
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


def test_the_demo_home_page_shows_every_section_with_course_images(client):
    call_command("seed_demo")
    html = client.get("/").content.decode()
    assert "Learn skills that pay, at your own pace" in html and 'class="home-hero-image"' in html
    featured = html[html.index('class="home-section"') :]
    for slug in ("python-for-beginners", "django-web-development", "data-analysis-spreadsheets"):
        course = CoursePage.objects.get(slug=slug)
        assert course.thumbnail is not None
        assert f'href="{course.url}"' in featured
    assert featured.count("<img") >= 3 and "card-image-blank" not in featured.split("home-categories")[0]
    assert 'href="/courses/?category=programming"' in html
    assert "Thandi Nkosi" in html and "Pieter van Wyk" in html  # the instructors
    assert "The VAT arithmetic finally makes sense." in html
    assert 'href="/accounts/signup/">Create your account</a>' in html


def test_an_editor_publishes_home_sections_from_the_wagtail_editor(client, admin_client):
    home = HomePage.objects.get()
    fields = {
        "sections": streamfield(
            [
                (
                    "call_to_action",
                    {
                        "heading": "Join the next cohort",
                        "text": "",
                        "link": {"label": "Sign up", "url": "/accounts/signup/"},
                    },
                ),
                ("categories", {"heading": "Topics we teach"}),
            ]
        )
    }
    response = post_edit(admin_client, home, fields, action="action-publish")
    assert response.status_code == 302, response.content.decode()[:2000]
    home.refresh_from_db()
    assert [block.block_type for block in home.sections] == ["call_to_action", "categories"]
    html = client.get("/").content.decode()
    assert "Join the next cohort" in html and "Topics we teach" in html


def test_the_home_page_renders_in_a_fixed_number_of_queries(client, student):
    home = HomePage.objects.get()
    client.force_login(student)  # past the anonymous page cache

    def render_with(count):
        courses = [
            make_course(title=f"Course {n}", instructor=make_user(first_name=f"Teacher{n}")) for n in range(count)
        ]
        home.sections = home_sections(
            [
                ("featured_courses", {"heading": "Featured", "courses": [c.pk for c in courses]}),
                ("categories", {"heading": "Topics"}),
                ("instructors", {"heading": "Teachers"}),
            ]
        )
        home.save_revision().publish()
        client.get("/")  # warm the per-site caches
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/").content.decode()
        return html, len(queries)

    html_two, two = render_with(2)
    assert "Course 1" in html_two and "Teacher1" in html_two
    html_five, five = render_with(5)
    assert "Course 4" in html_five and "Teacher4" in html_five
    assert five == two  # not one query per course or instructor


def test_a_course_without_an_image_gets_a_generated_cover_with_its_initials(client):
    course = make_course(title="Web Development with Django")
    html = client.get("/courses/").content.decode()
    assert f'card-image card-image-blank tone-{course.pk % 6}" aria-hidden="true"><span>WD</span>' in html
