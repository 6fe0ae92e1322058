"""A student chats with the demo AI tutor, an LTI 1.3 tool served by this site, in the
lesson's sandboxed iframe: the launch goes through OIDC login and a verified id_token, the
tutor grades the answers on its server and posts the score by AGS, and the lesson completes
(shown at once and again after a reload). A completion message from an origin the block does
not allow is ignored."""

import time

import pytest

from coursepages.models import LessonPage
from demotool.services import PRICES, vat_part
from learners.interactive.demo import demo_tutor_tool, tutor_block
from learners.models import AIToolSession, LessonProgress, LTIScore
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user
from tests.learners.interactive.interactive_helpers import enrolled, ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


def _tool_course(value):
    course = make_course(
        pricing="one_time",
        price_cents=49900,
        sections=[("Tools", [("Practice with the tutor", [("ai_tool", value)], {})])],
    )
    lesson = course.lessons().specific().get()
    return course, LessonPage.objects.get(pk=lesson.pk), lesson.body[0].id


def test_student_chats_with_the_demo_tutor_and_the_lesson_completes(page, screenshot):
    ensure_site_tree()
    course, lesson, block_id = _tool_course(tutor_block(demo_tutor_tool()))
    student = enrolled(make_user(first_name="Lindiwe"), course)
    sign_in(page, student.email)
    page.goto(lesson.url)

    tutor = page.frame_locator(f'[data-ai-tool-frame="{block_id}"]')
    tutor.locator(".tutor-transcript", has_text="Hi Lindiwe!").wait_for()

    def say(text):
        count = tutor.locator(".tutor-message").count()
        tutor.locator("#tutor-message").fill(text)
        tutor.locator("button", has_text="Send").click()
        tutor.locator(".tutor-message").nth(count + 1).wait_for()

    say("hint")
    tutor.locator(".tutor-transcript", has_text="VAT = price × 15 ÷ 115").wait_for()
    for price in PRICES:
        say(str(vat_part(price)))
    tutor.locator(".tutor-result", has_text="Score sent to your course: 3 of 3").wait_for()

    status = page.locator(f'[data-ai-tool-status="{block_id}"]')
    status.filter(has_text="Activity complete").wait_for()
    assert "Score: 100%" in status.inner_text() and "Lesson complete" in status.inner_text()
    screenshot("ai-tool-demo-tutor-completed")

    score = LTIScore.objects.get(user=student)
    assert (score.score_given, score.score_maximum, score.activity_completed) == (3, 3, True)
    assert not AIToolSession.objects.exists()  # no browser-held token was ever issued
    assert LessonProgress.objects.get(enrollment__user=student, lesson=lesson).status == "completed"

    page.reload()
    assert page.locator(f'[data-ai-tool-status="{block_id}"]').get_attribute("data-state") == "completed"


def test_a_completion_message_from_a_wrong_origin_is_ignored(page):
    ensure_site_tree()
    # A tool without LTI; the block only trusts completion messages from tutor.example.
    course, lesson, block_id = _tool_course(
        {
            "title": "External tool",
            "tool_url": "https://tool.example/launch",
            "allowed_origin": "https://tutor.example",
            "completion_rule": "complete",
            "height": 560,
        }
    )
    student = enrolled(make_user(), course)
    fake_tool = (
        "<!doctype html><title>Fake tool</title><p id=ready>ready</p><script>"
        "parent.postMessage({type: 'lectern:ai-tool:completed', score: 100}, '*');</script>"
    )
    launches = []

    def launch_then_fake_tool(route):
        # Our launch view runs for real (session row, redirect with the token); instead of
        # following the redirect to the internet, the frame gets a tool that posts a
        # completion message at once. Its origin (this site) is not the allowed one.
        response = route.fetch(max_redirects=0)
        launches.append(response.headers.get("location", ""))
        route.fulfill(status=200, content_type="text/html", body=fake_tool)

    page.route("**/ai-tools/launch/**", launch_then_fake_tool)
    status_requests = []
    page.on("request", lambda request: "/ai-tools/status/" in request.url and status_requests.append(request.url))
    sign_in(page, student.email)
    page.goto(lesson.url)
    page.frame_locator(f'[data-ai-tool-frame="{block_id}"]').locator("#ready").wait_for()
    # A message from the page itself (not the tool's frame) is ignored as well.
    page.evaluate("window.postMessage({type: 'lectern:ai-tool:completed', score: 100}, '*')")
    time.sleep(1.5)

    assert launches and launches[0].startswith("https://tool.example/launch?token=")
    assert status_requests == []
    assert page.locator(f'[data-ai-tool-status="{block_id}"]').get_attribute("data-state") == "waiting"
    assert AIToolSession.objects.get(user=student).status == "launched"
    assert not LessonProgress.objects.filter(enrollment__user=student, status="completed").exists()
