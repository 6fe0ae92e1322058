"""A student asks on a lesson page, the instructor answers in the thread and marks it the
answer: it is pinned under the question and the student is notified. A classmate's rude reply
is reported and a moderator hides it from the report queue in the Wagtail admin."""

import pytest

from accounts.models import User
from discussions.models import Post, PostReport, Thread
from learners.enrollment.services import enrollment_create
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user, text_lesson

pytestmark = pytest.mark.django_db(transaction=True)


def test_ask_on_a_lesson_answer_pinned_and_notified_then_a_report_hidden(page, screenshot, admin_user):
    teacher = make_user(role=User.Role.INSTRUCTOR, email="teacher@example.test", first_name="Thandi", last_name="Nkosi")
    student = make_user(email="asker@example.test", first_name="Lindiwe", last_name="Mahlangu")
    classmate = make_user(email="classmate@example.test", first_name="Pieter", last_name="Botha")
    course = make_course(
        title="Statistics for people",
        instructor=teacher,
        sections=[("Basics", [text_lesson("Hypothesis tests"), text_lesson("Confidence intervals")])],
    )
    for user in (student, classmate):
        enrollment_create(user=user, course=course)
    lesson = course.lessons()[0]

    # The student asks on the lesson page.
    sign_in(page, student.email)
    page.goto(lesson.url)
    page.click("text=Ask about this lesson")
    page.fill("#thread-title", "What does the p-value measure?")
    page.fill("#thread-body", "I read the lesson twice. **Is it** the chance that H0 is true? @instructor")
    page.click(".new-thread button[type=submit]")
    page.wait_for_url("**/discussions/thread/*/")
    thread = Thread.objects.get()
    assert thread.lesson_id == lesson.pk and thread.kind == "question"
    assert page.locator(".post-body strong").inner_text() == "Is it"

    # The instructor answers and marks the answer.
    page.context.clear_cookies()
    sign_in(page, teacher.email)
    page.goto("/messages/notifications/")
    page.click("text=What does the p-value measure?")
    page.fill("#reply-body", "No: it is the chance of data at least this extreme **if** H0 were true.")
    page.click("#reply button[type=submit]")
    answer = Post.objects.order_by("id").last()
    page.locator(f"#post-{answer.pk}").get_by_role("button", name="Mark as answer").click()
    page.wait_for_selector(".post-answer")

    # A classmate replies rudely; the asker reports it.
    page.context.clear_cookies()
    sign_in(page, classmate.email)
    page.goto(thread.get_absolute_url())
    page.fill("#reply-body", "Read the lesson, idiot.")
    page.click("#reply button[type=submit]")
    rude = Post.objects.order_by("id").last()

    page.context.clear_cookies()
    sign_in(page, student.email)
    page.goto("/messages/notifications/")
    assert page.get_by_role("link", name="An answer was accepted in “What does the p-value measure?”").is_visible()
    page.goto(thread.get_absolute_url())
    posts = page.locator(".posts > li")
    assert posts.nth(1).get_attribute("id") == f"post-{answer.pk}"  # pinned under the question
    assert "Accepted answer" in posts.nth(1).inner_text()
    screenshot("discussion-answer-pinned")
    rude_post = page.locator(f"#post-{rude.pk}")
    rude_post.locator("summary", has_text="Report").click()
    rude_post.locator("input[name=reason]").fill("Insulting a classmate")
    rude_post.get_by_role("button", name="Send report").click()
    page.wait_for_selector("text=the course's staff will look at this post")
    report = PostReport.objects.get()

    # A moderator hides it from the Wagtail admin's report queue.
    page.context.clear_cookies()
    sign_in(page, admin_user.email)
    page.goto("/admin/discussion_reports/")
    assert page.get_by_text("Insulting a classmate").is_visible()
    screenshot("discussion-report-queue")
    page.click(f"a[href$='/admin/discussion_reports/edit/{report.pk}/']")
    page.select_option("select[name=status]", "hidden")
    page.fill("textarea[name=moderator_note]", "Personal attack")
    page.locator("form button[type=submit]", has_text="Save").first.click()
    page.wait_for_url("**/admin/discussion_reports/")
    rude.refresh_from_db()
    assert rude.is_hidden

    page.context.clear_cookies()
    sign_in(page, student.email)
    page.goto(thread.get_absolute_url())
    assert page.locator(f"#post-{rude.pk}").count() == 0
    page.goto(lesson.url)
    assert page.get_by_text("What does the p-value measure?").is_visible()
    screenshot("discussion-lesson-panel")
