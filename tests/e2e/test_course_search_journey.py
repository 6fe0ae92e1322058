"""A visitor searches the catalog for a word that appears only inside a lesson and finds the
course; searching the course shows the lesson as a locked result without its text; once
enrolled, the same search shows the highlighted snippet and leads to the block."""

import pytest

from coursepages.passages import passages_rebuild
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_word_only_in_a_lesson_is_found_and_shown_as_access_allows(page, screenshot):
    student = make_user(email="searcher@example.test", first_name="Ayanda", last_name="Dube")
    course = make_course(
        title="Household finance",
        sections=[
            (
                "Money basics",
                [
                    ("Budgets", [("rich_text", "<p>Plan every rand before the month begins.</p>")], {}),
                    (
                        "Compound interest",
                        [("markdown", "Interest on interest: the **amortisation** table shows it.")],
                        {},
                    ),
                ],
            )
        ],
    )
    make_course(title="Gardening")
    passages_rebuild()

    page.goto("/courses/?q=amortisation")
    assert page.get_by_role("link", name="Household finance").first.is_visible()
    assert page.get_by_text("Gardening").count() == 0

    page.goto(course.url)
    page.fill("#course-search-q", "amortisation")
    page.get_by_role("button", name="Search", exact=True).click()
    result = page.locator(".search-result").first
    assert "Compound interest" in result.inner_text() and "Found in a locked lesson" in result.inner_text()
    assert page.locator("mark").count() == 0
    screenshot("course-search-locked")

    sign_in(page, student.email)
    page.goto(course.url)
    page.click("text=Enroll for free")
    page.goto(f"/learn/courses/{course.pk}/search/?q=amortisation")
    assert page.locator(".search-result mark").first.inner_text().lower() == "amortisation"
    screenshot("course-search-enrolled")
    page.locator(".search-result a").first.click()
    page.wait_for_url("**/compound-interest/#at-*")
    assert page.get_by_text("table shows it").is_visible()
