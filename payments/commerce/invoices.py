"""Tax invoices: sequential numbers without gaps, and the PDF (xhtml2pdf)."""

import io

from django.template.loader import render_to_string
from xhtml2pdf import pisa

from coursepages.models import PlatformSettings
from payments.models import InvoiceCounter, Order

COUNTER = "tax-invoice"


def invoice_number_allocate() -> int:
    """The next invoice number. Call inside the settle transaction: the counter row stays
    locked until it commits, so numbers follow payments in order and a rollback gives the
    number back (no gaps)."""
    counter = InvoiceCounter.objects.select_for_update().filter(name=COUNTER).first()
    if counter is None:
        InvoiceCounter.objects.get_or_create(name=COUNTER)
        counter = InvoiceCounter.objects.select_for_update().get(name=COUNTER)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def invoice_context(order: Order) -> dict:
    return {
        "order": order,
        "items": list(order.items.all()),
        "platform": PlatformSettings.load(),
        "vat_percent": (order.vat_rate * 100).normalize(),
    }


def invoice_pdf(order: Order) -> bytes:
    """The tax invoice of a paid order as PDF bytes."""
    html = render_to_string("payments/invoice_pdf.html", invoice_context(order))
    buffer = io.BytesIO()
    result = pisa.CreatePDF(html, dest=buffer, encoding="utf-8")
    if result.err:
        raise RuntimeError(f"could not render invoice {order.invoice_label}")
    return buffer.getvalue()
