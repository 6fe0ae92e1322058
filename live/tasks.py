from celery import shared_task

from .meetings import MeetingError
from .services import reminders_send_due, session_meeting_delete


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_live_reminders(self) -> int:
    """Run by celery beat every minute; a reminder is claimed before it is sent, so a rerun
    or a concurrent run never sends it twice."""
    return reminders_send_due()


@shared_task(bind=True, autoretry_for=(OSError, MeetingError), retry_backoff=True, max_retries=8)
def delete_cancelled_meeting(self, session_id: int) -> bool:
    """Delete the Zoom meeting of a cancelled class; safe to run twice (the session records
    the deletion, and a meeting Zoom no longer has counts as deleted)."""
    return session_meeting_delete(session_id=session_id)
