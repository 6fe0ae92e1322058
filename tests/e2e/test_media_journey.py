"""A student reads a paid course's PDF in the page (pdf.js, through the access-checked
view) and downloads it; the download is counted."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents.models import Document
from xhtml2pdf import pisa

from coursepages.models import LessonPage
from learners.models import DocumentDownload
from tests.e2e.conftest import sign_in
from tests.factories import make_course, make_user
from tests.learners.interactive.interactive_helpers import enrolled, ensure_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


def test_student_previews_and_downloads_a_lesson_pdf(page, screenshot):
    ensure_site_tree()
    buffer = io.BytesIO()
    pisa.CreatePDF(
        "<h1>VAT cheat sheet</h1><p>VAT = gross × 15 / 115.</p><pdf:nextpage /><h1>Page two</h1>", dest=buffer
    )
    document = Document.objects.create(
        title="VAT cheat sheet", file=SimpleUploadedFile("vat-cheat-sheet.pdf", buffer.getvalue())
    )
    course = make_course(
        pricing="one_time",
        price_cents=1000,
        sections=[
            (
                "Read",
                [
                    (
                        "Reading",
                        [
                            (
                                "document",
                                {
                                    "title": "VAT cheat sheet",
                                    "document": document.pk,
                                    "show_preview": True,
                                    "allow_download": True,
                                },
                            )
                        ],
                        {},
                    )
                ],
            )
        ],
    )
    lesson = LessonPage.objects.get(pk=course.lessons().get().pk)
    block_id = lesson.body[0].id
    student = enrolled(make_user(), course)

    sign_in(page, student.email)
    page.goto(lesson.url)
    page.locator("[data-pdf-viewer][data-ready=true]").wait_for()
    assert page.locator("[data-pdf-page]").inner_text() == "Page 1 of 2"
    page.click("text=Next page")
    page.locator("[data-pdf-page]", has_text="Page 2 of 2").wait_for()
    screenshot("pdf-preview")

    with page.expect_download() as download:
        page.click("[data-document-download]")
    assert download.value.suggested_filename == "vat-cheat-sheet.pdf"
    assert DocumentDownload.objects.get(user=student, block_id=block_id).count == 1
