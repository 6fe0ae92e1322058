"""A moderator hides a spam review from the admin's Reviews screen and deletes a reported
message from the report screen; the course page and the teacher's conversation no longer
show them (production security headers on)."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import User
from learners.enrollment.services import enrollment_create, review_save
from messaging.models import Message
from messaging.services import conversation_start, message_report
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user
from tests.learners.interactive.interactive_helpers import ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_moderator_hides_a_review_and_deletes_a_reported_message(page, screenshot):
    ensure_site_tree()
    teacher = make_user(role=User.Role.INSTRUCTOR, first_name="Tess", last_name="Teacher")
    moderator = make_user(role=User.Role.INSTRUCTOR, first_name="Mo", last_name="Moderator")
    moderator.groups.add(Group.objects.get(name="Moderators"))
    student = make_user(first_name="Sipho", last_name="Student")
    course = make_course(title="Statistics", instructor=teacher, lessons=1)
    enrollment_create(user=student, course=course)
    review_save(user=student, course=course, rating=1, body="Cheap pills at spam.example")
    conversation, message = conversation_start(student=student, teacher=teacher, course=course, body="You are useless")
    report = message_report(message=message, reporter=teacher, reason="Insulting")

    sign_in(page, moderator.email)
    page.goto("/admin/reviews/")
    page.get_by_text("Cheap pills at spam.example").wait_for()
    screenshot("moderation-reviews-list")
    page.goto(f"/admin/reviews/edit/{student.course_reviews.get().pk}/")
    page.select_option("select[name=moderation]", "hidden")
    page.fill("textarea[name=moderation_note]", "Spam link")
    screenshot("moderation-review-edit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/admin/reviews/")

    page.goto(f"/admin/message_reports/edit/{report.pk}/")
    page.select_option("select[name=status]", "resolved")
    page.select_option("select[name=message_action]", "deleted")
    screenshot("moderation-report-edit")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/admin/message_reports/")
    screenshot("moderation-reports-list")
    assert Message.objects.get(pk=message.pk).is_deleted

    page.context.clear_cookies()
    page.goto(course.url)
    assert "spam.example" not in page.content()
    sign_in(page, teacher.email)
    page.goto(f"/messages/{conversation.pk}/")
    assert "You are useless" not in page.content()
    screenshot("moderation-conversation-after")
