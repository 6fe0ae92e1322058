"""The catalog page: search, category (with subcategories), level and price filters,
pagination, and what a card shows."""

import pytest

from coursepages.models import Category
from learners.catalog import catalog_with_stats
from learners.enrollment.services import enrollment_create
from learners.models import Review
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(instructor):
    programming = Category.add_root(name="Programming")
    web = programming.add_child(name="Web development")
    data = Category.add_root(name="Data")
    courses = {
        "python": make_course(
            title="Python basics",
            instructor=instructor,
            category=programming,
            description="<p>Variables and loops</p>",
            difficulty="beginner",
        ),
        "django": make_course(
            title="Django sites",
            category=web,
            pricing="one_time",
            price_cents=49900,
            difficulty="intermediate",
            description="<p>Models and views</p>",
        ),
        "sheets": make_course(
            title="Spreadsheets",
            category=data,
            pricing="subscription",
            difficulty="beginner",
            description="<p>Pivot tables</p>",
        ),
    }
    make_course(title="Old course", category=data, archived=True)
    return courses


def titles(response):
    return [course.title for course in response.context["courses"]]


def test_catalog_lists_live_unarchived_courses_with_price_lines(client, catalog):
    response = client.get("/courses/")
    assert sorted(titles(response)) == ["Django sites", "Python basics", "Spreadsheets"]
    html = response.content.decode()
    assert "R499.00 incl. VAT" in html
    assert "Included in subscription" in html
    assert "Free" in html
    catalog["sheets"].unpublish()
    assert "Spreadsheets" not in titles(client.get("/courses/"))


def test_parent_category_includes_subcategories(client, catalog):
    assert sorted(titles(client.get("/courses/?category=programming"))) == ["Django sites", "Python basics"]
    assert titles(client.get("/courses/?category=web-development")) == ["Django sites"]


def test_difficulty_and_pricing_filters(client, catalog):
    assert titles(client.get("/courses/?difficulty=intermediate")) == ["Django sites"]
    assert titles(client.get("/courses/?pricing=subscription")) == ["Spreadsheets"]
    assert sorted(titles(client.get("/courses/?difficulty=beginner&pricing=free"))) == ["Python basics"]
    # An unknown value is ignored rather than emptying the page.
    assert len(titles(client.get("/courses/?difficulty=wizard"))) == 3


def test_full_text_search(client, catalog):
    assert titles(client.get("/courses/?q=pivot")) == ["Spreadsheets"]
    assert titles(client.get("/courses/?q=django")) == ["Django sites"]
    response = client.get("/courses/?q=nothingmatchesthis")
    assert titles(response) == [] and "No courses match" in response.content.decode()


def test_pagination_keeps_the_filters(client, instructor):
    category = Category.add_root(name="Many")
    for n in range(14):
        make_course(title=f"Course {n:02d}", lessons=1, category=category, instructor=instructor)
    first = client.get("/courses/?category=many")
    assert len(titles(first)) == 12
    assert 'href="?category=many&amp;page=2"' in first.content.decode()
    second = client.get("/courses/?category=many&page=2")
    assert len(titles(second)) == 2
    assert set(titles(first)).isdisjoint(titles(second))


def test_card_counts_lessons_students_and_rating(client, instructor):
    course = make_course(title="Rated", lessons=3, instructor=instructor)
    for rating in (4, 5):
        student = make_user()
        enrollment_create(user=student, course=course)
        Review.objects.create(user=student, course=course, rating=rating)
    annotated = catalog_with_stats().get(pk=course.pk)
    assert (annotated.lesson_count, annotated.student_count, annotated.rating_count) == (3, 2, 2)
    assert annotated.rating_avg == pytest.approx(4.5)
    html = client.get("/courses/").content.decode()
    assert "3 lessons" in html and "2 students" in html and "4.5 (2)" in html
    assert "Ivy Instructor" in html
