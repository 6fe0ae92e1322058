"""A student's first hour, in Chromium with the production security headers: the styled
sign-up, the branded verification email, sign in, enroll, finish a text lesson and an H5P
question (the outline's progress moves without a reload), the finish moment with the
certificate, a rating, and the dashboard listing the finished course with its certificate."""

import re
from pathlib import Path

import pytest
from django.core import mail
from django.core.files import File

from certificates.models import Certificate
from coursepages.models import H5PPackage
from learners.interactive.h5p import h5p_package_store
from learners.models import Review
from tests.factories import make_course, text_lesson
from tests.learners.interactive.interactive_helpers import ensure_site_tree, libraries_installed

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = (
    Path(__file__).resolve().parents[2] / "learners" / "interactive" / "demo_content" / "python-lists-true-false.h5p"
)


def _course():
    with open(PACKAGE, "rb") as handle:
        package = h5p_package_store(package=H5PPackage(title="Python lists"), upload=File(handle, name=PACKAGE.name))
    libraries_installed(package)  # an admin approved its library code, as the demo seed does
    return make_course(
        title="Python for Beginners",
        sections=[
            (
                "Getting started",
                [
                    text_lesson("Welcome"),
                    (
                        "Quick check",
                        [("h5p", {"title": "Python lists", "package": package.pk, "completion": "completed"})],
                        {},
                    ),
                ],
            )
        ],
    )


def test_sign_up_enroll_finish_the_course_and_get_the_certificate(page, screenshot):
    ensure_site_tree()
    course = _course()

    page.goto("/accounts/signup/")
    assert (
        page.locator("form.auth-form button.button[type=submit]").count() == 1
    )  # the site's button, not the browser's
    screenshot("first-hour-01-sign-up")
    page.fill("input[name=email]", "amahle@example.test")
    page.fill("input[name=first_name]", "Amahle")
    page.fill("input[name=last_name]", "Zulu")
    page.fill("input[name=password1]", "correct-horse-battery")
    page.fill("input[name=password2]", "correct-horse-battery")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    screenshot("first-hour-02-verification-sent")

    message = mail.outbox[-1]
    assert message.subject.startswith("[Lectern] ")
    assert "Hello Amahle," in message.body and "Welcome to Lectern!" in message.body
    assert "Hello from" not in message.body and "The Lectern team" in message.body
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)
    page.goto("/" + link.split("/", 3)[3])
    screenshot("first-hour-03-confirm-email")
    page.click("form button[type=submit]")
    page.wait_for_load_state()

    page.goto("/accounts/login/")
    screenshot("first-hour-04-sign-in")
    page.fill("input[name=login]", "amahle@example.test")
    page.fill("input[name=password]", "correct-horse-battery")
    page.click("form button[type=submit]")
    page.wait_for_url("**/dashboard/")

    page.goto(course.url)
    page.click("text=Enroll for free")
    page.wait_for_load_state()
    page.locator("main a.button", has_text="Start the course").first.click()
    page.wait_for_load_state()
    assert "Welcome" in page.locator("h1").inner_text()
    page.click("text=Mark complete and continue")
    page.wait_for_load_state()
    assert "Quick check" in page.locator("h1").inner_text()
    assert page.locator("[data-progress-caption]").inner_text() == "1 of 2 lessons done"
    notice = page.locator("#course-finished-notice")
    assert not notice.is_visible()

    frame = page.frame_locator("iframe[id^=h5p-]")
    frame.locator(".h5p-true-false-answer", has_text="True").click()  # one list can hold mixed types
    frame.locator("button", has_text="Check").click()
    notice.wait_for(state="visible")  # no reload: the outline script heard the completion
    assert page.locator("[data-progress-caption]").inner_text() == "2 of 2 lessons done"
    assert page.locator("[data-progress-percent]").inner_text() == "100% complete"
    assert page.locator(".outline-lesson.is-current").get_attribute("data-state") == "done"
    screenshot("first-hour-05-outline-updated-without-reload")

    notice.locator("a").click()
    page.wait_for_url("**/complete/")
    assert "You finished Python for Beginners" in page.content()
    certificate = Certificate.objects.get(user__email="amahle@example.test", course=course)
    share = page.locator("#certificate-share").input_value()
    assert share.endswith(certificate.get_verify_url()) and share.startswith("http")
    pdf = page.request.get(certificate.get_download_url())
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    screenshot("first-hour-06-finish-moment")

    page.check("input[name=rating][value='5']")
    page.fill("#review-body", "Short and clear.")
    page.click("text=Post my review")
    page.wait_for_url("**/complete/")
    assert Review.objects.get(course=course).rating == 5

    page.goto("/dashboard/")
    assert "not enrolled in any course" not in page.content()
    completed = page.locator("#completed-courses + .completed-list")
    assert "Python for Beginners" in completed.inner_text()
    assert completed.locator(f'a[href="{certificate.get_download_url()}"]').count() == 1
    screenshot("first-hour-07-dashboard")

    page.goto(certificate.get_verify_url())
    assert "Python for Beginners" in page.content()

    page.goto("/accounts/2fa/")  # two-factor settings: the same layout and buttons
    assert page.locator("main.auth-main a.button, main.auth-main button.button").count() >= 1
    screenshot("first-hour-09-two-factor")


def test_password_reset_page_uses_the_site_layout(page, screenshot):
    ensure_site_tree()
    page.goto("/accounts/password/reset/")
    assert page.locator("main.auth-main form.auth-form button.button").count() == 1
    screenshot("first-hour-08-password-reset")


def test_the_demo_home_page_and_catalog_show_course_images(page, screenshot):
    from io import StringIO

    from django.core.management import call_command

    ensure_site_tree()
    call_command("seed_demo", stdout=StringIO())
    page.goto("/")
    assert page.locator(".home-hero h1").inner_text() == "Learn skills that pay, at your own pace"
    images = page.locator(".home-section .course-card img.card-image")
    assert images.count() == 3
    assert all(images.nth(i).evaluate("img => img.naturalWidth > 0") for i in range(3))
    screenshot("first-hour-00-home")
    page.goto("/courses/")
    screenshot("first-hour-00-catalog")
