"""Celery tasks of the earnings ledger (run by celery beat)."""

from celery import shared_task

from payments.earnings.ledger import ledger_release_due


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def earnings_release_due(self) -> int:
    """Make earnings whose hold has passed available. Idempotent: a released row is not
    released again, so a retry or a second beat tick does nothing more."""
    return ledger_release_due()
