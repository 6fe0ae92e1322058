from celery import shared_task

from .services import reminders_send_due


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_live_reminders(self) -> int:
    """Run by celery beat every minute; a reminder is claimed before it is sent, so a rerun
    or a concurrent run never sends it twice."""
    return reminders_send_due()
