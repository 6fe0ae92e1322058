"""Celery tasks of the earnings ledger (run by celery beat)."""

from celery import shared_task

from payments.earnings.ledger import ledger_release_due
from payments.earnings.subscriptions import subscription_periods_close


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def earnings_release_due(self) -> int:
    """Make earnings whose hold has passed available. Idempotent: a released row is not
    released again, so a retry or a second beat tick does nothing more."""
    return ledger_release_due()


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def subscription_periods_close_task(self) -> int:
    """Split the instructor pool of every subscription period that has ended. Idempotent: a
    closed period is not split again."""
    return subscription_periods_close()
