"""An enrolled student types a question in their own words into "Ask this course" on the
course page and is led to the lesson and block that answer it."""

import pytest

from bench.ask_corpus import build_course
from learners.enrollment.services import enrollment_create
from tests.e2e.conftest import sign_in
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_question_in_plain_words_leads_to_the_answering_lesson(page, screenshot):
    student = make_user(email="asker@example.test", first_name="Naledi", last_name="Khumalo")
    course = build_course()
    enrollment_create(user=student, course=course)
    sign_in(page, student.email)
    page.goto(course.url)
    page.fill("#course-ask-q", "How long until my savings double?")
    page.get_by_role("button", name="Ask", exact=True).click()
    page.wait_for_url("**/ask/?q=*")
    first_three = page.locator(".search-result").all()[:3]
    assert any("Compound interest" in item.inner_text() for item in first_three)
    screenshot("ask-course-answers")
    page.locator(".search-result a", has_text="Compound interest").first.click()
    page.wait_for_url("**/compound-interest/#at-*")
    assert page.get_by_text("rule of 72").is_visible()
