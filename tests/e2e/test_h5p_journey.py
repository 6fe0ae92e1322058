"""With production security headers, a student opens a lesson with an H5P True/False question, answers it in the real
h5p-standalone player (served from our static files and the access-checked package view),
and the lesson completes from the player's xAPI statement."""

import re

import pytest

from coursepages.models import LessonPage
from learners.models import BlockCompletion, H5PResult, LessonProgress, XAPIStatement
from tests.e2e.conftest import sign_in
from tests.factories import make_user
from tests.learners.interactive.interactive_helpers import enrolled, ensure_site_tree, h5p_course, stored_package

pytestmark = pytest.mark.django_db(transaction=True)


def test_student_answers_true_false_and_the_lesson_completes(page, screenshot):
    ensure_site_tree()
    package = stored_package("H5P.TrueFalse.h5p")
    course, lesson, block_id = h5p_course(package)
    student = enrolled(make_user(first_name="Hana"), course)

    fonts, failed = [], []
    page.on(
        "response", lambda r: fonts.append((r.url, r.status)) if re.search(r"\.(woff2?|ttf)(\?|$)", r.url) else None
    )
    page.on("requestfailed", lambda r: failed.append(r.url))
    sign_in(page, student.email)
    page.goto(LessonPage.objects.get(pk=lesson.pk).url)
    frame = page.frame_locator(f"#h5p-{block_id}")
    frame.locator(".h5p-true-false-answer", has_text="Yes").click()  # Oslo is the capital of Norway
    frame.locator("button", has_text="Check").click()

    status = page.locator(f'[data-h5p-status="{block_id}"]')
    status.filter(has_text="Activity complete").wait_for()
    assert "1 of 1" in status.inner_text()
    screenshot("h5p-true-false-answered")
    # The sandboxed (opaque-origin) player loaded its fonts, H5P's and the package's, over CORS.
    assert fonts and all(status == 200 for _, status in fonts), fonts
    assert not [url for url in failed if re.search(r"\.(woff2?|ttf|css)(\?|$)", url)], failed

    result = H5PResult.objects.get(user=student, lesson=lesson, block_id=block_id)
    assert (result.score_raw, result.score_max, result.success, result.completion) == (1, 1, True, True)
    assert XAPIStatement.objects.filter(user=student, verb__endswith="/answered").exists()
    assert BlockCompletion.objects.filter(enrollment__user=student, block_id=block_id, score_percent=100).exists()
    assert LessonProgress.objects.get(enrollment__user=student, lesson=lesson).status == "completed"
