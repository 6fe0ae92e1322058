"""The PDF: the snapshot's wording with placeholders filled, the code printed, and a QR
code that decodes to the public verification URL."""

import datetime
from decimal import Decimal

import pytest
import zxingcpp
from pypdf import PdfReader

from certificates.models import Certificate, CertificateTemplate
from certificates.pdf import render_certificate_pdf
from certificates.services import _design_snapshot
from core.site_url import site_address_set

pytestmark = pytest.mark.django_db


def _certificate(student, **design):
    template = CertificateTemplate(name="T", signer_name="Ayanda Admin", signer_title="Head of Academy", **design)
    return Certificate.objects.create(
        code="ABCDEFGHJKLMNPQ",
        user=student,
        student_name="Zoë <b>Mokoena</b>",
        course_title="Bread & Butter",
        hours=Decimal("12.5"),
        completed_on=datetime.date(2026, 3, 4),
        design=_design_snapshot(template),
    )


def _read(pdf_bytes):
    import io

    return PdfReader(io.BytesIO(pdf_bytes)).pages[0]


def test_pdf_prints_the_snapshot_text_with_placeholders_filled_and_the_code(student):
    page = _read(render_certificate_pdf(_certificate(student)))
    text = " ".join(page.extract_text().split())
    assert "Certificate of Completion" in text
    assert "This certifies that Zoë <b>Mokoena</b> completed Bread & Butter on 4 March 2026, about 12.5 hours" in text
    assert "ABCDE-FGHJK-LMNPQ" in text
    assert "Ayanda Admin" in text and "Head of Academy" in text


def test_pdf_qr_code_and_verify_text_use_the_sites_address(student):
    site_address_set(url="http://127.0.0.1:8101")  # `make run PORT=8101`
    page = _read(render_certificate_pdf(_certificate(student)))
    decoded = [result.text for image in page.images for result in zxingcpp.read_barcodes(image.image)]
    assert decoded == ["http://127.0.0.1:8101/certificates/verify/ABCDE-FGHJK-LMNPQ/"]
    assert "Verify at http://127.0.0.1:8101/certificates/verify/ABCDE-FGHJK-LMNPQ/" in " ".join(
        page.extract_text().split()
    )


def test_custom_body_and_heading_are_used(student):
    certificate = _certificate(
        student, heading="Award of Merit", body="{student_name} finished {course_title} ({hours} h) — code {code}."
    )
    text = " ".join(_read(render_certificate_pdf(certificate)).extract_text().split())
    assert "Award of Merit" in text
    assert "Zoë <b>Mokoena</b> finished Bread & Butter (12.5 h) — code ABCDE-FGHJK-LMNPQ." in text
