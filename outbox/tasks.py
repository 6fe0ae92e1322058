from celery import shared_task
from django.db import DatabaseError


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def outbox_flush_task() -> int:
    """Periodic (celery beat): send the tasks stored while the broker was unreachable."""
    from .services import outbox_flush

    return outbox_flush()
