from celery import shared_task


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_discussion_digests(self) -> int:
    """Periodic (celery beat): one email per user listing the discussion posts they were told about."""
    from .services import digests_send

    return digests_send()
