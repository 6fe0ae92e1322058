"""Tax invoices: sequential numbers without gaps, and the PDF (xhtml2pdf)."""

import io

from django.db import connections, router
from django.db.models import F
from django.template.loader import render_to_string
from xhtml2pdf import pisa

from coursepages.models import PlatformSettings
from payments.models import InvoiceCounter, Order

COUNTER = "tax-invoice"


def invoice_number_allocate() -> int:
    """The next invoice number. Call inside the settle transaction: the counter row stays
    locked until it commits, so numbers follow payments in order and a rollback gives the
    number back (no gaps). One statement, `UPDATE … SET last_number = last_number + 1 …
    RETURNING last_number`, which takes the row lock and counts at once (a concurrent
    settle's UPDATE waits for the commit, then counts from the committed number)."""
    number = _counter_increment()
    if number is None:  # the first invoice of the site: make the row, then count
        InvoiceCounter.objects.get_or_create(name=COUNTER)
        number = _counter_increment()
    return number


def _counter_increment() -> int | None:
    connection = connections[router.db_for_write(InvoiceCounter)]
    if not connection.features.can_return_rows_from_bulk_insert:  # no RETURNING: lock, then count
        counter = InvoiceCounter.objects.select_for_update().filter(name=COUNTER).first()
        if counter is None:
            return None
        InvoiceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
        return counter.last_number + 1
    quote = connection.ops.quote_name
    opts = InvoiceCounter._meta
    number, name = (quote(opts.get_field(field).column) for field in ("last_number", "name"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(opts.db_table)} SET {number} = {number} + 1 WHERE {name} = %s RETURNING {number}",
            [COUNTER],
        )
        row = cursor.fetchone()
    return row[0] if row else None


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
