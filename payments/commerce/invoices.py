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


def order_invoice_number_save(*, order: Order, fields: tuple[str, ...]) -> None:
    """Give `order` the next invoice number and save it with its `fields`, under the rules of
    `invoice_number_allocate` (the caller holds the order's lock, inside the settle's
    transaction). On PostgreSQL one statement, built once per process: `WITH n AS (UPDATE
    counter … RETURNING last_number) UPDATE order SET …, invoice_number = n.last_number FROM
    n`, so the counter row's lock is taken and the order written in one round trip; elsewhere
    the number, then the order's save."""
    connection = connections[router.db_for_write(Order)]
    if connection.vendor != "postgresql":
        order.invoice_number = invoice_number_allocate()
        order.save(update_fields=[*fields, "invoice_number"])
        return
    for _ in range(2):
        number = _counter_increment_into_order(connection, order=order, fields=fields)
        if number is not None:
            order.invoice_number = number
            return
        InvoiceCounter.objects.get_or_create(name=COUNTER)  # the first invoice of the site
    raise Order.DoesNotExist(f"order {order.pk} is gone")


_numbered_order_sql: dict[tuple, str] = {}


def _counter_increment_into_order(connection, *, order: Order, fields: tuple[str, ...]) -> int | None:
    """The numbered order's invoice number, None when no counter row was there to count."""
    order_fields = [Order._meta.get_field(name) for name in fields]
    key = (connection.alias, tuple(fields))
    sql = _numbered_order_sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        counter, number, name = (
            quote(InvoiceCounter._meta.db_table),
            quote(InvoiceCounter._meta.get_field("last_number").column),
            quote(InvoiceCounter._meta.get_field("name").column),
        )
        table, invoice = quote(Order._meta.db_table), quote(Order._meta.get_field("invoice_number").column)
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in order_fields)
        sql = _numbered_order_sql[key] = (
            f"WITH n AS (UPDATE {counter} SET {number} = {number} + 1 WHERE {name} = %s RETURNING {number}) "
            f"UPDATE {table} SET {assignments}, {invoice} = n.{number} FROM n "
            f"WHERE {table}.{quote(Order._meta.pk.column)} = %s RETURNING {table}.{invoice}"
        )
    values = [field.get_db_prep_save(getattr(order, field.attname), connection) for field in order_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [COUNTER, *values, order.pk])
        row = cursor.fetchone()
    return row[0] if row else None


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
