"""Background work for payments: receipts with the PDF tax invoice, what follows a settle
(the instructors' ledger rows, the enrollment notices, the receipt; and their sweep), and the
daily expiry of subscriptions whose paid period is over. All are safe to run twice."""

import logging
from dataclasses import asdict

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.site_url import site_root_url
from payments.commerce.dunning import subscriptions_dunning
from payments.commerce.invoices import invoice_pdf
from payments.commerce.settlement import order_ledger_record, order_settled, orders_ledger_sweep
from payments.commerce.subscriptions import subscriptions_expire
from payments.models import Order

logger = logging.getLogger("payments")


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_receipt_task(self, *, order_id: int) -> bool:
    """Email the receipt with the tax invoice attached, once per order."""
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).select_related("user", "plan").filter(pk=order_id).first()
        if order is None or order.receipt_sent_at or order.invoice_number is None or not order.user.email:
            return False
        context = {"order": order, "items": list(order.items.all()), "user": order.user, "site_url": site_root_url()}
        message = EmailMultiAlternatives(
            subject=f"Your receipt and tax invoice {order.invoice_label}",
            body=render_to_string("payments/emails/receipt.txt", context),
            to=[order.user.email],
        )
        message.attach(f"{order.invoice_label}.pdf", invoice_pdf(order), "application/pdf")
        message.send()
        order.receipt_sent_at = timezone.now()
        order.save(update_fields=["receipt_sent_at"])
    return True


@shared_task(bind=True, autoretry_for=(OSError, DatabaseError), retry_backoff=True, max_retries=5)
def order_settled_task(self, *, order_id: int) -> dict:
    """After a settle commits: the ledger rows of a course order, the buyer's enrollment
    notices, the receipt queued (settlement.order_settled). Idempotent under the order lock."""
    return asdict(order_settled(order_id=order_id))


@shared_task(bind=True, autoretry_for=(OSError, DatabaseError), retry_backoff=True, max_retries=5)
def order_ledger_record_task(self, *, order_id: int) -> int:
    """The instructors' ledger rows of a paid course order. No longer sent (order_settled_task
    writes them); kept registered for messages sent before that change."""
    return order_ledger_record(order_id=order_id)


@shared_task
def orders_ledger_sweep_task() -> int:
    """Periodic (celery beat): paid course orders still without their ledger rows get them."""
    return orders_ledger_sweep()


@shared_task
def subscriptions_expire_task() -> int:
    count = subscriptions_expire()
    if count:
        logger.info("expired %s subscriptions", count)
    return count


@shared_task
def subscriptions_dunning_task() -> dict:
    """Retry failed renewals on the schedule and lapse those whose grace period is over."""
    return subscriptions_dunning()
