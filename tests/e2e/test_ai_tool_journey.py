"""A student works through the demo AI tool (served by this site) in its sandboxed iframe;
the tool validates its launch token, reports completion, and the lesson completes. A
completion message from an origin the block does not allow is ignored."""

import time

import pytest

from coursepages.models import LessonPage
from learners.models import AIToolSession, LessonProgress
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user
from tests.learners.interactive.interactive_helpers import enrolled, ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


def _vat(price_cents: int) -> str:
    cents = (price_cents * 15 * 2 + 115) // (2 * 115)
    return f"{cents / 100:.2f}"


def _tool_course(tool_url="/ai-tools/demo/", allowed_origin=""):
    course = make_course(
        pricing="one_time",
        price_cents=49900,
        sections=[
            (
                "Tools",
                [
                    (
                        "Practice with the tutor",
                        [
                            (
                                "ai_tool",
                                {
                                    "title": "VAT practice tutor",
                                    "tool_url": tool_url,
                                    "allowed_origin": allowed_origin,
                                    "parameters": [{"name": "topic", "value": "vat"}],
                                    "permissions": ["read_profile", "report_score"],
                                    "completion_rule": "min_score",
                                    "min_score": 60,
                                    "height": 560,
                                },
                            )
                        ],
                        {},
                    )
                ],
            )
        ],
    )
    lesson = course.lessons().specific().get()
    return course, LessonPage.objects.get(pk=lesson.pk), lesson.body[0].id


def test_student_finishes_the_demo_tool_and_the_lesson_completes(page, screenshot):
    ensure_site_tree()
    course, lesson, block_id = _tool_course()
    student = enrolled(make_user(first_name="Lindiwe"), course)
    sign_in(page, student.email)
    page.goto(lesson.url)

    tool = page.frame_locator(f'[data-ai-tool-frame="{block_id}"]')
    tool.locator("#greeting", has_text="Hi Lindiwe").wait_for()
    questions = tool.locator(".vat-question")
    for index in range(questions.count()):
        price = int(questions.nth(index).locator("[data-price]").get_attribute("data-price"))
        questions.nth(index).locator("input").fill(_vat(price))
    tool.locator("button", has_text="Check my answers").click()
    tool.locator("#result", has_text="activity is complete").wait_for()

    status = page.locator(f'[data-ai-tool-status="{block_id}"]')
    status.filter(has_text="Activity complete").wait_for()
    assert "Score: 100%" in status.inner_text() and "Lesson complete" in status.inner_text()
    screenshot("ai-tool-demo-completed")

    session = AIToolSession.objects.get(user=student)
    assert (session.status, session.score, session.activity_completed) == ("completed", 100, True)
    assert len(session.data["answers"]) == 5
    assert LessonProgress.objects.get(enrollment__user=student, lesson=lesson).status == "completed"


def test_a_completion_message_from_a_wrong_origin_is_ignored(page):
    ensure_site_tree()
    # The block only trusts completion messages from tutor.example.
    course, lesson, block_id = _tool_course(
        tool_url="https://tool.example/launch", allowed_origin="https://tutor.example"
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
