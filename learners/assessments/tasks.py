"""Learning background work (idempotent, retried with backoff)."""

from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def quiz_attempt_expire_task(*, attempt_id: int):
    """At a timed attempt's deadline (plus grace): submit it with the answers saved so far."""
    from learners.assessments.quiz import quiz_attempt_expire

    attempt = quiz_attempt_expire(attempt_id=attempt_id)
    return bool(attempt and attempt.auto_submitted)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def quiz_attempts_expire_overdue_task():
    """Periodic sweep (celery beat) for timed attempts whose countdown task was lost."""
    from learners.assessments.quiz import quiz_attempts_expire_overdue

    return quiz_attempts_expire_overdue()
