"""Render a certificate to PDF with xhtml2pdf: the snapshot's wording, the template's look,
and a QR code that opens the public verification page."""

import base64
import io
import logging

import qrcode
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe
from xhtml2pdf import pisa

from .codes import format_code

logger = logging.getLogger(__name__)


class CertificateRenderError(Exception):
    """xhtml2pdf reported errors: the PDF would be incomplete."""


def verification_url(code: str) -> str:
    from django.urls import reverse

    from core.site_url import absolute_url

    return absolute_url(reverse("certificates:verify_code", args=[format_code(code)]))


def qr_png(data: str) -> bytes:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def _data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _image_data_uri(image_id: int | None, spec: str) -> str:
    """A Wagtail image as an inline data URI (works with local files and S3 alike)."""
    if not image_id:
        return ""
    from wagtail.images.models import Image

    image = Image.objects.filter(pk=image_id).first()
    if not image:
        return ""
    try:
        rendition = image.get_rendition(spec)
        with rendition.file.open("rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        logger.warning("certificate image %s could not be read", image_id)
        return ""
    mime = "image/jpeg" if rendition.file.name.lower().endswith((".jpg", ".jpeg")) else "image/png"
    return _data_uri(data, mime)


def body_html(body: str, values: dict) -> str:
    """The template body with its placeholders filled in; every value is HTML-escaped."""
    escaped = {key: escape(str(value)) for key, value in values.items()}
    return mark_safe(escape(body).format_map(escaped).replace("\n", "<br>"))  # noqa: S308


def format_hours(hours) -> str:
    text = f"{hours:.1f}"
    return text[:-2] if text.endswith(".0") else text


def placeholder_values(certificate) -> dict:
    return {
        "student_name": certificate.student_name,
        "course_title": certificate.course_title,
        "completion_date": f"{certificate.completed_on:%-d %B %Y}",
        "hours": format_hours(certificate.hours),
        "code": certificate.display_code,
    }


def certificate_html(certificate) -> str:
    design = certificate.design or {}
    url = verification_url(certificate.code)
    context = {
        "certificate": certificate,
        "design": design,
        "values": placeholder_values(certificate),
        "body": body_html(design.get("body", ""), placeholder_values(certificate)),
        "verification_url": url,
        "qr": _data_uri(qr_png(url)),
        "logo": _image_data_uri(design.get("logo_id"), "max-400x160"),
        "signature": _image_data_uri(design.get("signature_image_id"), "max-400x120"),
    }
    return render_to_string("certificates/pdf.html", context)


def render_certificate_pdf(certificate) -> bytes:
    buffer = io.BytesIO()
    result = pisa.CreatePDF(certificate_html(certificate), dest=buffer, encoding="utf-8")
    if result.err:
        raise CertificateRenderError(f"xhtml2pdf reported {result.err} error(s) for certificate {certificate.pk}")
    return buffer.getvalue()
