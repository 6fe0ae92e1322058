"""With production security headers: statements produced by the real H5P players (Fill in the
Blanks, Mark the Words) in Chromium are graded by the server from their responses; a finished
activity shows the recorded score and a Retry button that starts a new attempt; an instructor's
package with unapproved library code does not play until an admin approves it on the H5P
libraries screen."""

import pytest
from playwright.sync_api import expect

from coursepages.models import H5PLibrary, H5PPackage, LessonPage
from learners.interactive.h5p import h5p_package_store
from learners.models import H5PAttempt, H5PResult, XAPIStatement
from tests.e2e.conftest import sign_in
from tests.factories import make_user
from tests.learners.interactive.interactive_helpers import (
    enrolled,
    ensure_site_tree,
    fixture_upload,
    h5p_course,
    repackaged,
)
from tests.learners.interactive.test_h5p_grading import BERRIES, SUBJUNTIVO

pytestmark = pytest.mark.django_db(transaction=True)


def _select_word(word):
    """Click a Mark the Words word until the player has marked it selected: the player's
    click handler toggles aria-selected, and a click that lands while the iframe is still
    laying out (it resizes itself once the fonts arrive) can miss the word."""
    word.scroll_into_view_if_needed()
    for _ in range(3):
        if word.get_attribute("aria-selected") == "true":
            return
        word.click()
        try:
            expect(word).to_have_attribute("aria-selected", "true", timeout=2_000)
            return
        except AssertionError:
            continue
    expect(word).to_have_attribute("aria-selected", "true")


def test_real_player_answers_are_graded_by_the_server_and_retry_starts_a_new_attempt(page, screenshot):
    ensure_site_tree()
    blanks = repackaged("H5P.Blanks 1.12", BERRIES, title="Berries")
    mark = repackaged("H5P.MarkTheWords 1.9", SUBJUNTIVO, title="Subjuntivo")
    course, lesson, blanks_id = h5p_course(
        blanks, extra_items=[("h5p", {"title": "Mark the verbs", "package": mark.pk, "completion": "completed"})]
    )
    mark_id = LessonPage.objects.get(pk=lesson.pk).body[1].id
    student = enrolled(make_user(first_name="Bea"), course)
    sign_in(page, student.email)
    page.goto(LessonPage.objects.get(pk=lesson.pk).url)

    frame = page.frame_locator(f"#h5p-{blanks_id}")
    inputs = frame.locator("input.h5p-text-input")
    inputs.first.wait_for()
    for index, text in enumerate(["blue", "cloud", "red"]):  # not case sensitive; the third is wrong
        inputs.nth(index).fill(text)
    frame.locator("button", has_text="Check").click()
    status = page.locator(f'[data-h5p-status="{blanks_id}"]')
    status.filter(has_text="2 of 3").wait_for()

    words = page.frame_locator(f"#h5p-{mark_id}")
    for word in ("tuviéramos", "compraríamos", "nuevo"):  # two right, one wrong: 2 − 1
        _select_word(words.locator("[role=option]", has_text=word).first)
    words.locator("button", has_text="Check").click()
    mark_status = page.locator(f'[data-h5p-status="{mark_id}"]')
    expect(mark_status).to_contain_text("1 of 6", timeout=15_000)
    screenshot("h5p-blanks-and-mark-the-words-graded")

    sent = XAPIStatement.objects.filter(user=student, block_id=blanks_id, verb__endswith="/answered").first()
    assert sent.statement["result"]["response"] == "blue[,]cloud[,]red"  # the real player's format
    marked = XAPIStatement.objects.filter(user=student, block_id=mark_id, verb__endswith="/answered").first()
    assert marked.statement["result"]["response"] == "4[,]7[,]12"
    assert H5PResult.objects.get(user=student, block_id=blanks_id).score_raw == 2
    assert H5PResult.objects.get(user=student, block_id=mark_id).score_raw == 1

    # Reload: the recorded score and a Retry button; the player loads only on Retry.
    page.reload()
    status = page.locator(f'[data-h5p-status="{blanks_id}"]')
    assert "Your recorded score: 2 of 3." in status.inner_text()
    assert page.locator(f"#h5p-{blanks_id}").is_hidden()
    attempts = H5PAttempt.objects.filter(user=student, block_id=blanks_id).count()
    page.locator(f'[data-h5p-retry="{blanks_id}"]').click()
    inputs = page.frame_locator(f"#h5p-{blanks_id}").locator("input.h5p-text-input")
    inputs.first.wait_for()
    assert H5PAttempt.objects.filter(user=student, block_id=blanks_id).count() == attempts + 1
    for index, text in enumerate(["blue", "cloud", "black"]):
        inputs.nth(index).fill(text)
    page.frame_locator(f"#h5p-{blanks_id}").locator("button", has_text="Check").click()
    status.filter(has_text="3 of 3").wait_for()
    screenshot("h5p-retry-full-marks")
    result = H5PResult.objects.get(user=student, block_id=blanks_id)
    assert (result.score_raw, result.attempts, result.success) == (3, 2, True)


def test_unapproved_library_code_waits_for_an_admin_on_the_libraries_screen(page, screenshot):
    ensure_site_tree()
    instructor = make_user(role="instructor", first_name="Ivo")
    admin = make_user(role="admin", first_name="Ada", is_superuser=True, is_staff=True)
    with fixture_upload("H5P.TrueFalse.h5p") as upload:
        package = h5p_package_store(package=H5PPackage(title="Oslo"), upload=upload, user=instructor)
    course, lesson, block_id = h5p_course(package)
    student = enrolled(make_user(first_name="Sol"), course)

    sign_in(page, student.email)
    page.goto(LessonPage.objects.get(pk=lesson.pk).url)
    page.get_by_text("waiting for an administrator to approve").wait_for()
    assert page.locator("iframe.h5p-player").count() == 0
    screenshot("h5p-library-pending-student")
    page.context.clear_cookies()

    sign_in(page, admin.email)
    page.goto("/admin/snippets/coursepages/h5plibrary/")
    page.locator("table td", has_text="Pending approval").first.wait_for()
    assert instructor.email in page.content()
    screenshot("h5p-libraries-admin-pending")
    for library in H5PLibrary.objects.all():
        page.goto(f"/admin/snippets/coursepages/h5plibrary/edit/{library.pk}/")
        page.select_option("select[name=status]", "approved")
        page.locator("button[type=submit]", has_text="Save").first.click()
        page.wait_for_url("**/h5plibrary/")
    assert set(H5PLibrary.objects.values_list("status", flat=True)) == {"approved"}
    screenshot("h5p-libraries-admin-approved")
    page.context.clear_cookies()

    sign_in(page, student.email)
    page.goto(LessonPage.objects.get(pk=lesson.pk).url)
    page.frame_locator(f"#h5p-{block_id}").locator(".h5p-true-false-answer", has_text="Yes").click()
    page.frame_locator(f"#h5p-{block_id}").locator("button", has_text="Check").click()
    page.locator(f'[data-h5p-status="{block_id}"]').filter(has_text="1 of 1").wait_for()
