"""A student finishes a course, downloads the certificate from /certificates/, and a
stranger checks its code on the public verification page."""

import io

import pytest
from pypdf import PdfReader

from certificates.models import Certificate
from tests.certificates.helpers import complete_course
from tests.e2e.conftest import sign_in
from tests.factories import make_user

# Transactional: tests/conftest.py rebuilds the migrated site tree after earlier flushes.
pytestmark = pytest.mark.django_db(transaction=True)


def test_student_downloads_a_certificate_and_anyone_can_verify_it(page, screenshot):
    student = make_user(email="thabo@example.test", first_name="Thabo", last_name="Nkosi")
    complete_course(student=student, title="Beekeeping Basics")  # the completion hook issues the certificate
    certificate = Certificate.objects.get(user=student)

    sign_in(page, "thabo@example.test")
    page.goto("/certificates/")
    assert page.get_by_role("heading", name="Beekeeping Basics").is_visible()
    assert page.get_by_text(certificate.display_code).is_visible()
    screenshot("certificates-list")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF certificate for Beekeeping Basics").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf") and "beekeeping-basics" in download.suggested_filename
    text = PdfReader(io.BytesIO(open(download.path(), "rb").read())).pages[0].extract_text()
    assert "Thabo Nkosi" in text and "Beekeeping Basics" in text and certificate.display_code in text

    # A stranger (signed out) types the code as they read it off the paper.
    page.context.clear_cookies()
    page.goto("/")
    page.get_by_role("link", name="Verify a certificate").click()
    page.get_by_label("Verification code").fill(certificate.display_code.lower().replace("-", " "))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"**/certificates/verify/{certificate.display_code}/")
    verdict = page.locator("[data-verdict]")
    assert verdict.get_attribute("data-verdict") == "valid"
    assert "Thabo Nkosi" in verdict.inner_text() and "Beekeeping Basics" in verdict.inner_text()
    screenshot("certificate-verified")

    page.get_by_label("Verification code").fill("ABCDE-FGHJK-LMNPQ")
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/certificates/verify/ABCDE-FGHJK-LMNPQ/")
    assert page.locator("[data-verdict]").get_attribute("data-verdict") == "unknown"
    page.set_viewport_size({"width": 390, "height": 800})
    screenshot("certificate-unknown-mobile")
