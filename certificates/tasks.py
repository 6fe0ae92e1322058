from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from .pdf import CertificateRenderError


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(DatabaseError, OSError, CertificateRenderError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def certificate_issue_task(self, *, enrollment_id: int):
    """Issue (or finish issuing) the certificate of a completed enrollment. Idempotent:
    acks_late means a worker that dies mid-way leaves the message to run again."""
    from .services import certificate_issue

    certificate = certificate_issue(enrollment_id=enrollment_id)
    return certificate.pk if certificate else None


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def certificates_issue_missing_task() -> int:
    """Periodic sweep (celery beat) for completed enrollments whose issue task was lost."""
    from .services import certificates_issue_missing

    grace = timedelta(seconds=settings.CERTIFICATE_SWEEP_GRACE_SECONDS)
    return certificates_issue_missing(completed_before=timezone.now() - grace)
